"""Counter PCs are registered at sign-in; on PostgreSQL each connection names hall, window and host."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from counter_app.infra import clock
from counter_app.hall import counter_pcs as counters
from counter_app.infra.context import this_pc
from counter_app.infra.db import Database
from counter_app.models import CounterPC
from tests.conftest import setup_hall


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch):
    from argon2 import PasswordHasher

    from counter_app.security import credentials as users

    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def test_register_pc_creates_then_refreshes_one_row(db, actors, frozen_now):
    clerk1, clerk2 = actors["clerk1"], actors["clerk2"]
    with db.write() as s:
        pc = counters.register_pc(s, clerk1, hostname="FZGL01-W1", app_version="0.1.0")
        first_id = pc.id
    clock.freeze(frozen_now + dt.timedelta(hours=2))
    # later another clerk signs in on the same PC, now placed at window 2
    with db.write() as s:
        pc = counters.register_pc(s, clerk2, hostname="FZGL01-W1", app_version="0.2.0")
    with db.read() as s:
        rows = s.query(CounterPC).all()
        assert len(rows) == 1 and rows[0].id == first_id == pc.id
        assert (rows[0].window_id, rows[0].last_user_id, rows[0].app_version) == (
            clerk2.window_id, clerk2.user_id, "0.2.0")
        assert rows[0].last_seen == frozen_now + dt.timedelta(hours=2)
        listed = counters.connected_counters(s)
    assert [(c.hostname, c.window_no, c.last_user) for c in listed] == [("FZGL01-W1", 2, "李芳")]
    expected_connected = None if db.engine.dialect.name == "sqlite" else False
    assert listed[0].connected is expected_connected


def test_register_pc_defaults_to_the_actors_pc(db, actors):
    with db.write() as s:
        pc = counters.register_pc(s, actors["clerk1"])
    assert pc.hostname == "test-pc" and pc.window_id == actors["clerk1"].window_id


def test_counter_app_name_is_what_postgresql_keeps():
    assert counters.counter_app_name("FZGL01", 3, "PC-07") == "counter_app/FZGL01/w3/PC-07"
    assert counters.counter_app_name("FZGL01", None, "PC-07") == "counter_app/FZGL01/PC-07"
    # non-ASCII host names (common on Windows) become "?" as PostgreSQL does; 63 bytes at most
    assert counters.counter_app_name("FZGL01", 1, "营业厅-1") == "counter_app/FZGL01/w1/???-1"
    assert len(counters.counter_app_name("FZGL01", 12, "h" * 100)) == 63
    assert counters.counter_app_name("FZGL01", 2).startswith("counter_app/FZGL01/w2/")


def _names_on_server(database: Database) -> set[str]:
    with database.engine.connect() as conn:
        return set(conn.execute(text(
            "SELECT application_name FROM pg_stat_activity WHERE datname = current_database()")).scalars())


@pytest.mark.pg
def test_pg_stat_activity_shows_hall_window_and_host(pg_url):
    name = counters.counter_app_name("FZGL01", 3)
    window_db = counters.open_for_counter(pg_url, "FZGL01", 3)
    try:
        with window_db.read() as s:
            own = s.scalar(text("SELECT current_setting('application_name')"))
            assert own == name == f"counter_app/FZGL01/w3/{this_pc()}"[:63]
            # seen from another connection, as a supervisor's screen (or psql) would
            observer = Database.from_url(pg_url)
            try:
                assert name in _names_on_server(observer)
            finally:
                observer.dispose()
    finally:
        window_db.dispose()


@pytest.mark.pg
def test_name_connections_renames_an_open_database_and_marks_the_pc_connected(pg_url):
    app_db = Database.from_url(pg_url)  # opened before sign-in: no hall/window yet
    try:
        clerk = setup_hall(app_db)["clerk2"]
        with app_db.read() as s:
            assert s.scalar(text("SELECT current_setting('application_name')")) == f"counter_app/{this_pc()}"[:63]
        name = counters.name_connections(app_db, "FZGL01", clerk.window_no)
        assert counters.name_connections(app_db, "FZGL01", clerk.window_no) == name  # idempotent
        with app_db.write() as s:
            assert s.scalar(text("SELECT current_setting('application_name')")) == name
            counters.register_pc(s, clerk, hostname=this_pc())
        with app_db.read() as s:
            listed = counters.connected_counters(s)
            assert [(c.hostname, c.window_no, c.connected) for c in listed] == [(this_pc(), 2, True)]
            assert name in counters.live_application_names(s)
    finally:
        app_db.dispose()


def test_name_connections_is_harmless_on_sqlite(sqlite_db):
    assert counters.name_connections(sqlite_db, "FZGL01", 1).startswith("counter_app/FZGL01/w1/")
    with sqlite_db.read() as s:
        assert counters.live_application_names(s) is None


def test_on_sign_in_registers_the_pc_and_names_the_connections(db, actors):
    clerk = actors["clerk1"]
    pc = counters.on_sign_in(db, clerk, "FZGL01")
    assert (pc.hostname, pc.window_id, pc.last_user_id) == ("test-pc", clerk.window_id, clerk.user_id)
    if db.engine.dialect.name == "postgresql":
        with db.read() as s:
            assert s.scalar(text("SELECT current_setting('application_name')")) == \
                counters.counter_app_name("FZGL01", clerk.window_no)
