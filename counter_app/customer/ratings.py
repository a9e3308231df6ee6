"""好差评 after every case (国办发〔2019〕51号 "一次一评"), its follow-ups, and external evaluation systems.

After the save and the documents the customer screen asks for one of five levels; for 不满意 and
非常不满意 the customer may tick reasons, and anybody may add a comment. No answer within the hall's
``rating_timeout_seconds`` is stored as 未评价 (``none``): it never counts as satisfied. Each rating
belongs to the application, the clerk and the window that served the customer.

A 差评 opens a follow-up: 整改 (rectification) within 15 working days of the hall's calendar, then a
回访 (visit back) recorded by a supervisor. The 差评整改 list shows them.

External evaluation devices or platforms plug in like certificate readers: a driver registers with
``register(name, factory)`` and is chosen per PC with ``COUNTER_APP_EVALUATION_SYSTEM``;
``SimulatedEvaluationSystem`` answers like one (a reference per rating, or a failure on demand). A
failed send keeps the rating and stores the error: the hall's own record never depends on it."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.hall import hall as hall_mod
from counter_app.infra import batched, clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import NotFound, UserError, ValidationFailed
from counter_app.models import Application, CounterWindow, Hall, RatingFollowUp, ServiceRating, User
from counter_app.security import audit
from counter_app.security.permissions import Perm, require

log = logging.getLogger(__name__)

LEVELS = {
    "very_satisfied": "非常满意", "satisfied": "满意", "basic": "基本满意",
    "dissatisfied": "不满意", "very_dissatisfied": "非常不满意",
}
NOT_RATED = "none"
LEVEL_LABELS = {**LEVELS, NOT_RATED: "未评价"}
SATISFIED = ("very_satisfied", "satisfied", "basic")
BAD = ("dissatisfied", "very_dissatisfied")
REASONS = (
    "等候时间长", "办理时间长", "服务态度不好", "业务不熟练", "一次性告知不清楚",
    "要求提供不必要的材料", "多次跑腿", "收费问题", "其他",
)
FOLLOW_UP_WORKING_DAYS = 15
VISIT_RESULTS = {"satisfied": "满意", "basic": "基本满意", "dissatisfied": "仍不满意"}
SOURCE_LABELS = {"screen": "客户屏", "timeout": "超时未评", "external": "外部评价器",
                 "clerk": "受理员代录（本机无客户屏）"}
MAX_COMMENT = 200  # about two lines on the customer screen: what a customer says in a sentence or two
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
ENV_SYSTEM = "COUNTER_APP_EVALUATION_SYSTEM"


@dataclass(frozen=True)
class RatingInput:
    level: str
    reasons: tuple[str, ...] = ()
    comment: str = ""
    comment_by_clerk: bool = False  # typed by the clerk as the customer said it


def clean_comment(text: str) -> str:
    """A free-text comment as stored: control and invisible formatting characters (line breaks,
    zero-width and bidirectional marks) become spaces, runs of spaces one, ends trimmed. The length
    is checked by ``validate`` on the cleaned text, so what the customer saw is what is counted."""
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", text or "")).strip()


def validate(inp: RatingInput) -> None:
    errors = {}
    if inp.level not in LEVELS:
        errors["level"] = "请选择一项评价"
    unknown = [r for r in inp.reasons if r not in REASONS]
    if unknown:
        errors["reasons"] = f"未知的原因：{'、'.join(unknown)}"
    elif inp.reasons and inp.level not in BAD:
        errors["reasons"] = "只有“不满意”“非常不满意”需要勾选原因"
    if len(clean_comment(inp.comment)) > MAX_COMMENT:
        errors["comment"] = f"意见建议最多 {MAX_COMMENT} 字（当前 {len(clean_comment(inp.comment))} 字）"
    if errors:
        raise ValidationFailed(errors)


# --- external evaluation systems -------------------------------------------------------------------


class EvaluationError(UserError):
    """The external system did not take the rating (offline, refused)."""


@dataclass(frozen=True)
class RatingEvent:
    """What is sent to an external evaluation system (no personal data of the customer)."""

    application_number: str
    hall_code: str
    window_no: int | None
    clerk_name: str
    level: str
    level_label: str
    reasons: tuple[str, ...]
    comment: str
    rated_at: dt.datetime


class EvaluationSystem(Protocol):
    name: str  # stored with the rating, e.g. "simulated"
    label: str  # shown to people

    def send(self, event: RatingEvent) -> str:
        """Hand the rating over; returns the system's reference, raises EvaluationError otherwise."""
        ...


class NoExternalSystem:
    name, label = "", "不对接外部评价系统"

    def send(self, event: RatingEvent) -> str:
        return ""


@dataclass
class SimulatedEvaluationSystem:
    """Answers like a provincial 好差评 platform: a reference per rating; ``fail_with`` simulates an outage."""

    name: str = "simulated"
    label: str = "模拟好差评平台"
    sent: list[RatingEvent] = field(default_factory=list)
    fail_with: str = ""

    def send(self, event: RatingEvent) -> str:
        if self.fail_with:
            raise EvaluationError(self.fail_with)
        self.sent.append(event)
        return f"SIM-{len(self.sent):06d}"


_REGISTRY: dict[str, Callable[[], EvaluationSystem]] = {
    "none": NoExternalSystem,
    "simulated": SimulatedEvaluationSystem,
}


def register(name: str, factory: Callable[[], EvaluationSystem]) -> None:
    """Make an evaluation system driver available under ``name`` (selected with COUNTER_APP_EVALUATION_SYSTEM)."""
    _REGISTRY[name] = factory


def available() -> list[str]:
    return sorted(_REGISTRY)


def create(name: str | None = None) -> EvaluationSystem:
    """The system configured for this PC; unknown names mean no external system."""
    key = name or os.environ.get(ENV_SYSTEM, "none")
    return _REGISTRY.get(key, NoExternalSystem)()


# --- recording a rating ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingResult:
    rating_id: int
    level: str
    follow_up_id: int | None
    follow_up_due: dt.date | None
    external_ref: str = ""
    external_error: str = ""

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]


def is_rated(db: Database, actor: Actor, application_id: int) -> bool:
    require(db, actor, Perm.VIEW_APPLICATION, target_type="application", target_id=str(application_id))
    with db.read() as session:
        return session.scalar(select(ServiceRating.id).where(
            ServiceRating.application_id == application_id)) is not None


def record(db: Database, actor: Actor, application_id: int, inp: RatingInput, *, requested_at: dt.datetime,
           source: str = "screen", system: EvaluationSystem | None = None) -> RatingResult:
    """Store the customer's rating (one per application); a 差评 opens its follow-up."""
    require(db, actor, Perm.ACCEPT, target_type="application", target_id=str(application_id))
    validate(inp)
    if source not in SOURCE_LABELS or source == "timeout":
        raise ValidationFailed({"source": f"未知的评价来源：{source}"})
    comment = clean_comment(inp.comment)
    return _store(db, actor, application_id, inp.level, tuple(inp.reasons), comment,
                  requested_at=requested_at, source=source, system=system,
                  comment_by_clerk=bool(comment) and (inp.comment_by_clerk or source == "clerk"))


def record_not_rated(db: Database, actor: Actor, application_id: int, *, requested_at: dt.datetime) -> RatingResult:
    """No answer in time: 未评价 (it counts neither as satisfied nor as 差评)."""
    require(db, actor, Perm.ACCEPT, target_type="application", target_id=str(application_id))
    return _store(db, actor, application_id, NOT_RATED, (), "", requested_at=requested_at, source="timeout",
                  system=None, comment_by_clerk=False)


def _store(db: Database, actor: Actor, application_id: int, level: str, reasons: tuple[str, ...], comment: str,
           *, requested_at: dt.datetime, source: str, system: EvaluationSystem | None,
           comment_by_clerk: bool) -> RatingResult:
    def work(session: Session) -> tuple[RatingResult, RatingEvent]:
        application = session.get(Application, application_id)
        if application is None:
            raise NotFound("没有找到该申请，无法记录评价")
        if session.scalar(select(ServiceRating.id).where(ServiceRating.application_id == application_id)):
            raise UserError(f"申请 {application.number} 已经评价过（一次一评），不再重复记录")
        now = clock.now()
        rating = ServiceRating(
            application_id=application_id, clerk_id=actor.user_id, window_id=actor.window_id, level=level,
            reasons=list(reasons), comment=comment, comment_by_clerk=comment_by_clerk, source=source,
            requested_at=requested_at,
            rated_at=None if level == NOT_RATED else now,
        )
        session.add(rating)
        session.flush()
        follow_up = None
        if level in BAD:
            calendar = hall_mod.work_calendar(session, application.hall_id)
            due = calendar.add_workdays(now, FOLLOW_UP_WORKING_DAYS).day
            follow_up = RatingFollowUp(rating_id=rating.id, created_at=now, due_date=due)
            session.add(follow_up)
            session.flush()
        audit.record(session, actor, "rating", "application", application.number, at=now,
                     detail={"level": level, "label": LEVEL_LABELS[level], "source": source,
                             **({"comment_by_clerk": True} if comment_by_clerk else {}),
                             **({"reasons": list(reasons)} if reasons else {})})
        hall = session.get(Hall, application.hall_id)
        window = session.get(CounterWindow, actor.window_id) if actor.window_id else None
        event = RatingEvent(application.number, hall.code if hall else "", window.number if window else None,
                            actor.name, level, LEVEL_LABELS[level], reasons, comment, now)
        return RatingResult(rating.id, level, follow_up.id if follow_up else None,
                            follow_up.due_date if follow_up else None), event

    result, event = db.run_write(work)
    system = system if system is not None else create()
    if level == NOT_RATED or not system.name:
        return result
    return _forward(db, result, event, system)


def _forward(db: Database, result: RatingResult, event: RatingEvent, system: EvaluationSystem) -> RatingResult:
    """Send to the external system after the rating is stored: an outage never loses the rating."""
    ref, error = "", ""
    try:
        ref = system.send(event) or ""
    except EvaluationError as exc:
        error = str(exc)
    except Exception as exc:  # a driver's own failure is reported the same way
        log.warning("evaluation system %s failed", system.name, exc_info=exc)
        error = f"{type(exc).__name__}: {exc}"

    def work(session: Session) -> None:
        rating = session.get(ServiceRating, result.rating_id)
        rating.external_system = system.name[:40]
        rating.external_ref = ref[:80]
        rating.external_error = error[:200]

    db.run_write(work)
    return RatingResult(result.rating_id, result.level, result.follow_up_id, result.follow_up_due, ref, error)


# --- 差评整改 ---------------------------------------------------------------------------------------

FOLLOW_UP_STATES = {"open": "待整改", "rectified": "已整改待回访", "visited": "已回访"}


@dataclass(frozen=True)
class FollowUpRow:
    id: int
    application_id: int
    number: str
    level: str
    reasons: tuple[str, ...]
    comment: str
    clerk: str
    window: str
    rated_at: dt.datetime | None
    due_date: dt.date
    rectification: str
    rectified_at: dt.datetime | None
    visit_result: str
    visit_note: str
    visited_at: dt.datetime | None
    visited_by: str
    today: dt.date

    @property
    def state(self) -> str:
        if self.visited_at:
            return "visited"
        return "rectified" if self.rectified_at else "open"

    @property
    def overdue(self) -> bool:
        return self.rectified_at is None and self.due_date < self.today

    @property
    def state_label(self) -> str:
        label = FOLLOW_UP_STATES[self.state]
        return f"{label}（已超期）" if self.overdue else label


def follow_ups(db: Database, actor: Actor, *, open_only: bool = False) -> list[FollowUpRow]:
    """The 差评整改 list: oldest due first; ``open_only`` leaves out the visited ones."""
    require(db, actor, Perm.FOLLOW_UP_RATINGS, target_type="rating_follow_up")
    # one statement, no transaction around it (issue 20)
    with db.brief() as session:
        stmt = (
            select(*batched.columns(RatingFollowUp), ServiceRating.application_id, ServiceRating.level,
                   ServiceRating.reasons, ServiceRating.comment, ServiceRating.clerk_id, ServiceRating.window_id,
                   ServiceRating.rated_at, Application.number)
            .join(ServiceRating, ServiceRating.id == RatingFollowUp.rating_id)
            .join(Application, Application.id == ServiceRating.application_id)
            .order_by(RatingFollowUp.due_date, RatingFollowUp.id)
        )
        if open_only:
            stmt = stmt.where(RatingFollowUp.visited_at.is_(None))
        users, windows, found = batched.read_all(
            session, [select(User.id, User.name), select(CounterWindow.id, CounterWindow.name), stmt])
        users, windows, today = dict(users), dict(windows), clock.today()
        return [
            FollowUpRow(
                id=f.id, application_id=f.application_id, number=f.number, level=f.level,
                reasons=tuple(f.reasons or ()), comment=f.comment, clerk=users.get(f.clerk_id, ""),
                window=windows.get(f.window_id, ""), rated_at=f.rated_at, due_date=f.due_date,
                rectification=f.rectification, rectified_at=f.rectified_at, visit_result=f.visit_result,
                visit_note=f.visit_note, visited_at=f.visited_at, visited_by=users.get(f.visited_by_id, ""),
                today=today,
            )
            for f in found
        ]


def _follow_up(session: Session, follow_up_id: int) -> tuple[RatingFollowUp, str]:
    row = session.execute(
        select(RatingFollowUp, Application.number)
        .join(ServiceRating, ServiceRating.id == RatingFollowUp.rating_id)
        .join(Application, Application.id == ServiceRating.application_id)
        .where(RatingFollowUp.id == follow_up_id)
    ).first()
    if row is None:
        raise NotFound("没有找到该差评整改记录")
    return row[0], row[1]


def record_rectification(db: Database, actor: Actor, follow_up_id: int, text: str) -> None:
    require(db, actor, Perm.FOLLOW_UP_RATINGS, target_type="rating_follow_up", target_id=str(follow_up_id))
    text = (text or "").strip()
    if not text:
        raise ValidationFailed({"rectification": "请填写整改措施（做了什么、谁负责）"})
    if len(text) > MAX_COMMENT:
        raise ValidationFailed({"rectification": f"整改措施最多 {MAX_COMMENT} 字"})

    def work(session: Session) -> None:
        follow_up, number = _follow_up(session, follow_up_id)
        if follow_up.visited_at:
            raise UserError("该差评已回访完毕，不能再修改整改措施")
        now = clock.now()
        follow_up.rectification, follow_up.rectified_at, follow_up.rectified_by_id = text, now, actor.user_id
        audit.record(session, actor, "rating_rectify", "application", number, at=now,
                     detail={"follow_up": follow_up_id, "rectification": text})

    db.run_write(work)


def record_visit(db: Database, actor: Actor, follow_up_id: int, result: str, note: str = "") -> None:
    """回访 by a supervisor, after the 整改 is recorded."""
    require(db, actor, Perm.FOLLOW_UP_RATINGS, target_type="rating_follow_up", target_id=str(follow_up_id))
    if result not in VISIT_RESULTS:
        raise ValidationFailed({"visit_result": "请选择回访结果"})
    note = (note or "").strip()
    if len(note) > MAX_COMMENT:
        raise ValidationFailed({"visit_note": f"回访记录最多 {MAX_COMMENT} 字"})

    def work(session: Session) -> None:
        follow_up, number = _follow_up(session, follow_up_id)
        if follow_up.rectified_at is None:
            raise ValidationFailed({"visit_result": "请先登记整改措施，再登记回访"})
        if follow_up.visited_at is not None:
            raise UserError("该差评已登记过回访")
        now = clock.now()
        follow_up.visit_result, follow_up.visit_note = result, note
        follow_up.visited_at, follow_up.visited_by_id = now, actor.user_id
        audit.record(session, actor, "rating_visit", "application", number, at=now,
                     detail={"follow_up": follow_up_id, "result": VISIT_RESULTS[result], "note": note})

    db.run_write(work)


def reasons_text(reasons: Sequence[str]) -> str:
    return "、".join(reasons)
