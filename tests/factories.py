"""Small builders for rows the tests need, without going through the window."""

from __future__ import annotations

import datetime as dt
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
