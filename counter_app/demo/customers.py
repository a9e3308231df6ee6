"""The demo's customers: persons and organisations with valid certificates, flags (欠费, 违约用电)
and the materials they keep on file."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from counter_app.acceptance.clerk_input import REUSABLE_MATERIALS
from counter_app.demo import data
from counter_app.demo.hall_profile import REUSE_SHARE
from counter_app.demo.schedule import Plan
from counter_app.infra.errors import UserError
from counter_app.models import (
    Certificate,
    Customer,
    MaterialOnFile,
)


class CustomerInfo:
    __slots__ = ("account", "blacklisted", "cert_id", "cert_type", "cert_valid_until", "detail", "district", "id",
                 "individual", "industry", "kind", "legal_rep_id", "legal_rep_name", "mobile", "name", "new_in_demo",
                 "number", "on_file", "phone", "urban")



class Customers:
    """Part of the demo generator: who applies."""

    def _customer_for(self, plan: Plan, bt, rng: random.Random) -> CustomerInfo:
        kind = plan.subject
        if kind is None:
            if bt.group == "low_residential":
                kind = "person"
            elif bt.group == "change":
                kind = "person" if rng.random() < 0.7 else "organisation"
            else:
                kind = "organisation" if rng.random() < 0.85 else "person"
        pool = self.persons if kind == "person" else self.orgs
        if pool and not plan.forced and rng.random() < REUSE_SHARE[bt.group]:
            customer = pool[rng.randrange(len(pool))]
            if not customer.blacklisted:
                return customer
        customer = self._new_customer(kind, plan, bt, rng)
        pool.append(customer)
        return customer

    def _unique_number(self, cert_type: str, make: Callable[[], str]) -> str:
        for _ in range(1000):
            number = make()
            key = f"{cert_type}:{number}"
            if key not in self._customers_seen_ids:
                self._customers_seen_ids.add(key)
                return number
        raise UserError("无法生成不重复的证件号码，请换一个随机种子")

    def _new_customer(self, kind: str, plan: Plan, bt, rng: random.Random) -> CustomerInfo:
        self.customers_created += 1
        c = CustomerInfo()
        c.id = self._take_id(Customer)
        c.kind, c.on_file, c.blacklisted, c.new_in_demo, c.individual = kind, {}, False, True, False
        c.mobile, c.phone, c.account = data.mobile(rng), "", ""
        created = plan.at
        cert = {"id": self._take_id(Certificate), "customer_id": c.id, "sex": "", "birth_date": None,
                "verified_by_id": self.clerks[plan.window].id, "verified_at": created, "created_at": created}
        if kind == "person":
            # some names with rare characters, at least two even in a small demo
            c.name, sex = data.person_name(rng, rare_ratio=1.0 if self.customers_created in (3, 11) else 0.005)
            c.district, c.detail, c.urban = data.residential_address(rng)
            roll = rng.random()
            if roll < 0.97:
                c.cert_type = "id_card"
                holder = {}

                def make():
                    number, birth = data.resident_id(rng, sex=sex, today=self.today)
                    holder["birth"] = birth
                    return number

                c.number = self._unique_number("id_card", make)
                birth = holder["birth"]
                c.cert_valid_until = data.id_card_valid_until(rng, birth, self.today)
                cert.update(sex=sex, birth_date=birth, issuer=data.POLICE.get(c.number[:6], "公安局"))
            else:
                c.cert_type = "taiwan" if roll < 0.99 else "hk_macau"
                maker = data.taiwan_permit if c.cert_type == "taiwan" else data.hk_macau_permit
                c.number = self._unique_number(c.cert_type, lambda: maker(rng))
                c.cert_valid_until = self.today + dt.timedelta(days=rng.randrange(200, 3650))
                cert.update(sex=sex, issuer="公安部出入境管理局")
            c.legal_rep_name = c.legal_rep_id = ""
            c.industry = "城乡居民生活"
            address = f"{c.district}{c.detail}"
        else:
            area = rng.choice(("350102", "350102", "350103", "350104", "350111", "350105", "350121"))
            org = data.organisation(rng, area)
            c.name, c.cert_type, c.industry = org["name"], org["cert_type"], org["industry"]
            c.individual = bool(org.get("individual"))
            c.number = self._unique_number(c.cert_type, lambda: data.credit_code(
                rng, org["number"][0], org["number"][1], org["number"][2:8]))
            c.district, c.detail, c.urban = data.business_address(rng)
            c.legal_rep_name, rep_sex = data.person_name(rng)
            c.legal_rep_id, _birth = data.resident_id(rng, sex=rep_sex, today=self.today, min_age=25, max_age=70)
            c.phone = data.fixed_phone(rng) if rng.random() < 0.7 else ""
            c.cert_valid_until = None
            address = f"{c.district}{c.detail}"
            cert.update(issuer=f"福州市{data.DISTRICT_NAMES.get(area, '')}市场监督管理局")
        c.cert_id = cert["id"]
        cert.update(cert_type=c.cert_type, number=c.number, holder_name=c.name, address=address,
                    valid_until=c.cert_valid_until)
        # a few flagged customers (欠费, 违约用电), at least one of each even in a small demo
        owes = rng.random() < 0.02 or self.customers_created == 7
        arrears = Decimal(rng.randrange(3000, 500000)) / 100 if owes else Decimal(0)
        violation = ""
        if rng.random() < 0.004 or self.customers_created == 13:
            violation = (f"{(plan.at - dt.timedelta(days=rng.randrange(20, 200))):%Y-%m-%d} 查处违约用电"
                         f"（{rng.choice(('私自增容', '私自转供电', '擅自改变用电类别'))}），"
                         f"案号 WY{plan.at.year}-{rng.randrange(1, 400):03d}，待处理")
        self._add(Customer, {
            "id": c.id, "kind": kind, "name": c.name, "legal_rep_name": c.legal_rep_name,
            "legal_rep_id_number": c.legal_rep_id, "mobile": c.mobile, "phone": c.phone,
            "mailing_address": address, "arrears_amount": arrears, "violation_case": violation,
            "blacklisted": False, "created_at": created, "updated_at": created,
        })
        self._add(Certificate, cert)
        if bt.group == "change" or bt.code.endswith("increase"):
            # an existing account: the customer's certificate has been on file since the connection
            c.account = f"35{rng.randrange(10**8):08d}"
            if rng.random() < 0.6:
                code = "holder_id" if kind == "person" else "subject_cert"
                recorded = created - dt.timedelta(days=rng.randrange(400, 3000))
                valid = c.cert_valid_until
                if valid is None or valid > plan.at.date():
                    self._on_file(c, code, valid, None, recorded)
        return c

    def _on_file(self, customer: CustomerInfo, code: str, valid_until, source_app: int | None, at) -> None:
        if code in customer.on_file:
            return
        customer.on_file[code] = valid_until
        self._add(MaterialOnFile, {
            "id": self._take_id(MaterialOnFile), "customer_id": customer.id, "code": code,
            "name": self.catalog.materials[code].name, "valid_until": valid_until,
            "source_application_id": source_app, "recorded_at": at,
        })

    def _record_on_file(self, customer: CustomerInfo, app_id: int, plan: Plan, materials: list[dict]) -> None:
        for row in materials:
            if row["code"] in REUSABLE_MATERIALS and row["state"] == "received":
                valid = customer.cert_valid_until if row["code"] == "holder_id" else None
                self._on_file(customer, row["code"], valid, app_id, plan.at)
