"""Driving modal dialogs from tests: a dialog's ``exec()`` blocks, so the test schedules what to do
with the next modal widget before the call that opens it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

_POLLING: list[dict] = []  # when_modal states still polling; cancelled when their test ends


def cancel_pending() -> None:
    """End the polling of every ``when_modal`` of the test that just finished: a poll left running
    would act on the next test's dialogs."""
    for state in _POLLING:
        state["cancelled"] = True
    _POLLING.clear()


def when_modal(match: str | type, action: Callable[[QWidget], None], *, timeout_ms: int = 5000) -> dict:
    """Once a modal widget whose objectName is ``match`` (or an instance of it) is up, run ``action``
    on it. Returns a dict whose ``"done"`` turns True after the action ran (``"seen"`` holds the widget)."""
    state = {"done": False, "seen": None, "waited": 0, "cancelled": False}
    _POLLING.append(state)

    def matches(widget: QWidget | None) -> bool:
        if widget is None or not widget.isVisible():
            return False
        return widget.objectName() == match if isinstance(match, str) else isinstance(widget, match)

    def poll() -> None:
        if state["cancelled"]:
            return
        widget = QApplication.activeModalWidget()
        if matches(widget):
            state["seen"] = widget
            try:
                action(widget)
            except BaseException:
                # a failing step must fail the test, not leave its dialog's exec() waiting forever
                close = getattr(widget, "reject", None) or widget.close
                close()
                raise
            state["done"] = True
            if state in _POLLING:
                _POLLING.remove(state)
            return
        state["waited"] += 20
        if state["waited"] < timeout_ms:
            QTimer.singleShot(20, poll)
        elif state in _POLLING:
            _POLLING.remove(state)

    QTimer.singleShot(0, poll)
    return state


def click_and_wait(button, owner: QWidget | None = None, *, timeout_ms: int = 10000) -> None:
    """Click a button whose work runs in the background (sign-in, unlock, password change) and
    wait until its result has reached the dialog (``owner``, by default the button's window)."""
    owner = owner or button.window()
    button.click()
    wait_until_idle(owner, timeout_ms=timeout_ms)


def wait_until_idle(owner: QWidget, *, timeout_ms: int = 10000) -> None:
    """Until the background work ``owner`` started (with a busy text) has reported back."""
    import time

    from PySide6.QtCore import QEventLoop
    from shiboken6 import isValid

    from counter_app.ui.kit import background

    deadline = time.monotonic() + timeout_ms / 1000
    while isValid(owner) and background.busy(owner):
        if time.monotonic() > deadline:
            raise AssertionError(f"{owner.objectName() or owner} still busy after {timeout_ms} ms")
        QApplication.processEvents(QEventLoop.AllEvents, 20)
        time.sleep(0.005)
