"""The time-limit rule (时限预警), the one copy every page, register and count uses.

An application in progress is
- red (超期) once today is past the due date of its current stage or of the whole process promised
  at acceptance;
- yellow once the working days used since the stage started reach the hall's share
  ``warning_yellow_ratio`` (default 80 %) of the stage limit: :func:`yellow_threshold` days;
- green otherwise.
Working days are those of the hall's calendar (holidays, 调休, the hall's own overrides).

The whole-process promise and the stage limits it is made of also live here: :func:`promised_days`
(the customer's promise: the dual-supply one for important loads; the 外线工程 one once the survey
found external works needed, 获得电力 2025) and :func:`stage_days` (a stage's limit, longer with
external works), so the acceptance, the stage moves, the progress projection, the documents and the
registers all show the same date.

:func:`level` is the rule; :func:`time_status` applies it to one application (the registers),
:func:`assess` to one limit given by its due date (the warning list and the status bar);
:func:`warning_condition` is the same rule as SQL, so registers filter and page in the database
(tests/test_time_limits.py runs both forms on the same cases, on SQLite and PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from counter_app.hall import catalog as catalog_mod
from counter_app.hall import hall as hall_mod
from counter_app.hall.workdays import Deadline, WorkCalendar
from counter_app.infra import clock
from counter_app.models import Application, StageEvent

LEVEL_LABELS = {"red": "红色超期", "yellow": "黄色预警", "green": "正常"}
BASIS_LABELS = {"stage": "环节时限", "whole": "全流程时限"}
RANK = {"red": 2, "yellow": 1, "green": 0}


def yellow_threshold(limit_days: int, ratio: float) -> int | None:
    """Working days used from which a stage is yellow (None: a stage of 0 days only turns red).
    Exact decimal arithmetic: 70 % of 10 days is 7 days, not 8 from 7.000000000000001."""
    if limit_days <= 0:
        return None
    return max(1, math.ceil(Fraction(str(ratio)) * limit_days))


def level(used_days: int, limit_days: int | None, ratio: float, *, past_due: bool) -> str:
    """red | yellow | green: the rule itself."""
    if past_due:
        return "red"
    threshold = yellow_threshold(limit_days or 0, ratio)
    return "yellow" if threshold is not None and used_days >= threshold else "green"


def promised_days(bt: catalog_mod.BusinessType, *, important: bool, external_works: bool | None) -> int:
    """Working days of the whole-process promise. Before the survey (``external_works`` None) and
    without external works it is the ordinary one; with them, the 外线工程 promise (never shorter)."""
    base = bt.total_limit_for(important)
    if external_works and bt.total_limit_external:
        return max(base, bt.total_limit_external)
    return base


def stage_days(bt: catalog_mod.BusinessType, stage: str, days: int, external_works: bool | None) -> int:
    """A stage's limit (``days``: the hall's limit for it) when external works are (not) needed."""
    extra = bt.external_days(stage) if external_works else None
    return max(days, extra) if extra is not None else days


def promised_deadline(calendar: WorkCalendar, application: Application) -> Deadline:
    """The whole-process due date of ``application``: :func:`promised_days` after its acceptance."""
    bt = catalog_mod.load().business_type(application.business_type)
    days = promised_days(bt, important=catalog_mod.is_important(application.load_importance),
                         external_works=application.external_works)
    return calendar.add_workdays(application.accepted_at, days)


class MemoCalendar(WorkCalendar):
    """A hall calendar that counts each (start, end) span once: the rows of a register or of the
    warning list share few start and due dates, and counting day by day over a year per row is slow."""

    def __init__(self, calendar: WorkCalendar) -> None:
        super().__init__(calendar.overrides, calendar.confirmed_years)
        self._spans: dict[tuple[dt.date, dt.date], tuple[int, bool]] = {}

    def workdays_between(self, start: dt.date, end: dt.date) -> tuple[int, bool]:
        key = (start, end)
        if key not in self._spans:
            self._spans[key] = super().workdays_between(start, end)
        return self._spans[key]


# --- one application: the registers ---------------------------------------------------------------


@dataclass(frozen=True)
class TimeStatus:
    level: str  # green | yellow | red
    used_days: int  # working days since the stage started (start day not counted)
    limit_days: int | None
    stage_due: dt.date | None
    overdue_days: int  # working days past the earlier-passed due date (0 unless red)
    estimated: bool  # counted over a year the official calendar does not know

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self.level]


def time_status(
    calendar: WorkCalendar,
    *,
    started: dt.date | dt.datetime,
    limit_days: int | None,
    stage_due: dt.date | None,
    today: dt.date,
    process_due: dt.date | None = None,
    yellow_ratio: float = 0.8,
) -> TimeStatus:
    """The rule for an application in progress whose stage started on ``started``."""
    start_day = started.date() if isinstance(started, dt.datetime) else started
    used, estimated = calendar.workdays_between(start_day, today)
    passed = [d for d in (stage_due, process_due) if d is not None and today > d]
    over = 0
    if passed:
        over, est2 = calendar.workdays_between(min(passed), today)
        estimated = estimated or est2
    return TimeStatus(level(used, limit_days, yellow_ratio, past_due=bool(passed)), used, limit_days, stage_due,
                      over, estimated)


def application_time_status(session: Session, application: Application,
                            today: dt.date | None = None) -> TimeStatus:
    """:func:`time_status` for one application, with the hall's calendar, limits and ratio."""

    today = today or clock.today()
    limit = None
    if _known_stage(application):
        limit = stage_days(catalog_mod.load().business_type(application.business_type), application.current_stage,
                           hall_mod.stage_limit(session, application.hall_id, application.business_type,
                                                application.current_stage), application.external_works)
    started = next((e.started_at for e in reversed(application.stage_events) if e.ended_at is None),
                   application.accepted_at)
    return time_status(
        hall_mod.work_calendar(session, application.hall_id), started=started, limit_days=limit,
        stage_due=application.stage_due_date, process_due=application.due_date, today=today,
        yellow_ratio=float(hall_mod.get_setting(session, "warning_yellow_ratio", application.hall_id)),
    )


def _known_stage(application: Application) -> bool:
    bt = catalog_mod.load().business_types.get(application.business_type)
    return bt is not None and any(s.code == application.current_stage for s in bt.stages)


def stage_limits(session: Session, hall_id: int) -> dict[tuple[str, str], int]:
    """Effective working-day limit per (business type, stage): catalog defaults + hall overrides."""
    limits = {}
    overrides = hall_mod.get_setting(session, "stage_limits", hall_id) or {}
    for code, bt in catalog_mod.load().business_types.items():
        for stage in bt.stages:
            value = overrides.get(code, {}).get(stage.code)
            limits[(code, stage.code)] = int(value) if value is not None else stage.limit_days
    return limits


# --- one limit given by its due date: the warning list and the status bar ------------------------


@dataclass(frozen=True)
class Assessment:
    level: str  # green | yellow | red
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
    """:func:`level` for a limit running from ``start`` to ``due`` (its length in working days)."""
    limit, _ = cal.workdays_between(start, due.day)
    if today > due.day:
        over, _ = cal.workdays_between(due.day, today)
        return Assessment("red", basis, limit, limit + over, due, 0, max(over, 1))
    used, _ = cal.workdays_between(start, today)
    left, _ = cal.workdays_between(today, due.day)
    return Assessment(level(used, limit, yellow_ratio, past_due=False), basis, limit, used, due, left, 0)


def worse(a: Assessment, b: Assessment | None) -> Assessment:
    if b is None:
        return a
    if RANK[b.level] != RANK[a.level]:
        return a if RANK[a.level] > RANK[b.level] else b
    # same level: the one closer to (or further past) its due date
    return a if (a.days_over, -a.days_left) >= (b.days_over, -b.days_left) else b


# --- the same rule as SQL --------------------------------------------------------------------------


def kth_workday_back(calendar: WorkCalendar, today: dt.date, k: int) -> dt.date:
    """The k-th working day counting back from ``today`` (today counts when it is a working day)."""
    day, seen = today, 0
    while True:
        if calendar.is_workday(day):
            seen += 1
            if seen == k:
                return day
        day -= dt.timedelta(days=1)


def stage_started_expr():
    """When the current stage began: the open stage event, else the acceptance time."""
    opened = (
        select(func.max(StageEvent.started_at))
        .where(StageEvent.application_id == Application.id, StageEvent.ended_at.is_(None))
        .correlate(Application)
        .scalar_subquery()
    )
    return func.coalesce(opened, Application.accepted_at)


def overdue_condition(today: dt.date):
    """In progress and past the stage or whole-process due date (= red)."""
    return and_(
        Application.status == "active",
        or_(Application.stage_due_date < today, Application.due_date < today),
    )


@dataclass(frozen=True)
class HallRule:
    """What the rule reckons with in one hall: its calendar, its stage limits and its yellow share."""

    calendar: WorkCalendar
    limits: dict[tuple[str, str], int]
    yellow_ratio: float


def warning_condition(level_name: str, *, today: dt.date, calendar: WorkCalendar,
                      limits: dict[tuple[str, str], int], yellow_ratio: float):
    """SQL for ``time_status(...).level == level_name`` over Application rows (active ones only) of
    one hall; ``"warning"``: yellow or red."""
    return halls_warning_condition(level_name, today=today, rules={None: HallRule(calendar, limits, yellow_ratio)})


def halls_warning_condition(level_name: str, *, today: dt.date, rules: dict[int | None, HallRule]):
    """:func:`warning_condition` over the applications of several halls, each reckoned with its own
    hall's rule (``rules``: hall id -> rule, covering every hall the caller's statement selects; the
    key None: one hall, no hall condition).

    used >= k  ⇔  the stage started before the k-th working day counting back from today. A cut-off
    shared by every hall in ``rules`` (the usual case: one official calendar, the catalog's limits)
    is one branch without a hall condition; one that only some halls have names them."""
    red = overdue_condition(today)
    if level_name == "red":
        return red
    halls_of: dict[tuple, list] = {}
    reckoned: dict[tuple, set] = {}  # halls alike (one calendar object, the same limits) reckoned once
    for hall_id, rule in rules.items():
        alike = (id(rule.calendar), tuple(sorted(rule.limits.items())), rule.yellow_ratio)
        if alike not in reckoned:
            reckoned[alike] = _yellow_branches(today, rule)
        for branch in reckoned[alike]:
            halls_of.setdefault(branch, []).append(hall_id)
    started = stage_started_expr()
    kind = {"any": true(), "external": Application.external_works.is_(True),
            "plain": or_(Application.external_works.is_(None), Application.external_works.is_(False))}
    branches = []
    for (stage, which, cutoff, codes), halls in sorted(halls_of.items(), key=lambda item: item[0]):
        condition = [Application.current_stage == stage, Application.business_type.in_(codes), kind[which],
                     started < dt.datetime.combine(cutoff, dt.time())]
        if len(halls) < len(rules):
            condition.insert(0, Application.hall_id.in_(sorted(halls)))
        branches.append(and_(*condition))
    yellow = and_(Application.status == "active", ~red, or_(*branches) if branches else false())
    if level_name == "yellow":
        return yellow
    if level_name == "warning":
        return or_(red, yellow)
    raise ValueError(level_name)


def _yellow_branches(today: dt.date, rule: HallRule) -> set[tuple[str, str, dt.date, tuple[str, ...]]]:
    """(stage, which, cut-off day, business types) of one hall: its applications in that stage and of
    those types that started it before the cut-off day are yellow (or red). ``which``: "any", or
    "plain"/"external" for a stage whose limit grows with external works (the two kinds of
    application get their own threshold)."""
    groups: dict[tuple[str, int, str], list[str]] = {}
    types = catalog_mod.load().business_types
    for (business_type, stage), limit in rule.limits.items():
        bt = types.get(business_type)
        longer = stage_days(bt, stage, limit, True) if bt is not None else limit
        for which, days in ((("any", limit),) if longer == limit else (("plain", limit), ("external", longer))):
            k = yellow_threshold(days, rule.yellow_ratio)
            if k is not None:
                groups.setdefault((stage, k, which), []).append(business_type)
    cutoffs: dict[int, dt.date] = {}
    out = set()
    for (stage, k, which), codes in groups.items():
        if k not in cutoffs:
            cutoffs[k] = kth_workday_back(rule.calendar, today, k)
        out.add((stage, which, cutoffs[k], tuple(sorted(codes))))
    return out
