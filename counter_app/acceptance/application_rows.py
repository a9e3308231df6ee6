"""What a saved application holds besides its own columns: stage and whole-process deadlines in
working days, one Material row per checklist item, the on-file archive and the commitments."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.acceptance import accepted
from counter_app.acceptance.clerk_input import REUSABLE_MATERIALS
from counter_app.acceptance.input_checks import Checked
from counter_app.hall import catalog as catalog_mod
from counter_app.hall import hall
from counter_app.infra.context import Actor
from counter_app.models import Application, Certificate, Commitment, Customer, Material, MaterialOnFile


def set_deadlines(session: Session, application: Application, hall_id: int, calendar) -> None:
    """Stage and whole-process deadlines of an application at 受理 (working days from accepted_at), by
    the one builder the demo and the test data use too (the promise by the one rule, 外线工程 too)."""
    limits = accepted.deadlines(
        accepted.calendar_workdays(calendar), application.accepted_at,
        catalog_mod.load().business_type(application.business_type), application.load_importance,
        hall.stage_limit(session, hall_id, application.business_type, "accept"),
        external_works=application.external_works)
    application.stage_due_date = limits.stage_due
    application.due_date = limits.due_date
    application.due_estimated = limits.due_estimated
    for event in application.stage_events:
        if event.stage == "accept" and event.ended_at is None:
            event.due_date, event.due_estimated = limits.stage_due, limits.stage_estimated


def sync_materials(
    session: Session,
    actor: Actor,
    application: Application,
    checked: Checked,
    customer: Customer,
    cert: Certificate,
    calendar,
    deferral_days: int,
    now: dt.datetime,
    archived: dict[str, MaterialOnFile] | None = None,
) -> list:
    """Material rows, the on-file archive and the commitments from the checklist; returns deferred rows.
    ``archived``: the customer's on-file rows by code when the caller has read them already."""
    deadline = calendar.add_workdays(application.accepted_at, deferral_days)
    existing = {m.code: m for m in application.materials}
    for seq, (item, state) in enumerate(checked.materials, start=1):
        row = existing.pop(item.code, None)
        if row is None:
            row = Material(code=item.code, name=item.name, state=state, copies=0)
            application.materials.append(row)
        row.seq = seq
        row.name = item.name
        if row.state == "supplied" and state == "received":
            continue  # handed in after a deferral: keep who/when
        if state == "deferred":
            if row.state != "deferred" or row.due_date is None:
                row.due_date, row.due_estimated = deadline.day, deadline.estimated
        else:
            row.due_date, row.due_estimated = None, False
            row.supplied_at = row.supplied_by_id = None
        row.state = state
        row.copies = 1 if state == "received" else 0
    for row in existing.values():
        application.materials.remove(row)
    session.flush()

    for item, state in checked.materials:
        if state != "received" or item.code not in REUSABLE_MATERIALS:
            continue
        valid_until = cert.valid_until if item.code in ("holder_id", "subject_cert") else None
        on_file = archived.get(item.code) if archived is not None else session.scalar(
            select(MaterialOnFile).where(
                MaterialOnFile.customer_id == customer.id, MaterialOnFile.code == item.code
            )
        )
        if on_file is None:
            on_file = MaterialOnFile(customer_id=customer.id, code=item.code, name=item.name, recorded_at=now)
            session.add(on_file)
            if archived is not None:
                archived[item.code] = on_file
        on_file.name, on_file.valid_until = item.name, valid_until
        on_file.source_application_id, on_file.recorded_at = application.id, now

    deferred = [m for m in application.materials if m.state == "deferred"]
    commitments = {c.kind: c for c in application.commitments}
    wanted = {row["kind"]: row for row in accepted.commitment_rows(now, [
        {"state": m.state, "code": m.code, "name": m.name, "due_date": m.due_date} for m in deferred])}
    if "authenticity" not in commitments:
        application.commitments.append(Commitment(**wanted["authenticity"]))
    if "deferral" in wanted:
        promise = commitments.get("deferral")
        if promise is None:  # signed now; an edit keeps when the customer first signed
            promise = Commitment(**wanted["deferral"])
            application.commitments.append(promise)
        promise.items, promise.due_date = wanted["deferral"]["items"], wanted["deferral"]["due_date"]
    elif "deferral" in commitments:
        application.commitments.remove(commitments["deferral"])
    return deferred

