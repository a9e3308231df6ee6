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


# --- the province admin picks the hall -------------------------------------------------------------


def test_a_province_admin_picks_the_hall_in_the_settings_dialog(qtbot, three_halls):
    from counter_app.ui.settings_dialog import SettingsDialog
    from tests.qt_helpers import type_text

    db, who, ids = three_halls
    window = open_main_window(qtbot, db, who["prov1"], size=(1024, 768))
    hallless_walk.close_dialogs()
    # GIVEN 管理 → 营业厅设置…: the settings of one hall, with the three to pick from
    window.dialog_actions["settings"].trigger()
    qtbot.waitUntil(lambda: isinstance(getattr(window, "last_dialog", None), SettingsDialog), timeout=10_000)
    first = window.last_dialog
    assert first.hall is not None and first.hall.isVisible()
    assert [first.hall.itemText(i) for i in range(first.hall.count())] == [
        "福州仓山供电营业厅", "福州鼓楼供电营业厅", "福州晋安供电营业厅"]
    assert first.hall.currentData() == first.settings.hall_id == ids["A"]
    # WHEN it picks hall B: the dialog opens again with hall B's settings
    first.hall.setCurrentIndex(first.hall.findData(ids["B"]))
    qtbot.waitUntil(lambda: window.last_dialog is not first and window.last_dialog is not None, timeout=10_000)
    dialog = window.last_dialog
    wait_idle(qtbot)
    assert (dialog.settings.hall_code, dialog.hall.currentText()) == ("FZCS02", "福州仓山供电营业厅")
    assert [d for d in window.findChildren(SettingsDialog) if d.isVisible()] == [dialog]  # the first closed
    save_shot(dialog, "prov1_settings_hall_b")
    dialog.service_phone.clear()
    type_text(dialog.service_phone, "0591-12345")
    dialog.accept()
    wait_idle(qtbot)
    # THEN hall B's settings changed, hall A's did not
    with db.read() as session:
        assert hall_mod.get_setting(session, "service_phone", ids["B"]) == "0591-12345"
        assert hall_mod.get_setting(session, "service_phone", ids["A"]) != "0591-12345"
    assert window.statusBar().currentMessage() == "已保存：服务热线"


def test_a_hall_admin_sees_no_hall_choice_and_may_not_reach_another_hall(qtbot, three_halls):
    db, who, ids = three_halls
    mine = settings_admin.load(db, who["admin1"])
    assert (mine.hall_code, mine.hall_choices) == ("FZGL01", ())
    with pytest.raises(UserError, match="营业厅 FZCS02 不在您的管理范围内"):
        settings_admin.load(db, who["admin1"], ids["B"])
    with pytest.raises(UserError, match="营业厅 FZCS02 不在您的管理范围内"):
        settings_admin.save(db, who["admin1"], settings_admin.SettingsUpdate(service_phone="1", hall_id=ids["B"]))
    with pytest.raises(ValidationFailed):  # a city supervisor's halls are A and B, not C
        customer_settings.load(db, who["city1"], ids["C"])


def test_one_rule_for_whose_staff_an_admin_manages_on_sqlite(three_halls):
    """SQLite as PostgreSQL (counter_private.manages_hall): an admin of a hall keeps to its hall, an
    admin of no hall (and the PC's own user) may place an account in any hall, and what the admin
    creates it then also sees (accounts.in_reach)."""
    db, who, ids = three_halls
    assert hall_mod.manages_hall(who["admin1"], ids["A"]) and not hall_mod.manages_hall(who["admin1"], ids["B"])
    assert hall_mod.manages_hall(who["prov1"], ids["C"]) and hall_mod.manages_hall(system_actor(ids["A"]), ids["B"])
    with pytest.raises(UserError) as refused:
        accounts.create_account(db, who["admin1"], "clerkx", role="clerk", name="越权", password="Start1234",
                                hall_code="FZCS02")
    assert str(refused.value) == "营业厅 FZCS02 不在您的管理范围内：您只能为本营业厅（福州鼓楼供电营业厅，FZGL01）新建账号"
    assert refused.value.field == "hall"
    made = accounts.create_account(db, who["admin1"], "clerkx", role="clerk", name="本厅", password="Start1234")
    assert made.hall_code == "FZGL01"
    assert "clerkx" in {a.username for a in accounts.list_accounts(db, who["admin1"])}
    placed = accounts.create_account(db, who["prov1"], "clerkc", role="clerk", name="晋安", password="Start1234",
                                     hall_code="FZJA03")
    assert placed.hall_code == "FZJA03" and "clerkc" in {a.username for a in accounts.list_accounts(db, who["prov1"])}


def test_a_province_admin_makes_a_seal_for_a_chosen_hall(qtbot, three_halls):
    db, who, ids = three_halls
    window, page = open_page(qtbot, db, who["prov1"], "seal")
    wait_idle(qtbot)
    assert page.hall.isVisible() and page.hall.count() == 3 and not page.message.text()
    page.hall.setCurrentIndex(page.hall.findData(ids["C"]))
    wait_idle(qtbot)
    page.create_trial("seal-pass-123")
    wait_idle(qtbot)
    assert "已创建试用证书" in page.message.text()
    save_shot(page, "prov1_seal_hall_c")
    with db.read() as session:
        assert [c.hall_id for c in session.scalars(select(SealCertificate))] == [ids["C"]]
    assert [c.active for c in seal_certificates.certificates(db, who["prov1"], ids["C"])] == [True]
    assert seal_certificates.certificates(db, who["prov1"], ids["A"]) == []
    # the paper-signature choice is hall C's too
    page.paper["notice"].setChecked(True)
    wait_idle(qtbot)
    from counter_app.signing import signed_documents

    assert signed_documents.paper_docs(db, who["prov1"], ids["C"]) == ["notice"]
    assert signed_documents.paper_docs(db, who["admin1"]) == []
    window.close()


def test_a_province_admin_sets_the_customer_screen_of_a_chosen_hall(qtbot, three_halls):
    db, who, ids = three_halls
    window = open_main_window(qtbot, db, who["prov1"], size=(1024, 768))
    hallless_walk.close_dialogs()
    window.customer_settings_action.trigger()
    dialog = window.customer_settings_dialog
    qtbot.waitUntil(lambda: dialog.hall_box.isEnabled(), timeout=10_000)
    assert dialog.hall_choice.isVisible() and dialog.hall_choice.count() == 3
    dialog.hall_choice.setCurrentIndex(dialog.hall_choice.findData(ids["B"]))
    qtbot.waitUntil(lambda: dialog.loaded.hall_id == ids["B"] and dialog.hall_box.isEnabled(), timeout=10_000)
    dialog.timeout_spin.setValue(45)
    save_shot(dialog, "prov1_customer_settings_hall_b")
    dialog.save()
    wait_idle(qtbot)
    assert customer_settings.load(db, who["clerkb"]).rating_timeout_seconds == 45
    assert customer_settings.load(db, who["clerk1"]).rating_timeout_seconds == 60


def test_a_province_admin_exports_a_chosen_halls_applications(qtbot, three_halls, tmp_path):
    db, who, ids = three_halls
    window, page = open_page(qtbot, db, who["prov1"], "exchange")
    wait_idle(qtbot)
    assert page.hall.isVisible() and page.hall.count() == 3
    page.hall.setCurrentIndex(page.hall.findData(ids["B"]))
    save_shot(page, "prov1_exchange")
    page.export_to(tmp_path / "b.json")
    wait_idle(qtbot)
    text = (tmp_path / "b.json").read_text(encoding="utf-8")
    assert text.count("FZCS02-20261124-") == 3 and "FZGL01-" not in text
    json.loads(text)
    # a hall's clerk or admin has one hall: no choice offered
    _, own = open_page(qtbot, db, who["admin1"], "exchange")
    wait_idle(qtbot)
    assert not own.hall.isVisible()
