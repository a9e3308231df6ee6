"""Working days of a date range, looked up once from ``WorkCalendar`` and then answered by index.

The demo computes hundreds of thousands of deadlines; asking chinesecalendar day by day each time
would dominate the run. ``WorkdayTable.add`` gives exactly what ``WorkCalendar.add_workdays`` gives
(same day, same ``estimated`` flag) for dates inside the table, and falls back to it outside."""

from __future__ import annotations

import bisect
import datetime as dt

from counter_app.hall.workdays import WorkCalendar


class WorkdayTable:
    def __init__(self, calendar: WorkCalendar, first: dt.date, last: dt.date) -> None:
        self.calendar = calendar
        self.first = first
        self.last = last
        self.days: list[dt.date] = []  # the working days, ascending
        self.index: dict[dt.date, int] = {}
        span = (last - first).days + 1
        # guessed[i] = number of days in [first, first + i) that lie in a year the calendar lacks
        self._guessed = [0] * (span + 1)
        for offset in range(span):
            day = first + dt.timedelta(days=offset)
            workday, guessed = calendar.day_kind(day)
            self._guessed[offset + 1] = self._guessed[offset] + guessed
            if workday:
                self.index[day] = len(self.days)
                self.days.append(day)

    def contains(self, day: dt.date) -> bool:
        return self.first <= day <= self.last

    def count_upto(self, day: dt.date) -> int:
        """Number of working days in the table on or before ``day``."""
        return bisect.bisect_right(self.days, day)

    def estimated_between(self, start: dt.date, end: dt.date) -> bool:
        """True when a day in (start, end] lies in a year the official calendar does not know."""
        lo = (start - self.first).days + 1
        hi = (end - self.first).days + 1
        return self._guessed[hi] - self._guessed[lo] > 0

    def add(self, start: dt.date, days: int) -> tuple[dt.date, bool]:
        """``days`` working days after ``start`` (as WorkCalendar.add_workdays): (day, estimated)."""
        if days <= 0:
            return start, False
        pos = self.count_upto(start) + days - 1
        if not self.contains(start) or pos >= len(self.days):
            deadline = self.calendar.add_workdays(start, days)
            return deadline.day, deadline.estimated
        end = self.days[pos]
        return end, self.estimated_between(start, end)
