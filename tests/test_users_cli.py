"""counter-app user list | disable | enable | unlock | reset: the account service from the command line.
On SQLite these ask for an admin's name and password (``--user`` + COUNTER_APP_PASSWORD)."""

import io

import pytest
from sqlalchemy import select

from counter_app import cli
from counter_app.infra.errors import UserError
from counter_app.models import AuditEntry
from counter_app.security import credentials as users
from tests.conftest import PASSWORD, setup_hall


@pytest.fixture
def hall_url(sqlite_url, sqlite_db):
    setup_hall(sqlite_db)
    return sqlite_url


@pytest.fixture(autouse=True)
def admin_password(monkeypatch):
    monkeypatch.setenv("COUNTER_APP_PASSWORD", PASSWORD)


def run(url, *args, user="admin1"):
    return cli.main(["--db", url, *(["--user", user] if user else []), "user", *args])


def test_list_shows_roles_windows_and_states(hall_url, sqlite_db, capsys):
    for _ in range(users.MAX_FAILED_ATTEMPTS):
        with pytest.raises(UserError):
            users.sign_in(sqlite_db, "clerk2", "bad-pass-1")
    assert run(hall_url, "list") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["用户名", "姓名", "角色", "营业厅", "窗口", "状态", "最近登录"]
    rows = {line.split()[0]: line.split() for line in out[1:]}
    assert rows["clerk1"][1:6] == ["王小明", "受理员", "FZGL01", "1", "正常"]
    assert rows["clerk2"][5].startswith("已锁定")
    assert rows["admin1"][2:5] == ["系统管理员", "FZGL01", "-"]


def test_disable_enable_unlock(hall_url, sqlite_db, capsys):
    assert run(hall_url, "disable", "clerk1") == 0
    assert "已停用用户 clerk1（王小明）" in capsys.readouterr().out
    with pytest.raises(UserError, match="已停用"):
        users.sign_in(sqlite_db, "clerk1", PASSWORD)
    assert run(hall_url, "disable", "clerk1") == 1
    assert "已经是停用状态" in capsys.readouterr().err
    assert run(hall_url, "enable", "clerk1") == 0
    assert users.sign_in(sqlite_db, "clerk1", PASSWORD)
    assert run(hall_url, "unlock", "clerk1") == 1
    assert "没有被锁定" in capsys.readouterr().err
    assert run(hall_url, "disable", "ghost") == 1
    assert "用户 ghost 不存在" in capsys.readouterr().err
    with sqlite_db.read() as s:
        entries = [(e.username, e.action) for e in s.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(("user_disable", "user_enable"))))]
    assert entries == [("admin1", "user_disable"), ("admin1", "user_enable")]


def test_reset_generates_or_reads_a_temporary_password(hall_url, sqlite_db, capsys, monkeypatch):
    assert run(hall_url, "reset", "clerk2") == 0
    out = capsys.readouterr().out
    temporary = out.split("临时密码：")[1].split("（")[0]
    assert users.sign_in(sqlite_db, "clerk2", temporary).must_change_password
    monkeypatch.setattr("sys.stdin", io.StringIO("Chosen2026\n"))
    assert run(hall_url, "reset", "clerk2", "--password-stdin") == 0
    assert "临时密码" not in capsys.readouterr().out
    assert users.sign_in(sqlite_db, "clerk2", "Chosen2026").must_change_password
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert run(hall_url, "reset", "clerk2", "--password-stdin") == 1
    assert "至少需要8位" in capsys.readouterr().err


def test_a_temporary_password_runs_only_user_passwd(hall_url, sqlite_db, capsys, monkeypatch, tmp_path):
    # GIVEN super1's password reset by the admin: the admin knows it, so it is not yet super1's
    monkeypatch.setattr("sys.stdin", io.StringIO("Handed2026\n"))
    assert run(hall_url, "reset", "super1", "--password-stdin") == 0
    capsys.readouterr()
    monkeypatch.setenv("COUNTER_APP_PASSWORD", "Handed2026")
    target = tmp_path / "台账.xlsx"
    # THEN any other command is refused in one line that says what to run first
    for argv in (["export", "register", "-o", str(target)], ["user", "list"], ["seal", "list"]):
        assert cli.main(["--db", hall_url, "--user", "super1", *argv]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "临时密码" in err and "counter-app --user super1 user passwd" in err, err
    assert not target.exists()
    # user passwd is allowed, and afterwards the rest
    monkeypatch.setattr("sys.stdin", io.StringIO("Chosen2026x\n"))
    assert run(hall_url, "passwd", "--password-stdin", user="super1") == 0
    assert "已修改用户 super1 的密码" in capsys.readouterr().out
    monkeypatch.setenv("COUNTER_APP_PASSWORD", "Chosen2026x")
    assert cli.main(["--db", hall_url, "--user", "super1", "export", "register", "-o", str(target)]) == 0
    assert target.exists()


def test_the_signed_in_admin_cannot_disable_itself(hall_url, capsys):
    assert run(hall_url, "disable", "admin1") == 1
    assert "不能停用自己正在使用的账号" in capsys.readouterr().err


# --- who may run them (SQLite: the admin's name and password) ---------------------------------------


def test_account_commands_need_an_admins_name_and_password(hall_url, sqlite_db, capsys, monkeypatch):
    # no --user and no terminal to ask on: refused, nothing changed
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert run(hall_url, "disable", "clerk1", user=None) == 1
    assert "须由管理员运行" in capsys.readouterr().err
    # a clerk's own correct password is not an admin's
    assert run(hall_url, "disable", "clerk1", user="clerk2") == 1
    assert "无权管理用户" in capsys.readouterr().err
    # an admin with a wrong password: the sign-in's own refusal (and it counts towards the lock-out)
    monkeypatch.setenv("COUNTER_APP_PASSWORD", "Wrong-pass-1")
    assert run(hall_url, "disable", "clerk1") == 1
    assert "用户名或密码不正确" in capsys.readouterr().err
    assert users.sign_in(sqlite_db, "clerk1", PASSWORD)  # still active
    with sqlite_db.read() as s:
        refused = [(e.username, e.action, e.outcome) for e in s.scalars(
            select(AuditEntry).where(AuditEntry.outcome == "refused").order_by(AuditEntry.id))]
    assert ("clerk2", "permission_denied", "refused") in refused and ("admin1", "login_failed", "refused") in refused


def test_the_first_admin_of_an_empty_database_needs_no_sign_in(sqlite_url, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("First2026x\n"))
    assert cli.main(["--db", sqlite_url, "user", "add", "boss", "--role", "admin", "--name", "林管理",
                     "--password-stdin"]) == 0
    assert "须修改密码" not in capsys.readouterr().out
    # the first admin typed their own password: not a temporary one, so that admin runs commands at once
    monkeypatch.setenv("COUNTER_APP_PASSWORD", "First2026x")
    assert cli.main(["--db", sqlite_url, "--user", "boss", "user", "list"]) == 0
    assert "boss" in capsys.readouterr().out
    # from then on an account change needs that admin
    monkeypatch.setattr("sys.stdin", io.StringIO("Second2026x\n"))
    monkeypatch.delenv("COUNTER_APP_PASSWORD")
    assert cli.main(["--db", sqlite_url, "user", "add", "mallory", "--role", "admin", "--name", "某某",
                     "--password-stdin"]) == 1
    assert "须由管理员运行" in capsys.readouterr().err


def test_other_commands_run_as_the_os_user_and_say_so(hall_url, sqlite_db, tmp_path, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "wangwu")
    out = tmp_path / "台账.xlsx"
    assert cli.main(["--db", hall_url, "export", "register", "-o", str(out)]) == 0
    with sqlite_db.read() as s:
        who = s.scalar(select(AuditEntry.username).where(AuditEntry.action == "export"))
    assert who == "os:wangwu"
