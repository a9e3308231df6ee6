"""Scaffolding of the list pages (时限预警, 容缺跟踪, 进度查询): buttons named for screen readers,
page shortcuts, the filter bar above the table and the button row with the status message below it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QTableView, QWidget

from counter_app.infra.db import Database
from counter_app.tracking import warning_list as warnings
from counter_app.ui.kit import background
from counter_app.ui.kit.background import BackgroundTask
from counter_app.ui.kit.tracking_common import buddy_label, fit_columns, plain, show_message, status_label


def command_button(text: str, parent: QWidget, tip: str = "") -> QPushButton:
    """A button whose accessible name is its text without mnemonic or “…”."""
    button = QPushButton(text, parent)
    button.setAccessibleName(plain(text).rstrip("…"))
    if tip:
        button.setToolTip(tip)
    return button


def add_shortcuts(page: QWidget, specs: Iterable[tuple[str, str, Callable[[], None]]]) -> dict[str, QAction]:
    """(name, keys, slot) as actions of ``page``: they fire while focus is anywhere on the page."""
    actions = {}
    for name, keys, slot in specs:
        action = QAction(name, page)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        page.addAction(action)
        actions[name] = action
    return actions


def filter_bar(parent: QWidget, filters: Iterable[tuple[str, QWidget]], refresh: QPushButton,
               counts: QLabel) -> QHBoxLayout:
    """Labelled filters, 刷新, and the counts at the right end."""
    bar = QHBoxLayout()
    for label, widget in filters:
        bar.addWidget(buddy_label(label, widget, parent))
        bar.addWidget(widget)
    bar.addWidget(refresh)
    bar.addStretch(1)
    bar.addWidget(counts)
    return bar


def button_row(parent: QWidget, buttons: Iterable[QPushButton]) -> tuple[QHBoxLayout, QLabel]:
    """The buttons under a table, then the status message taking the rest of the row."""
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    message = status_label(parent)
    row.addWidget(message, 2)
    return row, message


def opened_just_now(page: QWidget) -> bool:
    """True the first time a page is activated: opened from the menu, its ``__init__`` has started its
    load already, and its ``activate`` need not start a second one (each costs round trips to a
    remote database). Later activations refresh."""
    first = not page.property("activatedOnce")
    page.setProperty("activatedOnce", True)
    return first


def add_window_choices(owner: QWidget, combo: QComboBox, db: Database, message: QLabel,
                       then: Callable[[], None] | None = None, actor=None) -> BackgroundTask:
    """全部窗口 at once, then the windows of the ``actor``'s halls read off the GUI thread (no change
    signal while they are added); ``then()`` runs after either way, a failure said in ``message``. The
    first entry changes no filter either: ``then()`` loads the page once, with the windows known."""
    blocked = combo.blockSignals(True)
    combo.addItem("全部窗口", None)
    combo.blockSignals(blocked)

    def loaded(choices: list[tuple[int, str]]) -> None:
        blocked = combo.blockSignals(True)
        for window_id, name in choices:
            combo.addItem(name, window_id)
        combo.blockSignals(blocked)
        if then is not None:
            then()

    def failed(exc: Exception) -> None:
        show_message(message, background.problem(exc, "读取窗口"), error=True)
        if then is not None:
            then()

    return background.run(owner, lambda: warnings.window_choices(db, actor), loaded, failed)


def load_rows(owner: QWidget, table: QTableView, message: QLabel, fetch: Callable[[], list[Any]],
              then: Callable[[list[Any]], None] | None = None, *, busy: str = "正在读取…") -> BackgroundTask:
    """Run ``fetch`` off the GUI thread (busy indicator on ``owner``), then show its rows in ``table``
    (a RowsTableModel), first row selected, and call ``then(rows)``; a failure goes to ``message`` in
    Chinese and leaves the rows shown before. When loads of one table overlap (a filter changed while
    the last one was still reading), only the latest one is shown: answers may arrive in any order."""
    load = int(table.property("rowsLoad") or 0) + 1
    table.setProperty("rowsLoad", load)

    def latest() -> bool:
        return int(table.property("rowsLoad") or 0) == load

    def loaded(rows: list[Any]) -> None:
        if not latest():
            return
        table.model().set_rows(rows)
        fit_columns(table)
        if rows:
            table.selectRow(0)
        if then is not None:
            then(rows)

    def failed(exc: Exception) -> None:
        if latest():
            show_message(message, background.problem(exc, "读取"), error=True)

    return background.run(owner, fetch, loaded, failed, busy=busy)
