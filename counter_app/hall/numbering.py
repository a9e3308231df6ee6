"""Readable numbers that are unique across all windows: hall code + date + serial.

The serial lives in ``number_counter`` and is incremented with UPDATE … RETURNING inside the saving
transaction: concurrent writers queue on the row lock, a rolled-back save gives its serial back, so
numbers are neither duplicated nor skipped."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from counter_app.models import NumberCounter


def next_serial(session: Session, prefix: str) -> int:
    """The next serial of ``prefix``: one upsert that creates the day's counter at 1 or increments
    it, holding the row lock until the transaction ends."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(NumberCounter).values(prefix=prefix, last=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[NumberCounter.prefix], set_={"last": NumberCounter.last + 1}
    ).returning(NumberCounter.last)
    return session.execute(stmt).scalar_one()


def application_number(session: Session, hall_code: str, day: dt.date) -> str:
    prefix = f"{hall_code}-{day:%Y%m%d}"
    return f"{prefix}-{next_serial(session, prefix):04d}"


def handover_number(session: Session, hall_code: str, window_no: int, day: dt.date) -> str:
    prefix = f"JJ-{hall_code}-{window_no:02d}-{day:%Y%m%d}"
    return f"{prefix}-{next_serial(session, prefix):02d}"
