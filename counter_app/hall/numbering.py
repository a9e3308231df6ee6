"""Readable numbers that are unique across all windows: hall code + date + serial.

The serial lives in ``number_counter`` and is incremented with UPDATE … RETURNING inside the saving
transaction: concurrent writers queue on the row lock, a rolled-back save gives its serial back, so
numbers are neither duplicated nor skipped."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from counter_app.models import Hall, NumberCounter


def next_serial(session: Session, prefix: str) -> int:
    """The next serial of ``prefix``: one upsert that creates the day's counter at 1 or increments
    it, holding the row lock until the transaction ends."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return session.execute(_upsert(insert(NumberCounter).values(prefix=prefix, last=1))).scalar_one()


def _upsert(stmt):
    return stmt.on_conflict_do_update(
        index_elements=[NumberCounter.prefix], set_={"last": NumberCounter.last + 1}
    ).returning(NumberCounter.last, NumberCounter.prefix)


def application_prefix(hall_code, day: dt.date):
    """The day's prefix of a hall's application numbers; ``hall_code`` a value or a column."""
    return hall_code + f"-{day:%Y%m%d}"


def application_number(session: Session, hall_code: str, day: dt.date) -> str:
    prefix = application_prefix(hall_code, day)
    return application_number_of(prefix, next_serial(session, prefix))


def application_number_of(prefix: str, serial: int) -> str:
    return f"{prefix}-{serial:04d}"


def draw_application_number(session: Session, hall_id: int, day: dt.date, *, unless):
    """The upsert drawing the next serial of a hall's day, with the prefix from the hall's row, drawing
    nothing when ``unless`` (an EXISTS) holds: a save sends it with its reads (``pipelined.queue``)
    and makes the number with ``application_number_of`` from the (serial, prefix) it returns."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    rows = select(application_prefix(Hall.code, day), literal(1)).where(Hall.id == hall_id, ~unless)
    return _upsert(insert(NumberCounter).from_select(["prefix", "last"], rows))


def handover_number(session: Session, hall_code: str, window_no: int, day: dt.date) -> str:
    prefix = f"JJ-{hall_code}-{window_no:02d}-{day:%Y%m%d}"
    return f"{prefix}-{next_serial(session, prefix):02d}"
