import datetime as dt

from counter_app.hall.workdays import WorkCalendar

D = dt.date


def test_spring_festival_2026_with_makeup_saturday():
    cal = WorkCalendar()
    # 2026 Spring Festival holiday 2/15–2/23; 2/14 (Sat) and 2/28 (Sat) are make-up workdays
    assert cal.is_workday(D(2026, 2, 14))
    assert not cal.is_workday(D(2026, 2, 16))
    deadline = cal.add_workdays(D(2026, 2, 13), 3)  # Fri → Sat 2/14 (1), 2/24 (2), 2/25 (3)
    assert deadline.day == D(2026, 2, 25)
    assert not deadline.estimated


def test_national_day_2026():
    cal = WorkCalendar()
    assert cal.is_workday(D(2026, 9, 20))  # make-up Sunday
    assert cal.add_workdays(D(2026, 9, 30), 1).day == D(2026, 10, 8)


def test_unknown_year_is_estimated_not_silently_wrong():
    cal = WorkCalendar()
    deadline = cal.add_workdays(D(2026, 12, 30), 3)
    assert deadline.estimated
    assert deadline.day.year == 2027
    assert "预估" in deadline.label()
    assert not cal.add_workdays(D(2026, 12, 1), 3).estimated


def test_overrides_win():
    cal = WorkCalendar({D(2026, 11, 25): False, D(2026, 11, 28): True})
    assert cal.add_workdays(D(2026, 11, 24), 3).day == D(2026, 11, 28)
