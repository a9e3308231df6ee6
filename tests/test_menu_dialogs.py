"""Dialogs opened from the main window's menus: 管理 → 营业厅设置 (admins), 帮助 → 快捷键 (F1)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from shiboken6 import isValid

from counter_app.hall import settings_admin as settings_service
from counter_app.ui.main_window import MainWindow
from counter_app.ui.settings_dialog import SettingsDialog
from counter_app.ui.shortcuts_dialog import ShortcutsDialog
from tests.conftest import setup_hall


def _window(qtbot, db, actor):
    window = MainWindow(db, actor)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5000)
    return window


def test_admin_opens_settings_from_the_menu_and_saves(qtbot, sqlite_db, monkeypatch):
    from counter_app.hall import calendar_notice

    # no sign-in notice about next year's calendar in front of the window (tested in test_calendar_year)
    monkeypatch.setattr(calendar_notice, "next_year_notice", lambda *_a: None)
    actors = setup_hall(sqlite_db)
    window = _window(qtbot, sqlite_db, actors["admin1"])
    menu = window.menus["管理"]
    assert "营业厅设置…" in [a.text() for a in menu.actions()]
    # WHEN the admin presses Ctrl+Shift+O
    QTest.keyClick(QApplication.focusWidget(), Qt.Key_O, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.waitUntil(lambda: isinstance(getattr(window, "last_dialog", None), SettingsDialog), timeout=10_000)
    dialog = window.last_dialog
    assert dialog.isVisible() and dialog.deferral.value() == 3
    dialog.deferral.setValue(5)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not isValid(dialog) or not dialog.isVisible(), timeout=10_000)
    assert "容缺补交期限" in window.statusBar().currentMessage()
    assert settings_service.load(sqlite_db, actors["admin1"]).deferral_days == 5


def test_clerk_has_no_settings_entry(qtbot, sqlite_db):
    actors = setup_hall(sqlite_db)
    window = _window(qtbot, sqlite_db, actors["clerk1"])
    assert "settings" not in window.dialog_actions
    assert all("营业厅设置" not in a.text() for m in window.menus.values() for a in m.actions())


def test_f1_lists_the_shortcuts_of_the_window_and_the_page(qtbot, sqlite_db):
    actors = setup_hall(sqlite_db)
    window = _window(qtbot, sqlite_db, actors["clerk1"])
    window.page("handover")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key_F1)
    qtbot.waitUntil(lambda: isinstance(getattr(window, "last_dialog", None), ShortcutsDialog), timeout=5000)
    dialog = window.last_dialog
    rows = dialog.rows()
    assert ("全局", "进度查询", "Ctrl+G") in rows
    assert ("交接清单", "打印交接清单", "Ctrl+Shift+P") in rows
    assert ("交接清单", "生成交接批次", "Ctrl+Shift+G") in rows
    assert ("全局", "快捷键", "F1") in rows
    dialog.close()


def test_after_sign_in_the_certificate_field_has_the_focus(qtbot, sqlite_db, monkeypatch):
    """A clerk's window opens with the focus in 证件号码: a scanned ID goes straight in."""
    actors = setup_hall(sqlite_db)
    window = _window(qtbot, sqlite_db, actors["clerk1"])
    page = window.tabs.currentWidget()
    assert page.objectName() == "page_accept"
    assert QApplication.focusWidget() is page.view.cert_number
    QTest.keyClicks(QApplication.focusWidget(), "11010519491231002X")
    assert page.view.cert_number.text() == "11010519491231002X"
    monkeypatch.setattr(page, "_confirm", lambda *_a: True)  # closing with input asks first
