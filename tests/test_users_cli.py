"""counter-app user list | disable | enable | unlock | reset: the account service from the command line."""

import io

import pytest
from sqlalchemy import select

from counter_app import cli
from counter_app.security import credentials as users
from counter_app.infra.errors import UserError
from counter_app.models import AuditEntry
from tests.conftest import PASSWORD, setup_hall
from tests.fast_hashing import fast_argon2  # noqa: F401  (autouse)


@pytest.fixture
def hall_url(sqlite_url, sqlite_db):
    setup_hall(sqlite_db)
    return sqlite_url


def run(url, *args):
    return cli.main(["--db", url, "user", *args])


def test_list_shows_roles_windows_and_states(hall_url, sqlite_db, capsys):
    for _ in range(users.MAX_FAILED_ATTEMPTS):
        with pytest.raises(UserError):
            users.sign_in(sqlite_db, "clerk2", "bad-pass-1")
    assert run(hall_url, "list") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["用户名", "姓名", "角色", "窗口", "状态", "最近登录"]
    rows = {line.split()[0]: line.split() for line in out[1:]}
    assert rows["clerk1"][1:5] == ["王小明", "受理员", "1", "正常"]
    assert rows["clerk2"][4].startswith("已锁定")
    assert rows["admin1"][2:4] == ["系统管理员", "-"]


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
    assert entries == [("system", "user_disable"), ("system", "user_enable")]


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


def test_the_last_admin_stays(hall_url, capsys):
    assert run(hall_url, "disable", "admin1") == 1
    assert "唯一启用的管理员" in capsys.readouterr().err
