"""Saving an acceptance: a new application in ONE transaction (customer and certificate, number,
materials, commitments, first stage event, survey appointment, counter time, audit), and an edit
while it is at 受理 with optimistic locking (``StaleEdit``, the clerk's input untouched)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from counter_app.acceptance import customer_file, identity, survey
from counter_app.acceptance.application_rows import (
    application_reads,
    attach_application,
    set_deadlines,
    sync_materials,
)
from counter_app.acceptance.clerk_input import AcceptanceInput
from counter_app.acceptance.customer_file import upsert_customer
from counter_app.acceptance.input_checks import Checked, validate
from counter_app.acceptance.window_context import hall_context, prefetch_hall, require_accept
from counter_app.hall import catalog as catalog_mod
from counter_app.hall import numbering
from counter_app.infra import clock, pipelined
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import NotFound, StaleEdit, UserError
from counter_app.models import (
    Application,
    AuditEntry,
    Certificate,
    Commitment,
    Customer,
    Material,
    MaterialOnFile,
    StageEvent,
    User,
)
from counter_app.security import audit, privacy


@dataclass(frozen=True)
class SaveResult:
    application_id: int
    number: str
    version: int
    accepted_at: dt.datetime
    counter_seconds: int | None
    deferred: list[tuple[str, dt.date]] = field(default_factory=list)  # (material name, due date)
    due_date: dt.date | None = None
    warnings: list[str] = field(default_factory=list)



def validated_customer(
    session: Session,
    actor: Actor,
    inp: AcceptanceInput,
    now: dt.datetime,
    calendar,
    teams: list[str],
    *,
    on_file_state,
) -> tuple[Checked, Customer, Certificate]:
    """Check the input against what is on file for its certificate (``on_file_state``: certificate,
    customer, valid archive — an edit's without what it archived itself —, blacklisted; read with
    the unit's other reads by ``customer_file.on_file_state``), then create or update the customer
    and certificate: the same for a save and an edit."""
    cert, customer, on_file, blacklisted = on_file_state
    checked = validate(
        inp,
        today=now.date(),
        on_file=on_file,
        blacklisted=blacklisted,
        calendar=calendar,
        team_names=teams,
    )
    customer, cert = upsert_customer(session, actor, checked, cert, customer, now)
    return checked, customer, cert


# ids a new save's rows take without RETURNING on PostgreSQL (pipelined.reserve_ids); a checklist
# longer than this costs a round trip for the rest, an unused id is a gap in a surrogate key
_RESERVED = {Customer: 1, Certificate: 1, Application: 1, StageEvent: 1, Material: 12, Commitment: 2,
             MaterialOnFile: 6, AuditEntry: 1}


def _read_for_save(session: Session, actor: Actor, inp: AcceptanceInput, key: str, now: dt.datetime):
    """Everything a new save reads, in one statement on PostgreSQL (issue 20): a committed save of this
    form, the hall's row, settings and calendar, what is on file for the certificate, and ids for the
    new rows. Returns (id of the form's saved application or None, on-file state, archive by code)."""
    reserve = pipelined.reserve_ids(session, _RESERVED)
    saved, chosen, customers, archived, blacklist, *ids = prefetch_hall(session, actor, [
        select(Application.id).where(Application.form_key == key),
        *customer_file.file_statements(session, inp.cert_type, identity.normalize(inp.cert_number)),
        *reserve,
    ])
    pipelined.keep_ids(session, _RESERVED, ids)
    cert, customer, on_file, blacklisted, by_code = customer_file.on_file_state(
        session, inp.cert_type, chosen, customers, archived, blacklist[0][0], now.date())
    return (saved[0].id if saved else None), (cert, customer, on_file, blacklisted), by_code


def _run(db: Database, work):
    """One write unit; a unique-key race (two windows creating one certificate, or one form's save
    sent twice at once) is retried once: the retry finds the row the other one wrote."""
    try:
        return db.run_write(work)
    except IntegrityError:
        return db.run_write(work)


FORM_KEY_LENGTH = 64  # application.form_key


def new_form_key() -> str:
    return uuid.uuid4().hex


def _result(application: Application, deferred=None, warnings=()) -> SaveResult:
    """What a save returns to the window; ``deferred`` defaults to the application's deferred items
    (a retry that found its own committed save)."""
    if deferred is None:
        deferred = [m for m in application.materials if m.state == "deferred"]
    return SaveResult(application.id, application.number, application.version, application.accepted_at,
                      application.counter_seconds, [(m.name, m.due_date) for m in deferred],
                      application.due_date, list(warnings))


def _already_saved(application: Application) -> SaveResult:
    """What the first, committed save of a form returned, for its retry."""
    return _result(application)


def save(db: Database, actor: Actor, inp: AcceptanceInput, *, form_key: str | None = None) -> SaveResult:
    """Accept: everything in one transaction, or nothing (the window keeps the input).

    ``form_key`` is drawn when the form is opened (the window passes its draft key) and stored
    unique with the application: when a commit went through but its answer was lost (the connection
    dropped), the retry, here or the clerk's, returns that application instead of a second one.
    The clerk may have changed the form between the failed save and the retry: what the retry
    sends is then saved over it as an edit (while it is still at 受理), so nothing typed is lost.
    Without a key, one is drawn for this call, which still covers the retries inside it."""
    require_accept(db, actor)
    key = form_key or new_form_key()
    if len(key) > FORM_KEY_LENGTH:
        raise ValueError(f"form key longer than {FORM_KEY_LENGTH} characters")
    attempts = 0

    def work(session: Session) -> tuple[SaveResult, bool]:
        nonlocal attempts
        attempts += 1
        with pipelined.unit(session):  # PostgreSQL: two round trips (reads and number, writes + COMMIT)
            return new_save(session)

    def new_save(session: Session) -> tuple[SaveResult, bool]:
        now = clock.now()
        # the number is drawn with the reads (none if this form was saved already): on PostgreSQL
        # it costs no round trip of its own, and the hall's counter row stays locked for the one
        # round trip of the writes and COMMIT; a save refused below gives it back (rollback)
        drawn = pipelined.queue(session, numbering.draw_application_number(
            session, actor.hall_id, now.date(), unless=exists().where(Application.form_key == key))
        ) if actor.hall_id else None
        saved_id, on_file_state, archived = _read_for_save(session, actor, inp, key, now)
        existing = session.get(Application, saved_id) if saved_id is not None else None
        if existing is not None:
            # found by a later attempt of this call: its own commit, the same input. Found by the
            # first: the form saved again after a save that seemed to fail
            again = (attempts == 1 and existing.current_stage == "accept" and existing.status == "active"
                     and privacy.handles_case(actor, existing))
            return _already_saved(existing), again
        h, calendar, teams, deferral_days = hall_context(session, actor)
        checked, customer, cert = validated_customer(session, actor, inp, now, calendar, teams,
                                                     on_file_state=on_file_state)
        entered = inp.cert_entered_at
        seconds = int((now - entered).total_seconds()) if entered else None
        if seconds is not None and not 0 <= seconds <= 86_400:
            seconds = None  # a clock jump or a draft from another day: not a counter time
        drawn_rows = drawn.rows() if drawn is not None else []
        application = Application(
            # without a drawn number (no hall on the actor), the real one is drawn last: drawing it
            # locks the hall's counter row until commit, and every other window's save queues on it
            number=numbering.application_number_of(drawn_rows[0][1], drawn_rows[0][0]) if drawn_rows
            else f"~{uuid.uuid4().hex}",
            form_key=key,
            hall_id=h.id,
            window_id=actor.window_id,
            clerk_id=actor.user_id,
            customer_id=customer.id,
            certificate_id=cert.id,
            **checked.app,
            status="active",
            current_stage="accept",
            current_handler=actor.name,
            cert_entered_at=entered if seconds is not None else None,
            accepted_at=now,
            counter_seconds=seconds,
            updated_at=now,
            updated_by_id=actor.user_id,
            materials=[],  # known empty: spares the lazy loads of a new row's collections
            commitments=[],
        )
        session.add(application)
        application.stage_events.append(
            StageEvent(
                stage="accept", action="enter", started_at=now, handler=actor.name, actor_id=actor.user_id
            )
        )
        set_deadlines(session, application, h.id, calendar)
        session.flush()
        deferred = sync_materials(
            session, actor, application, checked, customer, cert, calendar, deferral_days, now, archived
        )
        if checked.appointment is not None:
            survey.book(session, application, checked.appointment, booked_by_id=actor.user_id, now=now)
        if not drawn_rows:
            application.number = numbering.application_number(session, h.code, now.date())
        session.flush()
        audit.record(
            session,
            actor,
            "accept",
            "application",
            application.id,
            detail={
                "number": application.number,
                "business_type": application.business_type,
                "customer_id": customer.id,
                "deferred": [m.code for m in deferred],
                "counter_seconds": seconds,
            },
        )
        session.flush()  # the version the window edits next is the one written last
        return _result(application, deferred, checked.warnings), False

    result, saved_again = _run(db, work)
    if saved_again:
        return update(db, actor, result.application_id, result.version, inp)
    return result


# what an edit may add: rows for a changed checklist or certificate, the audit entry
_RESERVED_FOR_EDIT = {Customer: 1, Certificate: 1, Material: 4, Commitment: 1, MaterialOnFile: 4, AuditEntry: 1}
def _read_for_edit(session: Session, actor: Actor, inp: AcceptanceInput, application_id: int, now: dt.datetime):
    """Everything an edit reads, in one statement on PostgreSQL (issue 20): the application with its
    materials, commitments, stage events and appointments (as loaded objects), the hall's context,
    what is on file for the certificate and ids for new rows. (application or None, on-file state,
    archive by code)."""
    reads = application_reads(application_id)
    reserve = pipelined.reserve_ids(session, _RESERVED_FOR_EDIT)
    answers = prefetch_hall(session, actor, [
        *reads, *customer_file.file_statements(session, inp.cert_type, identity.normalize(inp.cert_number)),
        *reserve])
    application = attach_application(session, answers)
    if application is None:
        return None, None, None
    chosen, customers, archived, blacklist, *ids = answers[len(reads):]
    pipelined.keep_ids(session, _RESERVED_FOR_EDIT, ids)
    cert, customer, on_file, blacklisted, by_code = customer_file.on_file_state(
        session, inp.cert_type, chosen, customers, archived, blacklist[0][0], now.date(), application_id)
    return application, (cert, customer, on_file, blacklisted), by_code


def update(db: Database, actor: Actor, application_id: int, version: int, inp: AcceptanceInput) -> SaveResult:
    """Save an edit made while the application is at 受理.

    ``version`` is the one the clerk opened; a newer save by a colleague raises StaleEdit and
    nothing is written (the window keeps what the clerk typed)."""
    require_accept(db, actor, at_window=False)

    def work(session: Session) -> SaveResult:
        with pipelined.unit(session):  # PostgreSQL: two round trips (read, write + commit)
            return edit(session)

    def edit(session: Session) -> SaveResult:
        now = clock.now()
        application, on_file_state, archived = _read_for_edit(session, actor, inp, application_id, now)
        if application is None:
            raise NotFound("没有找到该申请，可能已被删除或编号有误")
        if actor.hall_id and application.hall_id != actor.hall_id:
            raise UserError("该申请不属于本营业厅，不能修改")
        if not privacy.handles_case(actor, application):  # what load shows this actor is masked
            raise UserError(f"申请 {application.number} 由其他窗口受理，只有受理该申请的窗口可以修改")
        if application.version != version:
            who = session.get(User, application.updated_by_id) if application.updated_by_id else None
            name = who.name if who else "其他窗口"
            raise StaleEdit(
                f"申请 {application.number} 已被{name}于 {application.updated_at:%H:%M:%S} 修改并保存"
                f"（您打开的是第 {version} 版，现在是第 {application.version} 版）。"
                "您的输入都已保留：请载入最新内容核对，或确认后以您的内容重新保存。"
            )
        if application.current_stage != "accept" or application.status != "active":
            stage = catalog_mod.load().stage_name(application.current_stage)
            raise UserError(f"申请 {application.number} 已进入“{stage}”环节，只有受理环节的申请可以修改")
        h, calendar, teams, deferral_days = hall_context(session, actor)
        checked, customer, cert = validated_customer(session, actor, inp, now, calendar, teams,
                                                     on_file_state=on_file_state)
        before = {name: getattr(application, name) for name in checked.app}
        type_changed = application.business_type != checked.app["business_type"]
        for name, value in checked.app.items():
            setattr(application, name, value)
        application.customer_id, application.certificate_id = customer.id, cert.id
        application.updated_at, application.updated_by_id = now, actor.user_id
        if type_changed:
            set_deadlines(session, application, h.id, calendar)
        deferred = sync_materials(
            session, actor, application, checked, customer, cert, calendar, deferral_days, now, archived
        )
        current = application.appointments[-1] if application.appointments else None
        wanted = checked.appointment
        if wanted is None and current is not None:
            application.appointments.remove(current)
        elif wanted is not None and (
            current is None
            or (current.mode, current.day, current.team, current.slot)
            != (wanted.mode, survey.parse_day(wanted.day), wanted.team, (wanted.slot or "").strip())
        ):
            survey.book(session, application, wanted, booked_by_id=actor.user_id, now=now)
        session.flush()
        changed = sorted(n for n, v in checked.app.items() if before.get(n) != v)
        audit.record(
            session,
            actor,
            "edit",
            "application",
            application.id,
            detail={"number": application.number, "fields": changed, "version": application.version},
        )
        session.flush()
        return _result(application, deferred, checked.warnings)

    def guarded(session: Session) -> SaveResult:
        # A colleague's save committed between our version check and our UPDATE: the version column
        # matches no row at whichever flush (also an autoflush) sends the UPDATE.
        try:
            return work(session)
        except StaleDataError:
            raise StaleEdit(
                "该申请刚被其他窗口修改并保存"
                f"（您打开的是第 {version} 版）。您的输入都已保留：请载入最新内容核对后再保存。"
            ) from None

    return _run(db, guarded)

