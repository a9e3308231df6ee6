"""Python's cycle collector on the GUI thread only.

The collector runs on whichever thread happens to allocate. When a background task's thread ran it,
it destroyed cycles holding Qt widgets (dialogs and pages reference themselves through signal
connections) off the GUI thread: a segmentation fault. Automatic collection is switched off and
this collects on the GUI thread, on a timer, with the collector's own thresholds."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject, interval_ms: int = 500) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        first, second, third = gc.get_count()
        if first > self.threshold[0]:
            gc.collect(0)
            if second > self.threshold[1]:
                gc.collect(1)
                if third > self.threshold[2]:
                    gc.collect(2)


def install(app: QObject) -> GuiThreadCollector:
    """Once per application (the collector is the application's child)."""
    existing = getattr(app, "_counter_gui_gc", None)
    if existing is None:
        existing = GuiThreadCollector(app)
        app._counter_gui_gc = existing
    return existing
