"""An accepted application opened again: as form input, masked by the one privacy policy, for
viewing in the window and for editing while it is still at 受理."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from counter_app.acceptance import survey
from counter_app.acceptance.application_rows import application_reads, attach_application
from counter_app.acceptance.clerk_input import KEPT_FIELDS, AcceptanceInput
from counter_app.infra import batched
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import NotFound
from counter_app.models import Application, CounterWindow, User
from counter_app.security import audit, privacy
from counter_app.security.permissions import Perm, allowed, require


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



def as_input(application: Application) -> AcceptanceInput:
    cert = application.certificate
    states = {m.code: ("received" if m.state == "supplied" else m.state) for m in application.materials}
    appointment = None
    if application.appointments:
        a = application.appointments[-1]
        appointment = survey.AppointmentInput(mode=a.mode, day=a.day, team=a.team, slot=a.slot, note=a.note)
    values = {name: getattr(application, name) for name in KEPT_FIELDS}

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


def shown_input(actor: Actor, inp: AcceptanceInput, *, own_case: bool) -> AcceptanceInput:
    """The form as ``actor`` may see it: the one privacy policy, as search and progress apply it."""
    return dataclasses.replace(
        inp,
        **{name: privacy.show_id(actor, getattr(inp, name), own_case=own_case) for name in _ID_FIELDS},
        **{name: privacy.show_phone(actor, getattr(inp, name), own_case=own_case) for name in _PHONE_FIELDS},
    )


def load(db: Database, actor: Actor, application_id: int) -> LoadedApplication:
    """An application as form input, for viewing in the window and editing while at 受理."""
    require(db, actor, Perm.VIEW_APPLICATION)
    # no transaction on PostgreSQL: one read, then the audit entry (issue 20)
    with db.brief(writes=True) as session:
        application = attach_application(session, batched.read_all(session, application_reads(application_id)))
        if application is None:
            raise NotFound("没有找到该申请，可能已被删除或编号有误")
        clerk = session.get(User, application.clerk_id)
        window = application.window_id
        window_row = session.get(CounterWindow, window) if window else None
        # in full only for the clerk handling the case (accepted it, or sits at its window)
        own = privacy.handles_case(actor, application)
        loaded = LoadedApplication(
            application_id=application.id,
            number=application.number,
            version=application.version,
            stage=application.current_stage,
            status=application.status,
            # a masked form must never be saved back over the real numbers
            editable=(application.current_stage == "accept" and application.status == "active"
                      and own and allowed(actor, Perm.ACCEPT)),
            input=shown_input(actor, as_input(application), own_case=own),
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

