"""Reaching a page the way a person does: the main window, then the page's menu entry; and waiting
for the work the page runs off the GUI thread."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QWidget

from counter_app.ui.kit import background
from counter_app.ui.main_window import MainWindow


def wait_idle(qtbot, timeout: int = 15_000) -> None:
    """Every background task has reported and its callbacks have run."""
    qtbot.waitUntil(lambda: background.pending() == 0, timeout=timeout)


def open_main_window(qtbot, db, actor, *, size: tuple[int, int] | None = None) -> MainWindow:
    """The main window for ``actor`` as after the sign-in: shown, active, its first work done."""
    window = MainWindow(db, actor)
    qtbot.addWidget(window)
    if size is not None:
        window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    wait_idle(qtbot)
    QApplication.processEvents()
    return window


def open_page(qtbot, db, actor, key: str) -> tuple[MainWindow, QWidget]:
    """The main window for ``actor`` with page ``key`` opened from its menu entry, loaded."""
    window = MainWindow(db, actor)
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot)
    title = next(s.title for s in window._specs if s.key == key)
    action = next(a for a in window.actions() if a.text() == title)
    action.trigger()
    wait_idle(qtbot)
    return window, window.tabs.currentWidget()
