"""Exports from the pages: the save dialog that starts in this PC's last export folder, and the
background Excel export of a register or handover list behind a progress dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget

from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.reporting import exports
from counter_app.ui.kit import file_dialogs
from counter_app.ui.kit.background import BackgroundTask

LAST_DIR_KEY = "export/last_dir"


def ask_save_path(parent: QWidget, title: str, filename: str, file_filter: str, suffix: str) -> str | None:
    """The path the user picked (``suffix`` added when typed without it), or None; the folder is
    remembered for the next export on this PC."""
    settings = QSettings()
    folder = settings.value(LAST_DIR_KEY, str(Path.home()))
    path, _ = file_dialogs.get_save_file_name(parent, title, str(Path(folder) / filename), file_filter)
    if not path:
        return None
    if not path.lower().endswith(suffix):
        path += suffix
    settings.setValue(LAST_DIR_KEY, str(Path(path).parent))
    return path


def export_task(parent: QWidget, db: Database, actor: Actor, request: exports.ExportRequest, path: str | Path,
                label: str) -> BackgroundTask:
    """Not started yet: the caller adds its callbacks, then ``start()``."""
    task = BackgroundTask(lambda progress: exports.export(
        db, actor, request, path, progress=progress.report, cancelled=progress.is_cancelled))
    return task.with_progress(parent, label)
