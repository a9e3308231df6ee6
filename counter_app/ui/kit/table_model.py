"""Table models shared by the pages.

:class:`PagedTableModel` shows a query of any size: it asks its source for the row count once and
fetches rows a page at a time when the view needs them (a few pages are cached), so a register of
100,000 rows opens as fast as one of ten. :class:`RowsTableModel` holds a short list in memory, with
optional check boxes (e.g. the applications to hand over).

Columns are objects with ``title`` and ``kind`` (``counter_app.printing.excel.Column`` fits):
values are formatted by kind for display; the raw value is under ``Qt.UserRole``.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Protocol

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QTableView

from counter_app.infra.errors import UserError


class PagedSource(Protocol):
    def count(self) -> int: ...

    def fetch(self, offset: int, limit: int) -> Sequence[Sequence[Any]]: ...


class FunctionSource:
    """A source from two callables (e.g. ``registers.count`` / ``registers.fetch`` bound to filters)."""

    def __init__(self, count: Callable[[], int], fetch: Callable[[int, int], Sequence[Sequence[Any]]]) -> None:
        self.count = count
        self.fetch = fetch


def format_value(value: Any, kind: str = "text") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d" if kind == "date" else "%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if kind == "percent" and isinstance(value, int | float):
        return f"{value:.1%}"
    if kind == "decimal1" and isinstance(value, int | float | Decimal):
        return f"{float(value):.1f}"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _alignment(kind: str) -> Qt.AlignmentFlag:
    if kind in ("int", "number", "money", "decimal1", "percent"):
        return Qt.AlignRight | Qt.AlignVCenter
    if kind in ("date", "datetime"):
        return Qt.AlignCenter
    return Qt.AlignLeft | Qt.AlignVCenter


class _ColumnsMixin:
    """Columns (``printing.columns.Column``) over the rows of a model: headers, cells by kind."""

    columns: Sequence[Any]

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        return self._header(section, orientation, role)

    def _header(self, section: int, orientation, role):
        if role == Qt.DisplayRole:
            if orientation == Qt.Horizontal:
                return self.columns[section].title if section < len(self.columns) else None
            return str(section + 1)
        if role == Qt.TextAlignmentRole and orientation == Qt.Vertical:
            return Qt.AlignRight | Qt.AlignVCenter
        return None

    def _cell(self, row: Any, column: int, role):
        getter = getattr(self.columns[column], "value", None)
        if getter is not None:
            value = getter(row)
        elif column >= len(row):
            return None
        else:
            value = row[column]
        kind = getattr(self.columns[column], "kind", "text")
        if role == Qt.DisplayRole:
            return format_value(value, kind)
        if role == Qt.ToolTipRole:
            text = format_value(value, kind)
            return text if len(text) > 12 else None
        if role == Qt.TextAlignmentRole:
            return _alignment(kind)
        if role == Qt.UserRole:
            return value
        return None


class PagedTableModel(_ColumnsMixin, QAbstractTableModel):
    """Rows fetched page by page from a :class:`PagedSource`; ``loadFailed`` carries a database
    error (the rows of that page stay empty and are asked for again on the next repaint)."""

    loadFailed = Signal(str)
    countChanged = Signal(int)

    def __init__(self, columns: Sequence[Any], source: PagedSource | None = None, *, page_size: int = 200,
                 cached_pages: int = 25, parent=None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.page_size = page_size
        self.cached_pages = cached_pages
        self._source: PagedSource | None = None
        self._count = 0
        self._pages: OrderedDict[int, Sequence[Sequence[Any]]] = OrderedDict()
        self.fetches = 0  # pages loaded so far (tests check that paging stays lazy)
        if source is not None:
            self.set_source(source)

    def set_source(self, source: PagedSource | None, columns: Sequence[Any] | None = None) -> int:
        """Show another query (or the same one again). Raises UserError when the count fails."""
        count = source.count() if source is not None else 0
        self.beginResetModel()
        if columns is not None:
            self.columns = list(columns)
        self._source = source
        self._count = count
        self._pages.clear()
        self.endResetModel()
        self.countChanged.emit(count)
        return count

    def refresh(self) -> int:
        return self.set_source(self._source)

    def clear(self) -> None:
        self.set_source(None)

    # --- Qt model API ---------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        row = self.row(index.row())
        if row is None:
            return None
        return self._cell(row, index.column(), role)

    # --- rows -----------------------------------------------------------------------------------

    def row(self, number: int) -> Sequence[Any] | None:
        if not 0 <= number < self._count or self._source is None:
            return None
        page_no, offset = divmod(number, self.page_size)
        page = self._page(page_no)
        return page[offset] if page is not None and offset < len(page) else None

    def _page(self, page_no: int):
        if page_no in self._pages:
            self._pages.move_to_end(page_no)
            return self._pages[page_no]
        try:
            rows = list(self._source.fetch(page_no * self.page_size, self.page_size))
        except UserError as exc:
            self.loadFailed.emit(str(exc))
            return None
        self.fetches += 1
        self._pages[page_no] = rows
        while len(self._pages) > self.cached_pages:
            self._pages.popitem(last=False)
        return rows


class RowsTableModel(_ColumnsMixin, QAbstractTableModel):
    """A short list in memory: tuples, or objects shown through the columns' ``value`` getters; with
    ``checkable`` the first column carries a check box; ``background(row)`` and
    ``foreground(row, column)`` colour rows (overdue red, yellow warnings), ``tooltip(row)`` says why."""

    checkedChanged = Signal(int)

    def __init__(self, columns: Sequence[Any], rows: Sequence[Any] = (), *, checkable: bool = False,
                 parent=None, background: Callable[[Any], QColor | None] | None = None,
                 foreground: Callable[[Any, int], QColor | None] | None = None,
                 tooltip: Callable[[Any], str | None] | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.checkable = checkable
        self.rows: list[Any] = []
        self._checked: set[int] = set()
        self._background = background
        self._foreground = foreground
        self._tooltip = tooltip
        self.set_rows(rows)

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self._checked.clear()
        self.endResetModel()
        self.checkedChanged.emit(0)

    def row(self, number: int) -> Any | None:
        return self.rows[number] if 0 <= number < len(self.rows) else None

    def checked_rows(self) -> list[int]:
        return sorted(self._checked)

    def set_all_checked(self, checked: bool) -> None:
        self._checked = set(range(len(self.rows))) if checked else set()
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, 0), [Qt.CheckStateRole])
        self.checkedChanged.emit(len(self._checked))

    def set_checked(self, number: int, checked: bool) -> None:
        (self._checked.add if checked else self._checked.discard)(number)
        self.dataChanged.emit(self.index(number, 0), self.index(number, 0), [Qt.CheckStateRole])
        self.checkedChanged.emit(len(self._checked))

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if self.checkable and index.column() == 0 and role == Qt.CheckStateRole:
            return Qt.Checked if index.row() in self._checked else Qt.Unchecked
        if role == Qt.BackgroundRole and self._background is not None:
            color = self._background(row)
            return QBrush(color) if color else None
        if role == Qt.ForegroundRole and self._foreground is not None:
            color = self._foreground(row, index.column())
            return QBrush(color) if color else None
        if role == Qt.ToolTipRole and self._tooltip is not None and self._tooltip(row):
            return self._tooltip(row)
        if role == Qt.AccessibleTextRole:
            return self._cell(row, index.column(), Qt.DisplayRole)
        return self._cell(row, index.column(), role)

    def flags(self, index: QModelIndex):
        flags = super().flags(index)
        if self.checkable and index.column() == 0:
            flags |= Qt.ItemIsUserCheckable
        return flags

    def setData(self, index: QModelIndex, value, role=Qt.EditRole) -> bool:
        if self.checkable and index.column() == 0 and role == Qt.CheckStateRole:
            state = value.value if hasattr(value, "value") else value
            self.set_checked(index.row(), state == Qt.Checked.value or value == Qt.Checked)
            return True
        return False


def size_columns(table: QTableView, columns) -> None:
    """Screen widths from the Excel widths (one unit ≈ one digit of the table's font)."""
    digit = table.fontMetrics().horizontalAdvance("0")
    header = table.horizontalHeader()
    for i, column in enumerate(columns):
        header.resizeSection(i, int(column.excel_width * digit * 1.05) + 12)
