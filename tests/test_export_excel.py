"""The generic Excel writer: read back what a supervisor would see and print."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from decimal import Decimal

import openpyxl
import pytest

from counter_app.printing import columns, excel
from counter_app.printing.excel import Cancelled, Column, SheetSpec, write_xlsx

COLUMNS = (
    Column("序号", "int", width=5), Column("申请编号", width=21), Column("受理时间", "datetime"),
    Column("户名", width=12, wrap=True), Column("容量", "number", total="sum"), Column("到期日", "date"),
    Column("占比", "percent"),
)


def _rows(n):
    for i in range(n):
        yield (i + 1, f"FZGL01-20261124-{i + 1:04d}", dt.datetime(2026, 11, 24, 9, 30), "张三",
               Decimal("8.50"), dt.date(2026, 11, 27), 0.25)


def _write(tmp_path, rows, **kw):
    path = tmp_path / "t.xlsx"
    spec = SheetSpec(name=kw.pop("name", "业扩受理台账"), title="业扩受理台账", columns=COLUMNS, rows=rows,
                     notes=["筛选条件：受理日期：全部", "导出：赵班长"], **kw)
    counts = write_xlsx(path, [spec])
    return path, counts


def test_layout_types_and_totals(tmp_path):
    path, counts = _write(tmp_path, _rows(3), totals=True)
    assert counts == [3]
    wb = openpyxl.load_workbook(path)
    ws = wb["业扩受理台账"]
    assert ws["A1"].value == "业扩受理台账"
    assert ws["A2"].value == "筛选条件：受理日期：全部"
    assert [c.value for c in ws[4]] == [c.title for c in COLUMNS]
    assert "A1:G1" in {str(r) for r in ws.merged_cells.ranges}
    # data rows: real numbers and dates, not text
    assert ws["A5"].value == 1 and ws["A5"].data_type == "n"
    assert ws["C5"].is_date and ws["C5"].value == dt.datetime(2026, 11, 24, 9, 30)
    assert ws["C5"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["F5"].is_date and ws["F5"].value.date() == dt.date(2026, 11, 27)
    assert ws["F5"].number_format == "yyyy-mm-dd"
    assert ws["E5"].value == 8.5 and ws["E5"].data_type == "n"
    assert ws["G5"].number_format == "0.0%"
    # totals row under the data, with a SUBTOTAL that respects the autofilter
    assert ws["A8"].value == "合计（3 条）"
    assert ws["E8"].value == "=SUBTOTAL(9,E5:E7)"
    assert ws.freeze_panes == "A5"
    assert ws.auto_filter.ref == "A4:G7"


def test_print_setup(tmp_path):
    path, _ = _write(tmp_path, _rows(2), header_note="业扩受理台账")
    ws = openpyxl.load_workbook(path).active
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.print_title_rows == "$4:$4"
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert ws.oddHeader.right.text == "业扩受理台账"


def test_widths_fit_titles_and_given_widths(tmp_path):
    path, _ = _write(tmp_path, _rows(1))
    ws = openpyxl.load_workbook(path).active
    assert ws.column_dimensions["B"].width == 21
    assert ws.column_dimensions["A"].width >= 5
    assert ws.column_dimensions["C"].width == columns.DEFAULT_WIDTHS["datetime"]


def test_text_is_never_a_formula_and_bad_characters_are_dropped(tmp_path):
    rows = [(1, "=HYPERLINK(\"http://x\")", None, "王\x07五", None, None, None)]
    path, _ = _write(tmp_path, rows)
    ws = openpyxl.load_workbook(path).active
    assert ws["B5"].value == '=HYPERLINK("http://x")' and ws["B5"].data_type == "s"
    assert ws["D5"].value == "王五"
    assert ws["C5"].value is None


def test_wrapped_text_gets_a_taller_row(tmp_path):
    rows = [(1, "A", None, "一个很长很长很长很长很长很长的户名", None, None, None),
            (2, "B", None, "短", None, None, None)]
    path, _ = _write(tmp_path, rows)
    ws = openpyxl.load_workbook(path).active
    assert ws.row_dimensions[5].height and ws.row_dimensions[5].height > 20
    assert not ws.row_dimensions[6].height


def test_explicit_totals_and_footer_lines(tmp_path):
    path = tmp_path / "t.xlsx"
    spec = SheetSpec(name="交接清单", title="交接清单", columns=COLUMNS, rows=_rows(2),
                     totals=["合计", None, None, None, 17, None, 0.5], footer_lines=["移交人：____  接收人：____"])
    write_xlsx(path, [spec])
    ws = openpyxl.load_workbook(path).active
    assert [ws.cell(5, c).value for c in (1, 5, 7)] == ["合计", 17, 0.5]
    assert ws["A7"].value == "移交人：____  接收人：____"


def test_sheet_names_are_made_valid_and_unique():
    assert excel.sheet_name("台账[1]/2026:11?") == "台账_1__2026_11_"
    assert len(excel.sheet_name("很" * 40)) == 31
    assert excel.sheet_name("台账", ["台账"]) == "台账(2)"


def test_empty_register_still_has_header_and_filter(tmp_path):
    path, counts = _write(tmp_path, iter(()), totals=True)
    assert counts == [0]
    ws = openpyxl.load_workbook(path).active
    assert ws["A4"].value == "序号"
    assert ws["A5"].value == "合计（0 条）"
    assert ws.auto_filter.ref == "A4:G4"


def test_progress_and_cancel(tmp_path, monkeypatch):
    monkeypatch.setattr(excel, "PROGRESS_EVERY", 10)
    seen = []
    write_xlsx(tmp_path / "a.xlsx", [SheetSpec("a", "a", COLUMNS, _rows(35))], progress=seen.append)
    assert seen == [10, 20, 30, 35]
    with pytest.raises(Cancelled):
        write_xlsx(tmp_path / "b.xlsx", [SheetSpec("b", "b", COLUMNS, _rows(35))],
                   cancelled=lambda: len(seen) > 0, progress=seen.append)


def test_memory_stays_flat_in_write_only_mode(tmp_path):
    """Peak memory does not grow with the number of rows (streamed, not held)."""
    def peak(n):
        tracemalloc.start()
        write_xlsx(tmp_path / f"m{n}.xlsx", [SheetSpec("m", "m", COLUMNS, _rows(n))])
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(200), peak(4000)
    assert large < small * 1.5 + 200_000, (small, large)


def test_unknown_column_kind_is_refused():
    with pytest.raises(ValueError):
        Column("x", "currency")
