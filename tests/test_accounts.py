"""Account administration (Perm.MANAGE_USERS) and the first start of an empty database."""

import pytest
from sqlalchemy import select

from counter_app.security import accounts, credentials as users
from counter_app.hall import hall
from counter_app.infra.errors import NotFound, PermissionDenied, UserError, ValidationFailed
from counter_app.models import AuditEntry, CounterWindow, Hall, User
from tests.conftest import PASSWORD
from tests.fast_hashing import fast_argon2  # noqa: F401  (autouse)


def _audit(db, action):
    with db.read() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_admin_creates_account_that_must_change_its_initial_password(db, actors, frozen_now):
    admin = actors["admin1"]
    account = accounts.create_account(db, admin, "clerk3", role="clerk", name="周敏", password="Start1234",
                                      window_no=3)
    assert (account.role_label, account.window_no, account.must_change_password) == ("受理员", 3, True)
    assert account.status_label() == "待修改初始密码"
    entry = _audit(db, "user_add")[-1]
    assert (entry.username, entry.target_id, entry.pc) == ("admin1", str(account.id), "test-pc")
    # the new clerk signs in and is asked to change the password; the policy applies
    user = users.sign_in(db, "clerk3", "Start1234")
    assert user.must_change_password
    clerk3 = users.actor_for(user, hall_id=admin.hall_id, window=None, pc="pc3")
    with pytest.raises(UserError, match="新密码不能与原密码相同"):
        accounts.change_own_password(db, clerk3, "Start1234", "Start1234")
    with pytest.raises(UserError, match="至少需要8位"):
        accounts.change_own_password(db, clerk3, "Start1234", "Ab1")
    with pytest.raises(UserError, match="两次输入的新密码不一致") as exc:
        accounts.change_own_password(db, clerk3, "Start1234", "Better5678", "Better5679")
    assert exc.value.field == "repeat_password"
    with pytest.raises(UserError, match="原密码不正确"):
        accounts.change_own_password(db, clerk3, "Wrong1234", "Better5678")
    accounts.change_own_password(db, clerk3, "Start1234", "Better5678", "Better5678")
    assert not accounts.must_change_password(db, clerk3)
    assert [e.outcome for e in _audit(db, "password_change")] == ["refused", "refused", "refused", "ok"]
    assert users.sign_in(db, "clerk3", "Better5678").username == "clerk3"


def test_create_account_validation_and_duplicates(db, actors):
    admin = actors["admin1"]
    with pytest.raises(ValidationFailed) as exc:
        accounts.create_account(db, admin, "9x", role="boss", name=" ", password="short")
    assert set(exc.value.errors) == {"username", "role", "name", "password"}
    with pytest.raises(UserError, match="已存在") as exc:
        accounts.create_account(db, admin, "clerk1", role="clerk", name="重名", password="Start1234")
    assert exc.value.field == "username"
    with pytest.raises(UserError, match="窗口 9 不存在"):
        accounts.create_account(db, admin, "clerk9", role="clerk", name="某某", password="Start1234", window_no=9)


def test_disable_enable_and_guards(db, actors):
    admin = actors["admin1"]
    assert not accounts.disable_account(db, admin, "clerk2").active
    with pytest.raises(UserError, match="已停用"):
        users.sign_in(db, "clerk2", PASSWORD)
    with pytest.raises(UserError, match="已经是停用状态"):
        accounts.disable_account(db, admin, "clerk2")
    assert accounts.enable_account(db, admin, "clerk2").active
    assert users.sign_in(db, "clerk2", PASSWORD).username == "clerk2"
    with pytest.raises(UserError, match="不能停用自己"):
        accounts.disable_account(db, admin, "admin1")
    with pytest.raises(NotFound, match="用户 ghost 不存在"):
        accounts.disable_account(db, admin, "ghost")
    assert [e.action for e in _audit(db, "user_disable") + _audit(db, "user_enable")] == ["user_disable", "user_enable"]


def test_last_admin_cannot_be_disabled_or_demoted(db, actors):
    admin = actors["admin1"]
    accounts.create_account(db, admin, "admin2", role="admin", name="副管理员", password="Start1234")
    # with two admins one may go; then the other is the last one
    admin2 = users.actor_for(users.sign_in(db, "admin2", "Start1234"), hall_id=admin.hall_id, window=None, pc="x")
    accounts.disable_account(db, admin2, "admin1")
    with pytest.raises(UserError, match="唯一启用的管理员"):
        accounts.update_account(db, admin2, "admin2", name="副管理员", role="clerk", window_no=None)
    accounts.enable_account(db, admin2, "admin1")
    changed = accounts.update_account(db, admin2, "admin2", name="周管理", role="supervisor", window_no=2)
    assert (changed.name, changed.role, changed.window_no) == ("周管理", "supervisor", 2)
    detail = _audit(db, "user_change")[-1].detail
    assert '"role": {"old": "admin", "new": "supervisor"}' in detail and "周管理" in detail


def test_reset_password_generates_temporary_one_and_lifts_lockout(db, actors):
    admin = actors["admin1"]
    for _ in range(users.MAX_FAILED_ATTEMPTS):
        with pytest.raises(UserError):
            users.sign_in(db, "clerk1", "forgot-it-1")
    assert accounts.get_account(db, admin, "clerk1").is_locked()
    temporary = accounts.reset_password(db, admin, "clerk1")
    assert users.password_problem(temporary) is None and not set(temporary) & set("0O1lI")
    user = users.sign_in(db, "clerk1", temporary)
    assert user.must_change_password
    with pytest.raises(UserError, match="密码需同时包含字母和数字"):
        accounts.reset_password(db, admin, "clerk1", "onlyletters")
    assert len(_audit(db, "user_reset")) == 1


def test_unlock_account(db, actors):
    admin = actors["admin1"]
    with pytest.raises(UserError, match="没有被锁定"):
        accounts.unlock_account(db, admin, "clerk1")
    for _ in range(users.MAX_FAILED_ATTEMPTS):
        with pytest.raises(UserError):
            users.sign_in(db, "clerk1", "forgot-it-1")
    assert accounts.get_account(db, admin, "clerk1").status_label().startswith("已锁定")
    accounts.unlock_account(db, admin, "clerk1")
    assert users.sign_in(db, "clerk1", PASSWORD).username == "clerk1"
    assert len(_audit(db, "user_unlock")) == 1


def test_list_accounts(db, actors):
    rows = accounts.list_accounts(db, actors["admin1"])
    assert [r.username for r in rows] == ["admin1", "back1", "clerk1", "clerk2", "super1"]
    assert {r.username: r.window_no for r in rows}["clerk2"] == 2


@pytest.mark.parametrize("who", ["clerk1", "back1", "super1"])
def test_only_admins_manage_accounts(db, actors, who):
    actor = actors[who]
    calls = [
        lambda: accounts.list_accounts(db, actor),
        lambda: accounts.create_account(db, actor, "x1", role="admin", name="x", password="Start1234"),
        lambda: accounts.disable_account(db, actor, "clerk2"),
        lambda: accounts.reset_password(db, actor, "admin1"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied, match="无权管理用户"):
            call()
    refusals = _audit(db, "permission_denied")
    assert len(refusals) == len(calls) and {e.username for e in refusals} == {who}
    with db.read() as s:
        assert s.scalar(select(User).where(User.username == "x1")) is None


# --- first start ----------------------------------------------------------------------------------

SETUP = dict(hall_code="XMSM02", hall_name="厦门思明供电营业厅", supervision_phone="0592-1234567",
             address="厦门市思明区湖滨南路1号", windows=3, admin_username="root1", admin_name="林管理",
             password="Admin2026x", password_repeat="Admin2026x", pc="PC-HALL")


def test_first_start_creates_hall_windows_and_admin_in_one_go(db):
    account = accounts.first_start(db, **SETUP)
    assert (account.role, account.must_change_password) == ("admin", False)
    with db.read() as s:
        assert hall.is_set_up(s)
        assert s.scalar(select(Hall.code)) == "XMSM02"
        assert [w.number for w in s.scalars(select(CounterWindow))] == [1, 2, 3]
        setup_entries = [(e.action, e.pc) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert setup_entries == [("setup", "PC-HALL"), ("user_add", "PC-HALL")]
    assert users.sign_in(db, "root1", "Admin2026x").role == "admin"
    with pytest.raises(UserError, match="已经完成首次设置"):
        accounts.first_start(db, **{**SETUP, "hall_code": "OTHER1"})


@pytest.mark.parametrize("change, field, message", [
    ({"hall_code": "xm 1"}, "hall_code", "营业厅编码应为2至12位大写字母或数字"),
    ({"hall_name": ""}, "hall_name", "请填写营业厅名称"),
    ({"supervision_phone": "abc"}, "supervision_phone", "请填写监督电话"),
    ({"windows": 0}, "windows", "窗口数量应在1至99之间"),
    ({"admin_username": "管理员"}, "admin_username", "用户名应以字母开头"),
    ({"admin_name": "  "}, "admin_name", "请填写姓名"),
    ({"password": "abc", "password_repeat": "abc"}, "password", "密码至少需要8位"),
    ({"password_repeat": "Admin2026y"}, "password_repeat", "两次输入的密码不一致"),
])
def test_first_start_field_errors(sqlite_db, change, field, message):
    with pytest.raises(ValidationFailed) as exc:
        accounts.first_start(sqlite_db, **{**SETUP, **change})
    assert list(exc.value.errors) == [field] and message in exc.value.errors[field]
    with sqlite_db.read() as s:
        assert not hall.is_set_up(s) and s.scalar(select(Hall)) is None


def test_first_start_is_one_transaction(sqlite_db, monkeypatch):
    def broken(*a, **k):
        raise UserError("boom")

    monkeypatch.setattr(users, "create_user", broken)
    with pytest.raises(UserError, match="boom"):
        accounts.first_start(sqlite_db, **SETUP)
    with sqlite_db.read() as s:
        assert s.scalar(select(Hall)) is None
