"""Issue 20 on SQLite: accounts of no hall in a database of three halls — a province admin (every
hall) and a city supervisor granted two of the three. Every menu entry of their main window opens
without an error; the next-year holiday notice speaks of their halls; the settings, the seal, the
customer screen and the exchange export say which hall and let the province admin pick it; a
clerk's entry (客户屏设置) is not offered to an account without a window. And one rule for whose staff
and settings an admin manages (hall.manages_hall), as on PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from counter_app.acceptance import service as acceptance
from counter_app.customer import settings as customer_settings
from counter_app.hall import calendar_notice, many_halls, settings_admin
from counter_app.hall import hall as hall_mod
from counter_app.infra import clock
from counter_app.infra.context import system_actor
from counter_app.infra.errors import UserError, ValidationFailed
from counter_app.models import HallGrant, SealCertificate
from counter_app.security import accounts
from counter_app.security import credentials as users
from counter_app.signing import certificates as seal_certificates
from tests import hallless_walk
from tests.acceptance_helpers import residential
from tests.conftest import PASSWORD
from tests.factories import resident_id
from tests.main_window_driver import open_main_window, open_page, wait_idle
from tests.test_many_halls import NOW

SHOTS = "/tmp/hallless"


@pytest.fixture
def three_halls(hall_db):
    """Hall A (setup_hall's FZGL01), B (FZCS02) and C (FZJA03) with a clerk each in A and B and
    three applications each; prov1, an admin of no hall; city1, a supervisor of no hall granted A and B."""
    db, who = hall_db
    clock.freeze(NOW)  # November: the next-year holiday notice is due
    ids = {"A": who["admin1"].hall_id}
    for key, code, name in (("B", "FZCS02", "福州仓山供电营业厅"), ("C", "FZJA03", "福州晋安供电营业厅")):
        ids[key] = many_halls.add_hall(db, system_actor(), code=code, name=name, supervision_phone="0591-88888888",
                                       windows=2).id
    with db.write() as session:
        clerk_b = users.create_user(session, system_actor(ids["B"]), "clerkb", role="clerk", name="仓山受理员",
                                    password=PASSWORD, window_no=1, must_change_password=False, hall_id=ids["B"])
        who["clerkb"] = users.actor_for(clerk_b, hall_id=ids["B"], pc="pc-b",
                                        window=hall_mod.window_by_number(session, 1, ids["B"]))
        for username, role, name in (("prov1", "admin", "省公司管理员"), ("city1", "supervisor", "市公司督查")):
            user = users.create_user(session, system_actor(None), username, role=role, name=name,
                                     password=PASSWORD, must_change_password=False)
            user.hall_id = None  # the PC's own user put it in the first hall; a city/province account has none
            if username == "city1":
                session.add_all([HallGrant(user_id=user.id, hall_id=ids[k], granted_at=NOW) for k in "AB"])
            session.flush()
            grants = (ids["A"], ids["B"]) if username == "city1" else ()
            who[username] = users.actor_for(user, hall_id=None, window=None, pc="pc-city", hall_grants=grants)
    for i in range(3):
        acceptance.save(db, who["clerk1"], residential(resident_id(600 + i)))
        acceptance.save(db, who["clerkb"], residential(resident_id(700 + i)))
    yield db, who, ids
    clock.freeze(None)


@pytest.mark.parametrize("username", ["prov1", "city1"])
def test_every_menu_entry_opens_without_an_error(qtbot, three_halls, monkeypatch, tmp_path, username):
    db, who, _ = three_halls
    seen = hallless_walk.record_problems(monkeypatch)
    window, problems = hallless_walk.walk(qtbot, db, who[username], seen)
    assert problems == {}
    halls = {"prov1": 3, "city1": 2}[username]
    # the status bar names no single hall for them: their halls' sums
    assert window.who_label.text().startswith(f"所辖{halls}个营业厅")
    assert window.figures_label.text() == "各厅合计今日受理 6 件　预警 0 件　超期 0 件"
    save_shot(window, f"{username}_main_window")
    window.close()


def save_shot(widget, name: str) -> None:
    """A 1024x768 offscreen picture for a person to look at, where the folder exists."""
    import os

    if os.path.isdir(SHOTS):
        widget.grab().save(f"{SHOTS}/{name}.png")


def test_the_clerks_customer_screen_entry_is_not_offered_without_a_window(qtbot, three_halls):
    db, who, _ = three_halls
    city = open_main_window(qtbot, db, who["city1"])
    entries = [a.text() for m in city.menus.values() for a in m.actions()]
    assert "客户屏设置…" not in entries and city.customer_settings_action is None
    prov = open_main_window(qtbot, db, who["prov1"])  # an admin sets the halls' customer screens
    assert "客户屏设置…" in [a.text() for a in prov.menus["管理"].actions()]
    clerk = open_main_window(qtbot, db, who["clerkb"])
    assert "客户屏设置…" in [a.text() for a in clerk.menus["业务"].actions()]


def test_the_next_year_notice_names_the_halls_of_the_account(three_halls):
    db, who, ids = three_halls
    prov = calendar_notice.next_year_notice(db, who["prov1"])
    assert prov.startswith("2027年的法定节假日和调休安排尚未录入（福州鼓楼供电营业厅、福州仓山供电营业厅、福州晋安供电营业厅）：")
    assert "管理 → 营业厅设置" in prov
    city = calendar_notice.next_year_notice(db, who["city1"])
    assert city.startswith("2027年的法定节假日和调休安排尚未录入（福州鼓楼供电营业厅、福州仓山供电营业厅）：")
    assert "请通知系统管理员录入" in city
    # hall A confirms 2027: the province admin is told of B and C, the hall's own admin of nothing
    import datetime as dt

    settings_admin.save(db, who["admin1"], settings_admin.SettingsUpdate(
        confirmed_years=[2027], add_overrides=[(dt.date(2027, 1, 1), False, "元旦")]))
    assert "（福州仓山供电营业厅、福州晋安供电营业厅）" in calendar_notice.next_year_notice(db, who["prov1"])
    assert calendar_notice.next_year_notice(db, who["admin1"]) is None
    own = calendar_notice.next_year_notice(db, _hall_admin_b(db, ids))  # hall B's admin: its own hall, unnamed
    assert own.startswith("2027年的法定节假日和调休安排尚未录入：")


def _hall_admin_b(db, ids):
    with db.write() as session:
        user = users.create_user(session, system_actor(ids["B"]), "adminb", role="admin", name="仓山管理员",
                                 password=PASSWORD, must_change_password=False, hall_id=ids["B"])
        return users.actor_for(user, hall_id=ids["B"], window=None, pc="pc-b")
