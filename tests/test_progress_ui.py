"""进度查询 page and the stage dialog, driven through their widgets (keyboard where it matters)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from counter_app.infra import clock
from counter_app.models import Application
from counter_app.tracking import stages
from counter_app.ui.kit import background
from counter_app.ui.kit.progress_view import ProgressDialog
from counter_app.ui.progress_page import ProgressPage
from counter_app.ui.stage_dialog import StageDialog
from tests.conftest import setup_hall
from tests.factories import make_accepted_application, make_customer, resident_id
from tests.main_window_driver import answer_with
from tests.qt_helpers import press, type_text

T = dt.datetime
ID = resident_id(31)
SHOTS = os.environ.get("COUNTER_APP_SCREENSHOTS")


@pytest.fixture
def hall_case(sqlite_db):
    clock.freeze(T(2026, 11, 24, 10, 0))
    actors = setup_hall(sqlite_db)
    clerk = actors["clerk1"]
    with sqlite_db.write() as s:
        cert = make_customer(s, "张三", ID)
        app = make_accepted_application(s, cert, window_id=clerk.window_id, clerk_id=clerk.user_id,
                                        accepted_at=T(2026, 11, 16, 9, 0), contact_mobile="13900001111",
                                        deferred=("property_proof",))
        make_accepted_application(s, cert, window_id=clerk.window_id, clerk_id=clerk.user_id,
                                  accepted_at=T(2026, 11, 23, 9, 0), business_type="lv_res_increase")
    stages.advance(sqlite_db, actors["back1"], app.id, version=1, handler="勘查班周工", at=T(2026, 11, 18, 9, 0))
    yield sqlite_db, actors, app.id
    clock.freeze(None)


def test_lookup_by_certificate_shows_timeline(qtbot, hall_case):
    db, actors, app_id = hall_case
    page = ProgressPage(db, actors["clerk1"])
    qtbot.addWidget(page)
    page.resize(1280, 720)
    page.show()
    page.activate()
    assert page.focusWidget() is page.query
    assert page.query.accessibleName() == "申请编号/证件号码/联系电话"
    type_text(page.query, ID)
    press(page.query, Qt.Key_Return)
    settle(qtbot)
    assert page.results_model.rowCount() == 2
    assert page.message.text() == "按证件号码找到 2 件申请"
    # newest first; pick the older one with the keyboard
    press(page.results, Qt.Key_Down)
    settle(qtbot)
    p = page.view.progress
    assert p.application_id == app_id
    assert page.view.fields["stage"].text() == "现场勘查"
    assert page.view.fields["handler"].text() == "勘查班周工"
    assert page.view.fields["stage_due"].text() == "2026-11-20　已超期"
    assert page.view.fields["expected"].text() == "2026-11-26"
    assert page.view.timeline_model.rowCount() == 4
    assert page.view.timeline_model.index(0, 6).data() == "超期完成"
    assert page.view.timeline_model.index(2, 5).data() == "约 2026-11-26"
    assert page.move_button.isHidden()  # clerks do not move stages
    if SHOTS:
        page.grab().save(os.path.join(SHOTS, "progress_page.png"))


def test_lookup_error_is_shown_at_the_field(qtbot, hall_case):
    db, actors, _app_id = hall_case
    page = ProgressPage(db, actors["clerk1"])
    qtbot.addWidget(page)
    type_text(page.query, "12")
    page.search()
    settle(qtbot)
    assert "输入内容太短" in page.message.text()
    assert page.query.text() == "12"  # nothing typed is lost


def test_backoffice_advances_through_the_dialog(qtbot, hall_case, monkeypatch):
    db, actors, app_id = hall_case
    page = ProgressPage(db, actors["back1"])
    qtbot.addWidget(page)
    page.show_application(app_id)
    settle(qtbot)
    assert page.move_button.isEnabled()

    def fill(dialog):
        assert dialog.advance_radio.isChecked()
        assert "装表接电" in dialog.advance_radio.text() and "2026-11-26" in dialog.advance_radio.text()
        dialog.handler.setCurrentText("")
        type_text(dialog.handler.lineEdit(), "装表班吴工")

    answer_with(monkeypatch, qtbot, StageDialog, fill)
    page.open_stage_dialog()
    settle(qtbot)
    assert page.view.fields["stage"].text() == "装表接电"
    assert page.view.fields["handler"].text() == "装表班吴工"
    assert "已进入“装表接电”环节" in page.message.text()


def test_dialog_keeps_input_on_stale_edit_and_marks_fields(qtbot, hall_case):
    db, actors, app_id = hall_case
    dialog = StageDialog(db, actors["back1"], app_id)
    qtbot.addWidget(dialog)
    settle(qtbot)
    # no handler: refused at the field
    dialog.handler.setCurrentText("")
    dialog.accept()
    settle(qtbot)
    assert dialog.result() != QDialog.Accepted
    assert dialog.message.text() == "请填写处理人" and "border" in dialog.handler.styleSheet()
    # send back without a reason
    dialog.back_radio.setChecked(True)
    assert dialog.back_target.isEnabled() and dialog.back_target.currentText() == "受理"
    dialog.handler.setCurrentText("王小明")
    dialog.accept()
    settle(qtbot)
    assert dialog.message.text() == "退回时请填写退回原因"
    # meanwhile someone else moves the application
    with db.read() as s:
        version = s.get(Application, app_id).version
    stages.advance(db, actors["back1"], app_id, version=version, handler="别人", at=T(2026, 11, 24, 9, 0))
    dialog.note.setPlainText("产权证明与地址不符")
    dialog.accept()
    settle(qtbot)
    assert "已被陈后台" in dialog.message.text() and not dialog.reload_button.isHidden()
    assert dialog.note.toPlainText() == "产权证明与地址不符" and dialog.handler.currentText() == "王小明"
    dialog.reload()
    settle(qtbot)
    assert "装表接电" in dialog.summary.text()
    assert dialog.note.toPlainText() == "产权证明与地址不符" and dialog.handler.currentText() == "王小明"
    dialog.back_radio.setChecked(True)
    dialog.accept()
    settle(qtbot)
    assert dialog.result() == QDialog.Accepted and dialog.result_move.stage == "accept"


def test_dialog_accessible_names_and_screenshot(qtbot, hall_case):
    db, actors, app_id = hall_case
    dialog = StageDialog(db, actors["back1"], app_id)
    qtbot.addWidget(dialog)
    settle(qtbot)
    assert dialog.handler.accessibleName() == "处理人"
    assert dialog.at.accessibleName() == "流转时间"
    assert dialog.ok_button.accessibleName() == "确定"
    if SHOTS:
        dialog.show()
        dialog.grab().save(os.path.join(SHOTS, "stage_dialog.png"))
    viewer = ProgressDialog(db, actors["super1"], app_id)
    qtbot.addWidget(viewer)
    settle(qtbot)
    assert viewer.windowTitle().startswith("办理进度 — FZGL01-20261116")
    assert viewer.view.progress.phone == "139****1111"


def test_slip_is_generated_recorded_and_opened(qtbot, hall_case, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    db, actors, app_id = hall_case
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    page = ProgressPage(db, actors["clerk1"])
    qtbot.addWidget(page)
    page.show_application(app_id)
    settle(qtbot)
    assert page.slip_button.isEnabled()
    page.print_slip()
    settle(qtbot)
    assert page.last_slip is not None and page.last_slip.read_bytes().startswith(b"%PDF")
    assert opened == [str(page.last_slip)]
    assert "进度单已生成" in page.message.text() and "请从阅读器打印" in page.message.text()
    admin_page = ProgressPage(db, actors["admin1"])
    qtbot.addWidget(admin_page)
    assert admin_page.slip_button.isHidden()


def settle(qtbot):
    """The page searches, reads and renders in the background: wait until all has reported."""
    qtbot.waitUntil(lambda: background.pending() == 0, timeout=30_000)
