"""The 交接清单 pages: a clerk makes a batch, two PCs race, the receiver confirms, the batch locks."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from counter_app.models import Application
from counter_app.tracking import handover
from counter_app.ui import background
from counter_app.ui.handover_page import HandoverPage
from counter_app.ui.handover_receive_page import HandoverReceivePage
from tests.conftest import setup_hall
from tests.factories import make_accepted, mark_printed
from tests.qt_helpers import type_text


@pytest.fixture
def hall(sqlite_db, frozen_now):
    actors = setup_hall(sqlite_db)
    c1, c2 = actors["clerk1"], actors["clerk2"]
    with sqlite_db.write() as s:
        for i, when in enumerate([dt.datetime(2026, 11, 23, 15), dt.datetime(2026, 11, 24, 8, 45),
                                  dt.datetime(2026, 11, 24, 9, 15)]):
            make_accepted(s, window_id=c1.window_id, clerk_id=c1.user_id, name=f"客户{i}", accepted_at=when,
                          deferred=("property_proof",) if i == 0 else ())
        make_accepted(s, window_id=c2.window_id, clerk_id=c2.user_id, name="二号窗客户",
                      accepted_at=dt.datetime(2026, 11, 20, 10))
        ids = list(s.scalars(select(Application.id)))
    mark_printed(sqlite_db, ids)
    return sqlite_db, actors


def settle(qtbot):
    """Every service call of the pages runs in the background: wait until all have reported."""
    qtbot.waitUntil(lambda: background.pending() == 0, timeout=30_000)


def clerk_page(qtbot, db, actor):
    page = HandoverPage(db, actor)
    qtbot.addWidget(page)
    settle(qtbot)
    return page


def receive_page(qtbot, db, actor):
    page = HandoverReceivePage(db, actor)
    qtbot.addWidget(page)
    settle(qtbot)
    return page


def make_batch(qtbot, page):
    page.last_batch = None
    page.create_batch()
    settle(qtbot)
    return page.last_batch


def tick(page, *rows):
    for row in rows:
        page.pending_model.setData(page.pending_model.index(row, 0), Qt.Checked, Qt.CheckStateRole)


def test_clerk_makes_a_batch(qtbot, hall):
    db, actors = hall
    page = clerk_page(qtbot, db, actors["clerk1"])
    assert page.pending_model.rowCount() == 3
    assert not page.create_button.isEnabled()
    tick(page, 0, 1)
    assert page.pending_label.text() == "待移交 3 件，已勾选 2 件" and page.create_button.isEnabled()
    page.shift_combo.setCurrentText("上午班")
    batch = make_batch(qtbot, page)
    assert batch.number == "JJ-FZGL01-01-20261124-01" and batch.shift == "上午班"
    assert batch.number in page.messages.text()
    assert page.pending_model.rowCount() == 1
    assert page.batches.batch_model.rowCount() == 1
    assert page.batches.line_model.rowCount() == 2
    assert "待接收" in page.batches.state_label.text()
    assert page.remove_button.isEnabled() and page.cancel_button.isEnabled()


def test_select_all_and_nothing_ticked(qtbot, hall):
    db, actors = hall
    page = clerk_page(qtbot, db, actors["clerk1"])
    assert page.create_batch() is None
    assert "请先勾选" in page.messages.text()
    page.all_check.setChecked(True)
    assert page.pending_model.checked_rows() == [0, 1, 2]
    assert make_batch(qtbot, page).lines == 3


def test_two_pcs_of_one_window_race(qtbot, hall):
    """Both PCs show the same pending list; the second to press 生成 gets a clear message."""
    db, actors = hall
    first, second = clerk_page(qtbot, db, actors["clerk1"]), clerk_page(qtbot, db, actors["clerk1"])
    tick(first, 0, 1)
    tick(second, 1, 2)
    assert make_batch(qtbot, first) is not None
    assert make_batch(qtbot, second) is None
    assert "不能重复移交" in second.messages.text() and "JJ-FZGL01-01-20261124-01" in second.messages.text()
    assert second.pending_model.rowCount() == 1  # refreshed: only the untaken one is left
    assert second.batches.batch_model.rowCount() == 1


def test_remove_line_and_cancel_batch(qtbot, hall):
    db, actors = hall
    page = clerk_page(qtbot, db, actors["clerk1"])
    page.all_check.setChecked(True)
    make_batch(qtbot, page)
    page.batches.line_table.selectRow(0)
    page.remove_selected()
    settle(qtbot)
    assert page.batches.line_model.rowCount() == 2
    assert page.pending_model.rowCount() == 1
    page.cancel_batch(ask=False)
    settle(qtbot)
    assert page.batches.batch_model.rowCount() == 0
    assert page.pending_model.rowCount() == 3


def test_export_batch(qtbot, hall, tmp_path):
    db, actors = hall
    page = clerk_page(qtbot, db, actors["clerk1"])
    page.all_check.setChecked(True)
    batch = make_batch(qtbot, page)
    task = page.batches.export_to(tmp_path / "h.xlsx")
    qtbot.waitUntil(lambda: task.outcome is not None, timeout=20_000)
    assert task.outcome == "success", task.error
    assert "已导出交接清单 3 件" in page.messages.text()
    ws = openpyxl.load_workbook(tmp_path / "h.xlsx").active
    assert batch.number in ws["A2"].value


def test_handover_list_pdf_is_saved_and_recorded(qtbot, hall, tmp_path):
    import pdfplumber
    from sqlalchemy import select

    from counter_app.models import PrintRecord

    db, actors = hall
    page = clerk_page(qtbot, db, actors["clerk1"])
    page.all_check.setChecked(True)
    batch = make_batch(qtbot, page)
    assert page.batches.pdf_button.isEnabled()
    task = page.batches.save_pdf_to(tmp_path / "交接清单.pdf")
    qtbot.waitUntil(lambda: task.outcome is not None, timeout=30_000)
    assert task.outcome == "success", task.error
    assert "已保存交接清单PDF" in page.messages.text()
    with pdfplumber.open(tmp_path / "交接清单.pdf") as pdf:
        text = pdf.pages[0].extract_text()
    assert batch.number in text and "客户0" in text
    with db.read() as s:
        record = s.scalar(select(PrintRecord).where(PrintRecord.batch_id == batch.id))
        assert record.action == "save_pdf" and record.user_id == actors["clerk1"].user_id


def test_receiver_confirms_with_remarks_and_the_batch_locks(qtbot, hall):
    db, actors = hall
    clerk = clerk_page(qtbot, db, actors["clerk1"])
    clerk.all_check.setChecked(True)
    batch = make_batch(qtbot, clerk)

    page = receive_page(qtbot, db, actors["back1"])
    assert page.batches.batch_model.rowCount() == 1
    assert page.confirm_button.isEnabled()
    assert page.receiver_edit.text() == "陈后台"
    page.batches.line_table.selectRow(0)
    page.remark_combo.setCurrentIndex(page.remark_combo.findData("缺件"))
    page.apply_remark()
    assert "请写明说明" in page.messages.text()
    type_text(page.note_edit, "缺房产证复印件")
    page.apply_remark()
    assert page.batches.line_model.row(0)[-1] == "缺件：缺房产证复印件"
    page.confirm(ask=False)
    settle(qtbot)
    done = page.last_confirmed
    assert done.status == "confirmed" and "已锁定" in page.messages.text()
    page.status_combo.setCurrentIndex(page.status_combo.findData("confirmed"))
    settle(qtbot)
    page.batches.select_batch(batch.id)
    settle(qtbot)
    assert not page.confirm_button.isEnabled()
    assert "已锁定" in page.batches.state_label.text()
    detail = handover.detail(db, actors["super1"], batch.id)
    assert detail.items[0].remark == "缺件"

    clerk.refresh()
    settle(qtbot)
    assert "已锁定" in clerk.batches.state_label.text()
    assert not clerk.remove_button.isEnabled() and not clerk.cancel_button.isEnabled()


def test_receiver_must_name_themselves(qtbot, hall):
    db, actors = hall
    clerk = clerk_page(qtbot, db, actors["clerk1"])
    clerk.all_check.setChecked(True)
    make_batch(qtbot, clerk)
    page = receive_page(qtbot, db, actors["back1"])
    page.receiver_edit.clear()
    page.confirm(ask=False)
    settle(qtbot)
    assert page.last_confirmed is None
    assert "请填写接收人姓名" in page.messages.text()


def test_stale_list_is_not_confirmed(qtbot, hall):
    db, actors = hall
    clerk = clerk_page(qtbot, db, actors["clerk1"])
    tick(clerk, 0)
    batch = make_batch(qtbot, clerk)
    page = receive_page(qtbot, db, actors["back1"])
    handover.add_applications(db, actors["clerk1"], batch.id, [clerk.pending_items[0].application_id])
    page.confirm(ask=False)
    settle(qtbot)
    assert page.last_confirmed is None
    assert "请刷新后重新核对" in page.messages.text()
    assert page.batches.line_model.rowCount() == 2  # refreshed to the current list


def test_supervisor_sees_missing_applications(qtbot, hall):
    db, actors = hall
    page = receive_page(qtbot, db, actors["super1"])
    # yesterday's application of window 1 and the one of window 2 (11-20) are in no batch
    assert page.missing_model.rowCount() == 2
    assert page.tabs.tabText(1) == "未移交申请（遗漏 2）"
    assert page.missing_model.row(0)[1] == "2号窗口"


def test_handover_list_prints_in_one_action_and_is_recorded(qtbot, hall, tmp_path):
    import pdfplumber
    from sqlalchemy import select

    from counter_app.models import PrintRecord

    db, actors = hall
    page = clerk_page(qtbot, db, actors["clerk1"])
    page.all_check.setChecked(True)
    batch = make_batch(qtbot, page)
    assert page.batches.print_button.isEnabled()
    out = tmp_path / "printed.pdf"
    assert page.batches.print_list(output_file=str(out)) is not None
    settle(qtbot)
    assert "交接清单已发送到打印机" in page.messages.text()
    with pdfplumber.open(out) as pdf:
        assert len(pdf.pages) >= 1
    with db.read() as s:
        record = s.scalar(select(PrintRecord).where(PrintRecord.batch_id == batch.id))
        assert record.action == "print" and record.outcome == "ok"


def test_unprinted_case_needs_a_reason_from_the_main_window(qtbot, hall, monkeypatch):
    """Ctrl+Shift+J: each case says whether its documents were printed and signed; a never-printed
    case is handed over only with a reason, which the line and the printed list show."""
    from counter_app.forms import handover as handover_form
    from counter_app.ui.deferrals_page import ReasonDialog
    from counter_app.ui.main_window import MainWindow
    from PySide6.QtTest import QTest

    db, actors = hall
    clerk = actors["clerk1"]
    with db.write() as s:
        make_accepted(s, window_id=clerk.window_id, clerk_id=clerk.user_id, name="未打印客户",
                      accepted_at=dt.datetime(2026, 11, 24, 10))
    window = MainWindow(db, clerk)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    QTest.keyClick(window, Qt.Key_J, Qt.ControlModifier | Qt.ShiftModifier)
    settle(qtbot)
    page = window.tabs.currentWidget()
    assert page.objectName() == "page_handover"
    labels = {row[2]: (row[3], row[4]) for row in page.pending_model.rows}
    assert labels["客户0"] == ("已打印1种", "未签名") and labels["未打印客户"] == ("未打印", "未签名")

    answers = iter(["", "客户急需，单据稍后补打"])

    def answer(dialog):
        asked.append(dialog.info.text())
        dialog.reason.setPlainText(next(answers))
        dialog.accept()  # the first, empty answer is refused at the field and the dialog stays
        if dialog.message.text():
            refused.append(dialog.message.text())
            dialog.reason.setPlainText(next(answers))
            dialog.accept()
        return dialog.result()

    asked, refused = [], []
    monkeypatch.setattr(ReasonDialog, "exec", answer)
    tick(page, 3)
    batch = make_batch(qtbot, page)
    assert batch is not None and batch.lines == 1
    assert "单据从未打印" in asked[0] and refused == ["请填写单据未打印就移交的原因"]
    assert page.batches.line_model.rows[0][-1] == "单据未打印，原因：客户急需，单据稍后补打"
    with db.read() as s:
        printed = handover_form.build(s, batch.id)
    assert printed.rows[0].remark == "单据未打印，原因：客户急需，单据稍后补打"


def test_going_back_to_print_makes_no_batch(qtbot, hall, monkeypatch):
    from counter_app.ui.deferrals_page import ReasonDialog

    db, actors = hall
    clerk = actors["clerk1"]
    with db.write() as s:
        make_accepted(s, window_id=clerk.window_id, clerk_id=clerk.user_id, name="未打印客户",
                      accepted_at=dt.datetime(2026, 11, 24, 10))
    page = clerk_page(qtbot, db, clerk)
    monkeypatch.setattr(ReasonDialog, "exec", lambda dialog: 0)
    tick(page, 0, 3)
    assert page.create_batch() is None
    assert "未生成交接批次" in page.messages.text()
    assert page.batches.batch_model.rowCount() == 0
