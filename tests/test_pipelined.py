"""infra.pipelined and infra.batched keep what a unit of work means while they save round trips:
what a pipelined unit writes is committed together or not at all, a unique-key clash still reaches
the caller as an IntegrityError (saving's retry relies on it), a stale version as a StaleDataError,
and batched reads return the rows and types the plain statements would. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from counter_app.infra import batched, pipelined
from counter_app.models import Application, AuditEntry, HallSetting, NumberCounter, User
from counter_app.infra.db import Database
from tests.conftest import setup_hall
from tests.factories import make_case


def _audit(at: dt.datetime, action: str) -> AuditEntry:
    return AuditEntry(at=at, user_id=None, username="t", window_no=None, pc="", action=action, target_type="",
                      target_id="", outcome="ok", detail="")


def _count(db, action: str) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def test_a_unit_commits_its_writes_together(db, frozen_now):
    def work(session):
        with pipelined.unit(session):
            reserve = {AuditEntry: 2}
            pipelined.keep_ids(session, reserve, batched.read_all(session, pipelined.reserve_ids(session, reserve)))
            session.add_all([_audit(frozen_now, "together"), _audit(frozen_now, "together")])
            session.flush()
            assert session.scalar(select(func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.action == "together")) == 2  # visible inside the unit

    db.run_write(work)
    assert _count(db, "together") == 2


def test_a_failing_unit_leaves_nothing_and_says_integrity_error(db, frozen_now):
    with db.write() as session:
        session.add(NumberCounter(prefix="X", last=1))

    def work(session):
        with pipelined.unit(session):
            session.add(_audit(frozen_now, "lost"))
            session.flush()
            session.add(NumberCounter(prefix="X", last=2))  # the same key: refused at the wait

    with pytest.raises(IntegrityError):
        with db.write() as session:
            work(session)
    assert _count(db, "lost") == 0
    db.run_write(lambda s: s.add(_audit(frozen_now, "after")))  # the connection is usable again
    assert _count(db, "after") == 1


@pytest.mark.pg
def test_a_stale_update_is_reported(pg_url, frozen_now):
    """PostgreSQL only: on SQLite the colleague's write waits for this unit (BEGIN IMMEDIATE)."""
    db = Database.from_url(pg_url)
    clerk = setup_hall(db)["clerk1"]
    with db.write() as session:
        app_id = make_case(session, window_id=clerk.window_id, clerk_id=clerk.user_id).id

    def work(session):
        with pipelined.unit(session):
            mine = session.get(Application, app_id)
            with db.write() as other:  # a colleague's save, committed meanwhile
                other.get(Application, app_id).remarks = "同事的修改"
            mine.remarks = "过期的修改"
            session.flush()

    with pytest.raises(StaleDataError):
        with db.write() as session:
            work(session)
    with db.read() as session:
        assert session.get(Application, app_id).remarks == "同事的修改"
    db.dispose()


def test_read_all_returns_the_rows_and_types_of_the_statements(db, actors, frozen_now):
    clerk = actors["clerk1"]
    with db.write() as session:
        make_case(session, window_id=clerk.window_id, clerk_id=clerk.user_id)
        session.add(HallSetting(hall_id=clerk.hall_id, key="x_ratio", value={"a": 0.5, "b": [1, 2]},
                                updated_at=frozen_now))
    statements = [
        select(Application.id, Application.accepted_at, Application.applied_capacity, Application.stage_due_date,
               Application.green_channel).order_by(Application.id),
        select(HallSetting.value).where(HallSetting.key == "x_ratio"),
        select(Application.id).where(Application.id < 0),
        select(User.name, User.role).order_by(User.role.desc(), User.name),  # several rows, in this order
    ]
    with db.brief() as session:
        plain = [list(map(tuple, session.execute(s).all())) for s in statements]
        combined = [list(map(tuple, rows)) for rows in batched.read_all(session, statements)]
        each = [list(map(tuple, rows)) for rows in batched.read_each(session, statements)]
    assert combined == plain == each
    assert isinstance(combined[0][0][1], dt.datetime) and isinstance(combined[0][0][2], Decimal)
    assert combined[1] == [({"a": 0.5, "b": [1, 2]},)]
