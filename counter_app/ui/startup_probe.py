"""Start-up timing of the real program, for the packaging benchmark and the clean-system test.

With ``COUNTER_APP_STARTUP_PROBE=FILE`` the program appends one JSON line per step to FILE (wall-clock
times): ``signin_shown`` when the sign-in (or first set-up) dialog is on screen, ``signin_submitted``
when Enter is pressed in it, ``signin_done`` when it closes, ``main_shown`` when the main window is
on screen; then it saves a picture of the main window to FILE.png and quits. Nothing is recorded
without the variable. The time a person takes to type lies between ``signin_shown`` and
``signin_submitted``; the machine's share of the start (password check included) is
(signin_shown − launch) + (main_shown − signin_submitted)."""

from __future__ import annotations

import json
import os
import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow

ENV = "COUNTER_APP_STARTUP_PROBE"
SIGN_IN_DIALOGS = ("LoginDialog", "SetupDialog")


class StartupProbe(QObject):
    def __init__(self, path: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.seen: set[str] = set()

    def record(self, step: str) -> None:
        if step in self.seen:
            return
        self.seen.add(step)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"step": step, "t": time.time(), "pid": os.getpid()}) + "\n")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.KeyPress and event.key() in (Qt.Key_Return, Qt.Key_Enter):
            dialog = QApplication.activeModalWidget()
            if dialog is not None and (type(dialog).__name__ in SIGN_IN_DIALOGS
                                       or dialog.objectName() in SIGN_IN_DIALOGS):
                self.record("signin_submitted")
        elif kind in (QEvent.Show, QEvent.Hide) and isinstance(watched, QDialog):
            if type(watched).__name__ in SIGN_IN_DIALOGS or watched.objectName() in SIGN_IN_DIALOGS:
                self.record("signin_shown" if kind == QEvent.Show else "signin_done")
        elif kind == QEvent.Show and isinstance(watched, QMainWindow) and "main_shown" not in self.seen:
            self.record("main_shown")
            QTimer.singleShot(0, lambda: self._finish(watched))
        return False

    def _finish(self, window: QMainWindow) -> None:
        window.grab().save(self.path + ".png")
        QApplication.quit()


def install(app: QApplication) -> StartupProbe | None:
    """The probe when ``COUNTER_APP_STARTUP_PROBE`` names a file, else None (the normal start)."""
    path = os.environ.get(ENV)
    if not path:
        return None
    probe = StartupProbe(path, app)
    app.installEventFilter(probe)
    return probe
