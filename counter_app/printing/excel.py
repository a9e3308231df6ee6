"""The one Excel writer all exports use: a titled, filterable, printable sheet streamed row by row.

What a supervisor expects when opening or printing an export: a title row and rows describing the
filters, a frozen header with autofilter, sensible column widths, real dates and numbers (not
text), Chinese sheet names, A4 landscape fitted to the page width with the header row repeated and
"第 x 页 共 y 页" in the footer, and a totals row where it makes sense.

The workbook is written in openpyxl's write-only mode, so memory stays flat however many rows come
in; rows may be any iterable (a generator over a database cursor). Personal data must be masked
*before* rows reach this module: it writes what it is given.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet import _writer as openpyxl_writer
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from counter_app.infra import private_files
from counter_app.printing.columns import (
    SUBTOTAL_FUNCTIONS,
    Cancelled,
    Column,
    display_width,
)

PAGE_FOOTER = "第 &P 页 共 &N 页"
MAX_CELL_TEXT = 32767
PROGRESS_EVERY = 500
LINE_HEIGHT = 13.5  # points per line of the 10 pt body font
MAX_WRAP_LINES = 6

_FONT = "等线"  # Excel's default CJK font; LibreOffice substitutes an installed CJK font
_thin = Side(style="thin", color="808080")
_BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_TITLE_FONT = Font(name=_FONT, size=16, bold=True)
_NOTE_FONT = Font(name=_FONT, size=10, color="404040")
_HEADER_FONT = Font(name=_FONT, size=11, bold=True)
_BODY_FONT = Font(name=_FONT, size=10)
_TOTAL_FONT = Font(name=_FONT, size=10, bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


@dataclass
class SheetSpec:
    """One sheet: ``rows`` yields sequences in column order (None leaves a cell empty).

    ``totals``: False for none; True for a row with the label, the row count and SUBTOTAL formulas
    of the columns that ask for one; or a sequence of ready values (e.g. a weighted average that a
    formula over the rows could not give). ``footer_lines`` follow the table (signature lines)."""

    name: str
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    notes: Sequence[str] = ()
    totals: bool | Sequence[Any] = False
    total_label: str = "合计"
    footer_lines: Sequence[str] = ()
    freeze_columns: int = 0
    header_note: str = ""  # printed at the top right of every page
    _written: int = field(default=0, init=False, repr=False)


def _text_units(text: str) -> float:
    """Printed width of body text (10 pt) in column units: a CJK glyph ≈ 1.9, Latin/digits ≈ 0.9.
    A CJK character is three bytes in UTF-8, ASCII one: counting bytes is a C loop, not a Python
    one per character (it ran for every wrapped cell of every row)."""
    wide = (len(text.encode("utf-8", "surrogatepass")) - len(text)) / 2
    return 0.9 * len(text) + wide


def sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique sheet name (≤ 31 characters, none of []:*?/\\)."""
    clean = _INVALID_SHEET_CHARS.sub("_", name).strip("'") or "Sheet"
    clean = clean[:31]
    existing = {t.lower() for t in taken}
    candidate, n = clean, 2
    while candidate.lower() in existing:
        suffix = f"({n})"
        candidate = clean[: 31 - len(suffix)] + suffix
        n += 1
    return candidate


def clean_text(value: str) -> str:
    """Remove characters XML cannot hold and cut to Excel's cell limit."""
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    return text[:MAX_CELL_TEXT]


def _private_sheet_file(suffix: str = "") -> str:
    """openpyxl's per-sheet temporary file, in the app's owner-only temp folder (see private_files)."""
    name = private_files.private_temp_file(suffix)
    openpyxl_writer.ALL_TEMP_FILES.append(name)
    return name


# openpyxl has no setting for where write-only sheets are buffered; its module-level factory is the
# one place to say it (checked against openpyxl 3.1: WorksheetWriter calls it without arguments).
openpyxl_writer.create_temporary_file = _private_sheet_file


def write_xlsx(
    target: str | Path | IO[bytes],
    sheets: Sequence[SheetSpec],
    *,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[int]:
    """Write the sheets to ``target``; returns the number of data rows per sheet.

    ``progress(rows_so_far)`` is called every few hundred rows; when ``cancelled()`` turns true the
    writing stops with :class:`Cancelled` (nothing usable has been saved to ``target`` then, but a
    path target may hold a partial file: the caller writes to a temporary file and moves it)."""
    if not sheets:
        raise ValueError("no sheets")
    private_files.sweep_stale_temp()
    if isinstance(target, str | Path):
        private_files.create_private(target)  # owner-only before a single cell is written
    wb = Workbook(write_only=True)
    counts: list[int] = []
    done_before = 0
    taken: list[str] = []
    try:
        for spec in sheets:
            name = sheet_name(spec.name, taken)
            taken.append(name)
            ws = wb.create_sheet(title=name)
            ws._values_to_row = _cells_to_row  # rows here are always ready cells: skip openpyxl's guessing
            n = _write_sheet(ws, spec, progress=progress, cancelled=cancelled, offset=done_before)
            counts.append(n)
            done_before += n
    except BaseException:
        _discard(wb)
        raise
    wb.save(target)
    return counts


def _cells_to_row(cells, row_idx: int):
    """Stand-in for WriteOnlyWorksheet._values_to_row: position the prepared cells and hand them
    to the writer, which serialises them at once (so the per-column cells can be re-filled)."""
    for col_idx, cell in enumerate(cells, 1):
        if cell is None:
            continue
        cell.row, cell.column = row_idx, col_idx
        yield cell


def _discard(wb: Workbook) -> None:
    """Close the half-written sheets and remove openpyxl's temporary files."""
    for ws in wb.worksheets:
        try:
            if not ws.closed:
                ws.close()
            if ws._writer is not None:
                ws._writer.cleanup()
        except Exception:  # best effort: the export is being abandoned anyway
            pass


def _write_sheet(ws, spec: SheetSpec, *, progress, cancelled, offset: int) -> int:
    columns = list(spec.columns)
    ncols = max(len(columns), 1)
    last_col = get_column_letter(ncols)

    # write-only mode writes columns, sheet properties and views before the first row
    for idx, col in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(idx)].width = col.excel_width
    header_row = 1 + len(spec.notes) + 1
    ws.freeze_panes = f"{get_column_letter(spec.freeze_columns + 1)}{header_row + 1}"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)

    row_no = 0

    def emit(cells: list, height: float | None = None) -> None:
        nonlocal row_no
        row_no += 1
        if height is not None:
            ws.row_dimensions[row_no].height = height
        ws.append(cells)

    # title and notes, each merged across the table
    emit([_styled(ws, spec.title, font=_TITLE_FONT, align=Alignment(horizontal="center", vertical="center"))],
         height=30)
    ws.merged_cells.add(f"A{row_no}:{last_col}{row_no}")
    for note in spec.notes:
        emit([_styled(ws, note, font=_NOTE_FONT, align=Alignment(horizontal="left", vertical="center",
                                                                   wrap_text=True))],
             height=max(16, 16 * (1 + display_width(note) // max(_total_width(columns) * 1.1, 40))))
        ws.merged_cells.add(f"A{row_no}:{last_col}{row_no}")

    header_align = Alignment(horizontal="center", vertical="center", wrap_text=True)
    emit([_styled(ws, c.title, font=_HEADER_FONT, fill=_HEADER_FILL, border=_BORDER, align=header_align)
          for c in columns], height=30)
    assert row_no == header_row

    # One styled cell per column, re-filled for every row: write-only mode serialises a row as soon
    # as it is appended, and skipping openpyxl's per-cell type guessing keeps 100,000 rows fast.
    prototypes = [_prototype(ws, col) for col in columns]

    # Row heights for wrapped text are set here: LibreOffice does not re-measure rows on opening.
    wrapped = [(i, max(columns[i].excel_width - 0.7, 1)) for i in range(len(columns)) if columns[i].wrap]

    count = 0
    for values in spec.rows:
        cells = prototypes[: len(values)]
        for col, cell, value in zip(columns, cells, values, strict=False):
            _fill(cell, col, value)
        row_no += 1
        lines = 1
        for i, room in wrapped:
            value = values[i] if i < len(values) else None
            if isinstance(value, str) and value:
                lines = max(lines, math.ceil(_text_units(value) / room))
        if lines > 1:
            ws.row_dimensions[row_no].height = min(lines, MAX_WRAP_LINES) * LINE_HEIGHT + 2
        ws.append(cells)
        if lines > 1:
            del ws.row_dimensions[row_no]  # already written; keeps memory flat
        count += 1
        if count % PROGRESS_EVERY == 0:
            if cancelled is not None and cancelled():
                raise Cancelled()
            if progress is not None:
                progress(offset + count)
    if cancelled is not None and cancelled():
        raise Cancelled()
    if progress is not None:
        progress(offset + count)
    spec._written = count
    first_data, last_data = header_row + 1, header_row + count

    if spec.totals is not False and spec.totals is not None and columns:
        row_no += 1
        ws.append(_totals_cells(ws, spec, columns, count, first_data, last_data))

    if spec.footer_lines:
        row_no += 1
        ws.append([])
        for line in spec.footer_lines:
            row_no += 1
            ws.row_dimensions[row_no].height = 24
            ws.append([_styled(ws, line, font=_HEADER_FONT, align=Alignment(vertical="bottom"))])
            ws.merged_cells.add(f"A{row_no}:{last_col}{row_no}")

    ws.auto_filter.ref = f"A{header_row}:{last_col}{max(last_data, header_row)}"
    _print_setup(ws, spec, header_row)
    return count


def _total_width(columns: Sequence[Column]) -> float:
    return sum(c.excel_width for c in columns)


def _styled(ws, value, *, font=None, fill=None, border=None, align=None, number_format=None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=clean_text(value) if isinstance(value, str) else value)
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"  # never let text that starts with "=" become a formula
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if border is not None:
        cell.border = border
    if align is not None:
        cell.alignment = align
    if number_format is not None:
        cell.number_format = number_format
    return cell


class _BodyCell(Cell):
    """A column's prototype body cell, re-filled for every row. Its style is set once, before the
    first row is written, so the style id is looked up once: openpyxl hashes a cell's whole style
    for every cell it writes, a fifth of the time of a large export."""

    __slots__ = ("_style_id",)

    @property
    def style_id(self) -> int:
        try:
            return self._style_id
        except AttributeError:
            self._style_id = self.parent.parent._cell_styles.add(self._style)
            return self._style_id

    @property
    def has_style(self) -> bool:
        return True


def _prototype(ws, col: Column) -> Cell:
    if col.kind in ("date", "datetime"):
        align = Alignment(vertical="center", horizontal="center")
    else:
        align = Alignment(vertical="center", wrap_text=col.wrap,
                          horizontal="left" if col.kind == "text" else "right")
    cell = _BodyCell(ws, row=1, column=1)
    cell.font, cell.border, cell.alignment = _BODY_FONT, _BORDER, align
    if col.format is not None:
        cell.number_format = col.format
    return cell


def _fill(cell: Cell, col: Column, value) -> None:
    """Set value and type directly (openpyxl's guessing would also restyle date cells)."""
    if type(value) is str and col.kind == "text":  # most cells: skip the conversions below
        cell._value, cell.data_type = clean_text(value), "s"
        return
    value = _excel_value(col, value)
    if value is None:
        cell._value, cell.data_type = None, "n"
    elif isinstance(value, str):
        cell._value, cell.data_type = clean_text(value), "s"  # text is never a formula
    elif isinstance(value, dt.date | dt.time | dt.timedelta):
        cell._value, cell.data_type = value, "d"
    elif isinstance(value, int | float):
        cell._value, cell.data_type = value, "n"
    else:
        cell._value, cell.data_type = clean_text(str(value)), "s"


def _excel_value(col: Column, value):
    """Real Excel types: dates as dates, numbers as numbers; text stays text."""
    if value is None:
        return None
    if col.kind == "text":
        if isinstance(value, bool):
            return "是" if value else "否"
        return value if isinstance(value, str) else str(value)
    if col.kind == "date" and isinstance(value, dt.datetime):
        return value.date()
    if col.kind in ("int", "number", "money", "decimal1", "percent") and isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def _totals_cells(ws, spec: SheetSpec, columns: Sequence[Column], count: int, first: int, last: int) -> list:
    align_left = Alignment(horizontal="left", vertical="center")
    align_right = Alignment(horizontal="right", vertical="center")
    cells = []
    if isinstance(spec.totals, Sequence) and not isinstance(spec.totals, str | bytes):
        values = list(spec.totals) + [None] * (len(columns) - len(spec.totals))
        for col, value in zip(columns, values, strict=False):
            value = _excel_value(col, value) if value is not None else None
            cells.append(_styled(ws, value, font=_TOTAL_FONT, fill=_TOTAL_FILL, border=_BORDER,
                                 align=align_left if isinstance(value, str) else align_right,
                                 number_format=col.format if col.format and not isinstance(value, str) else None))
        return cells
    for idx, col in enumerate(columns, 1):
        letter = get_column_letter(idx)
        value = None
        if idx == 1:
            value = f"{spec.total_label}（{count} 条）"
        elif col.total and count:
            value = f"=SUBTOTAL({SUBTOTAL_FUNCTIONS[col.total]},{letter}{first}:{letter}{last})"
        cell = WriteOnlyCell(ws, value=value)
        cell.font, cell.fill, cell.border = _TOTAL_FONT, _TOTAL_FILL, _BORDER
        cell.alignment = align_left if idx == 1 else align_right
        if idx > 1 and col.total and col.format:
            cell.number_format = "0" if col.total == "count" else col.format
        cells.append(cell)
    return cells


def _print_setup(ws, spec: SheetSpec, header_row: int) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = 0.6
    ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.oddFooter.center.text = PAGE_FOOTER
    ws.oddFooter.center.size = 9
    if spec.header_note:
        ws.oddHeader.right.text = spec.header_note
        ws.oddHeader.right.size = 9


__all__ = ["PAGE_FOOTER", "Cancelled", "Column", "SheetSpec", "display_width", "sheet_name", "write_xlsx"]
