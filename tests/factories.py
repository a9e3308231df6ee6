"""Small builders for rows the tests need, without going through the window."""

from __future__ import annotations

import datetime as dt
import itertools
import random

from stdnum.cn import ric

from counter_app import clock, numbering
from counter_app.models import Application, Certificate, Customer, Hall


def resident_id(seed: int, birth: dt.date = dt.date(1985, 6, 15), area: str = "350102") -> str:
    body = f"{area}{birth:%Y%m%d}{seed % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_customer(session, name: str = "张三", number: str | None = None, kind: str = "person") -> Certificate:
    now = clock.now()
    customer = Customer(kind=kind, name=name, mobile="13812345678", created_at=now, updated_at=now)
    session.add(customer)
    session.flush()
    cert = Certificate(customer_id=customer.id, cert_type="id_card" if kind == "person" else "business_licence",
                       number=number or resident_id(random.randrange(1000)), holder_name=name, created_at=now)
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
    """An application as the acceptance service leaves it (HELPERS.md "Stage events" / "Materials"):
    stage 'accept' open with its due date, whole-process deadline, materials, commitments."""
    from counter_app import catalog
    from counter_app import hall as hall_mod
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
