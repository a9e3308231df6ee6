"""The range every date a person types or a file brings in must fall in.

Python's dates run from 0001-01-01 to 9999-12-31, and one day before or after those (a register's
"to" date plus one day, a deadline's working days) raised OverflowError as a traceback. No date of
this business lies outside a customer's lifetime and a certificate's validity: 1900 to 2199."""

from __future__ import annotations

import datetime as dt

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2199, 12, 31)


class DateOutOfRange(ValueError):
    """A date outside EARLIEST..LATEST; ``str(exc)`` is the Chinese message, ``labelled`` names the field."""

    def __init__(self, message: str, day) -> None:
        super().__init__(message)
        self.day = day

    def labelled(self, label: str) -> str:
        return problem(self.day, label) or str(self)


def problem(day: dt.date | dt.datetime | None, label: str = "日期") -> str | None:
    if day is None:
        return None
    value = day.date() if isinstance(day, dt.datetime) else day
    if EARLIEST <= value <= LATEST:
        return None
    return f"{label} {value.isoformat()} 超出可用范围（应在 {EARLIEST.isoformat()} 至 {LATEST.isoformat()} 之间）"


def checked(day, label: str = "日期"):
    """``day`` itself, or DateOutOfRange."""
    message = problem(day, label)
    if message:
        raise DateOutOfRange(message, day)
    return day
