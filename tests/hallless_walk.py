"""Walking every menu entry of the main window as an account of no hall (issue 20): a province admin,
a city supervisor granted some halls. Whatever a page or dialog reads in the background must not
fail, no message box may say so, the status bar must not complain."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from counter_app.ui.kit import background
from tests.main_window_driver import open_main_window, wait_idle

PROBLEM_WORDS = ("无法", "失败", "出错", "多个营业厅", "不属于其中")


def record_problems(monkeypatch) -> list:
    """Every failed background task and every message box opened through QMessageBox's static
    functions, from now on."""
    seen: list = []
    failure = background.BackgroundTask._on_failure

    def failed(task, exc):
        seen.append(("failed", repr(exc)))
        return failure(task, exc)

    monkeypatch.setattr(background.BackgroundTask, "_on_failure", failed)
    for kind in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(
            lambda *args, _kind=kind, **_kw: seen.append((_kind, args[1:3])) or QMessageBox.Ok))
    return seen


def close_dialogs() -> None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QDialog) and widget.isVisible():
            widget.reject()
    QApplication.processEvents()


def walk(qtbot, db, actor, seen: list, shots: str | None = None):
    """The main window for ``actor``; every entry of every menu (but 关于) triggered in turn.
    Returns (window, {entry: problems}) with only the entries that had problems."""
    window = open_main_window(qtbot, db, actor, size=(1024, 768))
    wait_idle(qtbot)
    close_dialogs()  # the next-year holiday notice (November): tested on its own
    problems = {}
    if seen:
        problems["（登录）"] = list(seen)
    seen.clear()
    entries = [a for menu in window.menus.values() for a in menu.actions()
               if a.text() != "关于" and not a.isSeparator() and a.isVisible()]
    for action in entries:
        action.trigger()
        wait_idle(qtbot)
        QApplication.processEvents()
        wait_idle(qtbot)
        status = window.statusBar().currentMessage()
        found = list(seen) + ([("status", status)] if any(w in status for w in PROBLEM_WORDS) else [])
        if found:
            problems[action.text()] = found
        if shots:
            dialog = next((w for w in QApplication.topLevelWidgets()
                           if isinstance(w, QDialog) and w.isVisible()), None)
            target = dialog or window
            target.grab().save(f"{shots}/{actor.username}_{action.text().strip('…')}.png")
        seen.clear()
        close_dialogs()
    return window, problems
