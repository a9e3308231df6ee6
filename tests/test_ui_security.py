"""The signed-in window: idle lock keeps the form, shortcuts are dead while locked, logout; the users
page (admins) and the audit page (supervisors, admins) in the window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QVBoxLayout, QWidget
from sqlalchemy import select

from counter_app.infra.errors import UserError
from counter_app.models import AuditEntry
from counter_app.security import credentials as users
from counter_app.security.permissions import Perm
from counter_app.ui.app import SignedInSession
from counter_app.ui.audit_page import AuditPage
from counter_app.ui.idle_lock import IdleLock, LockCover, LockDialog
from counter_app.ui.main_window import MainWindow
from counter_app.ui.pages import PageSpec
from counter_app.ui.users_page import AccountDialog, UsersPage
from tests.conftest import PASSWORD, setup_hall
from tests.qt_helpers import type_text
from tests.ui_driver import click_and_wait, wait_until_idle, when_modal


class FormPage(QWidget):
    """Stands in for the acceptance form: a field with half-typed input."""

    def __init__(self, db, actor, parent=None):
        super().__init__(parent)
        self.customer_name = QLineEdit(self)
        self.customer_name.setAccessibleName("户名")
        QVBoxLayout(self).addWidget(self.customer_name)


class OtherPage(QWidget):
    opened = 0

    def __init__(self, db, actor, parent=None):
        super().__init__(parent)
        OtherPage.opened += 1


PAGES = [
    PageSpec("form", "受理", f"{__name__}:FormPage", "业务"),
    PageSpec("other", "台账", f"{__name__}:OtherPage", "台账", "Ctrl+Shift+T"),
]


@pytest.fixture
def signed_in(qtbot, sqlite_db):
    """clerk1 at window 1 with a main window and a session whose idle timeout is 150 ms."""
    actors = setup_hall(sqlite_db)
    actor = actors["clerk1"]
    window = MainWindow(sqlite_db, actor, pages=PAGES)
    qtbot.addWidget(window)
    window.show()
    session = SignedInSession(sqlite_db, actor, window, idle_minutes=150 / 60000)
    yield session
    session.idle.stop()


def _actions(db, username="clerk1"):
    with db.read() as s:
        return [(e.action, e.outcome, e.detail) for e in
                s.scalars(select(AuditEntry).where(AuditEntry.username == username).order_by(AuditEntry.id))]


def test_idle_lock_keeps_the_form_in_progress(qtbot, signed_in, sqlite_db):
    window = signed_in.window
    page = window.page("form")
    field = page.customer_name
    # GIVEN a clerk half-way through typing a customer's name
    type_text(field, "张三丰")
    field.setCursorPosition(2)
    # WHEN nobody touches anything for the idle time
    qtbot.waitUntil(signed_in.idle.is_locked, timeout=3000)
    dialog = signed_in.idle.dialog
    # THEN the window is covered and a lock dialog asks for the password
    assert isinstance(dialog, LockDialog) and dialog.isVisible() and dialog.isModal()
    covers = window.findChildren(LockCover)
    assert len(covers) == 1 and covers[0].isVisible() and covers[0].geometry() == window.rect()
    assert "1号窗口" in dialog.findChild(type(dialog.message), "dialogTitle").text()
    # Esc does not unlock; a wrong password does not either
    QTest.keyClick(dialog.password, Qt.Key_Escape)
    assert signed_in.idle.is_locked()
    dialog.password.setText("wrong-pass1")
    click_and_wait(dialog.unlock_button)
    assert signed_in.idle.is_locked() and "用户名或密码不正确" in dialog.message.text()
    # the right password unlocks: same window, same page, same widget, the text and cursor untouched
    dialog.password.setText(PASSWORD)
    click_and_wait(dialog.unlock_button)
    assert not signed_in.idle.is_locked()
    qtbot.waitUntil(lambda: not [c for c in window.findChildren(LockCover) if c.isVisible()])
    assert window.page("form") is page and page.customer_name is field
    assert field.text() == "张三丰" and field.cursorPosition() == 2
    assert [a[:2] for a in _actions(sqlite_db)] == [("lock", "ok"), ("unlock_failed", "refused"), ("unlock", "ok")]
    assert _actions(sqlite_db)[0][2] == "idle"


def test_activity_postpones_the_lock(qtbot, signed_in):
    field = signed_in.window.page("form").customer_name
    for _ in range(6):  # keep typing for longer than the idle time
        QTest.keyClick(field, Qt.Key_A)
        qtbot.wait(50)
    assert not signed_in.idle.is_locked()
    qtbot.waitUntil(signed_in.idle.is_locked, timeout=3000)


def test_shortcuts_of_the_window_are_dead_while_locked(qtbot, signed_in):
    OtherPage.opened = 0
    signed_in.idle.lock_now()
    dialog = signed_in.idle.dialog
    assert "屏幕已锁定" in dialog.findChildren(type(dialog.message))[1].text()  # manual lock: no idle minutes
    QTest.keyClick(dialog.password, Qt.Key_T, Qt.ControlModifier | Qt.ShiftModifier)
    QTest.keyClick(signed_in.window, Qt.Key_T, Qt.ControlModifier | Qt.ShiftModifier)
    assert OtherPage.opened == 0
    dialog.password.setText(PASSWORD)
    QTest.keyClick(dialog.password, Qt.Key_Return)
    qtbot.waitUntil(lambda: not signed_in.idle.is_locked())  # the password is checked in the background
    QTest.keyClick(signed_in.window, Qt.Key_T, Qt.ControlModifier | Qt.ShiftModifier)
    assert OtherPage.opened == 1  # the shortcut works again (so the check above could fail)


def test_lock_covers_an_open_dialog_too(qtbot, signed_in):
    box = QMessageBox(QMessageBox.Information, "客户信息", "张三 13812345678", parent=signed_in.window)
    box.setWindowModality(Qt.NonModal)
    box.show()
    signed_in.idle.lock_now()
    assert any(c.isVisible() for c in box.findChildren(LockCover))
    signed_in.idle.dialog.password.setText(PASSWORD)
    click_and_wait(signed_in.idle.dialog.unlock_button)
    assert box.isVisible() and not any(c.isVisible() for c in box.findChildren(LockCover))
    box.close()


def test_logout_from_the_lock_screen(qtbot, signed_in, sqlite_db):
    ended = []
    signed_in.ended.connect(ended.append)
    signed_in.idle.lock_now()
    signed_in.idle.dialog.logout_button.click()
    qtbot.waitUntil(lambda: ended == [True])  # the logout is written off the GUI thread
    assert not signed_in.window.isVisible() and not signed_in.idle.is_locked()
    assert [a[0] for a in _actions(sqlite_db)] == ["lock", "logout"]


def test_logout_refused_by_the_window_locks_again(qtbot, signed_in, monkeypatch):
    """A window that keeps itself open (unsaved input, the user said 取消) must not end up unlocked."""
    signed_in.window.closeEvent = lambda event: event.ignore()
    signed_in.idle.lock_now()
    signed_in.idle.dialog.logout_button.click()
    assert signed_in.window.isVisible() and signed_in.idle.is_locked()


def test_closing_the_window_ends_the_session(qtbot, signed_in, sqlite_db):
    ended = []
    signed_in.ended.connect(ended.append)
    signed_in.window.close()
    qtbot.waitUntil(lambda: ended == [False])
    assert _actions(sqlite_db)[-1][0] == "logout"


def test_change_password_from_the_menu(qtbot, signed_in, sqlite_db):
    def change(d):
        d.old_password.setText(PASSWORD)
        d.new_password.setText("Counter2027")
        d.repeat_password.setText("Counter2027")
        click_and_wait(d.ok_button)

    state = when_modal("PasswordDialog", change)
    signed_in.password_action.trigger()
    assert state["done"] and users.sign_in(sqlite_db, "clerk1", "Counter2027")


def test_idle_timeout_zero_never_locks(qtbot, sqlite_db):
    actors = setup_hall(sqlite_db)
    idle = IdleLock(sqlite_db, actors["clerk1"], 0)
    idle.start()
    qtbot.wait(100)
    assert not idle.is_locked()
    idle.stop()


# --- users page -----------------------------------------------------------------------------------


@pytest.fixture
def admin_page(qtbot, sqlite_db):
    actors = setup_hall(sqlite_db)
    page = UsersPage(sqlite_db, actors["admin1"])
    qtbot.addWidget(page)
    page.show()
    wait_until_idle(page)
    return page, actors


def _accept_box(text_holder: dict | None = None):
    def act(box: QMessageBox):
        if text_holder is not None:
            text_holder["text"] = box.text()
        box.buttons()[0].click() if len(box.buttons()) == 1 else next(
            b for b in box.buttons() if b.text() == "确定").click()
    return act


def test_admin_creates_disables_enables_and_resets_in_the_window(qtbot, admin_page, sqlite_db):
    page, _actors = admin_page
    assert [a.username for a in page.model.rows] == ["admin1", "back1", "clerk1", "clerk2", "super1"]

    def create(d: AccountDialog):
        d.username.setText("clerk3")
        type_text(d.name, "周敏")
        d.role.setCurrentIndex(d.role.findData("clerk"))
        d.window.setCurrentIndex(d.window.findData(3))
        d.password.setText("abc")
        d.password_repeat.setText("abc")
        click_and_wait(d.ok_button)
        assert d.rows["password"].error.text() == "密码至少需要8位" and d.name.text() == "周敏"
        d.generate_button.click()
        assert d.password.text() and d.password.text() in d.generated.text()
        click_and_wait(d.ok_button)

    when_modal("AccountDialog", create)
    page.new_action.trigger()
    wait_until_idle(page)
    created = page.selected()
    assert (created.username, created.name, created.window_no, created.status_label()) == (
        "clerk3", "周敏", 3, "待修改初始密码")

    when_modal(QMessageBox, _accept_box())
    page.disable_action.trigger()
    wait_until_idle(page)
    assert page.selected().status_label() == "已停用" and page.enable_action.isEnabled()
    page.enable_action.trigger()
    wait_until_idle(page)
    assert page.selected().active

    shown = {}
    when_modal(QMessageBox, lambda box: (when_modal("temporaryPasswordBox", _accept_box(shown)),
                                         _accept_box()(box)))
    page.reset_action.trigger()
    wait_until_idle(page)
    temporary = page.last_temporary_password
    assert temporary in shown["text"]
    assert users.sign_in(sqlite_db, "clerk3", temporary).must_change_password
    with sqlite_db.read() as s:
        assert [e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.username == "admin1"))] == [
            "user_add", "user_disable", "user_enable", "user_reset"]


def test_admin_unlocks_a_locked_out_clerk(qtbot, admin_page, sqlite_db):
    page, _ = admin_page
    for _ in range(users.MAX_FAILED_ATTEMPTS):
        with pytest.raises(UserError):
            users.sign_in(sqlite_db, "clerk2", "bad-pass-0")
    page.refresh(select_username="clerk2")
    wait_until_idle(page)
    assert page.selected().status_label().startswith("已锁定") and page.unlock_action.isEnabled()
    page.unlock_action.trigger()
    wait_until_idle(page)
    assert page.selected().status_label() == "正常"
    assert not page.disable_action.isEnabled() or page.selected().username != "admin1"


def test_admin_cannot_disable_self_in_the_window(qtbot, admin_page):
    page, _ = admin_page
    page.refresh(select_username="admin1")
    wait_until_idle(page)
    assert not page.disable_action.isEnabled()


def test_edit_account_role_and_window(qtbot, admin_page):
    page, _ = admin_page
    page.refresh(select_username="back1")
    wait_until_idle(page)

    def edit(d: AccountDialog):
        assert d.username.isReadOnly() and d.username.text() == "back1"
        d.role.setCurrentIndex(d.role.findData("supervisor"))
        click_and_wait(d.ok_button)

    when_modal("AccountDialog", edit)
    page.edit_action.trigger()
    wait_until_idle(page)
    assert page.selected().role == "supervisor"


def test_users_page_lists_users_a_to_z(admin_page, qtbot):
    page, _actors = admin_page
    qtbot.waitUntil(lambda: page.proxy.rowCount() > 1, timeout=5000)
    names = [page.proxy.index(r, 0).data() for r in range(page.proxy.rowCount())]
    assert names == sorted(names) and names[0] == "admin1"


def test_users_page_refuses_a_clerk_in_the_domain(qtbot, sqlite_db):
    actors = setup_hall(sqlite_db)
    page = UsersPage(sqlite_db, actors["clerk1"])  # even if someone wired the page for a clerk
    qtbot.addWidget(page)
    wait_until_idle(page)
    assert page.model.rows == [] and "无权管理用户" in page.status.text()
    window = MainWindow(sqlite_db, actors["clerk1"])
    qtbot.addWidget(window)
    assert "users" not in window.page_keys() and "audit" not in window.page_keys()


def test_pages_are_registered_for_the_right_roles():
    from counter_app.ui.pages import PAGES

    specs = {s.key: s for s in PAGES}
    assert specs["users"].perm == Perm.MANAGE_USERS and specs["audit"].perm == Perm.VIEW_AUDIT
    assert specs["users"].load() is UsersPage and specs["audit"].load() is AuditPage


def test_lock_over_a_modal_dialog_keeps_it_and_its_input(qtbot, signed_in):
    """A confirmation dialog running its own exec() loop when the lock comes: it stays, with its input."""
    from PySide6.QtWidgets import QDialog

    window = signed_in.window
    dialog = QDialog(window)
    dialog.setObjectName("askDialog")
    edit = QLineEdit(dialog)
    QVBoxLayout(dialog).addWidget(edit)
    seen = {}

    def inside(d):
        type_text(edit, "备注：客户下午补交")
        signed_in.idle.lock_now()
        lock = signed_in.idle.dialog
        seen["top"] = QApplication.activeModalWidget() is lock
        seen["covered"] = any(c.isVisible() for c in d.findChildren(LockCover))
        lock.password.setText(PASSWORD)
        click_and_wait(lock.unlock_button)
        seen["after"] = (d.isVisible(), edit.text(), QApplication.activeModalWidget() is d)
        d.accept()

    when_modal("askDialog", inside)
    assert dialog.exec() == QDialog.Accepted
    assert seen == {"top": True, "covered": True, "after": (True, "备注：客户下午补交", True)}
