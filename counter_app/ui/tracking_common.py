"""Small pieces shared by the progress, warning, 容缺 and settings screens: a read-only table model
over rows from a service, labelled inputs, error display, and running slow work off the GUI thread."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QMessageBox, QTableView, QWidget

from counter_app.infra.errors import UserError
from counter_app.ui import background

YELLOW_BG = QColor("#fff4c2")
RED_BG = QColor("#ffd9d6")
GREEN_FG = QColor("#137333")
RED_FG = QColor("#b3261e")
GREY_FG = QColor("#6b6b6b")


def fmt_time(value: dt.datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else ""


@dataclass(frozen=True)
class Column:
    title: str
    value: Callable[[Any], Any]
    align: Qt.AlignmentFlag = Qt.AlignLeft | Qt.AlignVCenter


class RowsModel(QAbstractTableModel):
    """Rows (dataclasses from a service) shown through column getters; read-only."""

    def __init__(self, columns: Sequence[Column], parent: QObject | None = None,
                 background: Callable[[Any], QColor | None] | None = None,
                 foreground: Callable[[Any, int], QColor | None] | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[Any] = []
        self._background = background
        self._foreground = foreground

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row(self, index: int) -> Any:
        return self.rows[index]

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole):
        if not index.isValid():
            return None
        item = self.rows[index.row()]
        column = self.columns[index.column()]
        if role in (Qt.DisplayRole, Qt.ToolTipRole, Qt.AccessibleTextRole):
            value = column.value(item)
            if isinstance(value, dt.datetime):
                return fmt_time(value)
            return "" if value is None else str(value)
        if role == Qt.TextAlignmentRole:
            return int(column.align)
        if role == Qt.BackgroundRole and self._background:
            color = self._background(item)
            return QBrush(color) if color else None
        if role == Qt.ForegroundRole and self._foreground:
            color = self._foreground(item, index.column())
            return QBrush(color) if color else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole):
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return self.columns[section].title
        if role == Qt.DisplayRole and orientation == Qt.Vertical:
            return str(section + 1)
        return None


def make_table(model: RowsModel, name: str, parent: QWidget | None = None) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setObjectName(name)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QTableView.SelectRows)
    view.setSelectionMode(QTableView.SingleSelection)
    view.setEditTriggers(QTableView.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setDefaultSectionSize(26)
    view.horizontalHeader().setStretchLastSection(True)
    view.setTabKeyNavigation(False)  # Tab leaves the table: keyboard users reach the buttons
    return view


def selected_row(view: QTableView) -> Any | None:
    model = view.model()
    indexes = view.selectionModel().selectedRows() if view.selectionModel() else []
    if not indexes:
        current = view.currentIndex()
        if not current.isValid():
            return None
        return model.row(current.row())
    return model.row(indexes[0].row())


def buddy_label(text: str, widget: QWidget, parent: QWidget | None = None) -> QLabel:
    """A label naming ``widget`` (mnemonic in ``text`` moves focus there); accessible name = label."""
    label = QLabel(text, parent)
    label.setBuddy(widget)
    widget.setAccessibleName(plain(text))
    return label


def plain(text: str) -> str:
    """The label without its mnemonic and colon: “处理人(&H)：” → “处理人”."""
    return re.sub(r"\(&\w\)", "", text).replace("&", "").rstrip("：: ")


def status_label(parent: QWidget | None = None, name: str = "消息") -> QLabel:
    label = QLabel(parent)
    label.setObjectName("statusMessage")
    label.setAccessibleName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    return label


def show_message(label: QLabel, text: str, *, error: bool = False) -> None:
    label.setStyleSheet(f"color: {RED_FG.name()};" if error else f"color: {GREEN_FG.name()};")
    label.setText(text)


def error_box(parent: QWidget, exc: Exception, title: str = "无法完成操作") -> None:
    text = exc.message if isinstance(exc, UserError) else f"发生意外错误：{exc}"
    QMessageBox.warning(parent, title, text)


def run_in_background(owner: QObject, work: Callable[[], Any], on_done: Callable[[Any], None],
                      on_error: Callable[[Exception], None]):
    """Run ``work`` on the thread pool; the callbacks run in the GUI thread (the shared helper)."""
    return background.run_for(owner, work, on_done, on_error)


def fit_columns(view: QTableView, max_width: int = 320) -> None:
    """Columns as wide as their content, but a long reason or name does not push the rest off screen
    (the full text is in the tooltip)."""
    view.resizeColumnsToContents()
    header = view.horizontalHeader()
    for column in range(header.count()):
        if header.sectionSize(column) > max_width:
            header.resizeSection(column, max_width)
