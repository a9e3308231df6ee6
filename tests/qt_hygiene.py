"""Qt objects die with the test that made them.

pytest-qt closes the widgets a test registers, but leaves deleting them to Python. Windows, dialogs
and pages hold reference cycles (signal connections to bound methods and lambdas), so their C++
objects were destroyed by the cyclic garbage collector at an arbitrary later moment — inside another
test's event processing — and a background task could still deliver its result after its test (and
its database) had gone. Both crashed the process at random (pytest-qt ``_process_events``). After
every test that loaded Qt, :func:`settle` runs the test's own leftovers to completion, on its watch."""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QCoreApplication, QEvent, QThreadPool
from PySide6.QtWidgets import QApplication

from counter_app.ui.kit import background
from tests import ui_driver


def drain_background(timeout_s: float = 15.0) -> int:
    """Wait until every background task has reported and its callbacks have run; returns how many
    are still running after ``timeout_s`` (a test that leaves work running must wait for it)."""
    app = QApplication.instance()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        QThreadPool.globalInstance().waitForDone(50)
        if app is not None:
            app.processEvents()
        if background.pending() == 0 and QThreadPool.globalInstance().activeThreadCount() == 0:
            return 0
    return background.pending()


def delete_leftovers() -> list[str]:
    """Delete every top-level widget still alive and flush deferred deletes; returns the visible
    ones (windows a test left open)."""
    app = QApplication.instance()
    if app is None:
        return []
    open_windows = []
    for widget in app.topLevelWidgets():
        if widget.isVisible():
            open_windows.append(f"{type(widget).__name__}({widget.objectName()})")
            widget.hide()
        widget.deleteLater()
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        app.processEvents()
    gc.collect()
    # What survived is long-lived (modules, caches, fixtures wider than a test): out of the
    # collector's sight from now on, so the next test's collection scans only what that test made.
    # A full collection over the ~900,000 objects of a long run took 1 s after every test — more
    # than half the suite's time. A frozen object's later garbage is never collected: a test run's
    # memory, not a leak in the program (the program itself never freezes).
    gc.freeze()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return open_windows


def settle() -> list[str]:
    """Everything the test left behind, run out or deleted now; what should not have been left."""
    problems = []
    ui_driver.cancel_pending()
    still_running = drain_background()
    if still_running:
        problems.append(f"{still_running} background task(s) still running")
    delete_leftovers()
    return problems
