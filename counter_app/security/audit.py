"""Recording the audit trail: append-only entries in the caller's transaction. Every unit of work
that changes or reveals something calls this module, so it depends on nothing above the models;
reading the trail (the audit page, its export) is ``audit_trail``."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy.orm import Session

from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.security.redaction import redact
from counter_app.models import AuditEntry, ExportRecord


def record(
    session: Session,
    actor: Actor,
    action: str,
    target_type: str = "",
    target_id: str | int = "",
    *,
    detail: str | dict = "",
    outcome: str = "ok",
    at: dt.datetime | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        at=at or clock.now(),
        user_id=actor.user_id,
        username=actor.username,
        window_no=actor.window_no,
        pc=actor.pc,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        outcome=outcome,
        detail=detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False, default=str),
    )
    session.add(entry)
    return entry


def record_export(
    session: Session,
    actor: Actor,
    kind: str,
    *,
    filters: dict | None = None,
    row_count: int = 0,
    unmasked: bool = False,
    reason: str = "",
    path: str = "",
) -> ExportRecord:
    """An export (register, audit log …): an ExportRecord and an audit entry, in the caller's transaction.
    ``unmasked`` exports carry the supervisor's reason (see privacy.export_masking)."""
    record_row = ExportRecord(kind=kind, filters=dict(filters or {}), row_count=row_count, unmasked=unmasked,
                              reason=reason, path=path, user_id=actor.user_id, username=actor.username,
                              at=clock.now())
    session.add(record_row)
    detail = {"kind": kind, "rows": row_count, "unmasked": unmasked, "file": path}
    if unmasked:
        detail["reason"] = reason
    if filters:
        detail["filters"] = filters
    record(session, actor, "export", "export", kind, detail=detail)
    return record_row


def record_lookup(
    session: Session, actor: Actor, *, by: str, query: str, target_type: str = "customer",
    target_id: str | int = "", results: int | None = None,
) -> AuditEntry:
    """A lookup of a person (by certificate number, phone, name …). The query is stored redacted so the
    audit trail does not become a second copy of the personal data."""
    detail = {"by": by, "query": redact(query)}
    if results is not None:
        detail["results"] = results
    return record(session, actor, "lookup", target_type, target_id, detail=detail)
