"""Issue 20 on SQLite (the app's own rules; PostgreSQL's row-level security is tested in
test_pg_hall_isolation): two halls in one database keep their numbering, registers, warnings,
windows and staff apart, while customers and certificates are shared (一证受理 anywhere). Halls are
added from the command line and from the main window's 管理 → 营业厅管理."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from counter_app import cli
from counter_app.acceptance import customer_file
from counter_app.acceptance import service as acceptance
from counter_app.hall import hall as hall_mod
from counter_app.hall import many_halls
from counter_app.infra import clock
from counter_app.infra.context import system_actor
from counter_app.infra.errors import PermissionDenied, UserError, ValidationFailed
from counter_app.models import HallGrant, User
from counter_app.reporting import registers
from counter_app.reporting.registers import RegisterFilter
from counter_app.security import accounts
from counter_app.security import credentials as users
from counter_app.tracking import warning_list
from tests.acceptance_helpers import residential
from tests.conftest import PASSWORD, setup_hall
from tests.factories import resident_id

NOW = dt.datetime(2026, 11, 24, 9, 30)
SHARED_CERT = resident_id(501)


@pytest.fixture
def two_halls(hall_db):
    """Hall A (FZGL01, setup_hall's) and hall B (FZCS02, 2 windows) with a clerk, a supervisor and an
    admin, and a city supervisor without a hall who is granted both."""
    db, a = hall_db
    clock.freeze(NOW)
    added = many_halls.add_hall(db, system_actor(), code="fzcs02", name="福州仓山供电营业厅",
                                supervision_phone="0591-88888888", windows=2)
    with db.write() as session:
        window = hall_mod.window_by_number(session, 1, added.id)
        made = {}
        for username, role in (("clerkb", "clerk"), ("superb", "supervisor"), ("adminb", "admin")):
            user = users.create_user(session, system_actor(added.id), username, role=role, name=f"{username}名",
                                     password=PASSWORD, window_no=1 if role == "clerk" else None,
                                     must_change_password=False, hall_id=added.id)
            made[username] = users.actor_for(user, hall_id=added.id, window=window, pc="pc-b")
        city = users.create_user(session, system_actor(None), "city1", role="supervisor", name="市公司督查",
                                 password=PASSWORD, must_change_password=False, hall_id=None)
        city.hall_id = None  # the PC's own user put it in the first hall; a city account has none
        session.add_all([HallGrant(user_id=city.id, hall_id=a["clerk1"].hall_id, granted_at=NOW),
                         HallGrant(user_id=city.id, hall_id=added.id, granted_at=NOW)])
        session.flush()
        made["city1"] = users.actor_for(city, hall_id=None, window=None, pc="pc-city",
                                        hall_grants=(a["clerk1"].hall_id, added.id))
    yield db, {**a, **made}, added
    clock.freeze(None)


def test_each_hall_numbers_its_own_applications(two_halls):
    db, who, hall_b = two_halls
    first_a = acceptance.save(db, who["clerk1"], residential(resident_id(1)))
    first_b = acceptance.save(db, who["clerkb"], residential(resident_id(2)))
    second_b = acceptance.save(db, who["clerkb"], residential(resident_id(3)))
    assert first_a.number == "FZGL01-20261124-0001"
    assert (first_b.number, second_b.number) == ("FZCS02-20261124-0001", "FZCS02-20261124-0002")


def test_a_certificate_accepted_in_one_hall_is_on_file_in_the_next(two_halls):
    db, who, _ = two_halls
    acceptance.save(db, who["clerk1"], residential(SHARED_CERT, holder_name="周共享"))
    known = customer_file.lookup_customer(db, who["clerkb"], "id_card", SHARED_CERT)
    assert known is not None and known.name == "周共享" and known.certificate_known
    again = acceptance.save(db, who["clerkb"], residential(SHARED_CERT, holder_name="周共享"))
    assert again.number.startswith("FZCS02-")


def test_a_name_search_finds_the_own_halls_case_among_many_newer_of_other_halls(two_halls):
    """Customers are shared, so a common name matches customers of every hall: the newest 201 of the
    whole province must not crowd out the searching hall's own (benchmark 10: 79 of 300 missed)."""
    from counter_app.tracking import application_search
    from tests.factories import make_accepted_application, make_customer

    db, who, _ = two_halls
    own = acceptance.save(db, who["clerkb"], residential(resident_id(502), holder_name="王五"))
    clerk_a = who["clerk1"]
    with db.write() as session:
        for n in range(application_search.MAX_RESULTS + 1):
            make_accepted_application(session, make_customer(session, name=f"王某{n}"), window_id=clerk_a.window_id,
                                      clerk_id=clerk_a.user_id, accepted_at=NOW + dt.timedelta(minutes=n + 1))
    found = application_search.search(db, who["clerkb"], "王")
    assert [f.number for f in found.rows] == [own.number]


def test_registers_and_warnings_are_per_hall_and_a_city_supervisor_sees_both(two_halls):
    db, who, hall_b = two_halls
    acceptance.save(db, who["clerk1"], residential(resident_id(11)))
    acceptance.save(db, who["clerkb"], residential(resident_id(12)))
    acceptance.save(db, who["clerkb"], residential(resident_id(13)))

    def numbers(actor, flt=RegisterFilter()):
        return sorted(row[0] for row in registers.fetch(db, actor, "register", flt, 0, 50))

    assert numbers(who["super1"]) == ["FZGL01-20261124-0001"]
    assert numbers(who["superb"]) == ["FZCS02-20261124-0001", "FZCS02-20261124-0002"]
    assert registers.count(db, who["superb"], "register", RegisterFilter()) == 2
    city = who["city1"]
    assert len(numbers(city)) == 3
    assert numbers(city, RegisterFilter(hall_id=hall_b.id)) == ["FZCS02-20261124-0001", "FZCS02-20261124-0002"]
    with pytest.raises(ValidationFailed):  # a hall's supervisor may not pick another hall
        registers.count(db, who["super1"], "register", RegisterFilter(hall_id=hall_b.id))
    choices = registers.filter_choices(db, city)
    assert [name for _id, name in choices.halls] == ["福州仓山供电营业厅", "福州鼓楼供电营业厅"]
    assert registers.filter_choices(db, who["super1"]).halls == []

    clock.freeze(NOW + dt.timedelta(days=20))  # every case is overdue by now
    assert {r.number[:6] for r in warning_list.warning_list(db, who["super1"])} == {"FZGL01"}
    both = warning_list.warning_list(db, city)
    assert {(r.number[:6], r.hall_name) for r in both} == {("FZGL01", "福州鼓楼供电营业厅"), ("FZCS02", "福州仓山供电营业厅")}
    only_b = warning_list.warning_list(db, city, hall_id=hall_b.id)
    assert {r.number[:6] for r in only_b} == {"FZCS02"} and len(only_b) == 2
    assert many_halls.hall_choices(db, city) == [(hall_b.id, "福州仓山供电营业厅"), (who["clerk1"].hall_id, "福州鼓楼供电营业厅")]
    assert many_halls.hall_choices(db, who["super1"]) == []


def test_windows_staff_and_settings_belong_to_their_hall(two_halls):
    db, who, hall_b = two_halls
    with db.read() as session:
        assert [w.number for w in hall_mod.windows(session, hall_b.id)] == [1, 2]
        assert hall_mod.window_by_number(session, 1, hall_b.id).id == who["clerkb"].window_id != who["clerk1"].window_id
    assert accounts.hall_windows(db, who["adminb"]) == [(1, "1号窗口"), (2, "2号窗口")]  # the users page offers these
    assert len(accounts.hall_windows(db, who["admin1"])) == 4
    listed = {a.username: a.hall_code for a in accounts.list_accounts(db, who["adminb"])}
    assert listed == {"clerkb": "FZCS02", "superb": "FZCS02", "adminb": "FZCS02"}
    assert not {"clerkb", "superb", "adminb", "city1"} & {a.username for a in accounts.list_accounts(db, who["admin1"])}
    with db.write() as session:
        hall_mod.set_setting(session, who["adminb"], hall_b.id, "counter_standard_minutes", 30)
    with db.read() as session:
        assert hall_mod.get_setting(session, "counter_standard_minutes", hall_b.id) == 30
        assert hall_mod.get_setting(session, "counter_standard_minutes", who["admin1"].hall_id) == 20
    assert hall_mod.DEFAULT_SETTINGS["counter_standard_minutes"] == 20


def test_the_status_bar_counts_the_own_hall(two_halls):
    from counter_app.reporting import overview

    db, who, hall_b = two_halls
    acceptance.save(db, who["clerk1"], residential(resident_id(41)))
    acceptance.save(db, who["clerkb"], residential(resident_id(42)))
    acceptance.save(db, who["clerkb"], residential(resident_id(43)))
    assert overview.counter_figures(db, who["super1"]).accepted_today == 1
    assert overview.counter_figures(db, who["superb"]).accepted_today == 2
    # a city supervisor over both halls: their sums, named as such (not one hall's name)
    city = overview.counter_figures(db, who["city1"])
    assert (city.hall_name, city.accepted_today, city.halls) == ("所辖2个营业厅", 3, 2)


def test_a_hall_code_is_taken_once_and_only_some_may_add_halls(two_halls):
    db, who, _ = two_halls
    with pytest.raises(ValidationFailed) as taken:
        many_halls.add_hall(db, system_actor(), code="FZCS02", name="重复", supervision_phone="0591-1111111")
    assert "已被使用" in taken.value.errors["code"]
    with pytest.raises(PermissionDenied):
        many_halls.add_hall(db, who["super1"], code="FZJA03", name="晋安", supervision_phone="0591-1111111")
    assert many_halls.may_add_halls(db, who["admin1"])  # one PC: the admin
    assert not many_halls.may_add_halls(db, who["clerk1"])


# --- from the command line ------------------------------------------------------------------------


@pytest.fixture
def hall_url(sqlite_url, sqlite_db, monkeypatch):
    setup_hall(sqlite_db)
    monkeypatch.setenv("COUNTER_APP_PASSWORD", PASSWORD)
    return sqlite_url


def test_hall_add_list_and_user_add_in_a_hall_from_the_command_line(hall_url, sqlite_db, capsys):
    assert cli.main(["--db", hall_url, "--user", "admin1", "hall", "add", "FZCS02", "--name", "福州仓山供电营业厅",
                     "--supervision-phone", "0591-88888888", "--windows", "3"]) == 0
    assert "已新增营业厅 FZCS02 福州仓山供电营业厅，3 个窗口" in capsys.readouterr().out
    assert cli.main(["--db", hall_url, "--user", "clerk1", "hall", "add", "FZJA03", "--name", "晋安",
                     "--supervision-phone", "0591-88888888"]) == 1
    assert "管理员" in capsys.readouterr().err
    assert cli.main(["--db", hall_url, "hall", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out[1:]] == ["FZCS02", "FZGL01"]
    assert out[1].split()[-2:] == ["3", "0"]
    # a supervisor is given the second hall too; a clerk may not give it
    assert cli.main(["--db", hall_url, "--user", "clerk1", "hall", "grant", "super1", "FZCS02"]) == 1
    assert "所有者" in capsys.readouterr().err
    assert cli.main(["--db", hall_url, "--user", "admin1", "hall", "grant", "super1", "FZCS02"]) == 0
    assert "用户 super1 现可查看以下营业厅的台账和预警：FZCS02、FZGL01" in capsys.readouterr().out
    with sqlite_db.read() as session:
        hall_b = hall_mod.hall_by_code(session, "FZCS02")
        assert len(hall_mod.windows(session, hall_b.id)) == 3


def test_user_add_in_another_hall_puts_the_account_there(hall_url, sqlite_db, capsys, monkeypatch):
    """The rule of PostgreSQL on SQLite too (hall.manages_hall): an admin of a hall adds staff to its
    own hall only; a province admin (of no hall) to any hall."""
    import io
    import sys

    cli.main(["--db", hall_url, "--user", "admin1", "hall", "add", "FZCS02", "--name", "福州仓山供电营业厅",
              "--supervision-phone", "0591-88888888", "--windows", "2"])
    with sqlite_db.write() as session:
        prov = users.create_user(session, system_actor(None), "prov1", role="admin", name="省公司管理员",
                                 password=PASSWORD, must_change_password=False)
        prov.hall_id = None  # a province admin belongs to no hall
    capsys.readouterr()
    add_clerkb = ["user", "add", "clerkb", "--role", "clerk", "--name", "仓山受理员", "--window", "2",
                  "--hall", "FZCS02", "--password-stdin"]
    # GIVEN admin1 of hall FZGL01: refused, by name, and nothing is created
    monkeypatch.setattr(sys, "stdin", io.StringIO("Passw0rd77\n"))
    assert cli.main(["--db", hall_url, "--user", "admin1", *add_clerkb]) == 1
    assert ("营业厅 FZCS02 不在您的管理范围内：您只能为本营业厅（福州鼓楼供电营业厅，FZGL01）新建账号"
            in capsys.readouterr().err)
    with sqlite_db.read() as session:
        assert session.scalar(select(User).where(User.username == "clerkb")) is None
    # WHEN the province admin adds it: THEN it is in hall FZCS02, at that hall's window 2
    monkeypatch.setattr(sys, "stdin", io.StringIO("Passw0rd77\n"))
    assert cli.main(["--db", hall_url, "--user", "prov1", *add_clerkb]) == 0
    assert "营业厅 FZCS02" in capsys.readouterr().out
    with sqlite_db.read() as session:
        user = session.scalar(select(User).where(User.username == "clerkb"))
        hall_b = hall_mod.hall_by_code(session, "FZCS02")
        assert user.hall_id == hall_b.id
        assert hall_mod.window_by_number(session, 2, hall_b.id).id == user.window_id
    # and the hall's own admin can manage what the province admin made, the other hall's cannot see it
    assert "clerkb" not in {a.username for a in accounts.list_accounts(
        sqlite_db, accounts_actor(sqlite_db, "admin1"))}
    monkeypatch.setattr(sys, "stdin", io.StringIO("Passw0rd77\n"))
    assert cli.main(["--db", hall_url, "--user", "prov1", "user", "add", "clerkx", "--role", "clerk",
                     "--name", "无此厅", "--hall", "NOPE99", "--password-stdin"]) == 1
    assert "营业厅 NOPE99 不存在" in capsys.readouterr().err


def accounts_actor(db, username: str):
    user = users.sign_in(db, username, PASSWORD, pc="pc-test")
    return accounts.actor_at(db, user, window_no=None, pc="pc-test")


def test_an_actor_signs_in_to_its_own_hall(two_halls):
    db, who, hall_b = two_halls
    user = users.sign_in(db, "clerkb", PASSWORD, pc="pc-b")
    actor = accounts.actor_at(db, user, window_no=2, pc="pc-b")
    assert actor.hall_id == hall_b.id and actor.hall_grants == ()
    city = accounts.actor_at(db, users.sign_in(db, "city1", PASSWORD, pc="pc-city"), window_no=None, pc="pc-city")
    assert city.hall_id is None and city.hall_grants == tuple(sorted((who["clerk1"].hall_id, hall_b.id)))
    with db.read() as session:
        assert actor.window_id == hall_mod.window_by_number(session, 2, hall_b.id).id
    with pytest.raises(UserError):
        with db.read() as session:
            hall_mod.require_hall(session, who["city1"])  # two halls, none of its own: say which


# --- from the main window -------------------------------------------------------------------------


def test_an_admin_adds_a_hall_from_the_main_window(qtbot, sqlite_db, monkeypatch):
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from counter_app.hall import calendar_notice
    from counter_app.ui.halls_dialog import HallsDialog
    from counter_app.ui.main_window import MainWindow
    from tests.qt_helpers import type_text

    monkeypatch.setattr(calendar_notice, "next_year_notice", lambda *_a: None)
    who = setup_hall(sqlite_db)
    window = MainWindow(sqlite_db, who["admin1"])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5000)
    assert "营业厅管理…" in [a.text() for a in window.menus["管理"].actions()]
    # WHEN the admin presses Ctrl+Shift+M
    QTest.keyClick(QApplication.focusWidget(), Qt.Key_M, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.waitUntil(lambda: isinstance(getattr(window, "last_dialog", None), HallsDialog), timeout=10_000)
    dialog = window.last_dialog
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=10_000)
    assert dialog.table.item(0, 0).text() == "FZGL01"
    qtbot.keyClicks(dialog.code, "fzcs02")
    type_text(dialog.name, "福州仓山供电营业厅")
    qtbot.keyClicks(dialog.supervision_phone, "12")  # too short: said at the field
    qtbot.mouseClick(dialog.add_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(dialog.rows["supervision_phone"].error.text()), timeout=10_000)
    assert "监督电话" in dialog.rows["supervision_phone"].error.text()
    assert dialog.name.text() == "福州仓山供电营业厅"  # nothing typed is lost
    dialog.supervision_phone.clear()
    qtbot.keyClicks(dialog.supervision_phone, "0591-88888888")
    qtbot.mouseClick(dialog.add_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=10_000)
    assert sorted(dialog.table.item(r, 0).text() for r in range(2)) == ["FZCS02", "FZGL01"]
    assert "已新增营业厅 FZCS02" in dialog.message.text() or dialog.message.text() == "共 2 个营业厅"
    with sqlite_db.read() as session:
        assert len(hall_mod.windows(session, hall_mod.hall_by_code(session, "FZCS02").id)) == 4
    dialog.close()


def test_a_clerk_has_no_halls_entry(qtbot, sqlite_db):
    from counter_app.ui.main_window import MainWindow

    who = setup_hall(sqlite_db)
    window = MainWindow(sqlite_db, who["clerk1"])
    qtbot.addWidget(window)
    assert "halls" not in window.dialog_actions


def test_a_city_supervisor_picks_a_hall_in_the_registers_and_warnings_pages(qtbot, two_halls, monkeypatch):
    from counter_app.hall import calendar_notice
    from counter_app.ui.main_window import MainWindow

    monkeypatch.setattr(calendar_notice, "next_year_notice", lambda *_a: None)
    db, who, hall_b = two_halls
    acceptance.save(db, who["clerk1"], residential(resident_id(21)))
    acceptance.save(db, who["clerkb"], residential(resident_id(22)))
    acceptance.save(db, who["clerkb"], residential(resident_id(23)))
    window = MainWindow(db, who["city1"])
    qtbot.addWidget(window)
    page = window.page("registers")
    names = [page.hall_combo.itemText(i) for i in range(page.hall_combo.count())]
    assert names == ["全部营业厅", "福州仓山供电营业厅", "福州鼓楼供电营业厅"] and not page.hall_combo.isHidden()
    qtbot.waitUntil(lambda: "共 3 条" in page.count_label.text(), timeout=10_000)  # both halls in one view
    page.hall_combo.setCurrentIndex(names.index("福州仓山供电营业厅"))
    page.query()
    qtbot.waitUntil(lambda: "共 2 条" in page.count_label.text(), timeout=10_000)

    clock.freeze(NOW + dt.timedelta(days=20))
    warnings_page = window.page("warnings")
    qtbot.waitUntil(lambda: warnings_page.hall_filter.count() == 3 and warnings_page.model.rowCount() == 3,
                    timeout=10_000)
    assert not warnings_page.hall_filter.isHidden()
    warnings_page.hall_filter.setCurrentIndex(warnings_page.hall_filter.findData(hall_b.id))
    qtbot.waitUntil(lambda: warnings_page.model.rowCount() == 2, timeout=10_000)


def test_one_hall_shows_no_hall_filter(qtbot, hall_db):
    from counter_app.ui.main_window import MainWindow

    db, who = hall_db
    window = MainWindow(db, who["super1"])
    qtbot.addWidget(window)
    assert window.page("registers").hall_combo.isHidden()
    assert window.page("warnings").hall_filter.isHidden()


def test_an_exchange_job_for_several_halls_names_the_hall(two_halls, tmp_path):
    import json

    from counter_app.reporting import exchange

    db, who, hall_b = two_halls
    acceptance.save(db, who["clerk1"], residential(resident_id(31)))
    acceptance.save(db, who["clerkb"], residential(resident_id(32)))
    with db.write() as session:
        job = users.create_user(session, system_actor(None), "xchg", role="exchange", name="数据交换",
                                password=PASSWORD, must_change_password=False)
        job.hall_id = None
        session.flush()
        actor = users.actor_for(job, hall_id=None, window=None, pc="server")
    with pytest.raises(UserError, match="多个营业厅"):
        exchange.export(db, actor, tmp_path / "all.json")
    exchange.export(db, actor, tmp_path / "b.json", hall_code="FZCS02")
    data = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    assert data["hall_code"] == "FZCS02"
    assert [a["number"] for a in data["applications"]] == ["FZCS02-20261124-0001"]


def test_a_city_supervisor_picks_the_hall_of_the_overview(qtbot, two_halls, monkeypatch):
    from counter_app.hall import calendar_notice
    from counter_app.ui.kit import background
    from counter_app.ui.main_window import MainWindow

    monkeypatch.setattr(calendar_notice, "next_year_notice", lambda *_a: None)
    db, who, hall_b = two_halls
    window = MainWindow(db, who["city1"])
    qtbot.addWidget(window)
    page = window.page("overview")
    qtbot.waitUntil(lambda: page.hall.count() == 2 and page.heading.text().startswith("福州"), timeout=10_000)
    assert not page.hall.isHidden()
    for hall_id, name in ((hall_b.id, "福州仓山供电营业厅"), (who["clerk1"].hall_id, "福州鼓楼供电营业厅")):
        qtbot.waitUntil(lambda: background.pending() == 0, timeout=10_000)  # the last refresh is in
        page.hall.setCurrentIndex(page.hall.findData(hall_id))
        qtbot.waitUntil(lambda name=name: page.heading.text().startswith(name) and background.pending() == 0,
                        timeout=10_000)
