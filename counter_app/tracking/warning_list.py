"""Time-limit warnings: yellow once the hall's share of a limit is used (default 80 %), red when over.

Two limits are watched for every active application: the current stage (yellow and red) and the
whole process promised at acceptance (red once past); the worse of the two decides. The rule is
:mod:`counter_app.tracking.time_limits` (also the supervisors' 时限预警清单). Green-channel applications head
the list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from counter_app.hall import catalog, hall
from counter_app.hall import settings_admin as settings_service
from counter_app.hall.workdays import Deadline, WorkCalendar
from counter_app.infra import batched, clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.models import Application, CounterWindow, Customer, Hall, StageEvent
from counter_app.security import privacy
from counter_app.security.permissions import Perm, require
from counter_app.tracking.time_limits import (
    BASIS_LABELS,
    LEVEL_LABELS,
    RANK,
    Assessment,
    MemoCalendar,
    assess,
    worse,
)

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


def _active_statement(hall_id: int, window_id: int | None):
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
    return stmt


def _latest_open(rows):
    seen: dict[int, _Active] = {}
    for row in rows:
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
    hall_name: str = ""

    @property
    def level(self) -> str:
        return self.assessment.level

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]

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
        return (not self.green_channel, -RANK[a.level], -a.days_over, a.days_left, a.due.day, self.number)


def warning_list(db: Database, actor: Actor, *, level: str | None = None,
                 window_id: int | None = None, hall_id: int | None = None) -> list[WarningRow]:
    """Yellow and red applications, green channel first, then by urgency (most overdue first); of
    ``hall_id`` or of every hall the actor sees (a supervisor over several halls), each reckoned with
    its own hall's calendar and thresholds."""
    require(db, actor, Perm.VIEW_APPLICATION, target_type="warnings")
    today = clock.today()
    # no transaction on PostgreSQL, each hall's calendar read with its active applications: two
    # round trips (issue 20)
    with db.brief() as session:
        in_view = hall.view_halls(session, actor, hall_id)  # a hall's staff: no query
        groups = [[*hall.context_statements(one), _active_statement(one, window_id)] for one in in_view]
        answers = batched.read_all(session, [statement for group in groups for statement in group])
        found: dict[int, Assessment] = {}
        for n, one in enumerate(in_view):
            settings, overrides, active = answers[3 * n:3 * n + 3]
            hall.keep_context(session, one, settings, overrides)
            cal = MemoCalendar(hall.work_calendar(session, one))
            ratio = settings_service.yellow_ratio(session, one)
            for item in _latest_open(active):
                result = _evaluate(cal, item, today, ratio)
                if result and result.level != "green" and (level is None or result.level == level):
                    found[item.id] = result
        # the hall is named on each row when the list spans several
        hall_names = dict(session.execute(select(Hall.id, Hall.name)).all()) if len(in_view) > 1 else {}
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
                    hall_name=hall_names.get(app.hall_id, ""),
                ))
    rows.sort(key=WarningRow.sort_key)
    return rows


def window_choices(db: Database, actor: Actor | None = None) -> list[tuple[int, str]]:
    """(window id, “N号窗口”) of the actor's halls, for the filters of the warning and 容缺 lists
    (with the hall's code when there are several)."""
    with db.brief() as session:
        hall_ids = hall.visible_hall_ids(session, actor) if actor is not None else None
        shown = [w for w in hall.windows(session) if hall_ids is None or w.hall_id in hall_ids]
        several = len({w.hall_id for w in shown}) > 1  # then each name says its hall's code
        codes = dict(session.execute(select(Hall.id, Hall.code)).all()) if several else {}
        return [(w.id, (f"{codes.get(w.hall_id, '')} " if several else "") + (w.name or f"{w.number}号窗口"))
                for w in shown]
