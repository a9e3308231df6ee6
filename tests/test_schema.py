"""Migrations produce exactly the models' schema; newer databases are refused; SQLite is backed up."""

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from counter_app.infra import schema_upgrade as schema
from counter_app.infra.db import make_engine
from counter_app.infra.errors import SchemaTooNew
from counter_app.models import Base


def test_migrations_match_models(db_url):
    engine = make_engine(db_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert diff == []


def test_database_is_at_head(db_url):
    engine = make_engine(db_url)
    assert schema.current_revision(engine) == schema.head_revision()
    assert not schema.needs_upgrade(engine)
    engine.dispose()


def test_newer_database_is_refused(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(SchemaTooNew, match="比本程序新"):
        schema.upgrade(engine)
    engine.dispose()


def test_sqlite_upgrade_backs_up_first(tmp_path, monkeypatch):
    path = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO number_counter(prefix, last) VALUES ('X', 7)"))
        # pretend the file is one revision behind: the upgrade must copy it before touching it
        conn.execute(text("DELETE FROM alembic_version"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('0001')"))
    monkeypatch.setattr(schema, "head_revision", lambda: "0002_pretend")
    monkeypatch.setattr(schema.command, "upgrade", lambda cfg, rev: None)
    before, _after, backup = schema.upgrade(engine)
    engine.dispose()
    assert before == "0001" and backup is not None and backup.exists()
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT last FROM number_counter WHERE prefix='X'").fetchone() == (7,)


def test_sqlite_pragmas(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    engine.dispose()
