"""Small builders for rows the tests need, without going through the window."""

from __future__ import annotations

import datetime as dt
import itertools
import random

from stdnum.cn import ric

from counter_app.hall import numbering
from counter_app.infra import clock
from counter_app.models import Application, Certificate, Customer, Hall


def resident_id(seed: int, birth: dt.date = dt.date(1985, 6, 15), area: str = "350102") -> str:
    body = f"{area}{birth:%Y%m%d}{seed % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def _unused_resident_id(session) -> str:
    """A random resident ID no certificate of this database has (two random draws may collide)."""
    from sqlalchemy import select

    taken = set(session.scalars(select(Certificate.number)))
    return next(n for n in (resident_id(random.randrange(1000)) for _ in itertools.count()) if n not in taken)


def make_customer(session, name: str = "张三", number: str | None = None, kind: str = "person") -> Certificate:
    now = clock.now()
    customer = Customer(kind=kind, name=name, mobile="13812345678", created_at=now, updated_at=now)
    session.add(customer)
    session.flush()
    cert = Certificate(customer_id=customer.id, cert_type="id_card" if kind == "person" else "business_licence",
                       number=number or _unused_resident_id(session), holder_name=name, created_at=now)
    session.add(cert)
    session.flush()
    return cert


_CUSTOMER_SEQ = itertools.count(1)


def build_accepted(session, cert: Certificate, *, window_id: int, clerk_id: int, business_type: str,
            accepted_at: dt.datetime | None = None, deferred: tuple[str, ...] = (),
            on_file: tuple[str, ...] = (), agent: bool = False, deferral_due: dt.date | None = None,
            **fields) -> Application:
    """An application as the acceptance service leaves it, built by the one builder the demo uses
    (``acceptance.accepted``): the open 受理 stage with its due date, the whole-process deadline,
    the service's checklist for the type (+ power of attorney with an agent) with the items named in
    ``deferred`` / ``on_file`` in that state, the commitments. ``fields`` are the clerk's entries."""
    from counter_app.acceptance import accepted
    from counter_app.acceptance.clerk_input import material_plan
    from counter_app.hall import catalog
    from counter_app.hall import hall as hall_mod
    from counter_app.models import Commitment, Material, StageEvent, User

    from counter_app.models import CounterWindow

    h = session.get(CounterWindow, window_id).hall  # the window's hall (a database may hold several)
    at = accepted_at or clock.now()
    bt = catalog.load().business_type(business_type)
    clerk = session.get(User, clerk_id)
    workdays = accepted.calendar_workdays(hall_mod.work_calendar(session, h.id))
    importance = fields.get("load_importance", "")
    limits = accepted.deadlines(workdays, at, bt, importance,
                                hall_mod.stage_limit(session, h.id, business_type, "accept"))
    fields.setdefault("usage_category", bt.usage_default)
    app = Application(
        number=numbering.application_number(session, h.code, at.date()),
        hall_id=h.id, window_id=window_id, clerk_id=clerk_id, customer_id=cert.customer_id,
        certificate_id=cert.id, business_type=business_type, accepted_at=at, updated_at=at,
        updated_by_id=clerk_id, **accepted.application_state(limits, clerk.name), **fields,
    )
    session.add(app)
    session.flush()
    session.add(StageEvent(application_id=app.id, **accepted.accept_event(at, limits, clerk.name, clerk_id)))
    states = {code: "deferred" for code in deferred} | {code: "on_file" for code in on_file}
    checklist = [(item.code, item.name, states.get(item.code, "received"))
                 for item in material_plan(business_type, has_agent=agent,
                                           important=catalog.is_important(importance))]
    if deferral_due is None:
        days = int(hall_mod.get_setting(session, "deferral_working_days", h.id))
        due = workdays(at.date(), days)
    else:
        due = (deferral_due, False)
    rows = accepted.material_rows(checklist, due)
    for row in rows:
        session.add(Material(application_id=app.id, **row))
    for row in accepted.commitment_rows(at, rows):
        session.add(Commitment(application_id=app.id, **row))
    session.flush()
    session.expire(app, ["stage_events", "materials", "commitments"])
    return app


def make_accepted_application(session, cert: Certificate | None = None, *, window_id: int, clerk_id: int,
                              business_type: str = "lv_res_new", accepted_at: dt.datetime | None = None,
                              load_importance: str = "", green_channel: bool = False,
                              deferred: tuple[str, ...] = (), contact_mobile: str = "13812345678",
                              contact_phone: str = "") -> Application:
    """An accepted application with the fewest entries (address, contact), for tests about what
    happens after acceptance."""
    if cert is None:
        # a certificate number of its own (make_customer's random numbers may collide)
        seq = next(_CUSTOMER_SEQ)
        cert = make_customer(session, number=resident_id(seq, birth=dt.date(1960, 1, 1) + dt.timedelta(days=seq)))
    return build_accepted(
        session, cert, window_id=window_id, clerk_id=clerk_id, business_type=business_type,
        accepted_at=accepted_at, deferred=deferred, address_district="鼓楼区", address_detail="五四路1号",
        contact_name=cert.holder_name, contact_mobile=contact_mobile, contact_phone=contact_phone,
        load_importance=load_importance, green_channel=green_channel,
        green_manager="林经理" if green_channel else "", green_reason="重点项目" if green_channel else "",
    )


# --- complete cases for documents (materials, commitments, agent, enterprise) ----------------------


def credit_code(seed: int) -> str:
    """A valid 18-character unified social credit code (GB 32100) built from ``seed``."""
    from stdnum.cn import uscc

    body = f"91350102{seed % 10**9:09d}"
    return body + uscc.calc_check_digit(body)


def make_organisation(session, name: str = "福州闽江机械制造有限公司", *, number: str | None = None,
                      legal_rep: str = "陈建国", legal_rep_id: str | None = None) -> Certificate:
    cert = make_customer(session, name=name, number=number or credit_code(random.randrange(10**9)),
                         kind="organisation")
    customer = session.get(Customer, cert.customer_id)
    customer.legal_rep_name = legal_rep
    customer.legal_rep_id_number = legal_rep_id or resident_id(random.randrange(1000), dt.date(1970, 3, 8))
    cert.cert_type = "business_licence"
    session.flush()
    return cert


def make_case(
    session,
    *,
    window_id: int,
    clerk_id: int,
    business_type: str = "lv_res_new",
    name: str = "张三",
    cert_number: str | None = None,
    organisation: bool = False,
    deferred: tuple[str, ...] = (),
    on_file: tuple[str, ...] = (),
    agent: bool = False,
    appointment: bool = False,
    address: tuple[str, str] = ("福州市鼓楼区", "五四路88号3号楼502室"),
    deferral_due: dt.date | None = None,
):
    """An accepted application with every entry a document prints: customer, certificate, capacity,
    the checklist (received / on_file / deferred) and commitments; optionally an agent, enterprise
    data and a survey appointment."""
    from decimal import Decimal

    from counter_app.hall import catalog
    from counter_app.models import SurveyAppointment

    now = clock.now()
    btype = catalog.load().business_type(business_type)
    if organisation:
        cert = make_organisation(session, name=name, number=cert_number)
    else:
        cert = make_customer(session, name=name, number=cert_number)
    customer = session.get(Customer, cert.customer_id)
    existing = Decimal(8) if "existing_capacity" in btype.required else Decimal(0)
    applied = Decimal(16) if btype.is_residential else Decimal("630" if btype.is_high_voltage else "80")
    fields = dict(
        address_district=address[0], address_detail=address[1], mailing_address=address[0] + address[1],
        contact_name=customer.legal_rep_name if organisation else name, contact_mobile="13812345678",
        contact_phone="0591-83334444", usage_category=btype.usage_default or "居民生活",
        industry="城乡居民生活" if btype.is_residential else "制造业", existing_capacity=existing,
        applied_capacity=applied, total_capacity=existing + applied,
        capacity_unit="kVA" if btype.is_high_voltage else "kW",
        supply_voltage="10kV" if btype.is_high_voltage else ("220V" if btype.is_residential else "380V"),
        load_importance="普通", wanted_date=now.date() + dt.timedelta(days=10),
        project_name="年产5万台电机生产线扩建项目" if btype.is_high_voltage else "",
        account_number="3501000123456" if btype.is_change else "",
    )
    if organisation:
        fields.update(legal_rep_name=customer.legal_rep_name, legal_rep_id_number=customer.legal_rep_id_number,
                      vat_taxpayer_number=cert.number, vat_bank="中国工商银行福州鼓楼支行",
                      vat_account="1402020109000123456", vat_address="福州市鼓楼区工业路523号",
                      vat_phone="0591-83123456")
    if agent:
        fields.update(agent_name="刘经办", agent_cert_type="id_card",
                      agent_cert_number=resident_id(777, dt.date(1990, 1, 2)), agent_mobile="13900001111",
                      agent_address="福州市晋安区福新中路66号")
    app = build_accepted(session, cert, window_id=window_id, clerk_id=clerk_id, business_type=business_type,
                  accepted_at=now, deferred=deferred, on_file=on_file, agent=agent, deferral_due=deferral_due,
                  **fields)
    if appointment:
        session.add(SurveyAppointment(application_id=app.id, mode="fixed", team="鼓楼勘查一班",
                                      day=now.date() + dt.timedelta(days=1), slot="am", note="",
                                      booked_by_id=clerk_id, created_at=now))
    session.flush()
    session.expire(app)
    return app


def add_case(db, actor, **kwargs) -> int:
    """``make_case`` in its own transaction at ``actor``'s window; returns the application id."""
    with db.write() as session:
        return make_case(session, window_id=actor.window_id, clerk_id=actor.user_id, **kwargs).id



def make_accepted(
    session,
    *,
    window_id: int,
    clerk_id: int,
    accepted_at: dt.datetime | None = None,
    business_type: str = "lv_res_new",
    name: str = "张三",
    cert_number: str | None = None,
    mobile: str = "13812345678",
    deferred: tuple[str, ...] = (),
    supplied: tuple[str, ...] = (),
    counter_seconds: int | None = 900,
    stage: str = "accept",
    stage_started: dt.datetime | None = None,
    stage_due: dt.date | None = None,
    due: dt.date | None = None,
    status: str = "active",
    green: bool = False,
    capacity: str = "8",
) -> Application:
    """An accepted application (deferred items, ``supplied`` ones deferred and handed in the next
    day), then moved on as the registers need it: to ``stage`` since ``stage_started``, completed, or
    with the due dates given."""
    from decimal import Decimal

    from counter_app.hall import hall as hall_mod
    from counter_app.models import StageEvent

    accepted_at = accepted_at or clock.now()
    cert = make_customer(session, name=name, number=cert_number or _unique_id(session))
    cert.customer.mobile = mobile
    app = build_accepted(
        session, cert, window_id=window_id, clerk_id=clerk_id, business_type=business_type,
        accepted_at=accepted_at, deferred=deferred + supplied, applied_capacity=Decimal(capacity),
        total_capacity=Decimal(capacity), supply_voltage="220V", address_district="鼓楼区",
        address_detail="五四路1号", contact_name=name, contact_mobile=mobile, counter_seconds=counter_seconds,
        cert_entered_at=accepted_at - dt.timedelta(seconds=counter_seconds or 0), green_channel=green,
        green_reason="重点项目" if green else "", green_manager="周经理" if green else "",
    )
    for material in app.materials:
        if material.code in supplied:
            material.state, material.copies = "supplied", 1
            material.supplied_at, material.supplied_by_id = accepted_at + dt.timedelta(days=1), clerk_id
    if stage != "accept":
        started = stage_started or accepted_at
        if stage_due is None:
            cal = hall_mod.work_calendar(session, app.hall_id)
            stage_due = cal.add_workdays(started, hall_mod.stage_limit(session, app.hall_id, business_type,
                                                                       stage)).day
        app.stage_events[0].ended_at = started
        app.stage_events.append(StageEvent(stage=stage, started_at=started, due_date=stage_due,
                                           handler="后台", actor_id=clerk_id))
        app.current_stage, app.current_handler = stage, "后台"
    if stage_due is not None:
        app.stage_due_date = app.stage_events[-1].due_date = stage_due
    if due is not None:
        app.due_date = due
    app.status = status
    if status == "completed":
        app.completed_at = accepted_at + dt.timedelta(days=3)
    session.flush()
    return app


def _unique_id(session) -> str:
    from counter_app.models import Certificate

    seed = session.query(Certificate).count() + 1
    return resident_id(seed % 1000, birth=dt.date(1960, 1, 1) + dt.timedelta(days=seed // 1000))


def bulk_applications(session, n: int, *, start: dt.datetime, days: int = 300, seed: int = 7) -> int:
    """``n`` accepted applications spread over ``days`` days from ``start``, inserted in bulk (for
    scale tests and benchmarks: 100,000 in well under a minute). What acceptance leaves comes from the
    one builder (``acceptance.accepted``, working days from the demo's precomputed table); then most
    are completed (deferred items supplied), some in progress in a later stage, some terminated."""
    from sqlalchemy import func, insert, select, text

    from counter_app.acceptance import accepted
    from counter_app.acceptance.clerk_input import material_plan
    from counter_app.demo.workday_table import WorkdayTable
    from counter_app.hall import catalog
    from counter_app.hall import hall as hall_mod
    from counter_app.models import (
        Application,
        Certificate,
        Commitment,
        CounterWindow,
        Customer,
        Material,
        StageEvent,
        User,
    )

    rng = random.Random(seed)
    hall = session.query(Hall).first()
    windows = {w.id: w.number for w in session.scalars(select(CounterWindow))}
    clerks = [(u.id, u.window_id or min(windows), u.name)
              for u in session.scalars(select(User).where(User.role == "clerk"))]
    base = {t: (session.scalar(select(func.max(t.id))) or 0) for t in (Customer, Certificate, Application)}
    bt = catalog.load().business_type("lv_res_new")
    table = WorkdayTable(hall_mod.work_calendar(session, hall.id), start.date(),
                         start.date() + dt.timedelta(days=days + 60))
    accept_limit = hall_mod.stage_limit(session, hall.id, bt.code, "accept")
    deferral_days = int(hall_mod.get_setting(session, "deferral_working_days", hall.id))
    plan = [(item.code, item.name) for item in material_plan(bt.code, important=False)]
    names = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
    serial: dict[str, int] = {}
    chunk = 5000
    for first in range(0, n, chunk):
        customers, certs, apps, materials, commitments, events = [], [], [], [], [], []
        for i in range(first, min(first + chunk, n)):
            cid, aid = base[Customer] + i + 1, base[Application] + i + 1
            accepted_at = start + dt.timedelta(days=rng.randrange(days), hours=rng.randrange(8, 17),
                                               minutes=rng.randrange(60))
            name = rng.choice(names) + rng.choice(given) + rng.choice(given)
            mobile = f"13{rng.randrange(10**9):09d}"
            customers.append(dict(id=cid, kind="person", name=name, mobile=mobile, created_at=accepted_at,
                                  updated_at=accepted_at))
            certs.append(dict(id=base[Certificate] + i + 1, customer_id=cid, cert_type="id_card",
                              number=resident_id(i % 1000, birth=dt.date(1950, 1, 1) + dt.timedelta(days=i // 1000 + base[Certificate])),
                              holder_name=name, created_at=accepted_at))
            day = accepted_at.date()
            prefix = f"{hall.code}-{day:%Y%m%d}"
            serial[prefix] = serial.get(prefix, 0) + 1
            clerk_id, window_id, clerk_name = rng.choice(clerks)
            roll = rng.random()
            status, stage = ("completed", "archive") if roll < 0.85 else ("terminated", "accept") if roll < 0.88 \
                else ("active", rng.choice(["accept", "survey", "connect"]))
            deferred = rng.random() < 0.2
            limits = accepted.deadlines(table.add, accepted_at, bt, "", accept_limit)
            rows = accepted.material_rows(
                [(code, name, "deferred" if deferred and code == "property_proof" else "received")
                 for code, name in plan], table.add(day, deferral_days))
            commitments.extend(dict(application_id=aid, **row) for row in accepted.commitment_rows(accepted_at, rows))
            for row in rows:
                if row["state"] == "deferred" and status == "completed":
                    row.update(state="supplied", copies=1, supplied_at=accepted_at + dt.timedelta(days=1),
                               supplied_by_id=clerk_id)
                materials.append(dict(application_id=aid, **row))
            app = dict(
                id=aid, number=f"{prefix}-{serial[prefix] + 5000:04d}", hall_id=hall.id, window_id=window_id,
                clerk_id=clerk_id, customer_id=cid, certificate_id=base[Certificate] + i + 1,
                business_type=bt.code, usage_category="居民生活", applied_capacity=8, total_capacity=8,
                existing_capacity=0, capacity_unit="kW", supply_voltage="220V", address_district="鼓楼区",
                address_detail=f"五四路{rng.randrange(1, 300)}号", contact_name=name, contact_mobile=mobile,
                accepted_at=accepted_at, counter_seconds=rng.randrange(300, 2400), updated_at=accepted_at, version=1,
                **accepted.application_state(limits, clerk_name),
            )
            if stage == "accept":
                events.append(dict(application_id=aid, **accepted.accept_event(accepted_at, limits, clerk_name, clerk_id)))
            else:  # moved on since (a later stage, or archived): its open event, handled by the back office
                app.update(current_stage=stage, current_handler="后台")
                events.append(dict(application_id=aid, stage=stage, action="enter", started_at=accepted_at,
                                   ended_at=None, due_date=limits.stage_due, due_estimated=False, handler="后台",
                                   actor_id=None))
            app["status"] = status
            app["completed_at"] = accepted_at + dt.timedelta(days=4) if status == "completed" else None
            apps.append(app)
        for model, rows in ((Customer, customers), (Certificate, certs), (Application, apps),
                            (Material, materials), (Commitment, commitments), (StageEvent, events)):
            session.execute(insert(model), rows)
    if session.get_bind().dialect.name == "postgresql":
        for name in ("customer", "certificate", "application"):
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                 f"(SELECT max(id) FROM {name}))"))
    return n


def mark_printed(db, app_ids, *, document: str = "application_form") -> None:
    """Record a successful print of ``document`` for each application (handover asks for a reason
    before taking a never-printed case)."""
    from counter_app.models import PrintRecord

    with db.write() as session:
        for app_id in app_ids:
            session.add(PrintRecord(document=document, action="print", application_id=app_id, sha256="0" * 64,
                                    outcome="ok", at=clock.now()))


def blacklist(db, by, cert_number: str, *, arrears: str = "0", violation_case: str | None = None) -> None:
    """The customer holding ``cert_number`` on the credit blacklist, put there by ``by`` (a supervisor)
    on 2026-10-01 for 容缺 documents never handed in, with ``arrears`` owed."""
    from decimal import Decimal

    from sqlalchemy import select

    from counter_app.models import BlacklistEntry

    with db.write() as s:
        customer = s.scalar(select(Certificate).where(Certificate.number == cert_number)).customer
        customer.blacklisted, customer.arrears_amount = True, Decimal(arrears)
        if violation_case is not None:
            customer.violation_case = violation_case
        s.add(BlacklistEntry(customer_id=customer.id, reason="逾期未补交容缺资料", added_by_id=by.user_id,
                             added_at=dt.datetime(2026, 10, 1, 10, 0)))


SCAN_BYTES = b"\xde\xad\xbe\xef"


def add_raw_scan(session, application_id: int) -> int:
    """A scanned page of ``application_id`` written in plain SQL (as the owner: no app rules, no
    image), whose blob holds SCAN_BYTES; returns the blob's id (the masking tests read its bytes)."""
    from sqlalchemy import text

    blob = session.execute(text(
        "INSERT INTO stored_blob (sha256, size, data, created_at) VALUES ('0', 4, :d, now()) RETURNING id"),
        {"d": SCAN_BYTES}).scalar_one()
    session.execute(text(
        "INSERT INTO scan_page (application_id, seq, source, original_name, mime, width_px, height_px, dpi, "
        "dpi_estimated, colour, size, sha256, blob_id, thumb_blob_id, added_at) VALUES (:a, 1, 'file', '', "
        "'image/png', 1, 1, 300, false, true, 4, '0', :b, :b, now())"), {"a": application_id, "b": blob})
    return blob
