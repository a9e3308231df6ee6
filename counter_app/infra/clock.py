"""The app's notion of "now": one place to freeze it so tests and documents compare exactly."""

from __future__ import annotations

import datetime as dt

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """Local wall-clock time without tz (the hall works in one time zone), to the second."""
    if _frozen is not None:
        return _frozen
    return dt.datetime.now().replace(microsecond=0)


def today() -> dt.date:
    return now().date()


def freeze(moment: dt.datetime | None) -> None:
    """Freeze ``now()`` at ``moment`` (``None`` unfreezes)."""
    global _frozen
    _frozen = moment
