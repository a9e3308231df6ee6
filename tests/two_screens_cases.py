"""The customer screen on a PC with two displays, driven through the real MainWindow.

Not collected by a normal run (the file name does not start with ``test_``): Qt reads the screen
layout once, when the QApplication is created, and pytest-qt creates one per process. So
tests/test_customer_screen.py runs this file in a pytest subprocess with
``QT_QPA_PLATFORM=offscreen:configfile=screens.json`` (clerk 1366×768, customer 1920×1080)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QPushButton
from sqlalchemy import select

from counter_app.customer import settings as customer_settings
from counter_app.models import CustomerConfirmation, RatingFollowUp, ServiceRating
from counter_app.ui.kit import background
from counter_app.ui.main_window import MainWindow
from tests.conftest import setup_hall
from tests.factories import resident_id
from tests.qt_helpers import type_text
from tests.ui_acceptance_helpers import no_modal_questions  # noqa: F401 (autouse: closing asks no questions)

pytestmark = pytest.mark.skipif(os.environ.get("COUNTER_APP_TWO_SCREENS") != "1",
                                reason="run by tests/test_customer_screen.py with two offscreen screens")

ID = resident_id(11)


def idle(qtbot) -> None:
    qtbot.waitUntil(lambda: background.pending() == 0, timeout=15000)
    QApplication.processEvents()


@pytest.fixture
def counter(qtbot, sqlite_db, frozen_now):
    actors = setup_hall(sqlite_db)
    customer_settings.save(sqlite_db, actors["admin1"], confirmation_required=True, rating_timeout_seconds=30,
                           notice="请携带本人身份证件和房屋产权证明")
    window = MainWindow(sqlite_db, actors["clerk1"])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    page = window.page("accept")
    idle(qtbot)
    return window, page, window.customer_side, sqlite_db


def fill(page) -> None:
    v, e = page.view, page.editors
    type_text(v.cert_number, ID)
    type_text(v.holder_name, "张三")
    type_text(e["address_district"], "福州市鼓楼区")
    type_text(e["address_detail"], "五四路88号")
    e["contact_name"].clear()
    type_text(e["contact_name"], "张三")
    type_text(e["contact_mobile"], "13812345678")


def documents_dialogs(page) -> list[QDialog]:
    return [d for d in page.findChildren(QDialog) if type(d).__name__ == "DocumentsDialog" and d.isVisible()]


def test_customer_window_opens_full_screen_on_the_second_screen(counter):
    window, page, side, _db = counter
    screens = QGuiApplication.screens()
    assert [s.name() for s in screens] == ["clerk", "customer"]
    cw = side.window
    assert cw.isVisible() and cw.isFullScreen()
    assert cw.screen().name() == "customer" and cw.geometry() == screens[1].geometry()
    assert cw.mode == "idle" and cw.hall_name.text() == "福州鼓楼供电营业厅"
    assert "0591-87654321" in cw.footer.text() and "身份证件" in cw.notice.text()
    # the clerk keeps the keyboard
    assert cw.windowFlags() & Qt.WindowDoesNotAcceptFocus and cw.testAttribute(Qt.WA_ShowWithoutActivating)
    assert QApplication.activeWindow() is window
    buttons = cw.findChildren(QPushButton)
    assert buttons and all(not (b.focusPolicy() & Qt.TabFocus) and b.accessibleName() for b in buttons)


def test_follows_typing_and_printing_waits_for_the_confirmation(qtbot, counter):
    window, page, side, db = counter
    cw = side.window
    fill(page)
    qtbot.waitUntil(lambda: cw.mode == "live" and cw.line_values["contact_mobile"].text() == "138****5678")
    assert cw.line_values["cert_number"].text() == "*" * 14 + ID[-4:]
    assert cw.line_values["address"].text() == "福州市鼓楼区五四路88号"
    assert QApplication.focusWidget() is page.editors["contact_mobile"]  # typing went on at the counter

    page.save()
    idle(qtbot)
    assert page.application_id and cw.mode == "confirm"
    assert "前办结" in cw.line_values["due_date"].text()
    assert "请客户在客户屏核对" in page.view.banner.plain

    # the clerk asks for the documents: held back
    QTest.keyClick(page.view.print_button, Qt.Key_Space)
    idle(qtbot)
    assert documents_dialogs(page) == [] and side.print_waiting == page.application_id

    # the customer asks for a correction of the address; the clerk sees the field
    QTest.mouseClick(cw.correct_button, Qt.LeftButton)
    assert cw.mode == "correction"
    QTest.mouseClick(cw.correction_buttons["address"], Qt.LeftButton)
    idle(qtbot)
    assert "客户要求更正：用电地址" in page.view.banner.plain
    assert "客户要求更正" in page.view.rows["address_detail"].error.text()
    assert QApplication.focusWidget() is page.editors["address_detail"]
    page.editors["address_detail"].clear()
    type_text(page.editors["address_detail"], "五四路99号")
    qtbot.waitUntil(lambda: cw.line_values["address"].text() == "福州市鼓楼区五四路99号")
    page.save()
    idle(qtbot)
    assert cw.mode == "confirm" and cw.line_values["address"].text() == "福州市鼓楼区五四路99号"

    # confirmed by touch: the documents open by themselves (the clerk had asked for them)
    QTest.mouseClick(cw.confirm_button, Qt.LeftButton)
    idle(qtbot)
    qtbot.waitUntil(lambda: len(documents_dialogs(page)) == 1)
    assert "客户已在客户屏确认" in page.view.banner.plain
    with db.read() as session:
        rows = session.scalars(select(CustomerConfirmation).order_by(CustomerConfirmation.id)).all()
        assert [(r.outcome, r.method, r.field) for r in rows] == [
            ("correction", "screen", "address"), ("confirmed", "screen", "")]
        assert rows[1].at == dt.datetime(2026, 11, 24, 9, 30) and rows[1].user_id == side.actor.user_id
    for dialog in documents_dialogs(page):
        dialog.reject()
    idle(qtbot)
    assert cw.mode == "rating"  # after the documents: 好差评
    cw._timer.stop()


def test_clerk_key_confirmation_is_recorded_as_such(qtbot, counter):
    window, page, side, db = counter
    fill(page)
    page.save()
    idle(qtbot)
    page.view.print_button.setFocus()
    QTest.keyClick(page.view.print_button, Qt.Key_F10)
    idle(qtbot)
    assert "客户口头确认" in page.view.banner.plain
    with db.read() as session:
        row = session.scalar(select(CustomerConfirmation))
    assert (row.outcome, row.method) == ("confirmed", "clerk_key")
    QTest.keyClick(page.view.print_button, Qt.Key_Space)
    idle(qtbot)
    assert len(documents_dialogs(page)) == 1
    for dialog in documents_dialogs(page):
        dialog.reject()
    idle(qtbot)


def _rate(qtbot, page, side, level, reasons=()):
    cw = side.window
    qtbot.waitUntil(lambda: cw.mode == "rating")
    QTest.mouseClick(cw.level_buttons[level], Qt.LeftButton)
    for reason in reasons:
        QTest.mouseClick(cw.reason_checks[reason], Qt.LeftButton)
    QTest.mouseClick(cw.phrase_buttons[0], Qt.LeftButton)
    QTest.mouseClick(cw.submit_rating, Qt.LeftButton)
    idle(qtbot)


def test_rating_is_recorded_and_a_bad_one_opens_a_follow_up(qtbot, counter):
    window, page, side, db = counter
    cw = side.window
    fill(page)
    page.save()
    idle(qtbot)
    side.record_confirmation("screen")
    idle(qtbot)
    QTest.keyClick(page.view.print_button, Qt.Key_Space)
    idle(qtbot)
    for dialog in documents_dialogs(page):
        dialog.reject()
    idle(qtbot)
    assert cw.reasons_box.isHidden()
    QTest.mouseClick(cw.level_buttons["dissatisfied"], Qt.LeftButton)
    assert not cw.reasons_box.isHidden()
    _rate(qtbot, page, side, "dissatisfied", ["办理时间长", "一次性告知不清楚"])
    assert cw.mode == "thanks"
    assert "客户评价：不满意" in page.view.status.text() and "2026-12-15" in page.view.status.text()
    with db.read() as session:
        rating = session.scalar(select(ServiceRating))
        follow_up = session.scalar(select(RatingFollowUp))
    assert rating.level == "dissatisfied" and rating.reasons == ["办理时间长", "一次性告知不清楚"]
    assert rating.comment == "希望缩短等候时间" and rating.window_id == side.actor.window_id
    assert rating.clerk_id == side.actor.user_id
    assert follow_up.rating_id == rating.id and follow_up.due_date == dt.date(2026, 12, 15)

    # next customer: Ctrl+N; the thanks view goes back to idle, then follows the new form
    side._back_to_idle.stop()
    side._after_thanks()
    page.activate()
    idle(qtbot)
    assert cw.mode == "idle"


def test_no_answer_in_time_is_recorded_as_not_rated(qtbot, counter):
    window, page, side, db = counter
    cw = side.window
    fill(page)
    page.save()
    idle(qtbot)
    side.record_confirmation("clerk_key")
    idle(qtbot)
    page.activate()  # the clerk moves on without the documents: the rating is asked now
    idle(qtbot)
    qtbot.waitUntil(lambda: cw.mode == "rating")
    cw._remaining = 1
    cw._tick()
    idle(qtbot)
    with db.read() as session:
        rating = session.scalar(select(ServiceRating))
    assert rating.level == "none" and rating.source == "timeout" and rating.rated_at is None
    assert "客户评价：未评价" in page.view.status.text()
    assert cw.mode == "idle"
