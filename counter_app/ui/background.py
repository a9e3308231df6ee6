"""Slow work off the GUI thread, in one small helper (like Anki's CollectionOp).

    task = BackgroundTask(lambda progress: exports.export(..., progress=progress.report,
                                                          cancelled=progress.is_cancelled))
    task.on_success(show_result).on_failure(show_error).with_progress(self, "正在导出…").start()

The work function runs on a thread of the global QThreadPool and gets a :class:`Progress` to report
(done, total) and to ask whether the person pressed 取消. Callbacks run on the GUI thread. Work
that stops because of a cancel (any exception while ``progress.is_cancelled()`` is true, or
:class:`counter_app.printing.excel.Cancelled`) ends in the cancel callback, not the failure one.
Database sessions are opened inside the work function (one per thread), never shared with the GUI.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget
from shiboken6 import isValid

from counter_app.printing.columns import Cancelled

log = logging.getLogger(__name__)

_RUNNING: set[BackgroundTask] = set()  # keeps tasks alive until their callbacks have run


class Progress:
    """Handed to the work function: report progress, check for cancel (thread-safe)."""

    def __init__(self, task: BackgroundTask) -> None:
        self._task = task
        self._cancel = threading.Event()

    def report(self, done: int, total: int) -> None:
        self._task.progressed.emit(int(done), int(total))

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()


class _Runner(QRunnable):
    def __init__(self, task: BackgroundTask) -> None:
        super().__init__()
        self.task = task
        self.setAutoDelete(True)

    def run(self) -> None:
        task = self.task
        try:
            result = task.work(task.progress)
        except BaseException as exc:  # reported to the GUI thread, never lost in the pool
            if task.progress.is_cancelled() or isinstance(exc, Cancelled):
                task._cancelled.emit()
            else:
                if not isinstance(exc, Exception):
                    exc = RuntimeError(str(exc))
                log.debug("background task failed", exc_info=exc)
                task._failed.emit(exc)
        else:
            if task.progress.is_cancelled():
                task._cancelled.emit()
            else:
                task._succeeded.emit(result)


class BackgroundTask(QObject):
    progressed = Signal(int, int)
    _succeeded = Signal(object)
    _failed = Signal(object)
    _cancelled = Signal()
    finished = Signal(str)  # "success" | "failure" | "cancelled"

    def __init__(self, work: Callable[[Progress], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.work = work
        self.progress = Progress(self)
        self.outcome: str | None = None
        self.result: Any = None
        self.error: Exception | None = None
        self._dialog: QProgressDialog | None = None
        self._label = ""
        self._unit = ""
        self._succeeded.connect(self._on_success, Qt.QueuedConnection)
        self._failed.connect(self._on_failure, Qt.QueuedConnection)
        self._cancelled.connect(self._on_cancel, Qt.QueuedConnection)
        self._callbacks: dict[str, list[Callable]] = {"success": [], "failure": [], "cancelled": []}
        self._updating = False  # inside a progress-dialog call that runs the event loop
        self._deferred: tuple[str, tuple] | None = None

    # --- configuration --------------------------------------------------------------------------

    def on_success(self, callback: Callable[[Any], None]) -> BackgroundTask:
        self._callbacks["success"].append(callback)
        return self

    def on_failure(self, callback: Callable[[Exception], None]) -> BackgroundTask:
        self._callbacks["failure"].append(callback)
        return self

    def on_cancel(self, callback: Callable[[], None]) -> BackgroundTask:
        self._callbacks["cancelled"].append(callback)
        return self

    def with_progress(self, parent: QWidget, label: str, *, unit: str = "行", cancellable: bool = True,
                      title: str = "请稍候") -> BackgroundTask:
        """A window-modal progress dialog (shown after 300 ms) with a 取消 button."""
        dialog = QProgressDialog(label, "取消" if cancellable else "", 0, 0, parent)
        dialog.setWindowTitle(title)
        dialog.setObjectName("backgroundProgress")
        dialog.setAccessibleName(label)
        dialog.setWindowModality(Qt.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        if not cancellable:
            dialog.setCancelButton(None)
        dialog.canceled.connect(self.cancel)
        self.progressed.connect(self._show_progress)
        self._dialog, self._label, self._unit = dialog, label, unit
        return self

    # --- running --------------------------------------------------------------------------------

    def start(self) -> BackgroundTask:
        _RUNNING.add(self)
        QThreadPool.globalInstance().start(_Runner(self))
        return self

    def cancel(self) -> None:
        self.progress.cancel()
        if self._dialog is not None and isValid(self._dialog):
            self._dialog.setLabelText("正在取消…")

    @property
    def running(self) -> bool:
        return self in _RUNNING

    @property
    def dialog(self) -> QProgressDialog | None:
        return self._dialog

    def _show_progress(self, done: int, total: int) -> None:
        # A window-modal QProgressDialog runs the event loop inside setValue(), so the task's own
        # result can arrive in there. Finishing then (closing the dialog, running callbacks that may
        # delete the page that owns it) destroyed the dialog while its setValue() was still on the
        # stack: a segmentation fault. The finish waits until the dialog call has returned.
        dialog = self._dialog
        if dialog is None or self._updating or self.progress.is_cancelled() or not isValid(dialog):
            return
        self._updating = True
        try:
            if total > 0:
                dialog.setMaximum(total)
                dialog.setValue(min(done, total))
                if isValid(dialog):
                    dialog.setLabelText(f"{self._label}\n{done:,} / {total:,} {self._unit}")
            else:
                dialog.setMaximum(0)
        finally:
            self._updating = False
        if self._deferred is not None:
            outcome, args = self._deferred
            self._deferred = None
            self._finish(outcome, *args)

    def _finish(self, outcome: str, *args) -> None:
        if self._updating:
            self._deferred = (outcome, args)
            return
        self.outcome = outcome
        dialog, self._dialog = self._dialog, None
        if dialog is not None and isValid(dialog):
            dialog.close()
            dialog.deleteLater()
        _RUNNING.discard(self)
        try:
            for callback in self._callbacks[outcome]:
                callback(*args)
        finally:
            self.finished.emit(outcome)

    def _on_success(self, result) -> None:
        self.result = result
        self._finish("success", result)

    def _on_failure(self, exc) -> None:
        self.error = exc
        if not self._callbacks["failure"]:
            log.error("background task failed without a failure callback", exc_info=exc)
        self._finish("failure", exc)

    def _on_cancel(self) -> None:
        self._finish("cancelled")


def run_in_background(work: Callable[[Progress], Any], *, parent: QWidget | None = None, label: str = "",
                      on_success: Callable[[Any], None] | None = None,
                      on_failure: Callable[[Exception], None] | None = None,
                      on_cancel: Callable[[], None] | None = None) -> BackgroundTask:
    """Shorthand: start ``work`` with an optional progress dialog and callbacks."""
    task = BackgroundTask(work)
    if on_success:
        task.on_success(on_success)
    if on_failure:
        task.on_failure(on_failure)
    if on_cancel:
        task.on_cancel(on_cancel)
    if parent is not None and label:
        task.with_progress(parent, label)
    return task.start()


def run_for(owner: QObject, work: Callable[[], Any], on_done: Callable[[Any], None],
            on_error: Callable[[Exception], None]) -> BackgroundTask:
    """Run a no-argument ``work`` for ``owner`` (a widget); the callbacks run on the GUI thread and are
    dropped once the owner has been deleted (a page closed while its save was still running)."""
    def guarded(callback: Callable[[Any], None]) -> Callable[[Any], None]:
        def call(value: Any) -> None:
            if isValid(owner):
                callback(value)
            else:
                log.debug("background callback after its owner went away")
        return call

    task = BackgroundTask(lambda _progress: work())
    task.on_success(guarded(on_done)).on_failure(guarded(on_error))
    return task.start()


def pending() -> int:
    """How many background tasks have not reported yet (tests wait for 0)."""
    return len(_RUNNING)
