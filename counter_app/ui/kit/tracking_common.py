"""Small pieces shared by the progress, warning, 容缺, handover and settings screens: a read-only
table view (over ``table_model.RowsTableModel``), labelled inputs, message lines and error display."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QMessageBox, QTableView, QWidget

from counter_app.infra.errors import UserError
from counter_app.ui.kit import background

YELLOW_BG = QColor("#fff4c2")
RED_BG = QColor("#ffd9d6")
GREEN_FG = QColor("#137333")
RED_FG = QColor("#b3261e")
GREY_FG = QColor("#6b6b6b")


def fmt_time(value: dt.datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else ""


def make_table(model: QAbstractItemModel, name: str, parent: QWidget | None = None) -> QTableView:
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
    """The label without its mnemonic, colon or ellipsis: “处理人(&H)：” → “处理人”,
    “选择打印机(&R)…” → “选择打印机”."""
    return re.sub(r"\(&\w\)", "", text).replace("&", "").rstrip("：:… ")


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


class StatusMessages:
    """For a dialog or page with one status line (``self.message``) under several pieces of background
    work: ``pending`` counts the pieces still out, ``last_message`` keeps what the line said (tests
    read both); a failure says in Chinese what went wrong (background.problem)."""

    pending = 0
    last_message = ""
    message: QLabel

    def _failed(self, exc: Exception) -> None:
        self.pending = max(0, self.pending - 1)
        self._show(background.problem(exc), error=True)

    def _show(self, text: str, *, error: bool = False) -> None:
        self.last_message = text
        show_message(self.message, text, error=error)


def error_box(parent: QWidget, exc: Exception, title: str = "无法完成操作") -> None:
    text = exc.message if isinstance(exc, UserError) else f"发生意外错误：{exc}"
    QMessageBox.warning(parent, title, text)


def fit_columns(view: QTableView, max_width: int = 320) -> None:
    """Columns as wide as their content, but a long reason or name does not push the rest off screen
    (the full text is in the tooltip)."""
    view.resizeColumnsToContents()
    header = view.horizontalHeader()
    for column in range(header.count()):
        if header.sectionSize(column) > max_width:
            header.resizeSection(column, max_width)
