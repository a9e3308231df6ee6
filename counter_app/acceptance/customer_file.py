"""The customer behind a certificate: found on file before accepting (flags, materials still valid,
what to pre-fill), and created or updated when an application is saved."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.acceptance import identity
from counter_app.acceptance.clerk_input import PREFILL_FIELDS
from counter_app.acceptance.input_checks import Checked
from counter_app.acceptance.window_context import require_accept
from counter_app.hall import catalog as catalog_mod
from counter_app.infra import batched, clock
from counter_app.infra.batched import ids_in
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.models import Application, BlacklistEntry, Certificate, Customer, MaterialOnFile
from counter_app.security import audit
from counter_app.security.db_logins import find_ids


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



def cert_family(cert_type: str) -> set[str]:
    """Certificate types that share one number space (an ID number on a 户口簿 is the ID number)."""
    if cert_type in identity.RIC_TYPES:
        return set(identity.RIC_TYPES)
    if cert_type in identity.USCC_TYPES:
        return set(identity.USCC_TYPES)
    return {cert_type}


def _on_file_rows(customer_id):
    return select(MaterialOnFile.code, MaterialOnFile.name, MaterialOnFile.valid_until,
                  MaterialOnFile.source_application_id).where(MaterialOnFile.customer_id == customer_id)


def _valid_on_file(rows, today: dt.date, exclude_application: int | None):
    """Archived materials still valid today (code -> valid until, code -> name); an edit does not
    count what its own application archived."""
    valid, names = {}, {}
    for row in rows:
        if exclude_application is not None and row.source_application_id == exclude_application:
            continue
        if row.valid_until is None or row.valid_until >= today:
            valid[row.code] = row.valid_until
            names[row.code] = row.name
    return valid, names


def _active_blacklist(customer_id):
    return (select(BlacklistEntry.reason)
            .where(BlacklistEntry.customer_id == customer_id, BlacklistEntry.removed_at.is_(None))
            .order_by(BlacklistEntry.added_at.desc()))


def _blacklisted(flag: bool | None, active_entries: int) -> bool:
    return bool(flag or active_entries)


# --- known customer --------------------------------------------------------------------------------

_CUSTOMER_COLUMNS = ("id", "kind", "name", "mobile", "phone", "mailing_address", "legal_rep_name",
                     "legal_rep_id_number", "arrears_amount", "violation_case", "blacklisted")
_SOURCE_COLUMNS = ("id", "cert_type", "sex", "birth_date", "address", "valid_until")


def chosen_certificate(session: Session, cert_type: str, number: str):
    """The certificate on file for this number, as a CTE with every column: the one of this type, else
    one of its family with the same number (by id: on PostgreSQL a clerk reads other customers'
    numbers masked, db_logins.find_ids). Statements keyed on its customer go out with it."""
    return (
        select(*batched.columns(Certificate))
        .where(Certificate.cert_type.in_(sorted(cert_family(cert_type))),
               ids_in(session, Certificate.id, find_ids(session, "certificate", [number])))
        .order_by((Certificate.cert_type == cert_type).desc(), Certificate.id)
        .limit(1)
    ).cte("chosen")  # found once, whichever statement asks


def on_file_state(session: Session, cert_type: str, chosen_rows, customer_rows, on_file_rows, blacklist_entries: int,
                  today: dt.date, exclude_application: int | None = None):
    """(certificate of this type or None, customer or None, valid archive {code: valid until},
    blacklisted) from the rows of ``file_statements``, as persistent objects a save may change; an
    edit does not count what its own application archived."""
    customer = batched.attach(session, Customer, customer_rows[0]) if customer_rows else None
    cert = None
    if chosen_rows and chosen_rows[0].cert_type == cert_type:
        cert = batched.attach(session, Certificate, chosen_rows[0])
    archived = [batched.attach(session, MaterialOnFile, row) for row in on_file_rows]
    on_file = _valid_on_file(archived, today, exclude_application)[0] if customer else {}
    blacklisted = _blacklisted(customer.blacklisted, blacklist_entries) if customer else False
    return cert, customer, on_file, blacklisted, {m.code: m for m in archived}


def file_statements(session: Session, cert_type: str, number: str) -> list:
    """The reads of ``on_file_state``, for ``batched.read_all`` with a unit's other reads."""
    chosen = chosen_certificate(session, cert_type, number)
    cid = select(chosen.c.customer_id).scalar_subquery()
    return [
        select(chosen),
        select(*batched.columns(Customer)).where(Customer.id == cid),
        select(*batched.columns(MaterialOnFile)).where(MaterialOnFile.customer_id == cid),
        select(func.count()).select_from(_active_blacklist(cid).subquery()),
    ]


def lookup_customer(db: Database, actor: Actor, cert_type: str, number: str) -> KnownCustomer | None:
    """The customer on file for this certificate (or another certificate with the same number), or None.

    Only a valid number is looked up; each find is recorded in the audit trail (lookup of a person).
    Everything is read, and the find recorded, by one statement on PostgreSQL (issue 20)."""
    require_accept(db, actor, at_window=False)
    checked = identity.check(cert_type, number)
    if not checked.ok:
        return None
    today = clock.today()
    cat = catalog_mod.load()
    with db.brief(writes=True) as session:
        chosen = chosen_certificate(session, cert_type, checked.number)
        cid = select(chosen.c.customer_id).scalar_subquery()
        order = (Application.accepted_at.desc(), Application.id.desc())
        found, customers, on_file_rows, latest, counted, open_rows, sources, blacklist = batched.read_all(session, [
            select(chosen),
            select(*(getattr(Customer, c) for c in _CUSTOMER_COLUMNS)).where(Customer.id == cid),
            _on_file_rows(cid),
            select(*(getattr(Application, f) for f in PREFILL_FIELDS)).where(Application.customer_id == cid)
            .order_by(*order).limit(1),
            select(func.count()).select_from(Application).where(Application.customer_id == cid),
            select(Application.number, Application.business_type, Application.current_stage)
            .where(Application.customer_id == cid, Application.status == "active").order_by(*order).limit(5),
            select(*(getattr(Certificate, c) for c in _SOURCE_COLUMNS)).where(Certificate.customer_id == cid)
            .order_by(Certificate.id).limit(1),
            _active_blacklist(cid),
        ], writes=[audit.record_for_each(actor, "lookup", "customer", chosen.c.customer_id, chosen,
                                         detail={"by": "certificate", "cert_type": cert_type})])
        if not customers:
            return None
        customer, chosen_cert = customers[0], found[0]
        cert = chosen_cert if chosen_cert.cert_type == cert_type else None
        on_file, names = _valid_on_file(on_file_rows, today, None)
        prefill: dict[str, Any] = {}
        if latest:
            prefill = {name: getattr(latest[0], name) for name in PREFILL_FIELDS if getattr(latest[0], name)}
        for name, value in (
            ("contact_mobile", customer.mobile),
            ("contact_phone", customer.phone),
            ("mailing_address", customer.mailing_address),
            ("legal_rep_name", customer.legal_rep_name),
            ("legal_rep_id_number", customer.legal_rep_id_number),
        ):
            if value and name not in prefill:
                prefill[name] = value
        source = cert or (sources[0] if sources else None)
        blacklisted = _blacklisted(customer.blacklisted, len(blacklist))
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
            blacklist_reason=(blacklist[0].reason if blacklist else "") if blacklisted else "",
            on_file=on_file,
            on_file_names=names,
            prefill=prefill,
            application_count=counted[0][0] if counted else 0,
            open_applications=[(n, cat.business_name(b), cat.stage_name(s)) for n, b, s in open_rows],
        )
    return known



def upsert_customer(
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

