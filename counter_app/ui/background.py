"""Slow database work off the GUI thread, with callbacks back on it (Anki's CollectionOp idea).

    run_in_background(self, lambda: service.save(db, actor, inp), on_done, on_error)

``on_done(result)`` / ``on_error(exc)`` run on the GUI thread. The window stays responsive while a
PostgreSQL server that went away times out and is retried."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)
_running: set[_Task] = set()


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits, the slots run here (queued connection)."""

    done = Signal(object)
    failed = Signal(object)

    def __init__(self, task: _Task, on_done, on_error) -> None:
        super().__init__()
        self.task, self.on_done, self.on_error = task, on_done, on_error
        self.done.connect(self._done)
        self.failed.connect(self._failed)

    @Slot(object)
    def _done(self, result) -> None:
        self._finish(self.on_done, result)

    @Slot(object)
    def _failed(self, exc) -> None:
        self._finish(self.on_error, exc)

    def _finish(self, callback, value) -> None:
        _running.discard(self.task)
        try:
            callback(value)
        except RuntimeError as exc:  # the owner widget was closed meanwhile
            if "already deleted" not in str(exc):
                raise
            log.debug("background callback after owner went away: %s", exc)


class _Task(QRunnable):
    def __init__(self, work: Callable[[], Any], on_done, on_error) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.work = work
        self.relay = _Relay(self, on_done, on_error)  # created on the GUI thread

    def run(self) -> None:
        try:
            result = self.work()
        except Exception as exc:  # noqa: BLE001 - handed to the caller's error callback
            self.relay.failed.emit(exc)
        else:
            self.relay.done.emit(result)


def run_in_background(
    owner: QObject,
    work: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
) -> None:
    """Run ``work`` on the thread pool; ``owner`` is the widget the callbacks belong to."""
    task = _Task(work, on_done, on_error)
    _running.add(task)
    QThreadPool.globalInstance().start(task)


def pending() -> int:
    """How many background tasks have not reported yet (tests wait for 0)."""
    return len(_running)
