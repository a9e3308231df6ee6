"""Issue 14 in the window, against a throwaway cluster that checks scram-sha-256 passwords: the
counter PC's URL names host, port and database only; the real sign-in dialog connects as the person,
with one message for a wrong password and an unknown, disabled or locked account; the app's session
is then that person's login; the forced password change and the idle lock's unlock go through the
database too."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import create_engine, text

from counter_app.hall import hall as halls
from counter_app.infra import schema_upgrade as schema
from counter_app.infra.context import system_actor
from counter_app.infra.db import Database
from counter_app.security import db_logins, db_sign_in
from counter_app.ui import app as appmod
from counter_app.ui.login_dialog import LoginDialog
from counter_app.ui.main_window import MainWindow
from counter_app.ui.password_dialog import PasswordDialog
from tests.pg_cluster import scram_cluster  # noqa: F401  (fixture)
from tests.ui_driver import click_and_wait, when_modal

pytestmark = [pytest.mark.pg, pytest.mark.usefixtures("app_state")]  # appmod.run changes app-wide state

DB = "hall_ui"
OWNER, OWNER_PW = "ui_owner", "Own3r-Secret-pw9"
PW = "Passw0rd1x"
STAFF = [("admin1", "admin", "林管理", None), ("clerk1", "clerk", "王小明", 1), ("super1", "supervisor", "赵班长", None),
         ("clerk8", "clerk", "锁定的", 2), ("clerk9", "clerk", "停用的", 3), ("fresh1", "clerk", "新来的", 4)]


@pytest.fixture(scope="module")
def hall(scram_cluster):  # noqa: F811
    scram_cluster.owned_database(DB, OWNER, OWNER_PW)
    port = scram_cluster.port
    owner = Database(create_engine(f"postgresql+psycopg://{OWNER}:{OWNER_PW}@127.0.0.1:{port}/{DB}"))
    schema.upgrade(owner.engine)
    with owner.write() as session:
        halls.create_hall(session, system_actor(), code="FZGL01", name="福州鼓楼供电营业厅",
                          supervision_phone="0591-87654321", address="福州市鼓楼区五四路100号", phone="0591-87000000")
        windows = {w.number: w.id for w in halls.windows(session)}
        for username, role, name, window in STAFF:
            db_logins.create_account(session, username=username, name=name, role=role,
                                     window_id=windows.get(window), password=PW)
        session.execute(text("UPDATE user_account SET must_change_password = false WHERE username <> 'fresh1'"))
        session.execute(text("UPDATE user_account SET locked_until = now() + interval '1 hour' "
                             "WHERE username = 'clerk8'"))
        db_logins.set_active(session, "clerk9", False)
    yield {"counter": f"postgresql+psycopg://127.0.0.1:{port}/{DB}", "owner": owner}
    owner.dispose()


def test_a_counter_url_with_a_user_or_password_is_refused(qtbot):
    assert db_sign_in.counter_url_problem("postgresql+psycopg://hall.example:5432/hall_a") is None
    for url in ("postgresql+psycopg://counter_app:secret@hall.example/hall_a",
                "postgresql+psycopg://counter_app@hall.example/hall_a"):
        assert "不应包含数据库用户名或密码" in db_sign_in.counter_url_problem(url)
    shown = when_modal(QMessageBox, lambda box: (setattr_text(shown, box), box.accept()))
    assert appmod.run("postgresql+psycopg://counter_app:secret@127.0.0.1:1/hall_a") == appmod.EXIT_FAILED
    assert shown["done"] and "不应包含数据库用户名或密码" in shown["text"] and "secret" not in shown["text"]


def setattr_text(state: dict, box: QMessageBox) -> None:
    state["text"] = box.text()


def test_wrong_unknown_disabled_and_locked_get_one_message(qtbot, hall, pc_settings):
    d = LoginDialog(None, pc_settings.remembered_hall(hall["counter"]), pc_settings, pc="PC-1", target=hall["counter"])
    qtbot.addWidget(d)
    messages = {}
    for username, password in (("clerk1", "Wrong-pass-1"), ("nobody", PW), ("clerk9", PW), ("clerk8", PW)):
        d.username.setText(username)
        d.password.setText(password)
        click_and_wait(d.login_button, d)
        messages[username] = d.message.text()
        assert d.result() != LoginDialog.Accepted and d.password.text() == ""
    assert set(messages.values()) == {db_sign_in.SIGN_IN_REFUSED}, messages


def test_sign_in_connects_as_the_person_and_the_window_is_theirs(qtbot, hall, pc_settings, flows):
    # GIVEN a PC that never signed in to this hall: the first right password asks for the window
    def first(d: LoginDialog):
        d.username.setText("clerk1")
        d.password.setText(PW)
        click_and_wait(d.login_button, d)
        assert "请选择本机对应的窗口" in d.message.text() and d.window_combo.findData(1) >= 0
        d.window_combo.setCurrentIndex(d.window_combo.findData(1))
        d.password.setText(PW)
        click_and_wait(d.login_button, d)

    state = when_modal("LoginDialog", first)
    flow = appmod.StartupFlow(None, pc_settings, pc="PC-1", target=hall["counter"])
    flows.append(flow)
    assert flow.begin() and state["done"]
    window = flow.session.window
    qtbot.waitUntil(window.isVisible)
    assert isinstance(window, MainWindow) and "1号窗口" in window.who_label.text()
    # THEN every connection of the app is clerk1's own login, and the password is in no URL
    with flow.db.read() as s:
        assert s.scalar(text("SELECT session_user")) == f"clerk1@{DB}"
    assert PW not in flow.db.url and PW not in repr(flow.db.engine.url)
    assert pc_settings.window_no("FZGL01") == 1
    assert pc_settings.remembered_hall(hall["counter"]).hall_name == "福州鼓楼供电营业厅"
    # the idle lock asks the database: a wrong password stays locked, the right one unlocks
    flow.session.idle.lock_now()
    lock = flow.session.idle.dialog
    lock.password.setText("Wrong-pass-1")
    click_and_wait(lock.unlock_button, lock)
    assert flow.session.idle.is_locked() and db_sign_in.SIGN_IN_REFUSED in lock.message.text()
    lock.password.setText(PW)
    click_and_wait(lock.unlock_button, lock)
    assert not flow.session.idle.is_locked()
    with hall["owner"].read() as s:
        trail = s.execute(text("SELECT username, action FROM audit_entry WHERE username = 'clerk1' "
                               "ORDER BY id")).all()
    actions = [a for _u, a in trail]
    assert actions[-2:] == ["lock", "unlock"] and {"login", "sign_in"} & set(actions[:-2])
    # the person's connections are closed with the session, off the GUI thread
    closed_on, db = [], flow.db
    real_dispose = db.dispose
    db.dispose = lambda: (closed_on.append(threading.current_thread()), real_dispose())
    flow.shutdown()
    assert flow.db is None and closed_on and closed_on[0] is not threading.main_thread()


def test_forced_password_change_at_first_sign_in(qtbot, hall, pc_settings, flows):
    pc_settings.set_window_no("FZGL01", 4)
    pc_settings.remember_hall(hall["counter"], appmod.accounts.StartInfo(
        True, None, "FZGL01", "福州鼓楼供电营业厅", [(4, "4号窗口")], 0, True))

    def change(d: PasswordDialog):
        assert d.forced
        d.old_password.setText("Wrong-pass-1")
        d.new_password.setText("Mine2026abc")
        d.repeat_password.setText("Mine2026abc")
        click_and_wait(d.ok_button, d)
        assert d.rows["old_password"].error.text() == "原密码不正确"
        d.old_password.setText(PW)
        click_and_wait(d.ok_button, d)

    when_modal("LoginDialog", lambda d: (d.username.setText("fresh1"), d.password.setText(PW),
                                         click_and_wait(d.login_button, d)))
    changed = when_modal("PasswordDialog", change)
    flow = appmod.StartupFlow(None, pc_settings, pc="PC-4", target=hall["counter"])
    flows.append(flow)
    assert flow.sign_in_and_open() and changed["done"]
    # the app's own pool reconnects with the new password; the old one no longer signs in
    flow.db.engine.dispose()
    with flow.db.read() as s:
        assert s.scalar(text("SELECT session_user")) == f"fresh1@{DB}"
    with pytest.raises(db_sign_in.SignInRefused):
        db_sign_in.sign_in(hall["counter"], "fresh1", PW)
    again = db_sign_in.sign_in(hall["counter"], "fresh1", "Mine2026abc")
    assert not again.user.must_change_password
    again.db.dispose()


def test_a_hall_not_set_up_yet_says_the_owner_must(qtbot, hall, scram_cluster, pc_settings):  # noqa: F811
    su = create_engine(scram_cluster.superuser_url(), isolation_level="AUTOCOMMIT")
    with su.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE hall_new OWNER {OWNER}")
    su.dispose()
    port = scram_cluster.port
    owner = Database(create_engine(f"postgresql+psycopg://{OWNER}:{OWNER_PW}@127.0.0.1:{port}/hall_new"))
    schema.upgrade(owner.engine)
    with owner.write() as session:  # an account, but no hall: counter-app setup was not run
        db_logins.create_account(session, username="admin1", name="林管理", role="admin", window_id=None, password=PW)
    owner.dispose()
    target = f"postgresql+psycopg://127.0.0.1:{port}/hall_new"
    d = LoginDialog(None, pc_settings.remembered_hall(target), pc_settings, pc="PC-1", target=target)
    qtbot.addWidget(d)
    d.username.setText("admin1")
    d.password.setText(PW)
    click_and_wait(d.login_button, d)
    assert d.result() != LoginDialog.Accepted
    assert "还没有完成首次设置" in d.message.text() and "counter-app setup" in d.message.text()
