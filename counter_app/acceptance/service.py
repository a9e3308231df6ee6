"""一证受理: the acceptance service behind the clerk's window (no Qt).

``lookup_customer`` finds a known customer (flags, materials on file, what to pre-fill);
``save`` creates the application in ONE transaction (customer and certificate, number, materials,
commitments, first stage event, survey appointment, counter time, audit); ``load`` / ``update`` edit
it while it is still at 受理, with optimistic locking (``StaleEdit``, the clerk's input untouched).
What a saved application holds: the open StageEvent of stage ``accept`` (action ``enter``, due
date in working days of the hall calendar), one Material row per checklist item (received, or
deferred and due ``deferral_days`` working days after acceptance), the authenticity commitment and,
when something is deferred, the deferral commitment due with the last deferred item."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from counter_app.acceptance import identity, survey
from counter_app.acceptance.clerk_input import (
    MATERIAL_STATES,
    REUSABLE_MATERIALS,
    AcceptanceInput,
    PlanItem,
    material_plan,
)
from counter_app.acceptance.input_checks import Checked, validate
from counter_app.hall import catalog as catalog_mod
from counter_app.hall import hall, numbering
from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import NotFound, StaleEdit, UserError
from counter_app.models import (
    Application,
    BlacklistEntry,
    Certificate,
    Commitment,
    Customer,
    Hall,
    Material,
    MaterialOnFile,
    StageEvent,
    User,
)
from counter_app.security import audit, privacy
from counter_app.security.db_logins import find_ids
from counter_app.security.permissions import Perm, allowed, require

__all__ = [
    "MATERIAL_STATES",
    "AcceptanceInput",
    "KnownCustomer",
    "LoadedApplication",
    "PlanItem",
    "SaveResult",
    "load",
    "lookup_customer",
    "material_plan",
    "save",
    "update",
    "validate",
]

# fields copied from a customer's latest application into a new form (never over typed input)
PREFILL_FIELDS = (
    "address_district",
    "address_detail",
    "mailing_address",
    "contact_name",
    "contact_mobile",
    "contact_phone",
    "usage_category",
    "industry",
    "legal_rep_name",
    "legal_rep_id_number",
    "vat_taxpayer_number",
    "vat_bank",
    "vat_account",
    "vat_address",
    "vat_phone",
)


@dataclass(frozen=True)
class KnownCustomer:
    """A customer already on file, found by the certificate the clerk entered."""

    customer_id: int
    kind: str
    name: str
    certificate_known: bool  # this very certificate (type and number) is recorded
    sex: str
    birth_date: dt.date | None
    cert_address: str
    cert_valid_until: dt.date | None
    arrears_amount: Decimal
    violation_case: str
    blacklisted: bool
    blacklist_reason: str
    on_file: dict[str, dt.date | None]  # valid materials in the archive: code -> valid until
    on_file_names: dict[str, str]
    prefill: dict[str, Any]
    application_count: int
    open_applications: list[tuple[str, str, str]]  # (number, business type, stage)

    @property
    def flags(self) -> list[str]:
        """What the clerk must see before accepting (欠费, 违约用电, 失信)."""
        out = []
        if self.arrears_amount > 0:
            out.append(f"欠费：{self.arrears_amount:.2f} 元未结清")
        if self.violation_case:
            out.append(f"违约用电：{self.violation_case}")
        if self.blacklisted:
            reason = f"（{self.blacklist_reason}）" if self.blacklist_reason else ""
            out.append(f"失信黑名单{reason}：不能容缺受理，资料须当场收齐")
        return out


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


@dataclass(frozen=True)
class LoadedApplication:
    application_id: int
    number: str
    version: int
    stage: str
    status: str
    editable: bool
    input: AcceptanceInput
    accepted_at: dt.datetime
    clerk_name: str
    window_no: int | None
    supplied: tuple[str, ...] = ()  # material codes already handed in after a deferral


# --- helpers ---------------------------------------------------------------------------------------


def _require_accept(db: Database, actor: Actor, *, at_window: bool = True) -> None:
    require(db, actor, Perm.ACCEPT)
    if at_window and not actor.window_id:
        raise UserError("本机尚未指定受理窗口，不能受理业务：请重新登录并选择本机所在的窗口")


def _hall(session: Session, actor: Actor) -> Hall:
    found = session.get(Hall, actor.hall_id) if actor.hall_id else None
    return found or hall.require_hall(session)


def _family(cert_type: str) -> set[str]:
    """Certificate types that share one number space (an ID number on a 户口簿 is the ID number)."""
    if cert_type in identity.RIC_TYPES:
        return set(identity.RIC_TYPES)
    if cert_type in identity.USCC_TYPES:
        return set(identity.USCC_TYPES)
    return {cert_type}


def _find_certificate(
    session: Session, cert_type: str, number: str
) -> tuple[Certificate | None, Customer | None]:
    # by id: on PostgreSQL a clerk reads other customers' numbers masked (db_logins.find_ids)
    holders = find_ids(session, "certificate", [number])
    cert = session.scalar(
        select(Certificate).where(Certificate.cert_type == cert_type, Certificate.id.in_(holders))
    )
    if cert is not None:
        return cert, cert.customer
    other = session.scalar(
        select(Certificate)
        .where(Certificate.cert_type.in_(_family(cert_type)), Certificate.id.in_(holders))
        .order_by(Certificate.id)
        .limit(1)
    )
    return None, (other.customer if other else None)


def _on_file(
    session: Session, customer_id: int, today: dt.date, *, exclude_application: int | None = None
) -> tuple[dict[str, dt.date | None], dict[str, str]]:
    rows = session.scalars(select(MaterialOnFile).where(MaterialOnFile.customer_id == customer_id))
    valid, names = {}, {}
    for row in rows:
        if exclude_application is not None and row.source_application_id == exclude_application:
            continue
        if row.valid_until is None or row.valid_until >= today:
            valid[row.code] = row.valid_until
            names[row.code] = row.name
    return valid, names


def _blacklist_reason(session: Session, customer_id: int) -> str:
    entry = session.scalar(
        select(BlacklistEntry)
        .where(BlacklistEntry.customer_id == customer_id, BlacklistEntry.removed_at.is_(None))
        .order_by(BlacklistEntry.added_at.desc())
        .limit(1)
    )
    return entry.reason if entry else ""


def _is_blacklisted(session: Session, customer: Customer | None) -> bool:
    if customer is None:
        return False
    active = session.scalar(
        select(func.count())
        .select_from(BlacklistEntry)
        .where(BlacklistEntry.customer_id == customer.id, BlacklistEntry.removed_at.is_(None))
    )
    return bool(customer.blacklisted or active)


# --- known customer --------------------------------------------------------------------------------


def lookup_customer(db: Database, actor: Actor, cert_type: str, number: str) -> KnownCustomer | None:
    """The customer on file for this certificate (or another certificate with the same number), or None.

    Only a valid number is looked up; each find is recorded in the audit trail (lookup of a person)."""
    _require_accept(db, actor, at_window=False)
    checked = identity.check(cert_type, number)
    if not checked.ok:
        return None
    today = clock.today()
    cat = catalog_mod.load()
    with db.write() as session:
        cert, customer = _find_certificate(session, cert_type, checked.number)
        if customer is None:
            return None
        on_file, names = _on_file(session, customer.id, today)
        latest = session.scalar(
            select(Application)
            .where(Application.customer_id == customer.id)
            .order_by(Application.accepted_at.desc(), Application.id.desc())
            .limit(1)
        )
        prefill: dict[str, Any] = {}
        if latest is not None:
            prefill = {name: getattr(latest, name) for name in PREFILL_FIELDS if getattr(latest, name)}
        for name, value in (
            ("contact_mobile", customer.mobile),
            ("contact_phone", customer.phone),
            ("mailing_address", customer.mailing_address),
            ("legal_rep_name", customer.legal_rep_name),
            ("legal_rep_id_number", customer.legal_rep_id_number),
        ):
            if value and name not in prefill:
                prefill[name] = value
        count = (
            session.scalar(
                select(func.count()).select_from(Application).where(Application.customer_id == customer.id)
            )
            or 0
        )
        open_rows = session.execute(
            select(Application.number, Application.business_type, Application.current_stage)
            .where(Application.customer_id == customer.id, Application.status == "active")
            .order_by(Application.accepted_at.desc())
            .limit(5)
        ).all()
        source = cert or next(iter(sorted(customer.certificates, key=lambda c: c.id)), None)
        blacklisted = _is_blacklisted(session, customer)
        known = KnownCustomer(
            customer_id=customer.id,
            kind=customer.kind,
            name=customer.name,
            certificate_known=cert is not None,
            sex=source.sex if source else "",
            birth_date=source.birth_date if source else None,
            cert_address=source.address if source else "",
            cert_valid_until=cert.valid_until if cert else None,
            arrears_amount=Decimal(customer.arrears_amount or 0),
            violation_case=customer.violation_case or "",
            blacklisted=blacklisted,
            blacklist_reason=_blacklist_reason(session, customer.id) if blacklisted else "",
            on_file=on_file,
            on_file_names=names,
            prefill=prefill,
            application_count=count,
            open_applications=[(n, cat.business_name(b), cat.stage_name(s)) for n, b, s in open_rows],
        )
        audit.record(
            session,
            actor,
            "lookup",
            "customer",
            customer.id,
            detail={"by": "certificate", "cert_type": cert_type},
        )
    return known


# --- save ------------------------------------------------------------------------------------------


def _upsert_customer(
    session: Session,
    actor: Actor,
    checked: Checked,
    cert: Certificate | None,
    customer: Customer | None,
    now: dt.datetime,
) -> tuple[Customer, Certificate]:
    data, app = checked.cert, checked.app
    if customer is None:
        customer = Customer(kind=checked.kind, name=data["holder_name"], created_at=now, updated_at=now)
        session.add(customer)
    customer.name = data["holder_name"]
    customer.updated_at = now
    if app.get("contact_mobile") and (not customer.mobile or app.get("contact_name") == data["holder_name"]):
        customer.mobile = app["contact_mobile"]
    if app.get("contact_phone") and not customer.phone:
        customer.phone = app["contact_phone"]
    if app.get("mailing_address"):
        customer.mailing_address = app["mailing_address"]
    if app.get("legal_rep_name"):
        customer.legal_rep_name = app["legal_rep_name"]
    if app.get("legal_rep_id_number"):
        customer.legal_rep_id_number = app["legal_rep_id_number"]
    if cert is None:
        cert = Certificate(
            customer=customer,
            cert_type=data["cert_type"],
            number=data["number"],
            holder_name=data["holder_name"],
            created_at=now,
        )
        session.add(cert)
    cert.holder_name = data["holder_name"]
    for name in ("sex", "birth_date", "address", "issuer", "valid_until"):
        if data.get(name):
            setattr(cert, name, data[name])
    cert.verified_by_id = actor.user_id
    cert.verified_at = now
    session.flush()
    return customer, cert


def _deadlines(session: Session, application: Application, hall_id: int, calendar) -> None:
    """Stage and whole-process deadlines of an application at 受理 (working days from accepted_at)."""
    bt = catalog_mod.load().business_type(application.business_type)
    accept_limit = hall.stage_limit(session, hall_id, application.business_type, "accept")
    stage_due = calendar.add_workdays(application.accepted_at, accept_limit)
    important = catalog_mod.is_important(application.load_importance)
    total_due = calendar.add_workdays(application.accepted_at, bt.total_limit_for(important))
    application.stage_due_date = stage_due.day
    application.due_date = total_due.day
    application.due_estimated = stage_due.estimated or total_due.estimated
    for event in application.stage_events:
        if event.stage == "accept" and event.ended_at is None:
            event.due_date = stage_due.day
            event.due_estimated = stage_due.estimated


def _sync_materials(
    session: Session,
    actor: Actor,
    application: Application,
    checked: Checked,
    customer: Customer,
    cert: Certificate,
    calendar,
    deferral_days: int,
    now: dt.datetime,
) -> list:
    """Material rows, the on-file archive and the commitments from the checklist; returns deferred rows."""
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
        on_file = session.scalar(
            select(MaterialOnFile).where(
                MaterialOnFile.customer_id == customer.id, MaterialOnFile.code == item.code
            )
        )
        if on_file is None:
            on_file = MaterialOnFile(customer_id=customer.id, code=item.code, name=item.name, recorded_at=now)
            session.add(on_file)
        on_file.name, on_file.valid_until = item.name, valid_until
        on_file.source_application_id, on_file.recorded_at = application.id, now

    deferred = [m for m in application.materials if m.state == "deferred"]
    commitments = {c.kind: c for c in application.commitments}
    if "authenticity" not in commitments:
        application.commitments.append(Commitment(kind="authenticity", signed_at=now, items=[]))
    if deferred:
        items = [{"code": m.code, "name": m.name, "due_date": m.due_date.isoformat()} for m in deferred]
        promise = commitments.get("deferral")
        if promise is None:
            promise = Commitment(kind="deferral", signed_at=now)
            application.commitments.append(promise)
        promise.items = items
        promise.due_date = max(m.due_date for m in deferred)
    elif "deferral" in commitments:
        application.commitments.remove(commitments["deferral"])
    return deferred


def _context(session: Session, actor: Actor):
    h = _hall(session, actor)
    calendar = hall.work_calendar(session, h.id)
    teams = [t.name for t in survey.teams(session, h.id)]
    deferral_days = int(hall.get_setting(session, "deferral_working_days", h.id) or 3)
    return h, calendar, teams, deferral_days


def _validated_customer(
    session: Session,
    actor: Actor,
    inp: AcceptanceInput,
    now: dt.datetime,
    calendar,
    teams: list[str],
    *,
    exclude_application: int | None = None,
) -> tuple[Checked, Customer, Certificate]:
    """Check the input against what is on file for its certificate (an edit does not count its own
    materials), then create or update the customer and certificate: the same for a save and an edit."""
    cert, customer = _find_certificate(session, inp.cert_type, identity.normalize(inp.cert_number))
    on_file = (
        _on_file(session, customer.id, now.date(), exclude_application=exclude_application)[0]
        if customer
        else {}
    )
    checked = validate(
        inp,
        today=now.date(),
        on_file=on_file,
        blacklisted=_is_blacklisted(session, customer),
        calendar=calendar,
        team_names=teams,
    )
    customer, cert = _upsert_customer(session, actor, checked, cert, customer, now)
    return checked, customer, cert


def _run(db: Database, work):
    """One write unit; a unique-key race (two windows creating one certificate) is retried once."""
    try:
        return db.run_write(work)
    except IntegrityError:
        return db.run_write(work)


def save(db: Database, actor: Actor, inp: AcceptanceInput) -> SaveResult:
    """Accept: everything in one transaction, or nothing (the window keeps the input)."""
    _require_accept(db, actor)

    def work(session: Session) -> SaveResult:
        now = clock.now()
        h, calendar, teams, deferral_days = _context(session, actor)
        checked, customer, cert = _validated_customer(session, actor, inp, now, calendar, teams)
        entered = inp.cert_entered_at
        seconds = int((now - entered).total_seconds()) if entered else None
        if seconds is not None and not 0 <= seconds <= 86_400:
            seconds = None  # a clock jump or a draft from another day: not a counter time
        application = Application(
            # the real number is drawn last: drawing it locks the hall's counter row until commit,
            # and every other window's save queues on that lock
            number=f"~{uuid.uuid4().hex}",
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
        _deadlines(session, application, h.id, calendar)
        session.flush()
        deferred = _sync_materials(
            session, actor, application, checked, customer, cert, calendar, deferral_days, now
        )
        if checked.appointment is not None:
            survey.book(session, application, checked.appointment, booked_by_id=actor.user_id, now=now)
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
        return SaveResult(
            application.id,
            application.number,
            application.version,
            now,
            seconds,
            [(m.name, m.due_date) for m in deferred],
            application.due_date,
            checked.warnings,
        )

    return _run(db, work)


# --- edit while at 受理 ----------------------------------------------------------------------------


def _to_input(application: Application) -> AcceptanceInput:
    cert = application.certificate
    states = {m.code: ("received" if m.state == "supplied" else m.state) for m in application.materials}
    appointment = None
    if application.appointments:
        a = application.appointments[-1]
        appointment = survey.AppointmentInput(mode=a.mode, day=a.day, team=a.team, slot=a.slot, note=a.note)
    values = {
        name: getattr(application, name)
        for name in (
            "business_type",
            "account_number",
            "address_district",
            "address_detail",
            "mailing_address",
            "contact_name",
            "contact_mobile",
            "contact_phone",
            "usage_category",
            "industry",
            "supply_voltage",
            "load_importance",
            "wanted_date",
            "project_name",
            "legal_rep_name",
            "legal_rep_id_number",
            "agent_name",
            "agent_cert_number",
            "agent_mobile",
            "vat_taxpayer_number",
            "vat_bank",
            "vat_account",
            "vat_address",
            "vat_phone",
            "green_channel",
            "green_reason",
            "green_manager",
            "remarks",
            "internal_note", "previous_holder_name", "supply_mode", "security_load", "main_equipment", "planned_load",
        )
    }

    def amount(value: Decimal) -> str:
        return "" if value is None else format(Decimal(value).normalize(), "f")

    return AcceptanceInput(
        cert_type=cert.cert_type,
        cert_number=cert.number,
        holder_name=cert.holder_name,
        cert_sex=cert.sex,
        cert_birth_date=cert.birth_date,
        cert_address=cert.address,
        cert_issuer=cert.issuer,
        cert_valid_until=cert.valid_until,
        existing_capacity=amount(application.existing_capacity) if application.existing_capacity else "",
        applied_capacity=amount(application.applied_capacity) if application.applied_capacity else "",
        has_agent=bool(application.agent_name),
        agent_cert_type=application.agent_cert_type or "id_card",
        materials=states,
        appointment=appointment,
        cert_entered_at=application.cert_entered_at,
        **values,
    )


_ID_FIELDS = ("cert_number", "legal_rep_id_number", "agent_cert_number")
_PHONE_FIELDS = ("contact_mobile", "contact_phone", "agent_mobile", "vat_phone")


def _shown_input(actor: Actor, inp: AcceptanceInput) -> AcceptanceInput:
    """The form as ``actor`` may see it (privacy policy: in full for the clerks who handle cases)."""
    return dataclasses.replace(
        inp,
        **{name: privacy.show_id(actor, getattr(inp, name), own_case=True) for name in _ID_FIELDS},
        **{name: privacy.show_phone(actor, getattr(inp, name), own_case=True) for name in _PHONE_FIELDS},
    )


def load(db: Database, actor: Actor, application_id: int) -> LoadedApplication:
    """An application as form input, for viewing in the window and editing while at 受理."""
    require(db, actor, Perm.VIEW_APPLICATION)
    with db.write() as session:
        application = session.get(Application, application_id)
        if application is None:
            raise NotFound("没有找到该申请，可能已被删除或编号有误")
        clerk = session.get(User, application.clerk_id)
        window = application.window_id
        from counter_app.models import CounterWindow

        window_row = session.get(CounterWindow, window) if window else None
        full = privacy.may_see_full(actor, own_case=True)
        loaded = LoadedApplication(
            application_id=application.id,
            number=application.number,
            version=application.version,
            stage=application.current_stage,
            status=application.status,
            # a masked form must never be saved back over the real numbers
            editable=(application.current_stage == "accept" and application.status == "active"
                      and full and allowed(actor, Perm.ACCEPT)),
            input=_shown_input(actor, _to_input(application)),
            accepted_at=application.accepted_at,
            clerk_name=clerk.name if clerk else "",
            window_no=window_row.number if window_row else None,
            supplied=tuple(m.code for m in application.materials if m.state == "supplied"),
        )
        audit.record(
            session,
            actor,
            "lookup",
            "application",
            application.id,
            detail={"by": "open", "number": application.number},
        )
    return loaded


def update(db: Database, actor: Actor, application_id: int, version: int, inp: AcceptanceInput) -> SaveResult:
    """Save an edit made while the application is at 受理.

    ``version`` is the one the clerk opened; a newer save by a colleague raises StaleEdit and
    nothing is written (the window keeps what the clerk typed)."""
    _require_accept(db, actor, at_window=False)

    def work(session: Session) -> SaveResult:
        now = clock.now()
        application = session.get(Application, application_id)
        if application is None:
            raise NotFound("没有找到该申请，可能已被删除或编号有误")
        if actor.hall_id and application.hall_id != actor.hall_id:
            raise UserError("该申请不属于本营业厅，不能修改")
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
        h, calendar, teams, deferral_days = _context(session, actor)
        checked, customer, cert = _validated_customer(
            session, actor, inp, now, calendar, teams, exclude_application=application.id
        )
        before = {name: getattr(application, name) for name in checked.app}
        type_changed = application.business_type != checked.app["business_type"]
        for name, value in checked.app.items():
            setattr(application, name, value)
        application.customer_id, application.certificate_id = customer.id, cert.id
        application.updated_at, application.updated_by_id = now, actor.user_id
        if type_changed:
            _deadlines(session, application, h.id, calendar)
        deferred = _sync_materials(
            session, actor, application, checked, customer, cert, calendar, deferral_days, now
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
        return SaveResult(
            application.id,
            application.number,
            application.version,
            application.accepted_at,
            application.counter_seconds,
            [(m.name, m.due_date) for m in deferred],
            application.due_date,
            checked.warnings,
        )

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


@dataclass(frozen=True)
class FormDefaults:
    """What a fresh form needs from the hall: defaults, the deferral due date, survey teams."""

    residential_kw: Decimal
    deferral_days: int
    deferral_due: dt.date
    deferral_due_estimated: bool
    teams: list[survey.SurveyTeam]
    districts: list[str]


def form_defaults(db: Database, actor: Actor) -> FormDefaults:
    require(db, actor, Perm.ACCEPT)
    with db.read() as session:
        h, calendar, _teams, deferral_days = _context(session, actor)
        due = calendar.add_workdays(clock.now(), deferral_days)
        kw = hall.get_setting(session, "residential_default_kw", h.id) or 0
        stmt = (
            select(Application.address_district, func.count())
            .where(Application.address_district != "")
            .group_by(Application.address_district)
            .order_by(func.count().desc())
            .limit(20)
        )
        if actor.window_id:
            stmt = stmt.where(Application.window_id == actor.window_id)
        districts = [value for value, _ in session.execute(stmt)]
        return FormDefaults(
            Decimal(str(kw)), deferral_days, due.day, due.estimated, survey.teams(session, h.id), districts
        )


def survey_day_load(db: Database, actor: Actor, team: str, day: dt.date) -> tuple[int, int]:
    """(booked, capacity) of a survey team on a day, for the hint next to the appointment."""
    require(db, actor, Perm.ACCEPT)
    with db.read() as session:
        return survey.day_load(session, _hall(session, actor).id, team, day)


def suggest_survey_day(db: Database, actor: Actor, team: str) -> dt.date | None:
    """The first working day after today on which the team still has room."""
    require(db, actor, Perm.ACCEPT)
    with db.read() as session:
        h = _hall(session, actor)
        return survey.first_free_day(session, h.id, team, clock.today(), hall.work_calendar(session, h.id))
