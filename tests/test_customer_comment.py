"""The customer's side, from the real main window (one display: the training window stands in for the
customer screen): a free-text comment typed by the clerk as the customer says it and shown to the
customer before the customer submits (业务 → 代录客户评价/意见…, Ctrl+Shift+Y); on a PC without a
customer screen the clerk records the whole rating, marked 受理员代录; a reopened, changed case is
confirmed again with the changed lines marked."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog
from sqlalchemy import select

from counter_app.customer import confirmation, ratings
from counter_app.customer import settings as customer_settings
from counter_app.models import AuditEntry, RatingFollowUp, ServiceRating
from counter_app.reporting import registers
from counter_app.reporting.register_filter import RegisterFilter
from counter_app.ui.customer_side import OFF, SCREEN_KEY
from counter_app.ui.kit import background
from counter_app.ui.kit.widgets import pc_settings
from counter_app.ui.rating_entry import RatingEntryDialog
from tests.acceptance_helpers import residential
from tests.conftest import setup_hall
from tests.main_window_driver import open_main_window
from tests.qt_helpers import type_text
from tests.ui_acceptance_helpers import no_modal_questions  # noqa: F401 (autouse: closing asks no questions)


def idle(qtbot) -> None:
    qtbot.waitUntil(lambda: background.pending() == 0, timeout=15000)
    QApplication.processEvents()


@pytest.fixture
def hall(sqlite_db, frozen_now):
    return sqlite_db, setup_hall(sqlite_db)


@pytest.fixture
def no_customer_screen():
    settings = pc_settings()
    before = settings.value(SCREEN_KEY, "")
    settings.setValue(SCREEN_KEY, OFF)
    yield
    settings.setValue(SCREEN_KEY, before)


def _entry_dialog(window) -> RatingEntryDialog:
    dialogs = [d for d in window.findChildren(RatingEntryDialog) if d.isVisible()]
    assert len(dialogs) == 1
    return dialogs[0]


def _saved_case(qtbot, window):
    page = window.page("accept")
    page.fill(residential())
    idle(qtbot)  # the certificate lookup's answer lands before the save, not after it (a slow machine)
    page.save()
    idle(qtbot)
    assert page.application_id
    try:
        qtbot.waitUntil(lambda: not page.is_dirty(), timeout=30_000)  # a loaded two-core CI machine
    except Exception:
        now, then = page._snapshot(), page._pristine
        changed = {k: (then.get(k), now.get(k)) for k in set(now) | set(then) if now.get(k) != then.get(k)}
        raise AssertionError(f"the saved form stayed dirty: {changed}; {page.view.known_info.text()!r}") from None
    return page


def test_comment_cleaning_and_length():
    assert ratings.clean_comment(" 等了\n很久\u200b，\t希望  改进 ") == "等了 很久 ， 希望 改进"
    ratings.validate(ratings.RatingInput("satisfied", comment="好" * ratings.MAX_COMMENT + "\n\n"))
    with pytest.raises(ratings.ValidationFailed, match=f"最多 {ratings.MAX_COMMENT} 字"):
        ratings.validate(ratings.RatingInput("satisfied", comment="好" * (ratings.MAX_COMMENT + 1)))


def test_clerk_types_the_customers_words_and_the_customer_submits_them(qtbot, hall):
    db, actors = hall
    window = open_main_window(qtbot, db, actors["clerk1"])
    side = window.customer_side
    cw = side.window
    page = _saved_case(qtbot, window)
    window.clerk_rating_action.trigger()  # too early: with a customer screen the customer rates there
    assert "客户屏目前没有在请客户评价" in page.view.banner.plain
    assert [d for d in window.findChildren(RatingEntryDialog) if d.isVisible()] == []
    side.request_rating(page.application_id)  # what closing the documents does
    idle(qtbot)
    assert cw.mode == "rating"
    QTest.mouseClick(cw.level_buttons["dissatisfied"], Qt.LeftButton)
    QTest.mouseClick(cw.reason_checks["等候时间长"], Qt.LeftButton)
    QTest.mouseClick(cw.phrase_buttons[0], Qt.LeftButton)

    assert window.clerk_rating_action in window.menus["业务"].actions()
    window.clerk_rating_action.trigger()  # Ctrl+Shift+Y
    dialog = _entry_dialog(window)
    assert dialog.mode == "comment" and not dialog.level_buttons
    type_text(dialog.comment, "取号机坏了 没人告诉我")
    # the customer sees the words as they are typed, and keeps the screen's own choices
    assert cw.comment_label.text() == "您的意见（含受理员代录的内容，请核对）：希望缩短等候时间；取号机坏了 没人告诉我"
    # the clerk's keyboard, not the customer window's
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.comment, timeout=3000)
    dialog.comment.setPlainText("长" * (ratings.MAX_COMMENT + 30))  # cut at the limit as typed
    assert len(dialog.comment.text()) == ratings.MAX_COMMENT
    assert dialog.comment.count.text() == f"{ratings.MAX_COMMENT}/{ratings.MAX_COMMENT}"
    dialog.comment.setPlainText("取号机坏了，没人告诉我")

    QTest.mouseClick(cw.submit_rating, Qt.LeftButton)  # the customer submits on the customer screen
    idle(qtbot)
    assert [d for d in window.findChildren(RatingEntryDialog) if d.isVisible()] == []  # closed with the rating
    with db.read() as s:
        rating = s.scalar(select(ServiceRating))
        assert (rating.level, rating.source, rating.comment_by_clerk) == ("dissatisfied", "screen", True)
        assert rating.comment == "希望缩短等候时间；取号机坏了，没人告诉我"
        assert s.scalar(select(RatingFollowUp.id)) is not None  # 差评: a follow-up
        detail = json.loads(s.scalar(select(AuditEntry.detail).where(AuditEntry.action == "rating")))
    assert detail["comment_by_clerk"] is True
    row = registers.fetch(db, actors["super1"], "ratings", RegisterFilter(), 0, 10)[0]
    assert "希望缩短等候时间；取号机坏了，没人告诉我（受理员代录客户原话）" in row
    side._back_to_idle.stop()


def test_without_a_customer_screen_the_clerk_records_the_rating(qtbot, hall, no_customer_screen):
    db, actors = hall
    window = open_main_window(qtbot, db, actors["clerk1"])
    side = window.customer_side
    assert not side.window.isVisible()
    page = _saved_case(qtbot, window)
    first = page.application_id
    side.request_rating(first)  # the documents were closed: nobody faces a customer screen
    idle(qtbot)
    dialog = _entry_dialog(window)
    assert dialog.mode == "full" and "代录客户评价" in dialog.windowTitle()
    dialog.accept()  # no level chosen: refused, nothing stored
    assert "请选择一项评价" in dialog.message.text() and dialog.isVisible()
    assert not dialog.reasons_box.isEnabled()
    dialog.level_buttons["very_dissatisfied"].setChecked(True)
    assert dialog.reasons_box.isEnabled()
    dialog.reason_checks["服务态度不好"].setChecked(True)
    type_text(dialog.comment, "说话不耐烦")
    results = []
    dialog.finished.connect(results.append)
    dialog.accept()
    idle(qtbot)
    assert results == [QDialog.Accepted]
    with db.read() as s:
        rating = s.scalar(select(ServiceRating).where(ServiceRating.application_id == first))
        assert (rating.level, rating.source, rating.comment, rating.comment_by_clerk) == (
            "very_dissatisfied", "clerk", "说话不耐烦", True)
        assert rating.reasons == ["服务态度不好"]
    assert "已代录客户评价：非常不满意" in page.view.status.text()
    row = registers.fetch(db, actors["super1"], "ratings", RegisterFilter(), 0, 10)[0]
    assert "非常不满意（受理员代录）" in row
    side.request_rating(first)  # one rating per case: not asked again
    idle(qtbot)
    assert [d for d in window.findChildren(RatingEntryDialog) if d.isVisible()] == []

    # the next customer declines: closing records 未评价 (never counted as satisfied)
    page.new_form()
    second = _saved_case(qtbot, window).application_id
    window.clerk_rating_action.trigger()
    idle(qtbot)
    _entry_dialog(window).reject()
    idle(qtbot)
    with db.read() as s:
        assert s.scalar(select(ServiceRating.level).where(ServiceRating.application_id == second)) == "none"


def test_a_reopened_and_changed_case_is_confirmed_again_with_the_changes_marked(qtbot, hall):
    db, actors = hall
    customer_settings.save(db, actors["admin1"], confirmation_required=True, rating_timeout_seconds=30,
                           notice="请携带本人身份证件")
    window = open_main_window(qtbot, db, actors["clerk1"])
    side, cw = window.customer_side, window.customer_side.window
    page = _saved_case(qtbot, window)
    app_id = page.application_id
    assert cw.mode == "confirm" and cw.sheet_title.text() == "请核对您的办理信息"
    qtbot.waitUntil(lambda: "请客户在客户屏核对" in page.view.banner.plain, timeout=10_000)
    QTest.mouseClick(cw.confirm_button, Qt.LeftButton)
    idle(qtbot)
    try:
        qtbot.waitUntil(lambda: app_id in side.confirmed_ids, timeout=10_000)
    except Exception as exc:  # say what the clerk was told instead
        raise AssertionError(f"not confirmed; the clerk's banner says: {page.view.banner.plain}") from exc

    page.new_form()  # the clerk moves on: the customer screen asks for the rating
    qtbot.waitUntil(lambda: cw.mode == "rating", timeout=10_000)
    page.edit_application(app_id)  # the case is opened again and the phone corrected
    idle(qtbot)
    qtbot.waitUntil(lambda: page.mode == "edit" and page.application_id == app_id, timeout=10_000)
    page.editors["contact_mobile"].clear()
    type_text(page.editors["contact_mobile"], "13900001111")
    page.save()
    idle(qtbot)
    qtbot.waitUntil(lambda: cw.sheet_title.text() == "信息已更改，请重新核对", timeout=10_000)
    state = confirmation.state(db, actors["clerk1"], app_id)
    assert not state.confirmed and state.changed == ("contact_mobile",)
    assert cw.mode == "confirm" and cw.sheet_title.text() == "信息已更改，请重新核对"
    assert "联系手机" in cw.sheet_subtitle.text()
    assert cw.line_values["contact_mobile"].text() == "139****1111　（已更改）"
    assert not cw.line_values["address"].text().endswith("（已更改）")
    assert "已更改：联系手机" in page.view.banner.plain
    QTest.mouseClick(cw.confirm_button, Qt.LeftButton)
    idle(qtbot)
    state = confirmation.state(db, actors["clerk1"], app_id)
    assert state.confirmed and state.changed == ()
    # the rating question was put aside, not answered for the customer: it is asked again later
    with db.read() as s:
        assert s.scalar(select(ServiceRating.id)) is None
    assert side.awaiting_rating == app_id and app_id not in side.rating_asked
