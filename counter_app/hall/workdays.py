"""Working days from the official calendar (chinesecalendar, incl. 调休), the hall's overrides,
and a flagged fallback (weekends + overrides) for years the calendar does not cover."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import chinese_calendar


@dataclass(frozen=True)
class Deadline:
    day: dt.date
    estimated: bool  # True when any day counted lies in a year the official calendar does not know

    def label(self) -> str:
        return f"{self.day:%Y-%m-%d}" + ("（预估）" if self.estimated else "")


class WorkCalendar:
    """``overrides`` maps a date to True (workday) or False (holiday) and wins over the calendar.

    ``confirmed_years``: years the official calendar does not know yet but whose holidays and make-up
    days an admin has entered as overrides (e.g. from the State Council notice): not estimated."""

    def __init__(self, overrides: Mapping[dt.date, bool] | None = None,
                 confirmed_years: Iterable[int] = ()) -> None:
        self.overrides = dict(overrides or {})
        self.confirmed_years = frozenset(int(y) for y in confirmed_years)

    def day_kind(self, day: dt.date) -> tuple[bool, bool]:
        """(is_workday, estimated)."""
        if day in self.overrides:
            return self.overrides[day], False
        try:
            return chinese_calendar.is_workday(day), False
        except NotImplementedError:
            return day.weekday() < 5, day.year not in self.confirmed_years

    def is_workday(self, day: dt.date) -> bool:
        return self.day_kind(day)[0]

    def is_known_year(self, year: int) -> bool:
        if year in self.confirmed_years:
            return True
        try:
            chinese_calendar.is_workday(dt.date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def add_workdays(self, start: dt.date | dt.datetime, days: int) -> Deadline:
        """The date ``days`` working days after ``start`` (start itself not counted).

        With days == 0 the deadline is the start day itself."""
        day = start.date() if isinstance(start, dt.datetime) else start
        estimated = False
        counted = 0
        while counted < days:
            day += dt.timedelta(days=1)
            workday, guessed = self.day_kind(day)
            estimated = estimated or guessed
            if workday:
                counted += 1
        return Deadline(day, estimated)

    def workdays_between(self, start: dt.date, end: dt.date) -> tuple[int, bool]:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        count, estimated, day = 0, False, start
        while day < end:
            day += dt.timedelta(days=1)
            workday, guessed = self.day_kind(day)
            estimated = estimated or guessed
            count += workday
        return count, estimated
