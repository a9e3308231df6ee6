"""The command line: db upgrade/current, user add, demo; every failure is one line and a non-zero exit."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from counter_app import cli
from counter_app.infra import schema_upgrade as schema
from counter_app.infra.db import Database
from counter_app.models import Application, User
from counter_app.security import credentials as users

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fresh_sqlite(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'hall.sqlite3'}"


def run(capsys, *argv: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err: str, expected_code: int | None = None) -> None:
    assert code != 0
    if expected_code is not None:
        assert code == expected_code
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def run_process(*argv: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("COUNTER_APP_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "counter_app", *argv], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120, check=False)


# --- db -------------------------------------------------------------------------------------------


def test_db_upgrade_then_current(capsys, fresh_sqlite):
    code, out, _err = run(capsys, "--db", fresh_sqlite, "db", "upgrade")
    assert code == 0 and f"升级到 {schema.head_revision()}" in out
    code, out, _err = run(capsys, "--db", fresh_sqlite, "db", "upgrade")
    assert code == 0 and "已是最新版本" in out
    code, out, _err = run(capsys, "--db", fresh_sqlite, "db", "current")
    assert code == 0 and out.strip() == f"{schema.head_revision()}（最新）"


def test_db_current_of_an_empty_database_says_so(capsys, fresh_sqlite):
    code, out, _err = run(capsys, "--db", fresh_sqlite, "db", "current")
    assert code == 0 and "空库" in out


@pytest.mark.pg
def test_db_commands_on_postgresql(capsys, pg_url):
    code, out, _err = run(capsys, "--db", pg_url, "db", "upgrade")
    assert code == 0 and "已是最新版本" in out
    code, out, _err = run(capsys, "--db", pg_url, "db", "current")
    assert code == 0 and "最新" in out


# --- user add -------------------------------------------------------------------------------------


def test_user_add_with_password_from_stdin(capsys, monkeypatch, fresh_sqlite):
    code, out, err = run(capsys, "--db", fresh_sqlite, "user", "add", "wangfang", "--role", "supervisor",
                         "--name", "王芳", "--password-stdin", stdin="Banzhang2026\n", monkeypatch=monkeypatch)
    assert code == 0, err
    assert "已创建用户 wangfang（王芳，班长/主任）" in out
    db = Database.from_url(fresh_sqlite)
    with db.write() as s:
        user = users.authenticate(s, "wangfang", "Banzhang2026")
        assert (user.role, user.must_change_password) == ("supervisor", True)
    db.dispose()


@pytest.mark.parametrize("password, message", [
    ("short1", "至少需要8位"), ("onlyletters", "字母和数字"), ("xiaoli2026", "不能包含用户名"),
])
def test_user_add_refuses_a_weak_password(capsys, monkeypatch, fresh_sqlite, password, message):
    code, _out, err = run(capsys, "--db", fresh_sqlite, "user", "add", "xiaoli", "--role", "clerk", "--name", "小李",
                          "--password-stdin", stdin=password + "\n", monkeypatch=monkeypatch)
    assert_one_line_error(code, err, cli.EXIT_FAILED)
    assert message in err
    db = Database.from_url(fresh_sqlite)
    with db.read() as s:  # the schema may exist, the user must not
        exists = schema.current_revision(db.engine) and s.scalar(select(func.count()).select_from(User))
    assert not exists
    db.dispose()


def test_user_add_twice_is_refused(capsys, monkeypatch, fresh_sqlite):
    args = ("--db", fresh_sqlite, "user", "add", "zhang3", "--role", "admin", "--name", "张三", "--password-stdin")
    assert run(capsys, *args, stdin="Zhangsan2026\n", monkeypatch=monkeypatch)[0] == 0
    monkeypatch.setenv("COUNTER_APP_PASSWORD", "Zhangsan2026")  # from now on an admin must sign in
    code, _out, err = run(capsys, "--user", "zhang3", *args, stdin="Zhangsan2026\n", monkeypatch=monkeypatch)
    assert_one_line_error(code, err)
    assert "已存在" in err


# --- demo -----------------------------------------------------------------------------------------


def test_demo_prints_what_it_created(capsys, fresh_sqlite):
    code, out, err = run(capsys, "--db", fresh_sqlite, "demo", "--applications", "120", "--seed", "4",
                         "--today", "2026-11-24", "--password", "Yanshi2026")
    assert code == 0, err
    for expected in ("营业厅 FZGL01", "申请（application）：120", "按业务类型：", "低压居民新装：", "办理中申请按当前环节：",
                     "clerk1", "super1", "admin1", "Yanshi2026", "当前时刻 2026-11-24 16:30"):
        assert expected in out, expected
    db = Database.from_url(fresh_sqlite)
    with db.write() as s:
        assert s.scalar(select(func.count()).select_from(Application)) == 120
        assert users.authenticate(s, "clerk1", "Yanshi2026").must_change_password is False
    db.dispose()


@pytest.mark.pg
def test_demo_on_postgresql(capsys, pg_url):
    code, out, err = run(capsys, "--db", pg_url, "demo", "--applications", "90", "--today", "2026-11-24")
    assert code == 0, err
    assert "申请（application）：90" in out


@pytest.mark.parametrize("argv, fragment", [
    (["demo"], "--applications"),
    (["demo", "--applications", "abc"], "不是整数"),
    (["demo", "--applications", "-5"], "0 到 2000000"),
    (["demo", "--applications", "10", "--today", "2026-13-01"], "YYYY-MM-DD"),
    (["demo", "--applications", "10", "--seed", "x"], "--seed"),
    (["user", "add", "bob", "--role", "boss", "--name", "鲍勃"], "--role"),
    (["db"], "ACTION"),
])
def test_wrong_arguments_give_one_line_and_exit_2(capsys, argv, fragment):
    code, _out, err = run(capsys, *argv)
    assert_one_line_error(code, err, cli.EXIT_USAGE)
    assert fragment in err and "参数错误" in err


def test_weak_demo_password_is_refused_before_touching_the_database(capsys, tmp_path):
    path = tmp_path / "never.sqlite3"
    code, _out, err = run(capsys, "--db", f"sqlite:///{path}", "demo", "--applications", "5", "--password", "abc")
    assert_one_line_error(code, err, cli.EXIT_FAILED)
    assert "密码" in err and not path.exists()


# --- failures as a real process: one line on stderr, no traceback ---------------------------------


def test_unknown_sub_command():
    result = run_process("frobnicate")
    assert_one_line_error(result.returncode, result.stderr, cli.EXIT_USAGE)
    assert "frobnicate" in result.stderr
    assert "无效的选择" in result.stderr and "invalid choice" not in result.stderr


def test_argparse_own_texts_are_chinese(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["user", "add", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：counter-app user add") and "选项" in out and "显示本帮助并退出" in out
    assert not any(word in out for word in ("usage", "options", "show this help"))
    with pytest.raises(SystemExit):
        cli.main(["user", "add", "clerk9"])
    err = capsys.readouterr().err
    assert "缺少必需的参数：--role, --name" in err and "required" not in err


def test_unreachable_postgresql():
    result = run_process("--db", "postgresql+psycopg://postgres@127.0.0.1:1/hall", "db", "current")
    assert_one_line_error(result.returncode, result.stderr, cli.EXIT_DATABASE)
    assert "无法连接数据库" in result.stderr and "127.0.0.1:1" in result.stderr


def test_unreachable_postgresql_for_demo():
    result = run_process("--db", "postgresql+psycopg://postgres@127.0.0.1:1/hall", "demo", "--applications", "10")
    assert_one_line_error(result.returncode, result.stderr, cli.EXIT_DATABASE)


@pytest.mark.parametrize("url, fragment", [
    ("not a url", "格式不正确"),
    ("mysql://u@h/db", "不支持的数据库类型"),
    ("postgresql+nosuchdriver://u@h/db", "不支持的数据库驱动"),
])
def test_malformed_or_unsupported_url(url, fragment):
    result = run_process("--db", url, "db", "upgrade")
    assert_one_line_error(result.returncode, result.stderr, cli.EXIT_FAILED)
    assert fragment in result.stderr


def test_demo_as_a_process(tmp_path):
    result = run_process("--db", f"sqlite:///{tmp_path / 'demo.sqlite3'}", "demo", "--applications", "30",
                         "--today", "2026-11-24", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "申请（application）：30" in result.stdout and result.stderr == ""
