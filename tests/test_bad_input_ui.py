"""The window shows the shared checks at the field: an account named with an invisible direction
override, a second spelling of a user name, a common password (issue 14, item 7)."""

from __future__ import annotations

import os

from counter_app.ui.users_page import AccountDialog, UsersPage
from tests.conftest import setup_hall
from tests.qt_helpers import type_text
from tests.ui_driver import when_modal


def test_account_dialog_shows_each_refusal_at_its_field(qtbot, sqlite_db, tmp_path):
    actors = setup_hall(sqlite_db)
    page = UsersPage(sqlite_db, actors["admin1"])
    qtbot.addWidget(page)
    page.show()
    seen = {}

    def create(d: AccountDialog):
        d.username.setText("Admin1")
        type_text(d.name, "周敏")
        d.name.setText(d.name.text() + "\u202e")
        d.role.setCurrentIndex(d.role.findData("clerk"))
        d.password.setText("password1")
        d.password_repeat.setText("password1")
        d.ok_button.click()
        qtbot.waitUntil(lambda: bool(d.rows["name"].error.text()), timeout=5000)
        seen["name"] = d.rows["name"].error.text()
        seen["password"] = d.rows["password"].error.text()
        if os.environ.get("COUNTER_APP_SCREENSHOTS"):
            d.grab().save(str(tmp_path / "account_dialog.png"))
        d.name.setText("周敏")
        d.password.setText("Kaihu2026x")
        d.password_repeat.setText("Kaihu2026x")
        d.ok_button.click()
        qtbot.waitUntil(lambda: bool(d.rows["username"].error.text()), timeout=5000)
        seen["username"] = d.rows["username"].error.text()
        d.reject()

    when_modal("AccountDialog", create)
    page.new_action.trigger()
    assert "方向控制符" in seen["name"]
    assert "常见密码" in seen["password"]
    assert "已存在" in seen["username"] and "不区分大小写" in seen["username"]
    assert [a.username for a in page.model.rows] == ["admin1", "back1", "clerk1", "clerk2", "super1"]
