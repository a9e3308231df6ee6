"""The time-limit rule (time_limits): the rule on its own cases, and its SQL form against its Python
form on the same applications, on SQLite and PostgreSQL (the ``db`` fixture runs both)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from counter_app.hall import hall as hall_mod
from counter_app.hall.workdays import WorkCalendar
from counter_app.infra import clock
from counter_app.models import Application, CalendarOverride
from counter_app.tracking import time_limits
from counter_app.tracking.time_limits import time_status
from tests.factories import make_accepted

# --- the time-limit rule --------------------------------------------------------------------------


@pytest.mark.parametrize(("started", "limit", "today", "level", "used"), [
    (dt.date(2026, 11, 23), 2, dt.date(2026, 11, 24), "green", 1),   # 1 of 2 used: 50 %
    (dt.date(2026, 11, 20), 2, dt.date(2026, 11, 24), "yellow", 2),  # Fri → Tue: 2 of 2 (weekend free)
    (dt.date(2026, 11, 13), 10, dt.date(2026, 11, 24), "green", 7),  # 70 %
    (dt.date(2026, 11, 12), 10, dt.date(2026, 11, 24), "yellow", 8),  # 80 %
    (dt.date(2026, 9, 29), 5, dt.date(2026, 10, 8), "green", 2),  # National Day: 9/30 and 10/8 count
])
def test_time_status_rule(started, limit, today, level, used):
    cal = WorkCalendar()
    due = cal.add_workdays(started, limit).day
    status = time_status(cal, started=started, limit_days=limit, stage_due=due, today=today)
    assert (status.level, status.used_days) == (level, used)


def test_time_status_is_red_past_either_due_date():
    cal = WorkCalendar()
    status = time_status(cal, started=dt.date(2026, 11, 16), limit_days=2, stage_due=dt.date(2026, 11, 18),
                         today=dt.date(2026, 11, 24))
    assert status.level == "red" and status.overdue_days == 4 and status.label == "红色超期"
    late = time_status(cal, started=dt.date(2026, 11, 23), limit_days=2, stage_due=dt.date(2026, 11, 25),
                       process_due=dt.date(2026, 11, 23), today=dt.date(2026, 11, 24))
    assert late.level == "red"


def test_yellow_threshold_rounding():
    assert time_limits.yellow_threshold(10, 0.7) == 7  # not 8 from 7.000000000000001
    assert time_limits.yellow_threshold(2, 0.8) == 2
    assert time_limits.yellow_threshold(1, 0.8) == 1
    assert time_limits.yellow_threshold(0, 0.8) is None


@pytest.mark.parametrize("today", [dt.datetime(2026, 10, 9, 9), dt.datetime(2026, 11, 24, 9, 30)])
def test_sql_and_python_agree_on_warning_levels(db, actors, today):
    """The warning register filters in SQL; the levels it shows come from time_status. Both must give
    the same answer for every start day, across weekends, the National Day holiday, 调休 and a
    hall override."""
    clock.freeze(today)
    try:
        c1 = actors["clerk1"]
        with db.write() as s:
            s.add(CalendarOverride(hall_id=c1.hall_id, day=dt.date(2026, 11, 20), is_workday=False,
                                   note="停电检修", created_at=today))
        with db.write() as s:
            cal = hall_mod.work_calendar(s, c1.hall_id)
            day = today.date() - dt.timedelta(days=30)
            while day <= today.date():
                # 装表接电 with and without 外线工程: the stage limit (and so yellow) differs, 3 or 12 days
                for bt, stage, external in (("lv_res_new", "survey", None), ("hv_new", "plan_reply", None),
                                            ("lv_res_new", "accept", None), ("lv_res_new", "connect", True),
                                            ("lv_res_new", "connect", False)):
                    start = dt.datetime.combine(day, dt.time(10))
                    app = make_accepted(s, window_id=c1.window_id, clerk_id=c1.user_id, business_type=bt,
                                        stage=stage, accepted_at=start - dt.timedelta(days=1), stage_started=start,
                                        stage_due=cal.add_workdays(start, 12).day if external else None,
                                        due=today.date() + dt.timedelta(days=30))
                    app.external_works = external
                day += dt.timedelta(days=1)
        with db.read() as s:
            limits = time_limits.stage_limits(s, c1.hall_id)
            sql = {}
            for level in ("red", "yellow"):
                cond = time_limits.warning_condition(level, today=today.date(), calendar=cal, limits=limits,
                                                   yellow_ratio=0.8)
                for app_id in s.scalars(select(Application.id).where(cond)):
                    assert app_id not in sql
                    sql[app_id] = level
            python = {}
            apps = list(s.scalars(select(Application)))
            for app in apps:
                status = time_limits.application_time_status(s, app, today.date())
                if status.level != "green":
                    python[app.id] = status.level
        assert sql == python
        assert set(python.values()) == {"red", "yellow"}
        assert len(apps) > 140
        # the same start day: yellow at 3 days without external works, still green with them
        by_kind = {(a.current_stage, a.external_works, a.stage_events[-1].started_at.date()): python.get(a.id, "green")
                   for a in apps if a.current_stage == "connect"}
        assert any(level == "yellow" and by_kind.get(("connect", True, day)) == "green"
                   for (_stage, external, day), level in by_kind.items() if external is False)
    finally:
        clock.freeze(None)


@pytest.mark.parametrize("today", [dt.date(2026, 11, d) for d in range(2, 13)])
def test_a_limit_by_its_due_date_and_by_its_length_agree(today):
    """The warning list judges a limit by its due date (``assess``), the registers by its length
    (``time_status``): for a stage whose due date is its start plus its limit, the same level."""
    cal = WorkCalendar()
    for limit in (0, 1, 2, 5, 10):
        due = cal.add_workdays(dt.date(2026, 11, 2), limit)
        by_due = time_limits.assess(cal, dt.date(2026, 11, 2), due, today, 0.8).level
        by_length = time_status(cal, started=dt.date(2026, 11, 2), limit_days=limit, stage_due=due.day,
                                today=today).level
        assert by_due == by_length, (limit, today)
