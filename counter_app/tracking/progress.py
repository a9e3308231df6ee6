"""The progress of one application: its timeline, what is still ahead and when it should be done,
the deferred materials, and the progress slip for the customer. Finding the application is
:mod:`counter_app.tracking.application_search` (the one search). Certificate numbers and phones are masked
unless the role needs them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.hall import hall
from counter_app.hall import settings_admin as settings_service
from counter_app.hall.workdays import Deadline
from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import NotFound
from counter_app.models import Application, CounterWindow, Hall, Material, User
from counter_app.security import privacy
from counter_app.security.permissions import Perm, require
from counter_app.security.redaction import mask_id, mask_phone
from counter_app.tracking import stages, time_limits

STATE_LABELS = {
    "kept": "按期完成", "late": "超期完成", "open": "办理中", "overdue": "已超期", "planned": "待办理",
    "returned": "已退回", "terminated": stages.status_label("terminated"),
    "completed": stages.status_label("completed"),
}
MATERIAL_STATE_LABELS = {"received": "已收", "on_file": "在档", "deferred": "容缺待补", "supplied": "已补交",
                         "missing": "缺件"}


# --- the timeline --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineRow:
    stage: str
    stage_name: str
    action_label: str
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    handler: str
    due: Deadline | None
    state: str  # kept | late | open | overdue | planned | returned | terminated | completed
    note: str = ""
    source: str = "app"

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def due_label(self) -> str:
        if self.due is None:
            return ""
        return ("约 " if self.state == "planned" else "") + self.due.label()


@dataclass(frozen=True)
class DeferredItem:
    name: str
    state: str
    due: Deadline | None
    supplied_at: dt.datetime | None

    @property
    def overdue(self) -> bool:
        return self.state == "deferred" and self.due is not None and self.due.day < clock.today()

    @property
    def state_label(self) -> str:
        return MATERIAL_STATE_LABELS.get(self.state, self.state) + ("（已逾期）" if self.overdue else "")


@dataclass(frozen=True)
class Progress:
    application_id: int
    number: str
    version: int
    hall_name: str
    customer_name: str
    certificate: str
    phone: str
    business_name: str
    address: str
    accepted_at: dt.datetime
    clerk_name: str
    window_no: int | None
    status: str
    status_label: str
    current_stage_name: str
    current_handler: str
    stage_due: Deadline | None
    promised: Deadline | None  # the whole-process deadline set at acceptance
    expected: Deadline | None  # when it should be done, given where it is now
    green_channel: bool
    green_manager: str
    terminated_reason: str
    timeline: tuple[TimelineRow, ...]
    deferred: tuple[DeferredItem, ...]
    query_text: str  # how to ask about progress (hall setting)
    supervision_phone: str

    @property
    def overdue(self) -> bool:
        return self.status == "active" and self.stage_due is not None and self.stage_due.day < clock.today()


def detail(db: Database, actor: Actor, application_id: int) -> Progress:
    require(db, actor, Perm.VIEW_APPLICATION, target_type="application", target_id=str(application_id))
    with db.read() as session:
        app = session.get(Application, application_id)
        if app is None:
            raise NotFound("未找到该申请（可能已被删除），请刷新后重试")
        return build(session, app, full=privacy.handles_case(actor, app))


def build(session: Session, app: Application, *, full: bool) -> Progress:
    today = clock.today()
    cal = hall.work_calendar(session, app.hall_id)
    rows = _timeline(app, today)
    planned, expected = _projection(session, app, cal, today)
    clerk = session.get(User, app.clerk_id)
    window_no = session.scalar(select(CounterWindow.number).where(CounterWindow.id == app.window_id))
    deferred = tuple(
        DeferredItem(m.name, m.state, Deadline(m.due_date, m.due_estimated) if m.due_date else None, m.supplied_at)
        for m in session.scalars(select(Material).where(Material.application_id == app.id,
                                                        Material.state.in_(("deferred", "supplied")))
                                 .order_by(Material.seq))
    )
    hall_row = session.get(Hall, app.hall_id)
    settings = hall.all_settings(session, app.hall_id)
    phone = app.contact_mobile or app.contact_phone
    return Progress(
        application_id=app.id,
        number=app.number,
        version=app.version,
        hall_name=hall_row.name,
        customer_name=app.customer.name,
        certificate=app.certificate.number if full else mask_id(app.certificate.number),
        phone=phone if full else mask_phone(phone),
        business_name=stages.business_type_of(app).name,
        address=f"{app.address_district}{app.address_detail}",
        accepted_at=app.accepted_at,
        clerk_name=clerk.name if clerk else "",
        window_no=window_no,
        status=app.status,
        status_label=stages.status_label(app.status),
        current_stage_name=stages.stage_name(app.current_stage),
        current_handler=app.current_handler,
        stage_due=stages.current_deadline(app) if app.status == "active" else None,
        promised=stages.whole_deadline(app),
        expected=expected,
        green_channel=app.green_channel,
        green_manager=app.green_manager,
        terminated_reason=app.terminated_reason,
        timeline=tuple(rows + planned),
        deferred=deferred,
        query_text=str(settings.get("progress_query_text") or ""),
        supervision_phone="、".join(p for p in (str(settings.get("service_phone") or ""), hall_row.supervision_phone) if p),
    )


def _timeline(app: Application, today: dt.date) -> list[TimelineRow]:
    rows = []
    events = list(app.stage_events)
    for index, event in enumerate(events):
        due = Deadline(event.due_date, event.due_estimated) if event.due_date else None
        following = events[index + 1] if index + 1 < len(events) else None
        if event.action == "terminate":
            state = "terminated"
        elif event.action == "complete":
            state = "completed"
        elif event.ended_at is None:
            state = "overdue" if due and due.day < today else "open"
        elif following is not None and following.action == "return":
            state = "returned"
        else:
            state = "late" if due and event.ended_at.date() > due.day else "kept"
        rows.append(TimelineRow(
            stage=event.stage, stage_name=stages.stage_name(event.stage),
            action_label=stages.ACTION_LABELS.get(event.action, event.action),
            started_at=event.started_at, ended_at=event.ended_at, handler=event.handler, due=due, state=state,
            note=event.note, source=event.source,
        ))
    return rows


def _projection(session: Session, app: Application, cal, today: dt.date) -> tuple[list[TimelineRow], Deadline | None]:
    """Stages still ahead with their expected due dates, and the expected completion."""
    if app.status == "completed":
        return [], Deadline(app.completed_at.date(), False) if app.completed_at else None
    if app.status != "active":
        return [], None
    current = stages.current_deadline(app)
    base = max(current.day, today) if current else today
    estimated = bool(current and current.estimated)
    planned = []
    for stage in stages.remaining_stages(app):
        days = time_limits.stage_days(
            stages.business_type_of(app), stage.code,
            settings_service.stage_limit_at(session, app.hall_id, app.business_type, stage.code, app.accepted_at),
            app.external_works)
        step = cal.add_workdays(base, days)
        base, estimated = step.day, estimated or step.estimated
        planned.append(TimelineRow(stage=stage.code, stage_name=stage.name, action_label="", started_at=None,
                                   ended_at=None, handler="", due=Deadline(base, estimated), state="planned"))
    promised = stages.whole_deadline(app)
    if promised is not None and base > promised.day >= today:
        # the remaining stages owe the promise the customer signed: a stage that ran late shortens
        # what is left, it does not move the predicted date past the promised one
        planned = [replace(r, due=promised) if r.due is not None and r.due.day > promised.day else r
                   for r in planned]
        return planned, promised
    return planned, Deadline(base, estimated)


# --- the progress slip for the customer -----------------------------------------------------------


def render_slip(db: Database, actor: Actor, application_id: int):
    """The 办理进度单 as PDF (``documents.Rendered``); printing or saving it is recorded by the caller
    through ``documents.record`` / ``documents.save``."""
    from counter_app import documents
    from counter_app.forms import progress_slip
    from counter_app.printing import pdf

    require(db, actor, Perm.PRINT, target_type="application", target_id=str(application_id))
    p = detail(db, actor, application_id)
    with db.read() as session:
        settings = hall.all_settings(session, session.get(Application, application_id).hall_id)
    window = f"{actor.window_no}号窗口 " if actor.window_no else ""
    model = progress_slip.build(p, printed_by=f"经办：{window}{actor.name}")
    return documents.Rendered(
        doc="progress_slip", title=progress_slip.TITLE, fmt="pdf", data=pdf.render_pdf(model, settings),
        filename=documents.suggested_filename(p.number, progress_slip.TITLE, "pdf"), number=p.number,
        application_id=p.application_id, missing_chars=tuple(pdf.missing_characters(model, settings=settings)),
    )
