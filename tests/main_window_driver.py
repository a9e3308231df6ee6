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


def answer_with(monkeypatch, qtbot, dialog_class, fill) -> None:
    """The next ``dialog_class.exec()`` does what a person would: once the dialog's own reading is
    done, ``fill(dialog)``, then OK; it reports the dialog's result as exec() would."""

    def run(dialog):
        wait_idle(qtbot, timeout=30_000)
        fill(dialog)
        dialog.accept()
        wait_idle(qtbot, timeout=30_000)
        return dialog.result()

    monkeypatch.setattr(dialog_class, "exec", run)


def refused_without_reason(qtbot, dialog, message: str, reason: str) -> None:
    """OK with an empty reason is refused at the field with ``message``; then the reason is typed."""
    from tests.qt_helpers import type_text

    dialog.accept()
    wait_idle(qtbot)
    assert dialog.message.text() == message
    type_text(dialog.reason, reason)
