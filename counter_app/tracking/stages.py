"""Moving an application through its stages: advance, send back, complete, terminate.

The stages come from the catalog (design review and mid check only for important customers); every
move closes the open StageEvent and opens the next one, whose due date counts working days of the
official calendar with 调休 and the hall's overrides. A due date in a year the calendar does not know
is stored as estimated and shown as 预估. Edits are guarded by ``Application.version``: a move based
on a stale view is refused with ``StaleEdit``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from counter_app.hall import catalog, hall
from counter_app.hall import settings_admin as settings_service
from counter_app.hall.catalog import BusinessType, StageDef
from counter_app.hall.workdays import Deadline
from counter_app.infra import clock, text_checks
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import NotFound, StaleEdit, UserError, ValidationFailed
from counter_app.models import Application, StageEvent, User
from counter_app.security import audit
from counter_app.security.permissions import Perm, require

T = TypeVar("T")

STATUS_LABELS = {"active": "办理中", "completed": "已办结", "terminated": "已终止"}
ACTION_LABELS = {"enter": "进入", "return": "退回", "terminate": "终止", "complete": "办结"}
FINAL_STAGE = "archive"
MAX_NOTE = 500
# a move dated a little ahead of this PC's clock (clocks of counter PCs differ) is still accepted
CLOCK_SLACK = dt.timedelta(minutes=5)


is_important = catalog.is_important


def business_type_of(app: Application) -> BusinessType:
    return catalog.load().business_type(app.business_type)


def plan_for(app: Application) -> tuple[StageDef, ...]:
    return business_type_of(app).stages_for(is_important(app.load_importance))


def stage_name(code: str) -> str:
    return catalog.load().stage_name(code)


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def open_event(app: Application) -> StageEvent | None:
    for event in reversed(app.stage_events):
        if event.ended_at is None and event.action in ("enter", "return"):
            return event
    return None


def current_deadline(app: Application) -> Deadline | None:
    """Due date of the current stage with its estimated flag (the application row has no flag)."""
    if app.stage_due_date is None:
        return None
    event = open_event(app)
    estimated = bool(event and event.due_estimated and event.due_date == app.stage_due_date)
    return Deadline(app.stage_due_date, estimated)


def whole_deadline(app: Application) -> Deadline | None:
    return Deadline(app.due_date, bool(app.due_estimated)) if app.due_date else None


def stage_deadline(session: Session, app: Application, stage: str, start: dt.datetime | dt.date) -> Deadline:
    """Due date of ``stage`` entered at ``start``, with the limits in force when the application was accepted."""
    days = settings_service.stage_limit_at(session, app.hall_id, app.business_type, stage, app.accepted_at)
    return hall.work_calendar(session, app.hall_id).add_workdays(start, days)


# --- what the stage dialog offers ------------------------------------------------------------------


@dataclass(frozen=True)
class StageMoveOptions:
    application_id: int
    number: str
    customer_name: str
    business_name: str
    status: str
    version: int
    current_stage: str
    current_stage_name: str
    current_handler: str
    stage_started_at: dt.datetime | None
    stage_due: Deadline | None
    next_stage: StageDef | None
    next_due_if_now: Deadline | None
    return_targets: tuple[StageDef, ...]
    handler_suggestions: tuple[str, ...]

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def can_move(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class MoveResult:
    application_id: int
    number: str
    stage: str
    stage_name: str
    due: Deadline
    status: str
    version: int

    def message(self) -> str:
        if self.status == "completed":
            return f"申请 {self.number} 已归档办结"
        if self.status == "terminated":
            return f"申请 {self.number} 已终止"
        return f"申请 {self.number} 已进入“{self.stage_name}”环节，办理期限 {self.due.label()}"


def move_options(db: Database, actor: Actor, application_id: int) -> StageMoveOptions:
    require(db, actor, Perm.VIEW_APPLICATION, target_type="application", target_id=str(application_id))
    with db.read() as session:
        app = _get(session, application_id)
        plan = plan_for(app)
        codes = [s.code for s in plan]
        event = open_event(app)
        nxt = business_type_of(app).next_stage(app.current_stage, is_important(app.load_importance))
        next_due = stage_deadline(session, app, nxt.code, clock.now()) if nxt and app.status == "active" else None
        if app.current_stage in codes:
            returns = tuple(s for s in plan[: codes.index(app.current_stage)])
        else:
            returns = ()
        names = session.scalars(
            select(User.name).where(User.active.is_(True), User.role.in_(("backoffice", "supervisor")))
            .order_by(User.name)
        )
        suggestions = list(dict.fromkeys([*(n for n in names), *([app.current_handler] if app.current_handler else [])]))
        return StageMoveOptions(
            application_id=app.id,
            number=app.number,
            customer_name=app.customer.name,
            business_name=business_type_of(app).name,
            status=app.status,
            version=app.version,
            current_stage=app.current_stage,
            current_stage_name=stage_name(app.current_stage),
            current_handler=app.current_handler,
            stage_started_at=event.started_at if event else None,
            stage_due=current_deadline(app),
            next_stage=nxt,
            next_due_if_now=next_due,
            return_targets=returns if app.status == "active" else (),
            handler_suggestions=tuple(suggestions),
        )


# --- moves ---------------------------------------------------------------------------------------


def advance(db: Database, actor: Actor, application_id: int, *, version: int | None, handler: str,
            note: str = "", at: dt.datetime | None = None) -> MoveResult:
    """Move to the next stage of the plan (into 归档 completes the application)."""
    require(db, actor, Perm.MOVE_STAGE, target_type="application", target_id=str(application_id))

    def work(session: Session) -> MoveResult:
        app = load_for_update(session, application_id, version)
        require_active(app)
        nxt = business_type_of(app).next_stage(app.current_stage, is_important(app.load_importance))
        if nxt is None:
            raise UserError(f"申请 {app.number} 已在最后环节“{stage_name(app.current_stage)}”，无法继续推进")
        return move_in_session(session, actor, app, to_stage=nxt.code, handler=handler, note=note, at=at)

    return guarded_write(db, work)


def complete(db: Database, actor: Actor, application_id: int, *, version: int | None, handler: str,
             note: str = "", at: dt.datetime | None = None) -> MoveResult:
    """Archive an application whose last working stage is done."""
    require(db, actor, Perm.MOVE_STAGE, target_type="application", target_id=str(application_id))

    def work(session: Session) -> MoveResult:
        app = load_for_update(session, application_id, version)
        require_active(app)
        nxt = business_type_of(app).next_stage(app.current_stage, is_important(app.load_importance))
        if nxt is None or nxt.code != FINAL_STAGE:
            remaining = "、".join(s.name for s in _remaining(app) if s.code != FINAL_STAGE)
            raise UserError(f"申请 {app.number} 还有环节未完成（{remaining}），不能直接归档")
        return move_in_session(session, actor, app, to_stage=FINAL_STAGE, handler=handler, note=note, at=at)

    return guarded_write(db, work)


def send_back(db: Database, actor: Actor, application_id: int, *, version: int | None, to_stage: str,
              handler: str, note: str, at: dt.datetime | None = None) -> MoveResult:
    """Return the application to an earlier stage (reason required); the stage's clock starts again."""
    require(db, actor, Perm.MOVE_STAGE, target_type="application", target_id=str(application_id))

    def work(session: Session) -> MoveResult:
        app = load_for_update(session, application_id, version)
        require_active(app)
        codes = [s.code for s in plan_for(app)]
        if to_stage not in codes or app.current_stage not in codes or \
                codes.index(to_stage) >= codes.index(app.current_stage):
            raise ValidationFailed({"to_stage": f"只能退回到“{stage_name(app.current_stage)}”之前的环节"})
        if not (note or "").strip():
            raise ValidationFailed({"note": "退回时请填写退回原因"})
        return move_in_session(session, actor, app, to_stage=to_stage, handler=handler, note=note, at=at,
                               action="return")

    return guarded_write(db, work)


def terminate(db: Database, actor: Actor, application_id: int, *, version: int | None, reason: str,
              at: dt.datetime | None = None) -> MoveResult:
    """Terminate an active application (customer withdrew, materials never supplied …) with a reason."""
    require(db, actor, Perm.TERMINATE, target_type="application", target_id=str(application_id))

    def work(session: Session) -> MoveResult:
        app = load_for_update(session, application_id, version)
        return terminate_in_session(session, actor, app, reason=reason, at=at)

    return guarded_write(db, work)


# --- the session-level core (also used by the marketing-system import and 容缺 follow-up) --------


def load_for_update(session: Session, application_id: int, version: int | None) -> Application:
    app = session.get(Application, application_id, with_for_update=True)
    if app is None:
        raise NotFound("未找到该申请（可能已被删除），请刷新后重试")
    if version is not None and app.version != version:
        raise StaleEdit(_stale_message(session, app))
    return app


def require_active(app: Application) -> None:
    if app.status != "active":
        raise UserError(f"申请 {app.number} {status_label(app.status)}，不能再流转")


def _stale_message(session: Session, app: Application) -> str:
    who = session.get(User, app.updated_by_id).name if app.updated_by_id else "其他人员"
    return (f"申请 {app.number} 已被{who}于 {app.updated_at:%m-%d %H:%M} 修改（当前环节：{stage_name(app.current_stage)}，"
            f"{status_label(app.status)}），请刷新后重新操作；您填写的内容已保留")


def check_move_time(app: Application, at: dt.datetime) -> None:
    event = open_event(app)
    start = event.started_at if event else app.accepted_at
    if at > clock.now() + CLOCK_SLACK:
        raise ValidationFailed({"at": "流转时间不能晚于当前时间"})
    if start and at < start:
        raise ValidationFailed({"at": f"流转时间不能早于当前环节开始时间（{start:%Y-%m-%d %H:%M}）"})


def move_in_session(session: Session, actor: Actor, app: Application, *, to_stage: str, handler: str,
                    note: str = "", at: dt.datetime | None = None, action: str = "enter",
                    source: str = "app", external_key: str | None = None) -> MoveResult:
    require_active(app)
    # the same check as an imported line's handler and note (reporting.exchange)
    handler = text_checks.cleaned(handler)
    note = text_checks.cleaned(note, multiline=True)
    errors = {}
    problem = text_checks.problem(handler, "处理人", required=True,
                                  max_length=text_checks.column_length(StageEvent.handler))
    if problem:
        errors["handler"] = problem
    problem = text_checks.problem(note, "备注", max_length=MAX_NOTE, multiline=True)
    if problem:
        errors["note"] = problem
    if errors:
        raise ValidationFailed(errors)
    at = (at or clock.now()).replace(microsecond=0)
    check_move_time(app, at)

    previous = app.current_stage
    current = open_event(app)
    if current is not None:
        current.ended_at = at
    deadline = stage_deadline(session, app, to_stage, at)
    final = to_stage == FINAL_STAGE
    event = StageEvent(
        stage=to_stage, action="complete" if final else action, started_at=at, ended_at=at if final else None,
        due_date=deadline.day, due_estimated=deadline.estimated, handler=handler, actor_id=actor.user_id,
        note=note, source=source, external_key=external_key,
    )
    app.stage_events.append(event)
    app.current_stage = to_stage
    app.current_handler = handler
    app.stage_due_date = deadline.day
    if final:
        app.status = "completed"
        app.completed_at = at
    app.updated_at = clock.now()
    app.updated_by_id = actor.user_id
    session.flush()
    audit.record(session, actor, "stage_return" if action == "return" else "stage_move", "application", app.id,
                 detail={"number": app.number, "from": previous, "to": to_stage, "handler": handler,
                         "at": at.isoformat(sep=" "), "due": deadline.label(), "source": source,
                         **({"note": note} if note else {})})
    return MoveResult(app.id, app.number, to_stage, stage_name(to_stage), deadline, app.status, app.version)


def terminate_in_session(session: Session, actor: Actor, app: Application, *, reason: str,
                         at: dt.datetime | None = None) -> MoveResult:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": "请填写终止原因"})
    if len(reason) > 200:
        raise ValidationFailed({"reason": "终止原因最多200字"})
    if app.status != "active":
        raise UserError(f"申请 {app.number} {status_label(app.status)}，不能终止")
    at = (at or clock.now()).replace(microsecond=0)
    current = open_event(app)
    if current is not None:
        current.ended_at = at
    app.stage_events.append(StageEvent(
        stage=app.current_stage, action="terminate", started_at=at, ended_at=at, handler=actor.name,
        actor_id=actor.user_id, note=reason,
    ))
    app.status = "terminated"
    app.terminated_at = at
    app.terminated_reason = reason
    app.terminated_by_id = actor.user_id
    app.updated_at = clock.now()
    app.updated_by_id = actor.user_id
    session.flush()
    audit.record(session, actor, "terminate", "application", app.id,
                 detail={"number": app.number, "stage": app.current_stage, "reason": reason})
    return MoveResult(app.id, app.number, app.current_stage, stage_name(app.current_stage),
                      Deadline(at.date(), False), app.status, app.version)


def _remaining(app: Application) -> list[StageDef]:
    plan = plan_for(app)
    codes = [s.code for s in plan]
    if app.current_stage not in codes:
        return list(plan)
    return list(plan[codes.index(app.current_stage) + 1:])


def remaining_stages(app: Application) -> list[StageDef]:
    """Stages still ahead of the current one (empty once completed or terminated)."""
    return _remaining(app) if app.status == "active" else []


def _get(session: Session, application_id: int) -> Application:
    app = session.get(Application, application_id)
    if app is None:
        raise NotFound("未找到该申请（可能已被删除），请刷新后重试")
    return app


def guarded_write(db: Database, work: Callable[[Session], T]) -> T:
    """One transaction; a concurrent save caught at flush time (version column) becomes StaleEdit."""
    try:
        return db.run_write(work)
    except StaleDataError as exc:
        raise StaleEdit("该申请刚被其他人修改，请刷新后重新操作；您填写的内容已保留") from exc
