"""挂起: a half-filled form is held (Ctrl+H), the next customer served, the held form resumed
(Ctrl+Shift+H) — also after the window was closed and opened again."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog

from counter_app.ui import held_forms
from counter_app.ui.main_window import MainWindow
from tests.conftest import setup_hall
from tests.qt_helpers import type_text
from tests.ui_acceptance_helpers import wait_idle

ID = "11010519491231002X"


def _window(qtbot, db, actor):
    window = MainWindow(db, actor)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5000)
    wait_idle(qtbot)
    return window


def test_hold_serve_the_next_and_resume_after_a_restart(qtbot, sqlite_db, monkeypatch):
    actors = setup_hall(sqlite_db)
    window = _window(qtbot, sqlite_db, actors["clerk1"])
    page = window.page("accept")
    v = page.view
    # GIVEN a form half filled in
    type_text(v.cert_number, ID)
    type_text(v.holder_name, "张三")
    wait_idle(qtbot)
    # WHEN the clerk presses Ctrl+H
    QTest.keyClick(v.holder_name, Qt.Key_H, Qt.ControlModifier)
    # THEN the form is empty for the next customer and the held one is counted
    assert v.cert_number.text() == "" and v.holder_name.text() == ""
    assert "已挂起：张三" in v.banner.plain and "1 件" in page.held_button.text()
    assert QApplication.focusWidget() is v.cert_number

    # the window is closed and opened again (a restart): the held form is not a crash draft
    monkeypatch.setattr(type(page), "_confirm", lambda *_a: True)
    window.close()
    window = _window(qtbot, sqlite_db, actors["clerk1"])
    page = window.page("accept")
    v = page.view
    assert "发现上次未保存" not in v.banner.plain and "1 件" in page.held_button.text()
    type_text(v.holder_name, "李四")  # serving someone else meanwhile

    def choose_first(dialog):
        assert [dialog.list.item(i).text() for i in range(dialog.list.count())][0].endswith("张三 · 低压居民新装")
        dialog.list.setCurrentRow(0)
        dialog.accept()
        return QDialog.Accepted

    monkeypatch.setattr(held_forms, "run_modal", choose_first)
    QTest.keyClick(v.holder_name, Qt.Key_H, Qt.ControlModifier | Qt.ShiftModifier)
    wait_idle(qtbot)
    assert v.cert_number.text() == ID and v.holder_name.text() == "张三"
    assert "1 件" in page.held_button.text()  # 李四's form was held in its place
    assert [d.summary for d in held_forms.held(page.drafts, "clerk1")] == ["李四 · 低压居民新装"]
    page.clear_form()
    for draft in held_forms.held(page.drafts, "clerk1"):
        page.drafts.remove(draft.key)


def test_nothing_to_hold_says_so(qtbot, sqlite_db):
    actors = setup_hall(sqlite_db)
    window = _window(qtbot, sqlite_db, actors["clerk1"])
    page = window.page("accept")
    assert held_forms.hold_current(page) is False
    assert "无需挂起" in page.view.status.text()
