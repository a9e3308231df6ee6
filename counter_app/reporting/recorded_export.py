"""Writing an export file and recording it, the one way every export does (registers, handover list,
audit log, 概览 figures, 红黄牌 register): the file is filled under a temporary name next to the
target and moved into place only when complete (nothing half-written after a failure or a cancel),
then the export is recorded (ExportRecord + audit entry) in one transaction. A file whose export
cannot be recorded is removed again: no unrecorded export leaves the system."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from counter_app.infra.atomic_files import replacing, write_problem
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError
from counter_app.security import audit


def write_recorded(db: Database, actor: Actor, target: Path, write: Callable[[Path], int], *, kind: str,
                   filters: dict | Callable[[], dict], unmasked: bool = False, reason: str = "") -> tuple[int, int]:
    """``write(temp)`` fills the file and returns how many rows to record; ``filters`` may be asked
    for after it (what the file turned out to hold). Returns (rows, the ExportRecord's id)."""
    try:
        with replacing(target) as temp:
            rows = write(temp)
    except OSError as exc:
        raise UserError(write_problem(target, exc), field="path") from None
    try:
        with db.write() as session:
            record = audit.record_export(session, actor, kind, filters=filters() if callable(filters) else filters,
                                         row_count=rows, unmasked=unmasked, reason=reason,
                                         path=str(target.resolve()))
            record_id = record.id
    except BaseException:
        target.unlink(missing_ok=True)  # an export that cannot be recorded must not stay behind
        raise
    return rows, record_id
