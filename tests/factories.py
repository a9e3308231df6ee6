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


def make_application(session, cert: Certificate, *, window_id: int, clerk_id: int,
                     business_type: str = "lv_res_new") -> Application:
    hall = session.query(Hall).first()
    now = clock.now()
    app = Application(
        number=numbering.application_number(session, hall.code, now.date()),
        hall_id=hall.id, window_id=window_id, clerk_id=clerk_id, customer_id=cert.customer_id,
        certificate_id=cert.id, business_type=business_type, accepted_at=now, updated_at=now,
        address_detail="鼓楼区五四路1号", contact_mobile="13812345678",
    )
    session.add(app)
    session.flush()
    return app


_CUSTOMER_SEQ = itertools.count(1)


def make_accepted_application(session, cert: Certificate | None = None, *, window_id: int, clerk_id: int,
                              business_type: str = "lv_res_new", accepted_at: dt.datetime | None = None,
                              load_importance: str = "", green_channel: bool = False,
                              deferred: tuple[str, ...] = (), contact_mobile: str = "13812345678",
                              contact_phone: str = "") -> Application:
    """An application as the acceptance service leaves it: stage 'accept' open with its due date,
    whole-process deadline, materials, commitments."""
    from counter_app.hall import catalog
    from counter_app.hall import hall as hall_mod
    from counter_app.models import Commitment, Material, StageEvent, User

    if cert is None:
        # a certificate number of its own (make_customer's random numbers may collide)
        seq = next(_CUSTOMER_SEQ)
        cert = make_customer(session, number=resident_id(seq, birth=dt.date(1960, 1, 1) + dt.timedelta(days=seq)))
    h = session.query(Hall).first()
    at = accepted_at or clock.now()
    bt = catalog.load().business_type(business_type)
    clerk = session.get(User, clerk_id)
    cal = hall_mod.work_calendar(session, h.id)
    accept_due = cal.add_workdays(at, hall_mod.stage_limit(session, h.id, business_type, "accept"))
    whole = cal.add_workdays(at, bt.total_limit)
    app = Application(
        number=numbering.application_number(session, h.code, at.date()),
        hall_id=h.id, window_id=window_id, clerk_id=clerk_id, customer_id=cert.customer_id,
        certificate_id=cert.id, business_type=business_type, accepted_at=at, updated_at=at,
        updated_by_id=clerk_id, address_district="鼓楼区", address_detail="五四路1号",
        contact_name=cert.holder_name, contact_mobile=contact_mobile, contact_phone=contact_phone,
        load_importance=load_importance, green_channel=green_channel,
        green_manager="林经理" if green_channel else "", green_reason="重点项目" if green_channel else "",
        usage_category=bt.usage_default, status="active", current_stage="accept",
        current_handler=clerk.name, stage_due_date=accept_due.day, due_date=whole.day,
        due_estimated=whole.estimated,
    )
    session.add(app)
    session.flush()
    session.add(StageEvent(application_id=app.id, stage="accept", action="enter", started_at=at,
                           due_date=accept_due.day, due_estimated=accept_due.estimated, handler=clerk.name,
                           actor_id=clerk_id))
    deferral_days = int(hall_mod.get_setting(session, "deferral_working_days", h.id))
    items = []
    for seq, material in enumerate(bt.materials, start=1):
        if material.code in deferred:
            due = cal.add_workdays(at, deferral_days)
            session.add(Material(application_id=app.id, seq=seq, code=material.code, name=material.name,
                                 state="deferred", due_date=due.day, due_estimated=due.estimated))
            items.append({"code": material.code, "name": material.name, "due_date": due.day.isoformat()})
        else:
            session.add(Material(application_id=app.id, seq=seq, code=material.code, name=material.name,
                                 state="received"))
    session.add(Commitment(application_id=app.id, kind="authenticity", signed_at=at, items=[]))
    if items:
        session.add(Commitment(application_id=app.id, kind="deferral", signed_at=at,
                               due_date=max(dt.date.fromisoformat(i["due_date"]) for i in items), items=items))
    session.flush()
    session.expire(app, ["stage_events", "materials", "commitments"])
    return app


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
    """An accepted application as the acceptance service leaves it: customer, certificate, every
    catalog material of the type (received / on_file / deferred), the authenticity commitment and,
    when something is deferred, the deferral commitment with its items; optionally an agent,
    enterprise data and a survey appointment."""
    from decimal import Decimal

    from counter_app.hall import catalog
    from counter_app.models import Commitment, Material, StageEvent, SurveyAppointment

    now = clock.now()
    btype = catalog.load().business_type(business_type)
    if organisation:
        cert = make_organisation(session, name=name, number=cert_number)
    else:
        cert = make_customer(session, name=name, number=cert_number)
    customer = session.get(Customer, cert.customer_id)
    app = make_application(session, cert, window_id=window_id, clerk_id=clerk_id, business_type=business_type)
    app.address_district, app.address_detail = address
    app.contact_name = customer.legal_rep_name if organisation else name
    app.contact_mobile = "13812345678"
    app.contact_phone = "0591-83334444"
    app.mailing_address = address[0] + address[1]
    app.usage_category = btype.usage_default or "居民生活"
    app.industry = "城乡居民生活" if btype.is_residential else "制造业"
    if "existing_capacity" in btype.required:
        app.existing_capacity = Decimal(8)
    app.applied_capacity = Decimal(16) if btype.is_residential else Decimal("630" if btype.is_high_voltage else "80")
    app.total_capacity = app.existing_capacity + app.applied_capacity
    app.capacity_unit = "kVA" if btype.is_high_voltage else "kW"
    app.supply_voltage = "10kV" if btype.is_high_voltage else ("220V" if btype.is_residential else "380V")
    app.load_importance = "普通"
    app.wanted_date = now.date() + dt.timedelta(days=10)
    if btype.is_high_voltage:
        app.project_name = "年产5万台电机生产线扩建项目"
    if btype.is_change:
        app.account_number = "3501000123456"
    if organisation:
        app.legal_rep_name = customer.legal_rep_name
        app.legal_rep_id_number = customer.legal_rep_id_number
        app.vat_taxpayer_number = cert.number
        app.vat_bank = "中国工商银行福州鼓楼支行"
        app.vat_account = "1402020109000123456"
        app.vat_address = "福州市鼓楼区工业路523号"
        app.vat_phone = "0591-83123456"
    if agent:
        app.agent_name = "刘经办"
        app.agent_cert_type = "id_card"
        app.agent_cert_number = resident_id(777, dt.date(1990, 1, 2))
        app.agent_mobile = "13900001111"
    due = deferral_due or (now.date() + dt.timedelta(days=3))
    items = []
    for seq, mat in enumerate(btype.materials, start=1):
        state = "deferred" if mat.code in deferred else "on_file" if mat.code in on_file else "received"
        session.add(Material(application_id=app.id, seq=seq, code=mat.code, name=mat.name, state=state,
                             copies=1, due_date=due if state == "deferred" else None))
        if state == "deferred":
            items.append({"code": mat.code, "name": mat.name, "due_date": due.isoformat()})
    if agent:
        session.add(Material(application_id=app.id, seq=len(btype.materials) + 1, code="proxy",
                             name="授权委托书及经办人身份证明", state="received", copies=1))
    session.add(Commitment(application_id=app.id, kind="authenticity", signed_at=now, items=[]))
    if items:
        session.add(Commitment(application_id=app.id, kind="deferral", signed_at=now, due_date=due, items=items))
    accept_due = now.date() + dt.timedelta(days=1)
    app.stage_due_date = accept_due
    app.due_date = now.date() + dt.timedelta(days=btype.total_limit + 2)
    session.add(StageEvent(application_id=app.id, stage="accept", action="enter", started_at=now,
                           due_date=accept_due, handler="王小明", actor_id=clerk_id))
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
    """An accepted application as the acceptance service leaves it: materials (received / deferred / supplied), both commitments, the open stage event
    and its due dates. Working days follow the hall calendar unless due dates are given."""
    from decimal import Decimal

    from counter_app.hall import catalog as catalog_mod
    from counter_app.hall import hall as hall_mod
    from counter_app.models import Commitment, Material, StageEvent, User

    accepted_at = accepted_at or clock.now()
    hall = session.query(Hall).first()
    cal = hall_mod.work_calendar(session, hall.id)
    bt = catalog_mod.load().business_type(business_type)
    clerk = session.get(User, clerk_id)
    cert = make_customer(session, name=name, number=cert_number or _unique_id(session))
    cert.customer.mobile = mobile
    started = stage_started or accepted_at
    if stage_due is None:
        stage_due = cal.add_workdays(started, hall_mod.stage_limit(session, hall.id, business_type, stage)).day
    if due is None:
        due = cal.add_workdays(accepted_at, bt.total_limit).day
    app = Application(
        number=numbering.application_number(session, hall.code, accepted_at.date()),
        hall_id=hall.id, window_id=window_id, clerk_id=clerk_id, customer_id=cert.customer_id,
        certificate_id=cert.id, business_type=business_type, usage_category=bt.usage_default,
        applied_capacity=Decimal(capacity), total_capacity=Decimal(capacity), supply_voltage="220V",
        address_district="鼓楼区", address_detail="五四路1号", contact_name=name, contact_mobile=mobile,
        accepted_at=accepted_at, cert_entered_at=accepted_at - dt.timedelta(seconds=counter_seconds or 0),
        counter_seconds=counter_seconds, updated_at=accepted_at, status=status, current_stage=stage,
        current_handler=clerk.name if stage == "accept" else "后台", stage_due_date=stage_due, due_date=due,
        green_channel=green, green_reason="重点项目" if green else "", green_manager="周经理" if green else "",
        completed_at=accepted_at + dt.timedelta(days=3) if status == "completed" else None,
    )
    session.add(app)
    session.flush()
    deferral_due = cal.add_workdays(accepted_at, 3).day
    items = []
    for seq, material in enumerate(bt.materials, 1):
        state = "received"
        if material.code in deferred or material.code in supplied:
            state = "supplied" if material.code in supplied else "deferred"
            items.append({"code": material.code, "name": material.name, "due_date": deferral_due.isoformat()})
        session.add(Material(
            application_id=app.id, seq=seq, code=material.code, name=material.name, state=state, copies=1,
            due_date=deferral_due if state in ("deferred", "supplied") else None,
            supplied_at=accepted_at + dt.timedelta(days=1) if state == "supplied" else None,
            supplied_by_id=clerk_id if state == "supplied" else None,
        ))
    session.add(Commitment(application_id=app.id, kind="authenticity", signed_at=accepted_at, items=[]))
    if items:
        session.add(Commitment(application_id=app.id, kind="deferral", signed_at=accepted_at,
                               due_date=deferral_due, items=items))
    if stage != "accept":
        session.add(StageEvent(application_id=app.id, stage="accept", started_at=accepted_at, ended_at=started,
                               handler=clerk.name, actor_id=clerk_id))
    session.add(StageEvent(application_id=app.id, stage=stage, started_at=started, due_date=stage_due,
                           handler=app.current_handler, actor_id=clerk_id))
    session.flush()
    return app


def _unique_id(session) -> str:
    from counter_app.models import Certificate

    seed = session.query(Certificate).count() + 1
    return resident_id(seed % 1000, birth=dt.date(1960, 1, 1) + dt.timedelta(days=seed // 1000))


def bulk_applications(session, n: int, *, start: dt.datetime, days: int = 300, seed: int = 7) -> int:
    """``n`` accepted applications spread over ``days`` days from ``start``, inserted in bulk (for
    scale tests and benchmarks: 100,000 in well under a minute). Mostly completed, some in progress,
    overdue, deferred or terminated, spread over the hall's windows and clerks."""
    from sqlalchemy import func, insert, select, text

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
    clerks = [(u.id, u.window_id or min(windows)) for u in session.scalars(select(User).where(User.role == "clerk"))]
    base = {t: (session.scalar(select(func.max(t.id))) or 0) for t in (Customer, Certificate, Application)}
    names = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
    serial: dict[str, int] = {}
    chunk = 5000
    for first in range(0, n, chunk):
        customers, certs, apps, materials, commitments, events = [], [], [], [], [], []
        for i in range(first, min(first + chunk, n)):
            cid, aid = base[Customer] + i + 1, base[Application] + i + 1
            accepted = start + dt.timedelta(days=rng.randrange(days), hours=rng.randrange(8, 17),
                                            minutes=rng.randrange(60))
            name = rng.choice(names) + rng.choice(given) + rng.choice(given)
            mobile = f"13{rng.randrange(10**9):09d}"
            customers.append(dict(id=cid, kind="person", name=name, mobile=mobile, created_at=accepted,
                                  updated_at=accepted))
            certs.append(dict(id=base[Certificate] + i + 1, customer_id=cid, cert_type="id_card",
                              number=resident_id(i % 1000, birth=dt.date(1950, 1, 1) + dt.timedelta(days=i // 1000 + base[Certificate])),
                              holder_name=name, created_at=accepted))
            day = accepted.date()
            prefix = f"{hall.code}-{day:%Y%m%d}"
            serial[prefix] = serial.get(prefix, 0) + 1
            clerk_id, window_id = rng.choice(clerks)
            roll = rng.random()
            status, stage = ("completed", "archive") if roll < 0.85 else ("terminated", "accept") if roll < 0.88 \
                else ("active", rng.choice(["accept", "survey", "connect"]))
            deferred = rng.random() < 0.2
            apps.append(dict(
                id=aid, number=f"{prefix}-{serial[prefix] + 5000:04d}", hall_id=hall.id, window_id=window_id,
                clerk_id=clerk_id, customer_id=cid, certificate_id=base[Certificate] + i + 1,
                business_type="lv_res_new", usage_category="居民生活", applied_capacity=8, total_capacity=8,
                existing_capacity=0, capacity_unit="kW", supply_voltage="220V", address_district="鼓楼区",
                address_detail=f"五四路{rng.randrange(1, 300)}号", contact_name=name, contact_mobile=mobile,
                accepted_at=accepted, counter_seconds=rng.randrange(300, 2400), updated_at=accepted,
                status=status, current_stage=stage, stage_due_date=day + dt.timedelta(days=2),
                due_date=day + dt.timedelta(days=7), version=1,
                completed_at=accepted + dt.timedelta(days=4) if status == "completed" else None,
            ))
            materials.append(dict(application_id=aid, seq=1, code="holder_id", name="用电人有效身份证明",
                                  state="received", copies=1))
            materials.append(dict(application_id=aid, seq=2, code="property_proof", name="房屋产权证明",
                                  state=("supplied" if status == "completed" else "deferred") if deferred else "received",
                                  copies=1, due_date=day + dt.timedelta(days=3) if deferred else None))
            commitments.append(dict(application_id=aid, kind="authenticity", signed_at=accepted, items=[]))
            if deferred:
                commitments.append(dict(application_id=aid, kind="deferral", signed_at=accepted,
                                        due_date=day + dt.timedelta(days=3),
                                        items=[{"code": "property_proof", "name": "房屋产权证明",
                                                "due_date": (day + dt.timedelta(days=3)).isoformat()}]))
            events.append(dict(application_id=aid, stage=stage, action="enter", started_at=accepted,
                               ended_at=None, handler="后台", due_date=day + dt.timedelta(days=2)))
        for table, rows in ((Customer, customers), (Certificate, certs), (Application, apps),
                            (Material, materials), (Commitment, commitments), (StageEvent, events)):
            session.execute(insert(table), rows)
    if session.get_bind().dialect.name == "postgresql":
        for table in ("customer", "certificate", "application"):
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT max(id) FROM {table}))"))
    return n


def mark_printed(db, app_ids, *, document: str = "application_form") -> None:
    """Record a successful print of ``document`` for each application (handover asks for a reason
    before taking a never-printed case)."""
    from counter_app.models import PrintRecord

    with db.write() as session:
        for app_id in app_ids:
            session.add(PrintRecord(document=document, action="print", application_id=app_id, sha256="0" * 64,
                                    outcome="ok", at=clock.now()))
