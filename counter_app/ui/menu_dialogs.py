"""Dialogs the main window's menus open (as opposed to pages, which live in tabs: see ``pages``):
营业厅设置 and 营业厅管理 for admins, 帮助 → 快捷键 for everyone. What a dialog needs from the database is read in
the background before it opens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox

from counter_app.infra.errors import UserError
from counter_app.security.permissions import Perm, allowed
from counter_app.ui.kit import background


@dataclass(frozen=True)
class DialogSpec:
    key: str
    title: str
    menu: str
    shortcut: str
    perm: Perm | None
    open: Callable[[QMainWindow], None]


def open_settings(window: QMainWindow, hall_id: int | None = None) -> None:
    """营业厅设置 of the admin's hall (an admin over several halls: of the first, or of ``hall_id``
    once picked in the dialog, which then opens again for that hall)."""
    from counter_app.hall import settings_admin as settings_service
    from counter_app.ui.settings_dialog import SettingsDialog

    def show(settings) -> None:
        dialog = SettingsDialog(window.db, window.actor, window, settings=settings)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: window.statusBar().showMessage(dialog.summary(), 8000))
        dialog.hallChosen.connect(lambda chosen: (dialog.reject(), open_settings(window, chosen)))
        window.last_dialog = dialog
        dialog.open()

    def failed(exc: Exception) -> None:
        QMessageBox.warning(window, "营业厅设置", str(exc) if isinstance(exc, UserError) else f"无法读取设置：{exc}")

    background.run(window, lambda: settings_service.load(window.db, window.actor, hall_id), show, failed)


def open_halls(window: QMainWindow) -> None:
    from counter_app.ui.halls_dialog import HallsDialog

    dialog = HallsDialog(window.db, window.actor, window)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    window.last_dialog = dialog
    dialog.open()


def open_shortcuts(window: QMainWindow) -> None:
    from counter_app.ui.shortcut_map import window_shortcuts
    from counter_app.ui.shortcuts_dialog import ShortcutsDialog

    index = window.tabs.currentIndex()
    page = window.tabs.widget(index) if index >= 0 else None
    title = window.tabs.tabText(index) if index >= 0 else ""
    dialog = ShortcutsDialog(window_shortcuts(window, page, title), window)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    window.last_dialog = dialog
    dialog.open()


def show_sign_in_notices(window: QMainWindow) -> None:
    """What an admin or supervisor must know at sign-in (next year's calendar not entered yet),
    read in the background and shown without blocking the window."""
    from counter_app.hall import calendar_notice

    def show(text: str | None) -> None:
        if not text:
            return
        box = QMessageBox(QMessageBox.Warning, "下一年度节假日未录入", text, QMessageBox.NoButton, window)
        box.setObjectName("calendarNotice")
        box.setAttribute(Qt.WA_DeleteOnClose)
        if "settings" in getattr(window, "dialog_actions", {}):
            enter = box.addButton("现在录入", QMessageBox.AcceptRole)
            enter.clicked.connect(lambda: window.dialog_actions["settings"].trigger())
        box.addButton("稍后", QMessageBox.RejectRole)
        window.calendar_notice = box
        box.open()

    def failed(exc: Exception) -> None:  # a notice is a courtesy: the window works without it
        window.statusBar().showMessage(f"无法检查下一年度节假日：{exc}", 8000)

    background.run(window, lambda: calendar_notice.next_year_notice(window.db, window.actor), show, failed)


DIALOGS: list[DialogSpec] = [
    DialogSpec("settings", "营业厅设置…", "管理", "Ctrl+Shift+O", Perm.MANAGE_SETTINGS, open_settings),
    DialogSpec("halls", "营业厅管理…", "管理", "Ctrl+Shift+M", Perm.MANAGE_SETTINGS, open_halls),
    DialogSpec("shortcuts", "快捷键", "帮助", "F1", None, open_shortcuts),
]


def add_dialog_actions(window: QMainWindow, menus: dict[str, QMenu]) -> dict[str, QAction]:
    """One action per dialog the actor may open, in its menu, with its shortcut."""
    actions = {}
    for spec in DIALOGS:
        if spec.perm is not None and not allowed(window.actor, spec.perm):
            continue
        menu = menus.get(spec.menu)
        if menu is None:
            continue
        action = QAction(spec.title, window)
        action.setObjectName(f"action_{spec.key}")
        if spec.shortcut:
            action.setShortcut(QKeySequence(spec.shortcut))
            action.setShortcutContext(Qt.ApplicationShortcut)  # like the page entries
        action.triggered.connect(lambda _=False, s=spec: s.open(window))
        menu.addAction(action)
        menu.menuAction().setVisible(True)
        window.addAction(action)
        actions[spec.key] = action
    return actions
