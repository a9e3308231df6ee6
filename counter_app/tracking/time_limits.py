"""Time-limit warnings: yellow once the hall's share of a limit is used (default 80 %), red when over.

Two limits are watched for every active application: the current stage (yellow and red) and the
whole process promised at acceptance (red once past). Both are measured in working days of the hall's
calendar; the worse of the two decides. This is the rule of the supervisors' 时限预警清单 too
(``registers.time_status``; a test keeps the two in agreement). Green-channel applications head the list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from counter_app.hall import catalog, hall, settings_admin as settings_service
from counter_app.infra import clock
from counter_app.security import privacy
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.models import Application, CounterWindow, Customer, StageEvent
from counter_app.security.permissions import Perm, require
from counter_app.hall.workdays import Deadline, WorkCalendar

LEVEL_LABELS = {"yellow": "黄色预警", "red": "红色超期"}
BASIS_LABELS = {"stage": "环节时限", "whole": "全流程时限"}
_RANK = {"red": 2, "yellow": 1, None: 0}


@dataclass(frozen=True)
class Assessment:
    level: str | None  # None | yellow | red
    basis: str  # stage | whole
    limit_days: int
    used_days: int
    due: Deadline
    days_left: int  # working days left after today (0 on the due day)
    days_over: int  # working days past the due date (>= 1 once red on a working day)

    @property
    def percent(self) -> int:
        if self.limit_days == 0:
            return 100
        return int(self.used_days * 100 / self.limit_days)


def assess(cal: WorkCalendar, start: dt.date, due: Deadline, today: dt.date, yellow_ratio: float,
           basis: str = "stage") -> Assessment:
    """Yellow when used/limit >= yellow_ratio (exactly at the threshold counts), red once past the due date."""
    limit, _ = _between(cal, start, due.day)
    if today > due.day:
        over, _ = _between(cal, due.day, today)
        used = limit + over
        return Assessment("red", basis, limit, used, due, 0, max(over, 1))
    used, _ = _between(cal, start, today)
    left, _ = _between(cal, today, due.day)
    threshold = Fraction(str(yellow_ratio)) * limit
    # a limit of 0 working days (same-day stage) only turns red
    level = "yellow" if limit > 0 and used >= threshold else None
    return Assessment(level, basis, limit, used, due, left, 0)


def _between(cal: WorkCalendar, start: dt.date, end: dt.date) -> tuple[int, bool]:
    return cal.workdays_between(start, end)


class _CachedDays(WorkCalendar):
    """Many applications share start and due dates: count each span once per evaluation."""

    def __init__(self, cal: WorkCalendar) -> None:
        super().__init__(cal.overrides, cal.confirmed_years)
        self._spans: dict[tuple[dt.date, dt.date], tuple[int, bool]] = {}

    def workdays_between(self, start: dt.date, end: dt.date) -> tuple[int, bool]:
        key = (start, end)
        if key not in self._spans:
            self._spans[key] = super().workdays_between(start, end)
        return self._spans[key]


def worse(a: Assessment, b: Assessment | None) -> Assessment:
    if b is None:
        return a
    if _RANK[b.level] != _RANK[a.level]:
        return a if _RANK[a.level] > _RANK[b.level] else b
    # same level: the one closer to (or further past) its due date
    return a if (a.days_over, -a.days_left) >= (b.days_over, -b.days_left) else b


# --- evaluating active applications --------------------------------------------------------------


@dataclass(frozen=True)
class _Active:
    id: int
    accepted_at: dt.datetime
    due_date: dt.date | None
    due_estimated: bool
    stage_due: dt.date | None
    stage_estimated: bool
    stage_start: dt.datetime | None


def _active(session: Session, hall_id: int, window_id: int | None):
    open_event = and_(StageEvent.application_id == Application.id, StageEvent.ended_at.is_(None),
                      StageEvent.action.in_(("enter", "return")))
    stmt = (
        select(Application.id, Application.accepted_at, Application.due_date, Application.due_estimated,
               Application.stage_due_date, StageEvent.due_estimated, StageEvent.started_at)
        .outerjoin(StageEvent, open_event)
        .where(Application.hall_id == hall_id, Application.status == "active")
    )
    if window_id is not None:
        stmt = stmt.where(Application.window_id == window_id)
    seen: dict[int, _Active] = {}
    for row in session.execute(stmt):
        previous = seen.get(row[0])
        if previous is None or (row[6] and previous.stage_start and row[6] > previous.stage_start):
            seen[row[0]] = _Active(row[0], row[1], row[2], bool(row[3]), row[4], bool(row[5]), row[6])
    return seen.values()


def _evaluate(cal: WorkCalendar, item: _Active, today: dt.date, ratio: float) -> Assessment | None:
    result = None
    if item.stage_due is not None:
        start = (item.stage_start or item.accepted_at).date()
        result = assess(cal, start, Deadline(item.stage_due, item.stage_estimated), today, ratio, "stage")
    if item.due_date is not None:
        whole = assess(cal, item.accepted_at.date(), Deadline(item.due_date, item.due_estimated), today, ratio,
                       "whole")
        if whole.level == "red":  # the promise to the customer is broken; its yellow is the stages' business
            result = worse(whole, result) if result else whole
    return result


def counts(session: Session, hall_id: int, window_id: int | None = None) -> tuple[int, int]:
    """(yellow, red) among the hall's active applications (of one window when given): the status bar."""
    today = clock.today()
    cal = _CachedDays(hall.work_calendar(session, hall_id))
    ratio = settings_service.yellow_ratio(session, hall_id)
    yellow = red = 0
    for item in _active(session, hall_id, window_id):
        result = _evaluate(cal, item, today, ratio)
        if result and result.level == "red":
            red += 1
        elif result and result.level == "yellow":
            yellow += 1
    return yellow, red


# --- the warning list ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WarningRow:
    application_id: int
    number: str
    customer_name: str
    phone: str
    business_name: str
    stage_name: str
    handler: str
    window_no: int | None
    green_channel: bool
    green_manager: str
    accepted_at: dt.datetime
    assessment: Assessment

    @property
    def level(self) -> str:
        return self.assessment.level or ""

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, "")

    @property
    def basis_label(self) -> str:
        return BASIS_LABELS[self.assessment.basis]

    @property
    def due_label(self) -> str:
        return self.assessment.due.label()

    @property
    def remaining_label(self) -> str:
        a = self.assessment
        if a.level == "red":
            return f"超期 {a.days_over} 个工作日"
        if a.days_left == 0:
            return "今日到期"
        return f"剩余 {a.days_left} 个工作日"

    def sort_key(self):
        a = self.assessment
        return (not self.green_channel, -_RANK[a.level], -a.days_over, a.days_left, a.due.day, self.number)


def warning_list(db: Database, actor: Actor, *, level: str | None = None,
                 window_id: int | None = None) -> list[WarningRow]:
    """Yellow and red applications, green channel first, then by urgency (most overdue first)."""
    require(db, actor, Perm.VIEW_APPLICATION, target_type="warnings")
    today = clock.today()
    with db.read() as session:
        h = hall.require_hall(session)
        cal = _CachedDays(hall.work_calendar(session, h.id))
        ratio = settings_service.yellow_ratio(session, h.id)
        found: dict[int, Assessment] = {}
        for item in _active(session, h.id, window_id):
            result = _evaluate(cal, item, today, ratio)
            if result and result.level and (level is None or result.level == level):
                found[item.id] = result
        rows = []
        ids = list(found)
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            stmt = (
                select(Application, Customer.name, CounterWindow.number)
                .join(Customer, Customer.id == Application.customer_id)
                .join(CounterWindow, CounterWindow.id == Application.window_id)
                .where(Application.id.in_(chunk))
            )
            for app, customer_name, window_no in session.execute(stmt):
                phone = app.contact_mobile or app.contact_phone
                rows.append(WarningRow(
                    application_id=app.id, number=app.number, customer_name=customer_name,
                    phone=privacy.show_phone(actor, phone, own_case=privacy.handles_case(actor, app)),
                    business_name=catalog.load().business_name(app.business_type),
                    stage_name=catalog.load().stage_name(app.current_stage), handler=app.current_handler,
                    window_no=window_no, green_channel=app.green_channel, green_manager=app.green_manager,
                    accepted_at=app.accepted_at, assessment=found[app.id],
                ))
    rows.sort(key=WarningRow.sort_key)
    return rows


def window_choices(db: Database) -> list[tuple[int, str]]:
    """(window id, “N号窗口”) for the filters of the warning and 容缺 lists."""
    with db.read() as session:
        return [(w.id, w.name or f"{w.number}号窗口") for w in hall.windows(session)]
