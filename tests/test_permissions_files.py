"""The SQLite file (and its WAL and backups) hold personal data: owner-only on POSIX systems."""

import os
import stat

import pytest
from sqlalchemy import text

from counter_app.infra import schema_upgrade as schema
from counter_app.infra.db import Database, make_engine

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_new_sqlite_file_is_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        path = tmp_path / "new.sqlite3"
        db = Database.from_url(f"sqlite:///{path}")
        schema.upgrade(db.engine)
        with db.write() as s:
            s.execute(text("INSERT INTO number_counter(prefix, last) VALUES ('A', 1)"))
            wal = path.with_name(path.name + "-wal")
            assert wal.exists() and _mode(wal) == 0o600
        db.dispose()
    finally:
        os.umask(old)
    assert _mode(path) == 0o600


def test_existing_world_readable_file_is_tightened(tmp_path):
    path = tmp_path / "old.sqlite3"
    path.touch()
    path.chmod(0o644)
    make_engine(f"sqlite:///{path}").dispose()
    assert _mode(path) == 0o600


def test_backup_before_upgrade_is_owner_only(tmp_path, monkeypatch):
    path = tmp_path / "hall.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    monkeypatch.setattr(schema, "head_revision", lambda: "9999_pretend")
    monkeypatch.setattr(schema.command, "upgrade", lambda cfg, rev: None)
    _before, _after, backup = schema.upgrade(engine)
    engine.dispose()
    assert backup is not None and _mode(backup) == 0o600
