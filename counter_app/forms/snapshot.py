"""Everything the documents of one application need, read once into plain frozen values.

``collect(session, application_id)`` is the only place that touches the database for documents; the
document builders are pure functions of the snapshot, so they are tested without a database and a
document printed twice from the same data says exactly the same thing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from counter_app.acceptance.identity import CERT_TYPES, cert_label
from counter_app.forms.common import HallInfo, cn_datetime, hall_info, iso_date
from counter_app.forms.models import DOC_TITLES, DocHeader
from counter_app.hall import catalog, hall
from counter_app.infra import clock
from counter_app.infra.errors import NotFound
from counter_app.models import Application, CounterWindow, Hall, PrintRecord, User
from counter_app.tracking import time_limits


@dataclass(frozen=True)
class MaterialLine:
    seq: int
    code: str
    name: str
    state: str  # received | on_file | deferred | supplied | missing
    copies: int
    due_date: dt.date | None
    due_estimated: bool


@dataclass(frozen=True)
class DeferredItem:
    code: str
    name: str
    due_date: dt.date | None
    estimated: bool = False
    state: str = "deferred"  # deferred | supplied (the material's state now)


@dataclass(frozen=True)
class Appointment:
    mode: str  # fixed | halfday | by_date
    team: str
    day: dt.date
    slot: str
    note: str


@dataclass(frozen=True)
class AppSnapshot:
    application_id: int
    number: str
    business_type: str
    business_name: str
    business_group: str
    required_fields: tuple[str, ...]
    optional_fields: tuple[str, ...]
    catalog_materials: tuple[tuple[str, str, str, bool], ...]  # (code, name, when, deferrable)
    stages: tuple[tuple[str, str, int], ...]  # (code, name, working days) for this application
    total_limit: int

    customer_kind: str  # person | organisation
    customer_name: str
    cert_type: str
    cert_label: str
    cert_number: str
    legal_rep_name: str
    legal_rep_id_number: str
    agent_name: str
    agent_cert_type: str
    agent_cert_label: str
    agent_cert_number: str
    agent_mobile: str
    agent_address: str

    account_number: str
    usage_category: str
    industry: str
    existing_capacity: Decimal
    applied_capacity: Decimal
    total_capacity: Decimal
    capacity_unit: str
    supply_voltage: str
    load_importance: str
    wanted_date: dt.date | None
    project_name: str
    address_district: str
    address_detail: str
    mailing_address: str
    contact_name: str
    contact_mobile: str
    contact_phone: str
    vat_taxpayer_number: str
    vat_bank: str
    vat_account: str
    vat_address: str
    vat_phone: str
    green_channel: bool
    remarks: str  # printed on the form; the internal note is never read for a document
    previous_holder_name: str
    supply_mode: str
    security_load: str
    main_equipment: str
    planned_load: str

    status: str
    accepted_at: dt.datetime
    stage_due_date: dt.date | None
    due_date: dt.date | None
    due_estimated: bool
    clerk_name: str
    window_no: int | None
    window_name: str

    materials: tuple[MaterialLine, ...]
    deferred: tuple[DeferredItem, ...]
    authenticity_signed_at: dt.datetime | None
    appointment: Appointment | None
    hall: HallInfo
    generated_at: dt.datetime
    terminated_at: dt.datetime | None = None
    terminated_reason: str = ""
    external_days: tuple[tuple[str, int], ...] = ()  # stage -> working days when external works are needed
    total_limit_external: int | None = None
    external_works: bool | None = None  # recorded after the survey (None: not known yet)
    promised_limit: int = 0  # the promise in force: total_limit, or the 外线工程 one once recorded
    first_printed: tuple[tuple[str, dt.datetime], ...] = ()  # document -> when its original was printed

    def header(self, code: str) -> DocHeader:
        """The header of document ``code``, marked 补打件 with the original's date on a reprint."""
        original = self.original_printed_at(code)
        mark = f"补打件（原件打印于{cn_datetime(original)}）" if original else ""
        return DocHeader(code, DOC_TITLES[code], self.hall.name, self.number, customer_name=self.customer_name,
                         generated_at=self.generated_at, copy_mark=mark)

    def original_printed_at(self, doc: str) -> dt.datetime | None:
        """When the original of ``doc`` was printed, or None when this is the first print."""
        return dict(self.first_printed).get(doc)

    @property
    def is_organisation(self) -> bool:
        return self.customer_kind == "organisation"

    @property
    def has_agent(self) -> bool:
        return bool(self.agent_name.strip())

    @property
    def has_deferred(self) -> bool:
        return bool(self.deferred)

    @property
    def still_deferred(self) -> tuple[DeferredItem, ...]:
        """The deferred items not supplied yet (a reprint never asks for what was handed in)."""
        return tuple(item for item in self.deferred if item.state == "deferred")

    @property
    def is_terminated(self) -> bool:
        return self.status == "terminated"

    @property
    def is_transfer(self) -> bool:
        """过户 / 更名: the account changes holder or name; no connection, no survey."""
        return self.business_type in ("transfer", "rename")

    @property
    def is_high_voltage(self) -> bool:
        return self.business_group == "high_voltage"

    @property
    def is_important(self) -> bool:
        return catalog.is_important(self.load_importance)


def load_hall(session: Session, hall_id: int) -> HallInfo:
    row = session.get(Hall, hall_id)
    if row is None:
        raise NotFound("营业厅信息不存在，请先完成营业厅设置")
    return hall_info(row, hall.all_settings(session, hall_id))


def _deferred_items(app: Application) -> tuple[DeferredItem, ...]:
    """The items of the signed 容缺 commitment; the materials in state deferred if there is none."""
    for commitment in app.commitments:
        if commitment.kind == "deferral" and commitment.items:
            estimated = {m.code: m.due_estimated for m in app.materials}
            states = {m.code: ("supplied" if m.state == "supplied" else "deferred") for m in app.materials}
            return tuple(
                DeferredItem(
                    code=str(item.get("code", "")),
                    name=str(item.get("name", "")),
                    due_date=iso_date(item.get("due_date")) or commitment.due_date,
                    estimated=estimated.get(str(item.get("code", "")), False),
                    state=states.get(str(item.get("code", "")), "deferred"),
                )
                for item in commitment.items
            )
    return tuple(
        DeferredItem(m.code, m.name, m.due_date, m.due_estimated, "supplied" if m.state == "supplied" else "deferred")
        for m in app.materials
        if m.state in ("deferred", "supplied") and m.due_date is not None
    )


def _appointment(app: Application) -> Appointment | None:
    if not app.appointments:
        return None
    latest = max(app.appointments, key=lambda a: (a.created_at, a.id))
    return Appointment(latest.mode, latest.team, latest.day, latest.slot, latest.note)


def _first_prints(session: Session, application_id: int) -> tuple[tuple[str, dt.datetime], ...]:
    rows = session.execute(
        select(PrintRecord.document, func.min(PrintRecord.at))
        .where(PrintRecord.application_id == application_id, PrintRecord.action.in_(("print", "reprint")),
               PrintRecord.outcome == "ok")
        .group_by(PrintRecord.document)
    ).all()
    return tuple((doc, at) for doc, at in rows)


def collect(session: Session, application_id: int) -> AppSnapshot:
    app = session.get(Application, application_id,
                      options=[joinedload(Application.customer), joinedload(Application.certificate)])
    if app is None:
        raise NotFound(f"申请（内部编号 {application_id}）不存在或已被删除")
    cat = catalog.load()
    btype = cat.business_type(app.business_type)
    stage_limits = tuple(
        (s.code, s.name, hall.stage_limit(session, app.hall_id, btype.code, s.code))
        for s in btype.stages_for(catalog.is_important(app.load_importance))
    )
    clerk = session.get(User, app.clerk_id)
    window = session.get(CounterWindow, app.window_id)
    customer = app.customer
    cert = app.certificate
    authenticity = next((c for c in app.commitments if c.kind == "authenticity"), None)
    return AppSnapshot(
        application_id=app.id,
        number=app.number,
        business_type=btype.code,
        business_name=btype.name,
        business_group=btype.group,
        required_fields=btype.required,
        optional_fields=btype.optional,
        catalog_materials=tuple((m.code, m.name, m.when, m.deferrable)
                                for m in btype.materials_for(catalog.is_important(app.load_importance))),
        stages=stage_limits,
        total_limit=time_limits.promised_days(btype, important=catalog.is_important(app.load_importance),
                                              external_works=False),
        external_works=app.external_works,
        promised_limit=time_limits.promised_days(btype, important=catalog.is_important(app.load_importance),
                                                 external_works=app.external_works),
        external_days=btype.external_works,
        total_limit_external=btype.total_limit_external,
        customer_kind=customer.kind,
        customer_name=customer.name or cert.holder_name,
        cert_type=cert.cert_type,
        cert_label=cert_label(cert.cert_type),
        cert_number=cert.number,
        legal_rep_name=app.legal_rep_name or customer.legal_rep_name,
        legal_rep_id_number=app.legal_rep_id_number or customer.legal_rep_id_number,
        agent_name=app.agent_name,
        agent_cert_type=app.agent_cert_type,
        agent_cert_label=cert_label(app.agent_cert_type) if app.agent_cert_type in CERT_TYPES else app.agent_cert_type,
        agent_cert_number=app.agent_cert_number,
        agent_mobile=app.agent_mobile,
        agent_address=app.agent_address,
        account_number=app.account_number,
        usage_category=app.usage_category,
        industry=app.industry,
        existing_capacity=app.existing_capacity or Decimal(0),
        applied_capacity=app.applied_capacity or Decimal(0),
        total_capacity=app.total_capacity or Decimal(0),
        capacity_unit=app.capacity_unit or "kW",
        supply_voltage=app.supply_voltage,
        load_importance=app.load_importance,
        wanted_date=app.wanted_date,
        project_name=app.project_name,
        address_district=app.address_district,
        address_detail=app.address_detail,
        mailing_address=app.mailing_address or customer.mailing_address,
        contact_name=app.contact_name,
        contact_mobile=app.contact_mobile,
        contact_phone=app.contact_phone,
        vat_taxpayer_number=app.vat_taxpayer_number,
        vat_bank=app.vat_bank,
        vat_account=app.vat_account,
        vat_address=app.vat_address,
        vat_phone=app.vat_phone,
        green_channel=app.green_channel,
        remarks=app.remarks or "",
        previous_holder_name=app.previous_holder_name or "",
        supply_mode=app.supply_mode or "",
        security_load=app.security_load or "",
        main_equipment=app.main_equipment or "",
        planned_load=app.planned_load or "",
        terminated_at=app.terminated_at,
        terminated_reason=app.terminated_reason or "",
        first_printed=_first_prints(session, app.id),
        status=app.status,
        accepted_at=app.accepted_at,
        stage_due_date=app.stage_due_date,
        due_date=app.due_date,
        due_estimated=app.due_estimated,
        clerk_name=clerk.name if clerk else "",
        window_no=window.number if window else None,
        window_name=window.name if window else "",
        materials=tuple(
            MaterialLine(m.seq, m.code, m.name, m.state, m.copies, m.due_date, m.due_estimated)
            for m in app.materials
        ),
        deferred=_deferred_items(app),
        authenticity_signed_at=authenticity.signed_at if authenticity else None,
        appointment=_appointment(app),
        hall=load_hall(session, app.hall_id),
        generated_at=clock.now(),
    )
