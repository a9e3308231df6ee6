"""Issue 20: accounts of several halls. A province admin (an admin of no hall) places a new account in
a chosen hall, with that hall's windows; an admin of one hall keeps to its own. The last active admin
of each hall (and the last of the admins of no hall) keeps the role and stays enabled. The users page
of the main window offers the hall choice and filter to the province admin only. (PostgreSQL, where
the database decides the same: test_pg_accounts_many_halls.)"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from counter_app.hall import hall as hall_mod
from counter_app.hall import many_halls
from counter_app.infra import clock
from counter_app.infra.context import system_actor
from counter_app.infra.errors import UserError
from counter_app.models import User
from counter_app.security import account_admin, accounts
from counter_app.security import credentials as users
from counter_app.ui.users_page import AccountDialog
from tests.conftest import PASSWORD
from tests.main_window_driver import open_page, wait_idle
from tests.qt_helpers import type_text
from tests.test_many_halls import NOW

HALL_A, HALL_B = "FZGL01", "FZCS02"


@pytest.fixture
def halls(hall_db):
    """Hall A (setup_hall's: admin1, 4 windows), hall B (adminb, clerkb, 2 windows) and prov1, an
    admin of no hall."""
    db, who = hall_db
    clock.freeze(NOW)
    added = many_halls.add_hall(db, system_actor(), code=HALL_B, name="福州仓山供电营业厅",
                                supervision_phone="0591-88888888", windows=2)
    with db.write() as session:
        for username, role in (("adminb", "admin"), ("clerkb", "clerk")):
            user = users.create_user(session, system_actor(added.id), username, role=role, name=f"{username}名",
                                     password=PASSWORD, must_change_password=False, hall_id=added.id)
            who[username] = users.actor_for(user, hall_id=added.id, window=None, pc="pc-b")
        prov = users.create_user(session, system_actor(None), "prov1", role="admin", name="省公司管理员",
                                 password=PASSWORD, must_change_password=False)
        prov.hall_id = None  # the PC's own user put it in the first hall; a province account has none
        session.flush()
        who["prov1"] = users.actor_for(prov, hall_id=None, window=None, pc="pc-prov")
    yield db, who, added
    clock.freeze(None)


def test_the_halls_an_admin_places_accounts_in(halls):
    db, who, _ = halls
    assert [(h.code, h.windows) for h in accounts.account_halls(db, who["adminb"])] == [
        (HALL_B, ((1, "1号窗口"), (2, "2号窗口")))]
    assert [(h.code, len(h.windows)) for h in accounts.account_halls(db, who["admin1"])] == [(HALL_A, 4)]
    offered = accounts.account_halls(db, who["prov1"])
    assert [(h.label, len(h.windows)) for h in offered] == [("福州仓山供电营业厅（FZCS02）", 2),
                                                             ("福州鼓楼供电营业厅（FZGL01）", 4)]


def test_a_province_admin_adds_staff_to_a_chosen_hall_with_its_windows(halls):
    db, who, hall_b = halls
    made = account_admin.create_account(db, who["prov1"], "clerkb2", role="clerk", name="仓山二号",
                                        password="Start1234", window_no=2, hall_code=HALL_B)
    assert (made.hall_code, made.window_no) == (HALL_B, 2)
    assert "clerkb2" in {a.username for a in account_admin.list_accounts(db, who["adminb"])}
    assert "clerkb2" not in {a.username for a in account_admin.list_accounts(db, who["admin1"])}
    with pytest.raises(UserError, match="窗口 4 不存在"):  # hall A has a window 4, hall B has not
        account_admin.create_account(db, who["prov1"], "clerkb3", role="clerk", name="仓山三号",
                                     password="Start1234", window_no=4, hall_code=HALL_B)
    with pytest.raises(UserError, match="营业厅 NOPE99 不存在"):
        account_admin.create_account(db, who["prov1"], "clerkb3", role="clerk", name="仓山三号",
                                     password="Start1234", hall_code="NOPE99")
    # in a database of several halls, no hall: another city/province account
    other = account_admin.create_account(db, who["prov1"], "prov2", role="admin", name="省公司二号",
                                         password="Start1234")
    assert other.hall_code == ""


def test_an_admin_of_one_hall_is_told_another_hall_is_out_of_reach(halls):
    db, who, _ = halls
    with pytest.raises(UserError) as refused:
        accounts.check_hall_in_reach(db, who["admin1"], "fzcs02")
    assert str(refused.value) == ("营业厅 FZCS02 不在您的管理范围内：您只能为本营业厅"
                                  "（福州鼓楼供电营业厅，FZGL01）新建账号")
    assert refused.value.field == "hall"
    accounts.check_hall_in_reach(db, who["admin1"], HALL_A)  # its own: fine
    accounts.check_hall_in_reach(db, who["admin1"], None)  # implied: its own
    accounts.check_hall_in_reach(db, who["prov1"], HALL_B)  # no hall of its own: every hall


def test_the_last_active_admin_is_counted_per_hall(halls):
    db, who, _ = halls
    # three active admins in the database, but adminb is hall B's only one and admin1 hall A's
    with pytest.raises(UserError) as refused:
        account_admin.disable_account(db, who["prov1"], "adminb")
    assert str(refused.value) == ("这是福州仓山供电营业厅（FZCS02）唯一启用的管理员账号，不能停用；"
                                  "请先在该营业厅新建另一个管理员")
    with pytest.raises(UserError, match="福州鼓楼供电营业厅（FZGL01）唯一启用的管理员账号，不能改为其他角色") as demoted:
        account_admin.update_account(db, who["prov1"], "admin1", name="管理员", role="clerk", window_no=None)
    assert demoted.value.field == "role"
    # a second admin in hall B: now either may go
    account_admin.create_account(db, who["prov1"], "adminb2", role="admin", name="仓山副管理员",
                                 password="Start1234", hall_code=HALL_B)
    assert not account_admin.disable_account(db, who["prov1"], "adminb").active
    with pytest.raises(UserError, match="FZCS02"):
        account_admin.update_account(db, who["prov1"], "adminb2", name="仓山副管理员", role="supervisor",
                                     window_no=None)
    # the admins of no hall are counted among themselves
    with pytest.raises(UserError) as last_province:
        account_admin.update_account(db, who["prov1"], "prov1", name="省公司管理员", role="supervisor",
                                     window_no=None)
    assert str(last_province.value) == ("这是唯一启用的市、省级管理员账号（不属于任何营业厅），不能改为其他角色；"
                                        "请先新建另一个市、省级管理员")
    account_admin.create_account(db, who["prov1"], "prov2", role="admin", name="省公司二号", password="Start1234")
    assert account_admin.update_account(db, who["prov1"], "prov2", name="省公司二号", role="supervisor",
                                        window_no=None).role == "supervisor"


# --- the users page of the main window -------------------------------------------------------------


def _fill_new_clerk(d: AccountDialog, username: str, name: str) -> None:
    d.username.setText(username)
    type_text(d.name, name)
    d.role.setCurrentIndex(d.role.findData("clerk"))
    d.generate_button.click()


def test_a_province_admin_adds_a_clerk_to_a_chosen_hall_in_the_window(qtbot, halls, monkeypatch):
    db, who, _ = halls
    # GIVEN the province admin's main window, 管理 → 用户管理 opened from its menu
    window, page = open_page(qtbot, db, who["prov1"], "users")
    assert page.hall_filter.isVisible() and page.hall_filter.count() == 4  # 全部, two halls, no hall
    assert {a.hall_code for a in page.model.rows} == {HALL_A, HALL_B, ""}
    seen = {}

    def fill(d: AccountDialog) -> None:
        # WHEN it picks hall B: hall B's windows are offered, not hall A's four
        _fill_new_clerk(d, "clerkb9", "林仓山")
        assert d.hall is not None and d.hall.currentData() is None
        d.accept()  # no hall chosen yet: said at the field, the input kept
        assert d.rows["hall"].error.text() == "请选择新账号所属的营业厅" and d.name.text() == "林仓山"
        d.hall.setCurrentIndex(d.hall.findData(HALL_B))
        assert not d.rows["hall"].error.text()
        seen["windows"] = [d.window.itemText(i) for i in range(d.window.count())]
        d.window.setCurrentIndex(d.window.findData(2))
        d.resize(d.sizeHint())
        seen["size"] = (d.width(), d.height())

    def run(dialog):
        wait_idle(qtbot)
        fill(dialog)
        dialog.accept()
        wait_idle(qtbot)
        return dialog.result()

    monkeypatch.setattr(AccountDialog, "exec", run)
    page.new_action.trigger()
    wait_idle(qtbot)
    assert seen["windows"] == ["不指定", "1号窗口", "2号窗口"]
    assert seen["size"][0] <= 1024 and seen["size"][1] <= 768
    # THEN the account is listed, selected, with hall B
    created = page.selected()
    assert (created.username, created.hall_code, created.window_no) == ("clerkb9", HALL_B, 2)
    row = next(r for r in range(page.proxy.rowCount()) if page.proxy.index(r, 0).data() == "clerkb9")
    assert page.proxy.index(row, 8).data() == HALL_B
    # and the filter shows one hall's accounts
    page.hall_filter.setCurrentIndex(page.hall_filter.findData(HALL_B))
    listed = {page.proxy.index(r, 0).data() for r in range(page.proxy.rowCount())}
    assert listed == {"adminb", "clerkb", "clerkb9"}
    page.hall_filter.setCurrentIndex(page.hall_filter.count() - 1)
    assert {page.proxy.index(r, 0).data() for r in range(page.proxy.rowCount())} == {"prov1"}
    with db.read() as session:
        user = session.scalar(select(User).where(User.username == "clerkb9"))
        assert user.hall_id == hall_mod.hall_by_code(session, HALL_B).id
        assert user.window_id == hall_mod.window_by_number(session, 2, user.hall_id).id
    window.close()


def test_an_admin_of_one_hall_sees_no_hall_choice(qtbot, halls, monkeypatch):
    db, who, _ = halls
    window, page = open_page(qtbot, db, who["adminb"], "users")
    assert not page.hall_filter.isVisible()
    assert {a.username for a in page.model.rows} == {"adminb", "clerkb"}
    seen = {}

    def run(d: AccountDialog):
        wait_idle(qtbot)
        seen["hall"] = d.hall
        seen["windows"] = [d.window.itemText(i) for i in range(d.window.count())]
        _fill_new_clerk(d, "clerkb8", "郑仓山")
        d.accept()
        wait_idle(qtbot)
        return d.result()

    monkeypatch.setattr(AccountDialog, "exec", run)
    page.new_action.trigger()
    wait_idle(qtbot)
    assert seen["hall"] is None and seen["windows"] == ["不指定", "1号窗口", "2号窗口"]
    assert (page.selected().username, page.selected().hall_code) == ("clerkb8", HALL_B)
    window.close()
