"""Faults that used to end in a traceback (issue 14, item 7): each is one Chinese line on stderr, a
non-zero exit, no password, and nothing half-written."""

from __future__ import annotations

import os
import stat

import pytest

from counter_app import cli
from counter_app.infra import schema_upgrade as schema
from counter_app.infra.db import Database, hide_password
from tests import pg_databases
from tests.test_cli import assert_one_line_error, run, run_process

SECRET = "s3cr@t%w0rd"
ENCODED = "s3cr%40t%25w0rd"  # the same password as it must be written in a URL


def test_hide_password_masks_every_url_in_a_text():
    line = (f"无法连接 postgresql+psycopg://clerk:{ENCODED}@db:5432/hall 与 "
            f"postgresql://x:{SECRET}@h/db；sqlite:///C:/data/hall.sqlite3 不变")
    masked = hide_password(line)
    assert ENCODED not in masked and "s3cr" not in masked
    assert "postgresql+psycopg://clerk:***@db:5432/hall" in masked and "sqlite:///C:/data/hall.sqlite3" in masked


def test_migrations_get_the_connection_not_the_url():
    # Alembic's ini parser read "%40" as interpolation and the traceback printed the URL with it
    assert schema.alembic_config().get_main_option("sqlalchemy.url") is None


def test_malformed_url_is_shown_without_its_password():
    result = run_process("--db", f"postgresql+psycopg://clerk:{ENCODED}@db:notaport/hall", "db", "upgrade")
    assert_one_line_error(result.returncode, result.stderr, cli.EXIT_FAILED)
    assert "s3cr" not in result.stderr and "clerk:***@" in result.stderr


def test_unreachable_server_is_shown_without_the_password():
    result = run_process("--db", f"postgresql+psycopg://clerk:{ENCODED}@127.0.0.1:1/hall", "db", "upgrade")
    assert_one_line_error(result.returncode, result.stderr, cli.EXIT_DATABASE)
    assert "s3cr" not in result.stderr


def test_an_unforeseen_fault_is_one_line_without_the_password(capsys, monkeypatch, tmp_path):
    def broken(_engine):
        raise ValueError(f"invalid interpolation syntax in 'postgresql://u:{ENCODED}@h/db' at position 14")

    monkeypatch.setattr(schema, "upgrade", broken)
    code, _out, err = run(capsys, "--db", f"sqlite:///{tmp_path / 'x.sqlite3'}", "db", "upgrade")
    assert_one_line_error(code, err, cli.EXIT_FAILED)
    assert "s3cr" not in err and "u:***@h/db" in err


@pytest.mark.pg
def test_upgrade_with_a_percent_encoded_password(capsys):
    target, drop = pg_databases.create("counter_app_pw", password=SECRET)
    try:
        assert ENCODED in target
        code, out, err = run(capsys, "--db", target, "db", "upgrade")
        assert code == 0, err
        assert f"升级到 {schema.head_revision()}" in out
        assert "s3cr" not in out + err
    finally:
        drop()


# --- a read-only SQLite database is refused, and stays read-only -----------------------------------


def _make_hall_file(path) -> str:
    url = f"sqlite:///{path}"
    db = Database.from_url(url)
    schema.upgrade(db.engine)
    db.dispose()
    return url


def test_read_only_database_file_is_refused_not_made_writable(capsys, tmp_path):
    path = tmp_path / "hall.sqlite3"
    url = _make_hall_file(path)
    path.chmod(0o444)
    before = path.read_bytes()
    for argv in (["db", "upgrade"], ["db", "current"], ["exchange", "export", "-o", str(tmp_path / "x.json")]):
        code, _out, err = run(capsys, "--db", url, *argv)
        assert_one_line_error(code, err, cli.EXIT_FAILED)
        assert "只读" in err and str(path) in err
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert path.read_bytes() == before


def test_read_only_database_folder_is_refused(capsys, tmp_path):
    folder = tmp_path / "hall"
    folder.mkdir()
    url = _make_hall_file(folder / "hall.sqlite3")
    folder.chmod(0o555)
    try:
        code, _out, err = run(capsys, "--db", url, "db", "current")
        assert_one_line_error(code, err, cli.EXIT_FAILED)
        assert "文件夹" in err and "只读" in err
    finally:
        folder.chmod(0o755)


def test_group_readable_file_is_still_tightened_to_owner_only(tmp_path):
    path = tmp_path / "hall.sqlite3"
    _make_hall_file(path)
    path.chmod(0o664)
    Database.from_url(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_the_window_shows_the_read_only_message(tmp_path):
    from counter_app.infra.errors import UserError

    path = tmp_path / "hall.sqlite3"
    url = _make_hall_file(path)
    path.chmod(0o444)
    with pytest.raises(UserError, match="只读"):
        schema.connect(url)  # what the window's start-up calls and shows in a message box


def test_a_full_disk_on_postgresql_is_not_retried_and_says_so():
    """PostgreSQL reports disk_full (53100) as an OperationalError: not "the server is unreachable"."""
    from sqlalchemy.exc import OperationalError

    from counter_app.infra import db as db_module
    from counter_app.infra.errors import DatabaseUnavailable

    class DiskFull(Exception):
        sqlstate = "53100"

    exc = OperationalError("INSERT …", {}, DiskFull("could not extend file: No space left on device"))
    assert not db_module.is_transient(exc)
    with pytest.raises(DatabaseUnavailable, match="磁盘空间已满"), db_module._translate_errors():
        raise exc
