"""What a saved application holds besides its own columns: stage and whole-process deadlines in
working days, one Material row per checklist item, the on-file archive and the commitments."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from counter_app.acceptance import accepted
from counter_app.acceptance.clerk_input import REUSABLE_MATERIALS
from counter_app.acceptance.input_checks import Checked
from counter_app.hall import catalog as catalog_mod
from counter_app.hall import hall
from counter_app.infra import batched
from counter_app.infra.context import Actor
from counter_app.models import (
    Application,
    Certificate,
    Commitment,
    CounterWindow,
    Customer,
    Material,
    MaterialOnFile,
    StageEvent,
    SurveyAppointment,
    User,
)


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


# --- an application loaded with its rows in one statement (issue 20) -----------------------------

CHILDREN = (("materials", Material, Material.seq), ("commitments", Commitment, Commitment.id),
            ("stage_events", StageEvent, StageEvent.id), ("appointments", SurveyAppointment, SurveyAppointment.id))


def application_reads(application_id: int) -> list:
    """The application, its rows (``CHILDREN``), its certificate, customer, clerk and window, as
    statements for ``batched.read_all`` with a unit's other reads; ``attach_application`` makes the
    loaded objects of their answers (the first ``len(application_reads(…))``)."""
    of = select(Application.certificate_id, Application.customer_id, Application.clerk_id,
                Application.window_id).where(Application.id == application_id).subquery()
    return [
        select(*batched.columns(Application)).where(Application.id == application_id),
        *(select(*batched.columns(model)).where(model.application_id == application_id).order_by(order)
          for _name, model, order in CHILDREN),
        select(*batched.columns(Certificate)).where(Certificate.id == select(of.c.certificate_id).scalar_subquery()),
        select(*batched.columns(Customer)).where(Customer.id == select(of.c.customer_id).scalar_subquery()),
        select(*batched.columns(User)).where(User.id == select(of.c.clerk_id).scalar_subquery()),
        select(*batched.columns(CounterWindow)).where(CounterWindow.id == select(of.c.window_id).scalar_subquery()),
    ]


def attach_application(session: Session, answers: list) -> Application | None:
    """The application of ``application_reads``' answers, with its rows, certificate, customer, clerk
    and window in the session as if loaded (no query when the code reaches for them)."""
    found, *children = answers[:1 + len(CHILDREN)]
    if not found:
        return None
    application = batched.attach(session, Application, found[0])
    for (name, model, _order), rows in zip(CHILDREN, children, strict=True):
        set_committed_value(application, name, [batched.attach(session, model, row) for row in rows])
    for model, rows in zip((Certificate, Customer, User, CounterWindow), answers[1 + len(CHILDREN):], strict=False):
        for row in rows:
            batched.attach(session, model, row)
    return application
