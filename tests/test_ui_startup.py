"""Start of day in the real dialogs: set-up on an empty database, sign-in, the PC's window, forced
password change, the main window; a database that is down or too new gives a message, not a traceback."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import select

from counter_app.hall import hall
from counter_app.infra.errors import DatabaseUnavailable, SchemaTooNew
from counter_app.models import AuditEntry
from counter_app.security import accounts, audit_trail
from counter_app.security import credentials as users
from counter_app.ui import app as appmod
from counter_app.ui.login_dialog import NOT_A_WINDOW, LoginDialog, PcSettings
from counter_app.ui.main_window import MainWindow
from counter_app.ui.password_dialog import PasswordDialog
from counter_app.ui.setup_dialog import SetupDialog
from tests.conftest import PASSWORD, setup_hall
from tests.qt_helpers import type_text
from tests.ui_driver import click_and_wait, when_modal

pytestmark = pytest.mark.usefixtures("app_state")  # make_application / run change app-wide state


def _actions(db):
    with db.read() as s:
        return [(e.username, e.action, e.outcome) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def clerk1_signs_in(db, pc_settings, flows) -> appmod.StartupFlow:
    """The start of day at window 1's PC: clerk1 signs in, the main window opens."""
    pc_settings.set_window_no("FZGL01", 1)
    when_modal("LoginDialog", lambda d: (d.username.setText("clerk1"), d.password.setText(PASSWORD),
                                         click_and_wait(d.login_button)))
    flow = appmod.StartupFlow(db, pc_settings, pc="PC-1")
    flows.append(flow)
    assert flow.begin()
    return flow


def fill_setup(d: SetupDialog, **override) -> None:
    values = dict(hall_name="福州鼓楼供电营业厅", hall_code="fzgl01", supervision_phone="0591-87654321",
                  address="福州市鼓楼区五四路100号", admin_username="admin", admin_name="林管理",
                  password="Hall2026x", password_repeat="Hall2026x")
    values.update(override)
    for field, value in values.items():
        edit = getattr(d, field)
        edit.clear()
        type_text(edit, value) if not value.isascii() else edit.setText(value)


# --- set-up dialog --------------------------------------------------------------------------------


def test_setup_dialog_marks_wrong_fields_and_keeps_input(qtbot, sqlite_db):
    d = SetupDialog(sqlite_db, pc="PC-1")
    qtbot.addWidget(d)
    fill_setup(d, supervision_phone="", password_repeat="Hall2026y")
    d.windows.setValue(6)
    d.finish_button.click()
    assert d.result() != SetupDialog.Accepted
    assert d.rows["supervision_phone"].error.text().startswith("请填写监督电话")
    assert d.rows["password_repeat"].error.text() == "两次输入的密码不一致"
    assert d.supervision_phone.property("invalid") == "true"
    assert d.rows["hall_name"].error.isHidden()
    assert d.hall_name.text() == "福州鼓楼供电营业厅" and d.password.text() == "Hall2026x"  # nothing lost
    d.supervision_phone.setText("0591-87654321")
    d.password_repeat.setText("Hall2026x")
    d.finish_button.click()
    assert d.result() == SetupDialog.Accepted and d.account.username == "admin"
    with sqlite_db.read() as s:
        h = hall.get_hall(s)
        assert (h.code, h.name, len(hall.windows(s))) == ("FZGL01", "福州鼓楼供电营业厅", 6)


def test_setup_dialog_accessible_names_match_labels(qtbot, sqlite_db):
    d = SetupDialog(sqlite_db)
    qtbot.addWidget(d)
    assert d.hall_name.accessibleName() == "营业厅名称"
    assert d.password_repeat.accessibleName() == "再次输入密码"
    assert d.windows.accessibleName() == "窗口数量"
    assert d.finish_button.accessibleName() == d.finish_button.text() == "完成设置"


# --- the whole start of day ------------------------------------------------------------------------


def test_empty_database_setup_then_login_then_main_window(qtbot, sqlite_db, pc_settings, flows):
    # GIVEN an empty database; WHEN the set-up is filled in, then the admin signs in at window 2
    setup = when_modal("SetupDialog", lambda d: (fill_setup(d), d.finish_button.click()))

    def login(d: LoginDialog):
        assert d.username.text() == "admin"  # carried over from the set-up
        assert d.window_combo.isEnabled()  # first sign-in on this PC: choose the window
        d.window_combo.setCurrentIndex(d.window_combo.findData(2))
        d.password.setText("Hall2026x")
        click_and_wait(d.login_button)

    login_state = when_modal("LoginDialog", login)
    flow = appmod.StartupFlow(sqlite_db, pc_settings, pc="PC-9")
    flows.append(flow)
    assert flow.begin()
    assert setup["done"] and login_state["done"]
    # THEN the main window shows hall, window, user and today's figures
    window = flow.session.window
    qtbot.waitUntil(window.isVisible)
    qtbot.waitUntil(lambda: flow.pc_registered is not None)  # registered off the GUI thread
    assert isinstance(window, MainWindow)
    qtbot.waitUntil(lambda: "今日受理" in window.figures_label.text())  # read off the GUI thread
    assert "福州鼓楼供电营业厅" in window.who_label.text() and "2号窗口" in window.who_label.text()
    assert "林管理" in window.who_label.text() and "今日受理 0 件" in window.figures_label.text()
    keys = window.page_keys()
    assert {"users", "audit"} <= set(keys) and "handover" not in keys  # an admin's pages, not a clerk's
    assert [a.text() for a in flow.session.account_menu.actions()] == ["锁定屏幕", "修改密码…", "退出登录"]
    assert pc_settings.window_no("FZGL01") == 2
    assert flow.session.actor.window_no == 2 and flow.session.actor.pc == "PC-9"
    assert _actions(sqlite_db) == [("setup", "setup", "ok"), ("setup", "user_add", "ok"), ("admin", "login", "ok")]
    # the PC is registered as a counter
    from counter_app.models import CounterPC

    with sqlite_db.read() as s:
        pcs = [(pc.hostname, pc.window_id is not None) for pc in s.scalars(select(CounterPC))]
    assert flow.pc_registered is True and pcs == [("PC-9", True)]  # (registered before the figures showed)


def test_window_choice_is_remembered_per_pc(qtbot, sqlite_db, pc_settings):
    setup_hall(sqlite_db)
    pc_settings.set_window_no("FZGL01", 3)
    d = LoginDialog(sqlite_db, accounts.start_info(sqlite_db), pc_settings, pc="PC-3")
    qtbot.addWidget(d)
    assert d.window_combo.currentData() == 3 and not d.window_combo.isEnabled()
    d.change_window.click()
    assert d.window_combo.isEnabled()
    d.window_combo.setCurrentIndex(d.window_combo.findData(NOT_A_WINDOW))
    d.username.setText("super1")
    d.password.setText(PASSWORD)
    click_and_wait(d.login_button)
    assert d.result() == LoginDialog.Accepted
    assert d.actor.window_no is None and pc_settings.window_no("FZGL01") == NOT_A_WINDOW


def test_login_messages_and_lockout(qtbot, sqlite_db, pc_settings):
    setup_hall(sqlite_db)
    d = LoginDialog(sqlite_db, accounts.start_info(sqlite_db), pc_settings, pc="PC-1")
    qtbot.addWidget(d)
    click_and_wait(d.login_button)
    assert d.username_row.error.text() == "请输入用户名"
    d.username.setText("clerk1")
    click_and_wait(d.login_button)
    assert d.password_row.error.text() == "请输入密码"
    for _ in range(users.MAX_FAILED_ATTEMPTS):
        d.password.setText("wrong-123")
        click_and_wait(d.login_button)
        # one message whatever the reason: it tells a stranger nothing about the account
        assert d.message.text() == users.SIGN_IN_REFUSED
        assert d.password.text() == "" and d.username.text() == "clerk1"
    d.password.setText(PASSWORD)
    click_and_wait(d.login_button)  # locked at this PC now: refused with the same message
    assert d.message.text() == users.SIGN_IN_REFUSED and d.result() != LoginDialog.Accepted


def test_clerk_needs_a_window(qtbot, sqlite_db, pc_settings):
    setup_hall(sqlite_db)
    with sqlite_db.write() as s:  # clerk2 has no default window
        s.execute(__import__("sqlalchemy").text("UPDATE user_account SET window_id = NULL WHERE username='clerk2'"))
    d = LoginDialog(sqlite_db, accounts.start_info(sqlite_db), pc_settings, pc="PC-1")
    qtbot.addWidget(d)
    d.window_combo.setCurrentIndex(d.window_combo.findData(NOT_A_WINDOW))
    d.username.setText("clerk2")
    d.password.setText(PASSWORD)
    click_and_wait(d.login_button)
    assert d.result() != LoginDialog.Accepted and "受理员须在受理窗口的电脑上登录" in d.message.text()
    d.window_combo.setCurrentIndex(d.window_combo.findData(4))
    d.password.setText(PASSWORD)
    click_and_wait(d.login_button)
    assert d.result() == LoginDialog.Accepted and d.actor.window_no == 4


def test_forced_password_change_before_the_main_window(qtbot, sqlite_db, pc_settings, flows):
    actors = setup_hall(sqlite_db)
    temporary = accounts.reset_password(sqlite_db, actors["admin1"], "clerk1")
    pc_settings.set_window_no("FZGL01", 1)

    def login(d):
        d.username.setText("clerk1")
        d.password.setText(temporary)
        click_and_wait(d.login_button)

    def change(d: PasswordDialog):
        assert d.forced and d.cancel_button.text() == "退出登录"
        d.old_password.setText(temporary)
        d.new_password.setText("Mine2026a")
        d.repeat_password.setText("Mine2026b")
        click_and_wait(d.ok_button)
        assert d.rows["repeat_password"].error.text() == "两次输入的新密码不一致"
        d.repeat_password.setText("Mine2026a")
        click_and_wait(d.ok_button)

    when_modal("LoginDialog", login)
    changed = when_modal("PasswordDialog", change)
    flow = appmod.StartupFlow(sqlite_db, pc_settings, pc="PC-1")
    flows.append(flow)
    assert flow.sign_in_and_open() and changed["done"]
    assert flow.session.actor.username == "clerk1"
    assert not accounts.must_change_password(sqlite_db, flow.session.actor)
    assert users.sign_in(sqlite_db, "clerk1", "Mine2026a").username == "clerk1"


def test_refusing_the_forced_change_goes_back_to_login(qtbot, sqlite_db, pc_settings, flows):
    actors = setup_hall(sqlite_db)
    temporary = accounts.reset_password(sqlite_db, actors["admin1"], "clerk1")
    pc_settings.set_window_no("FZGL01", 1)
    second = {}

    def give_up(d):
        second["username"] = d.username.text()
        d.quit_button.click()

    def refuse(d):
        when_modal("LoginDialog", give_up)  # the sign-in comes back after 退出登录
        d.cancel_button.click()

    when_modal("LoginDialog", lambda d: (d.username.setText("clerk1"), d.password.setText(temporary),
                                         click_and_wait(d.login_button)))
    when_modal("PasswordDialog", refuse)
    flow = appmod.StartupFlow(sqlite_db, pc_settings, pc="PC-1")
    flows.append(flow)
    assert flow.sign_in() is None
    assert second["username"] == "clerk1"
    assert [a for a in _actions(sqlite_db) if a[0] == "clerk1"] == [
        ("clerk1", "login", "ok"), ("clerk1", "logout", "ok")]


# --- database trouble -----------------------------------------------------------------------------


def test_database_down_offers_retry_and_exit(qtbot, monkeypatch, sqlite_url):
    calls = {"n": 0}
    real_connect = appmod.connect

    def flaky(url):
        calls["n"] += 1
        if calls["n"] == 1:
            raise DatabaseUnavailable("无法连接数据库 postgresql://hall/db：connection refused")
        return real_connect(url)

    monkeypatch.setattr(appmod, "connect", flaky)
    seen = {}

    def retry(box: QMessageBox):
        seen["text"] = box.text()
        seen["buttons"] = [b.text() for b in box.buttons()]
        next(b for b in box.buttons() if b.text() == "重试").click()

    when_modal("databaseDownBox", retry)
    db = appmod.open_database_interactive(sqlite_url)
    assert db is not None and calls["n"] == 2
    assert "connection refused" in seen["text"] and "重试" in seen["text"]
    assert sorted(seen["buttons"]) == sorted(["重试", "退出"])
    db.dispose()


def test_unreachable_postgresql_then_exit(qtbot):
    seen = {}

    def leave(box: QMessageBox):
        seen["text"] = box.text()
        next(b for b in box.buttons() if b.text() == "退出").click()

    when_modal("databaseDownBox", leave)
    assert appmod.open_database_interactive("postgresql+psycopg://nobody@127.0.0.1:9/none") is None
    assert "无法连接数据库" in seen["text"] and "Traceback" not in seen["text"]


def test_schema_too_new_says_so_and_exits(qtbot, monkeypatch):
    def too_new(url):
        raise SchemaTooNew("数据库结构版本 0099 比本程序新，请先将本程序升级到最新版本再打开此数据库。")

    monkeypatch.setattr(appmod, "connect", too_new)
    seen = {}
    when_modal(QMessageBox, lambda box: (seen.setdefault("text", box.text()), box.accept()))
    assert appmod.open_database_interactive("sqlite://") is None
    assert "比本程序新" in seen["text"] and "程序将退出" in seen["text"]


def test_connect_upgrades_an_empty_file_and_records_later_upgrades(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    db = appmod.connect(url)
    with db.read() as s:
        assert not hall.is_set_up(s) and audit_trail.count(s, audit_trail.AuditFilter()) == 0  # a fresh file: no entry
    db.dispose()


# --- the command ----------------------------------------------------------------------------------


def test_counter_app_without_subcommand_starts_the_window(qtbot, sqlite_url, monkeypatch, tmp_path):
    """``counter-app --db URL``: set-up, sign-in, main window; closing it ends the program with 0."""
    from counter_app import cli

    QSettings.setPath(QSettings.NativeFormat, QSettings.UserScope, str(tmp_path / "qsettings"))
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(tmp_path / "qsettings"))
    monkeypatch.setattr(appmod, "PcSettings", lambda: PcSettings(QSettings(str(tmp_path / "pc.ini"),
                                                                           QSettings.IniFormat)))
    shown = {}

    def close_main():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if not windows or "今日受理" not in windows[0].figures_label.text():  # figures come off the GUI thread
            from PySide6.QtCore import QTimer
            QTimer.singleShot(50, close_main)
            return
        shown["who"] = windows[0].who_label.text()
        windows[0].close()

    when_modal("SetupDialog", lambda d: (fill_setup(d), d.finish_button.click()))

    def login(d):
        d.password.setText("Hall2026x")
        click_and_wait(d.login_button)
        from PySide6.QtCore import QTimer
        QTimer.singleShot(50, close_main)

    when_modal("LoginDialog", login)
    assert cli.main(["--db", sqlite_url]) == 0
    assert "福州鼓楼供电营业厅" in shown["who"]
    db = appmod.connect(sqlite_url)
    assert [a[1] for a in _actions(db)] == ["setup", "user_add", "login", "logout"]
    db.dispose()


def test_font_choice_prefers_a_cjk_family():
    assert appmod.pick_ui_font_family(["DejaVu Sans", "WenQuanYi Micro Hei"]) == "WenQuanYi Micro Hei"
    assert appmod.pick_ui_font_family(["Microsoft YaHei", "SimSun"]) == "Microsoft YaHei"
    assert appmod.pick_ui_font_family(["DejaVu Sans"]) is None


def test_make_application_sets_chinese_font_and_style(qtbot):
    app = appmod.make_application()
    assert app.font().family() in appmod.CJK_FAMILIES
    assert 'invalid="true"' in app.styleSheet()
    assert QMessageBox(QMessageBox.Question, "t", "x", QMessageBox.Ok | QMessageBox.Cancel).button(
        QMessageBox.Cancel).text() == "取消"


def test_logout_brings_back_the_sign_in_for_the_next_person(qtbot, sqlite_db, pc_settings, flows):
    setup_hall(sqlite_db)
    flow = clerk1_signs_in(sqlite_db, pc_settings, flows)
    first_window = flow.session.window
    # the next clerk of the shift signs in at the same PC
    second = when_modal("LoginDialog", lambda d: (d.username.setText("clerk2"), d.password.setText(PASSWORD),
                                                  click_and_wait(d.login_button)))
    flow.session.logout_action.trigger()
    qtbot.waitUntil(lambda: second["done"] and flow.session is not None, timeout=5000)
    assert flow.session.actor.username == "clerk2" and flow.session.actor.window_no == 1
    assert flow.session.window is not first_window and flow.session.window.isVisible()
    assert [a for a in _actions(sqlite_db) if a[1] in ("login", "logout")] == [
        ("clerk1", "login", "ok"), ("clerk1", "logout", "ok"), ("clerk2", "login", "ok")]


def test_the_start_of_day_does_its_database_work_off_the_gui_thread(qtbot, sqlite_url, sqlite_db, pc_settings,
                                                                    flows, monkeypatch):
    """A server across the network must not freeze the window: opening the database, reading the
    hall, registering the PC and recording the logout all run on the background helper's threads."""
    import threading

    from counter_app.hall import counter_pcs

    setup_hall(sqlite_db)
    on_gui: list[str] = []
    for owner, name in ((accounts, "start_info"), (counter_pcs, "on_sign_in"), (users, "record_session_event"),
                        (appmod, "connect")):
        real = getattr(owner, name)

        def watched(*args, _real=real, _name=name, **kwargs):
            if threading.current_thread() is threading.main_thread():
                on_gui.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(owner, name, watched)
    db = appmod.open_database_interactive(sqlite_url)
    flow = clerk1_signs_in(db, pc_settings, flows)
    qtbot.waitUntil(lambda: flow.pc_registered is not None)
    quit_at_next = when_modal("LoginDialog", lambda d: d.quit_button.click())
    monkeypatch.setattr(QApplication, "quit", lambda: None)  # the test's application goes on
    flow.session.logout_action.trigger()
    qtbot.waitUntil(lambda: quit_at_next["done"] and flow.session is None)
    db.dispose()
    assert flow.pc_registered is True
    assert [a for a in _actions(sqlite_db) if a[1] in ("login", "logout")] == [
        ("clerk1", "login", "ok"), ("clerk1", "logout", "ok")]
    assert on_gui == []


def test_idle_lock_time_is_a_hall_setting_the_admin_changes(qtbot, sqlite_db, pc_settings, flows):
    from counter_app.hall import settings_admin as settings_service
    from counter_app.infra.errors import ValidationFailed
    from counter_app.ui.settings_dialog import SettingsDialog

    actors = setup_hall(sqlite_db)
    admin = actors["admin1"]
    assert settings_service.load(sqlite_db, admin).idle_lock_minutes == 10  # the default
    settings_service.save(sqlite_db, admin, settings_service.SettingsUpdate(idle_lock_minutes=3))
    with pytest.raises(ValidationFailed, match="0至240分钟"):
        settings_service.save(sqlite_db, admin, settings_service.SettingsUpdate(idle_lock_minutes=241))
    assert accounts.start_info(sqlite_db).idle_lock_minutes == 3
    dialog = SettingsDialog(sqlite_db, admin)
    qtbot.addWidget(dialog)
    assert dialog.idle_lock.value() == 3 and dialog.idle_lock.accessibleName() == "无操作锁屏"
    # the next sign-in locks after 3 minutes
    flow = clerk1_signs_in(sqlite_db, pc_settings, flows)
    qtbot.waitUntil(lambda: flow.session.idle.timeout_ms == 3 * 60_000)  # the setting is read off the GUI thread
    with sqlite_db.read() as s:
        assert audit_trail.count(s, audit_trail.AuditFilter(action="settings_change", username="admin1")) == 1
