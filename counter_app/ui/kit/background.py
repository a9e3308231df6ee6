"""Slow work off the GUI thread, in one small helper (like Anki's CollectionOp).

    background.run(self, lambda: handover.create_batch(db, actor, ids), self.created, self.failed,
                   busy="正在生成交接批次…")

or, for work that reports progress and can be cancelled (exports):

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

from PySide6.QtCore import QEventLoop, QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget
from shiboken6 import isValid

from counter_app.infra.errors import UserError
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


def run(owner: QWidget, op: Callable[[], Any], success: Callable[[Any], None],
        failure: Callable[[Exception], None] | None = None, *, busy: str = "") -> BackgroundTask:
    """Run ``op`` (database or file work, no arguments) off the GUI thread for ``owner``, a page or
    dialog. ``success(result)`` or ``failure(exc)`` run on the GUI thread, and are dropped once the
    owner has been deleted (a page closed while its work was still running). With ``busy``, the owner
    shows the busy cursor and, should the work take longer than a moment (a database across the
    network), a window-modal "请稍候" box with that text, which also keeps a second click from
    starting the work twice."""

    def guarded(callback: Callable[[Any], None] | None) -> Callable[[Any], None]:
        def call(value: Any) -> None:
            if busy and isValid(owner):
                _busy(owner, -1)
            if callback is not None and isValid(owner):
                callback(value)
            elif callback is not None:
                log.debug("background callback after its owner went away")
        return call

    task = BackgroundTask(lambda _progress: op())
    task.on_success(guarded(success)).on_failure(guarded(failure))
    if busy:
        _busy(owner, +1)
        task.with_progress(owner, busy, cancellable=False)
    return task.start()


def wait(op: Callable[[], Any], *, busy: str, parent: QWidget | None = None) -> Any:
    """``op``'s result (or its exception) for a caller that cannot go on without it, such as the start
    of day before any window is open: the work runs off the GUI thread like any other, while this
    waits in an event loop of its own, so the screen stays alive and, should it take more than a
    moment, a "请稍候" box with ``busy`` says what the program is doing."""
    task = BackgroundTask(lambda _progress: op())
    task.with_progress(parent, busy, cancellable=False)
    loop = QEventLoop()
    task.finished.connect(loop.quit)
    task.start()
    loop.exec()  # the task's outcome arrives queued, so never before this loop runs
    if task.outcome == "failure":
        raise task.error
    return task.result


def problem(exc: Exception, what: str = "操作") -> str:
    """The one line a page shows when its background work failed: a UserError says in Chinese what
    to do; anything else is a fault the person can only report, so it goes to the log in full and
    the page says so in Chinese rather than show a Python or driver message."""
    if isinstance(exc, UserError):
        return exc.message
    log.error("%s failed", what, exc_info=exc)
    return f"{what}失败：程序出错（{type(exc).__name__}），详情已记入日志，请联系管理员"


def _busy(owner: QWidget, step: int) -> None:
    """The busy cursor while any of the owner's busy tasks runs."""
    count = int(owner.property("busyTasks") or 0) + step
    owner.setProperty("busyTasks", count)
    if count > 0:
        owner.setCursor(Qt.BusyCursor)
    else:
        owner.unsetCursor()


def busy(owner: QWidget) -> bool:
    """Whether the owner still waits for busy work (tests wait for False)."""
    return int(owner.property("busyTasks") or 0) > 0


def pending() -> int:
    """How many background tasks have not reported yet (tests wait for 0)."""
    return len(_RUNNING)
