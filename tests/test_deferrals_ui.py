"""容缺跟踪 page: list, supplying, termination with blacklisting, blacklist removal with a reason."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from PySide6.QtWidgets import QMessageBox

from counter_app.infra import clock
from counter_app.tracking import deferrals
from counter_app.ui.deferrals_page import BlacklistAddDialog, DeferralsPage, TerminateDialog
from counter_app.ui.kit.reason_dialog import ReasonDialog
from tests.conftest import setup_hall
from tests.factories import make_accepted_application, make_customer, resident_id
from tests.main_window_driver import answer_with, open_page, refused_without_reason, wait_idle
from tests.qt_helpers import type_text

T = dt.datetime
SHOTS = os.environ.get("COUNTER_APP_SCREENSHOTS")


@pytest.fixture
def hall(sqlite_db):
    clock.freeze(T(2026, 11, 24, 10, 0))
    actors = setup_hall(sqlite_db)
    c1, c2 = actors["clerk1"], actors["clerk2"]
    with sqlite_db.write() as s:
        make_accepted_application(s, make_customer(s, "欠补户", resident_id(41)), window_id=c1.window_id,
                                  clerk_id=c1.user_id, accepted_at=T(2026, 11, 16, 9, 0), business_type="lv_biz_new",
                                  deferred=("property_proof", "equipment_list"))
        make_accepted_application(s, window_id=c2.window_id, clerk_id=c2.user_id, accepted_at=T(2026, 11, 19, 9, 0),
                                  deferred=("property_proof",))
    yield sqlite_db, actors
    clock.freeze(None)


def test_clerk_registers_a_supplied_item(qtbot, hall, monkeypatch):
    db, actors = hall
    _window, page = open_page(qtbot, db, actors["clerk1"], "deferrals")
    assert isinstance(page, DeferralsPage)
    assert page.model.rowCount() == 3
    assert page.summary.text() == "已逾期 2 项　今日到期 1 项"
    assert page.model.index(0, 0).data() == "逾期 3 个工作日"
    assert page.terminate_button.isHidden() and not page.supply_button.isHidden()
    assert page.add_button.isHidden()  # clerks do not manage the blacklist
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    page.supply()
    wait_idle(qtbot)
    assert "已登记补交" in page.message.text() and "尚有 1 项待补交" in page.message.text()
    assert page.model.rowCount() == 2
    page.scope.setCurrentIndex(page.scope.findData("today"))
    wait_idle(qtbot)
    assert page.model.rowCount() == 1 and page.model.index(0, 0).data() == "今日到期"


def test_supervisor_terminates_and_blacklists(qtbot, hall, monkeypatch):
    db, actors = hall
    window, page = open_page(qtbot, db, actors["super1"], "deferrals")
    window.resize(1280, 560)
    assert page.terminate_button.isEnabled()
    if SHOTS:
        page.show()
        page.grab().save(os.path.join(SHOTS, "deferrals_page.png"))
    shots = []

    def run(dialog):
        assert dialog.reason.accessibleName() == "终止原因"
        assert "房屋产权证明" in dialog.blacklist_reason.toPlainText()
        dialog.reason.setPlainText("")
        dialog.accept()
        wait_idle(qtbot)
        assert dialog.message.text() == "请填写终止原因" and "border" in dialog.reason.styleSheet()
        dialog.reason.setPlainText("容缺资料逾期3个工作日未补交，电话催告未果")
        dialog.blacklist.setChecked(True)
        assert dialog.blacklist_reason.isEnabled()
        if SHOTS:
            dialog.show()
            shots.append(dialog.grab().save(os.path.join(SHOTS, "terminate_dialog.png")))
        dialog.accept()
        wait_idle(qtbot)
        return dialog.result()

    monkeypatch.setattr(TerminateDialog, "exec", run)
    page.terminate()
    wait_idle(qtbot)
    assert page.message.text().endswith("已终止，客户“欠补户”已列入失信名单")
    assert page.model.rowCount() == 1  # the terminated application left the list
    assert page.black_model.rowCount() == 1
    assert page.black_model.index(0, 1).data() == "欠补户" and page.black_model.index(0, 4).data() == "赵班长"

    answer_with(monkeypatch, qtbot, ReasonDialog,
                lambda d: refused_without_reason(qtbot, d, "请填写移出失信名单的原因", "经复核已补交全部资料"))
    page.tabs.setCurrentIndex(1)
    page.remove_from_blacklist()
    wait_idle(qtbot)
    assert page.black_message.text() == "已将“欠补户”移出失信名单"
    assert page.black_model.rowCount() == 0
    page.include_removed.setChecked(True)
    wait_idle(qtbot)
    assert page.black_model.index(0, 0).data() == "已移出"
    assert page.black_model.index(0, 7).data() == "经复核已补交全部资料"
    if SHOTS:
        page.grab().save(os.path.join(SHOTS, "blacklist_tab.png"))


def test_blacklist_by_hand(qtbot, hall, monkeypatch):
    db, actors = hall

    def fill(dialog):
        type_text(dialog.certificate, resident_id(41))
        dialog.find()
        wait_idle(qtbot)
        assert dialog.customers.count() == 1 and "欠补户" in dialog.customers.item(0).text()
        refused_without_reason(qtbot, dialog, "请填写列入失信名单的原因", "提供虚假材料")

    answer_with(monkeypatch, qtbot, BlacklistAddDialog, fill)
    _window, page = open_page(qtbot, db, actors["super1"], "deferrals")
    page.add_to_blacklist()
    wait_idle(qtbot)
    assert page.black_model.rowCount() == 1
    assert "（失信）" in page.model.index(0, 2).data()
    assert [r.reason for r in deferrals.blacklist_entries(db, actors["super1"])] == ["提供虚假材料"]


def test_a_failing_read_is_said_in_chinese_and_keeps_the_rows(qtbot, hall, monkeypatch):
    db, actors = hall
    _window, page = open_page(qtbot, db, actors["clerk1"], "deferrals")
    assert page.model.rowCount() == 3

    def broken(*_a, **_k):
        raise RuntimeError("connection reset by peer")

    monkeypatch.setattr(deferrals, "open_items", broken)
    page.refresh_button.click()
    wait_idle(qtbot)
    assert page.message.text().startswith("读取失败：程序出错") and "peer" not in page.message.text()
    assert page.model.rowCount() == 3  # what was shown stays
