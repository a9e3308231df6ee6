"""Recording the audit trail: append-only entries in the caller's transaction. Every unit of work
that changes or reveals something calls this module, so it depends on nothing above the models;
reading the trail (the audit page, its export) is ``audit_trail``."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import String, cast, insert, literal, select
from sqlalchemy.orm import Session

from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.models import AuditEntry, ExportRecord
from counter_app.security.redaction import redact


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
    entry = AuditEntry(**_values(actor, action, target_type, str(target_id), detail, outcome, at))
    session.add(entry)
    return entry


def _values(actor: Actor, action: str, target_type: str, target_id, detail: str | dict, outcome: str = "ok",
            at: dt.datetime | None = None) -> dict:
    return dict(
        at=at or clock.now(),
        user_id=actor.user_id,
        username=actor.username,
        window_no=actor.window_no,
        pc=actor.pc,
        action=action,
        target_type=target_type,
        target_id=target_id,
        outcome=outcome,
        detail=detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False, default=str),
        hall_id=actor.hall_id,
    )


def record_for_each(actor: Actor, action: str, target_type: str, target_id, rows, *, detail: str | dict):
    """An INSERT recording one entry per row of ``rows`` (a selectable; ``target_id`` an expression
    over it): a lookup sends it with its reads (``batched.read_all(..., writes=…)``), so what was
    found is recorded without a round trip of its own, and nothing when nothing was found."""
    values = _values(actor, action, target_type, cast(target_id, String), detail)
    columns = [literal(v, type_=AuditEntry.__table__.c[k].type) if k != "target_id" else v
               for k, v in values.items()]
    return insert(AuditEntry).from_select(list(values), select(*columns).select_from(rows))


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
    action: str = "export",
) -> ExportRecord:
    """Every export (registers, handover list, audit log, the marketing-system file): an ExportRecord
    and an audit entry naming it, in the caller's transaction. ``unmasked`` exports carry the
    supervisor's reason (see privacy.export_masking); ``action`` names the audit entry."""
    reason = reason.strip()
    record_row = ExportRecord(kind=kind, filters=dict(filters or {}), row_count=row_count, unmasked=unmasked,
                              reason=reason, path=path[:500], user_id=actor.user_id, username=actor.username,
                              at=clock.now(), hall_id=actor.hall_id)
    session.add(record_row)
    session.flush()
    detail = {"kind": kind, "rows": row_count, "unmasked": unmasked, "path": record_row.path}
    if reason:
        detail["reason"] = reason
    if filters:
        detail["filters"] = filters
    record(session, actor, action, "export", record_row.id, detail=detail)
    return record_row


def record_lookup(
    session: Session, actor: Actor, *, by: str, query: str, target_type: str = "customer",
    target_id: str | int = "", results: int | None = None, found: list[str] | None = None,
    customers: list[int] | None = None,
) -> AuditEntry:
    """A lookup of a person (by certificate number, phone, name …). The query is stored redacted so the
    audit trail does not become a second copy of the personal data."""
    detail = {"by": by, "query": redact(query)}
    if results is not None:
        detail["results"] = results
    if found:  # application numbers
        detail["found"] = found
    if customers:  # whose data the answer showed
        detail["customers"] = customers
    return record(session, actor, "lookup", target_type, target_id, detail=detail)
