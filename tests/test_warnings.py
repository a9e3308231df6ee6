"""Warnings: yellow exactly at the threshold, red once over; counts; list order (green channel first)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from counter_app.infra import clock
from counter_app.hall import settings_admin as settings_service
from counter_app.tracking import stages, time_limits as warnings
from counter_app.hall.workdays import WorkCalendar
from tests.factories import make_accepted_application

D = dt.date
T = dt.datetime
CAL = WorkCalendar()


@pytest.mark.parametrize("today, level, used, label", [
    (D(2026, 11, 5), None, 3, "剩余 2 个工作日"),   # 60 %
    (D(2026, 11, 6), "yellow", 4, "剩余 1 个工作日"),  # exactly 80 %
    (D(2026, 11, 8), "yellow", 4, "剩余 1 个工作日"),  # Sunday: nothing more used
    (D(2026, 11, 9), "yellow", 5, "今日到期"),  # the due day itself is not over
    (D(2026, 11, 10), "red", 6, "超期 1 个工作日"),
])
def test_thresholds_of_a_five_day_limit(today, level, used, label):
    due = CAL.add_workdays(D(2026, 11, 2), 5)
    assert due.day == D(2026, 11, 9)
    a = warnings.assess(CAL, D(2026, 11, 2), due, today, 0.8)
    assert (a.level, a.used_days, a.limit_days) == (level, used, 5)
    row = warnings.WarningRow(1, "N", "张三", "", "", "", "", 1, False, "", T(2026, 11, 2), a)
    assert row.remaining_label == label


def test_red_on_the_weekend_after_the_due_day():
    due = CAL.add_workdays(D(2026, 11, 2), 4)  # Friday 11/6
    a = warnings.assess(CAL, D(2026, 11, 2), due, D(2026, 11, 7), 0.8)
    assert a.level == "red" and a.days_over == 1


def test_threshold_without_float_rounding():
    # 0.7 × 10 is 7.000000000000001 in floating point: 7 of 10 days used must still be yellow
    due = CAL.add_workdays(D(2026, 11, 2), 10)
    seven = CAL.add_workdays(D(2026, 11, 2), 7).day
    six = CAL.add_workdays(D(2026, 11, 2), 6).day
    assert warnings.assess(CAL, D(2026, 11, 2), due, seven, 0.7).level == "yellow"
    assert warnings.assess(CAL, D(2026, 11, 2), due, six, 0.7).level is None


def test_spring_festival_days_are_not_used():
    # survey entered on the make-up Saturday 2/14, due 2/25 (2 working days); the holiday uses nothing
    due = CAL.add_workdays(D(2026, 2, 14), 2)
    assert due.day == D(2026, 2, 25)
    assert warnings.assess(CAL, D(2026, 2, 14), due, D(2026, 2, 20), 0.8).used_days == 0
    assert warnings.assess(CAL, D(2026, 2, 14), due, D(2026, 2, 23), 0.8).level is None
    assert warnings.assess(CAL, D(2026, 2, 14), due, D(2026, 2, 24), 0.8).level is None  # 50 %
    assert warnings.assess(CAL, D(2026, 2, 14), due, D(2026, 2, 25), 0.8).level == "yellow"


@pytest.fixture
def hall_with_cases(db, actors):
    """Today Tue 2026-11-24. red: accept overdue; yellow: due today (window 1 and green channel window 2)."""
    clock.freeze(T(2026, 11, 24, 10, 0))
    c1, c2 = actors["clerk1"], actors["clerk2"]
    with db.write() as s:
        red = make_accepted_application(s, window_id=c1.window_id, clerk_id=c1.user_id, accepted_at=T(2026, 11, 16, 9, 0))
        yellow = make_accepted_application(s, window_id=c1.window_id, clerk_id=c1.user_id,
                                           accepted_at=T(2026, 11, 23, 9, 0))
        green = make_accepted_application(s, window_id=c2.window_id, clerk_id=c2.user_id,
                                          accepted_at=T(2026, 11, 23, 11, 0), green_channel=True)
        fresh = make_accepted_application(s, window_id=c2.window_id, clerk_id=c2.user_id,
                                          accepted_at=T(2026, 11, 24, 9, 0))
        done = make_accepted_application(s, window_id=c2.window_id, clerk_id=c2.user_id,
                                         accepted_at=T(2026, 11, 10, 9, 0))
        done.status = "completed"
        ids = {"red": red.id, "yellow": yellow.id, "green": green.id, "fresh": fresh.id, "done": done.id}
    yield ids
    clock.freeze(None)


def test_counts_for_the_status_bar(db, actors, hall_with_cases):
    c1, c2 = actors["clerk1"], actors["clerk2"]
    with db.read() as s:
        assert warnings.counts(s, c1.hall_id) == (2, 1)
        assert warnings.counts(s, c1.hall_id, window_id=c1.window_id) == (1, 1)
        assert warnings.counts(s, c1.hall_id, window_id=c2.window_id) == (1, 0)


def test_list_green_channel_first_then_urgency(db, actors, hall_with_cases):
    rows = warnings.warning_list(db, actors["super1"])
    assert [r.application_id for r in rows] == [hall_with_cases[k] for k in ("green", "red", "yellow")]
    green, red, yellow = rows
    assert green.green_manager == "林经理" and green.level_label == "黄色预警"
    assert red.level_label == "红色超期" and red.remaining_label == "超期 5 个工作日"
    assert red.basis_label in ("环节时限", "全流程时限") and red.stage_name == "受理"
    assert yellow.remaining_label == "今日到期" and yellow.window_no == 1
    assert red.phone == "138****5678"  # supervisors see masked phones
    only_red = warnings.warning_list(db, actors["super1"], level="red")
    assert [r.application_id for r in only_red] == [hall_with_cases["red"]]
    window_two = warnings.warning_list(db, actors["super1"], window_id=actors["clerk2"].window_id)
    assert [r.application_id for r in window_two] == [hall_with_cases["green"]]


def test_threshold_from_hall_settings(db, actors, hall_with_cases):
    # GIVEN "fresh" moved to the survey (2 working days, due 11/26) and on 11/25 one day used: 50 %
    stages.advance(db, actors["back1"], hall_with_cases["fresh"], version=1, handler="勘查班",
                   at=T(2026, 11, 24, 9, 30))
    clock.freeze(T(2026, 11, 25, 10, 0))
    with db.read() as s:
        assert warnings.counts(s, actors["clerk1"].hall_id) == (0, 3)
    # WHEN the admin lowers the yellow threshold to 50 %
    settings_service.save(db, actors["admin1"], settings_service.SettingsUpdate(yellow_percent=50))
    # THEN the survey at exactly 50 % turns yellow
    with db.read() as s:
        assert warnings.counts(s, actors["clerk1"].hall_id) == (1, 3)


def test_whole_process_limit_can_be_the_worse_one(db, actors):
    # accepted Mon 11/16 (promised 11/23); survey 11/17, connect 11/19 due 11/24: stage yellow, whole red
    clock.freeze(T(2026, 11, 24, 10, 0))
    try:
        c1, back = actors["clerk1"], actors["back1"]
        with db.write() as s:
            app = make_accepted_application(s, window_id=c1.window_id, clerk_id=c1.user_id,
                                            accepted_at=T(2026, 11, 16, 9, 0))
        r = stages.advance(db, back, app.id, version=1, handler="勘查班", at=T(2026, 11, 17, 9, 0))
        r = stages.advance(db, back, app.id, version=r.version, handler="装表班", at=T(2026, 11, 19, 9, 0))
        assert r.due.day == D(2026, 11, 24)
        [row] = warnings.warning_list(db, back)
        assert row.level == "red" and row.basis_label == "全流程时限" and row.due_label == "2026-11-23"
    finally:
        clock.freeze(None)


def test_estimated_due_dates_are_labelled(db, actors):
    # a supply-plan reply entered 12/24 is due 10 working days later, in 2027: estimated
    clock.freeze(T(2027, 1, 5, 10, 0))
    try:
        c1, back = actors["clerk1"], actors["back1"]
        with db.write() as s:
            app = make_accepted_application(s, window_id=c1.window_id, clerk_id=c1.user_id,
                                            accepted_at=T(2026, 12, 21, 9, 0), business_type="hv_new")
        r = stages.advance(db, back, app.id, version=1, handler="勘查班", at=T(2026, 12, 22, 9, 0))
        r = stages.advance(db, back, app.id, version=r.version, handler="方案组", at=T(2026, 12, 24, 9, 0))
        assert r.due == stages.Deadline(D(2027, 1, 7), True)
        [row] = warnings.warning_list(db, c1)
        assert row.level == "yellow" and row.assessment.used_days == 8 and row.basis_label == "环节时限"
        assert row.due_label == "2027-01-07（预估）" and row.remaining_label == "剩余 2 个工作日"
    finally:
        clock.freeze(None)


def test_same_rule_as_the_supervisors_register(sqlite_db):
    """The status-bar counts and the 时限预警清单 (registers.time_status) never disagree: a grid of
    applications (stages of 0–10 days, holidays, moves) checked on every day of two months."""
    from counter_app.reporting import registers
    from counter_app.models import Application
    from tests.conftest import setup_hall

    actors = setup_hall(sqlite_db)
    c1, back = actors["clerk1"], actors["back1"]
    clock.freeze(T(2026, 9, 30, 18, 0))
    try:
        days = (D(2026, 9, 14), D(2026, 9, 18), D(2026, 9, 25), D(2026, 9, 29))
        with sqlite_db.write() as s:
            ids = [make_accepted_application(s, window_id=c1.window_id, clerk_id=c1.user_id,
                                             accepted_at=T(day.year, day.month, day.day, 9, i),
                                             business_type=bt).id
                   for i, day in enumerate(days) for bt in ("lv_res_new", "hv_new", "rename")]
        for app_id in ids[::2]:  # half of them moved on once
            with sqlite_db.read() as s:
                app = s.get(Application, app_id)
                v, start = app.version, app.accepted_at
            stages.advance(sqlite_db, back, app_id, version=v, handler="后台", at=start + dt.timedelta(days=1))
        day = D(2026, 9, 14)
        while day <= D(2026, 11, 13):
            clock.freeze(T(day.year, day.month, day.day, 12, 0))
            with sqlite_db.read() as s:
                theirs = {"yellow": 0, "red": 0}
                for app in s.scalars(select(Application).where(Application.accepted_at <= clock.now())):
                    level = registers.application_time_status(s, app).level
                    if level in theirs:
                        theirs[level] += 1
                assert warnings.counts(s, c1.hall_id) == (theirs["yellow"], theirs["red"]), day
            day += dt.timedelta(days=1)
    finally:
        clock.freeze(None)
