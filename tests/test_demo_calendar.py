"""The demo's precomputed working-day table answers exactly as WorkCalendar does."""

import datetime as dt

import pytest

from counter_app.demo.workday_table import WorkdayTable
from counter_app.hall.workdays import WorkCalendar


@pytest.mark.parametrize("overrides", [{}, {dt.date(2026, 12, 31): False, dt.date(2027, 2, 6): True}])
def test_table_matches_work_calendar_incl_unknown_year(overrides):
    calendar = WorkCalendar(overrides)
    table = WorkdayTable(calendar, dt.date(2026, 9, 1), dt.date(2027, 3, 31))
    start = dt.date(2026, 9, 1)
    seen_estimated = False
    for offset in range(0, 170, 3):
        day = start + dt.timedelta(days=offset)
        for days in (0, 1, 3, 10, 22, 32):
            expected = calendar.add_workdays(day, days)
            assert table.add(day, days) == (expected.day, expected.estimated), (day, days)
            seen_estimated |= expected.estimated
    assert seen_estimated  # 2027 is not in chinesecalendar 1.11: deadlines there are flagged


def test_outside_the_table_falls_back_to_the_calendar():
    calendar = WorkCalendar()
    table = WorkdayTable(calendar, dt.date(2026, 10, 1), dt.date(2026, 10, 20))
    for day in (dt.date(2026, 9, 25), dt.date(2026, 10, 15)):
        expected = calendar.add_workdays(day, 10)
        assert table.add(day, 10) == (expected.day, expected.estimated)
    # National Day week with its make-up workdays
    assert table.add(dt.date(2026, 9, 30), 1)[0] == calendar.add_workdays(dt.date(2026, 9, 30), 1).day
