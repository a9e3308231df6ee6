"""The 查询 page: one box for number, certificate, phone or name; details; editing at 受理."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import select

from counter_app.acceptance import service as acceptance
from counter_app.models import Application
from counter_app.ui.main_window import MainWindow
from tests.acceptance_helpers import residential
from tests.conftest import setup_hall
from tests.factories import resident_id
from tests.main_window_driver import open_main_window
from tests.ui_acceptance_helpers import no_modal_questions, wait_idle  # noqa: F401


@pytest.fixture
def hall(qtbot, sqlite_db, frozen_now):
    actors = setup_hall(sqlite_db)
    first = acceptance.save(
        sqlite_db,
        actors["clerk1"],
        residential(resident_id(71), holder_name="张三", materials={"property_proof": "deferred"}),
    )
    second = acceptance.save(
        sqlite_db,
        actors["clerk1"],
        residential(resident_id(72), holder_name="张三丰", contact_mobile="13700001111"),
    )
    with sqlite_db.write() as s:
        s.get(Application, second.application_id).current_stage = "survey"
    return sqlite_db, actors, first, second


def open_window(qtbot, db, actor) -> MainWindow:
    return open_main_window(qtbot, db, actor, size=(1366, 768))


def search(qtbot, page, text: str) -> None:
    page.query.setText(text)
    QTest.keyClick(page.query, Qt.Key_Return)
    wait_idle(qtbot)


def test_find_by_name_shows_stage_due_and_handler_and_opens_for_edit(qtbot, hall):
    db, actors, first, second = hall
    window = open_window(qtbot, db, actors["clerk1"])
    QTest.keyClick(window, Qt.Key_F, Qt.ControlModifier)
    page = window.tabs.currentWidget()
    assert page.objectName() == "page_find"
    search(qtbot, page, "张三")

    assert page.message.text() == "按客户名称找到 2 件申请"
    model = page.model
    headers = [model.headerData(c, Qt.Horizontal) for c in range(model.columnCount())]
    assert headers[:3] == ["申请编号", "客户名称", "证件号码"]
    rows = {
        model.rows[r].number: [model.data(model.index(r, c)) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    }
    assert rows[second.number][5:10] == ["现场勘查", "2026-11-25", "2026-12-01", "王小明", "办理中"]
    assert rows[first.number][2] == resident_id(71)  # the clerk sees the number in full

    # the newest comes first: 张三丰 (at 现场勘查) cannot be edited any more
    assert model.rows[0].number == second.number and not page.edit_button.isEnabled()
    page.table.selectRow(1)
    wait_idle(qtbot)
    assert page.edit_button.isEnabled()
    html = page.detail.toHtml()
    assert "应于 2026-11-27 前补交" in html and "材料真实性承诺书" in html

    QTest.keyClick(page.table, Qt.Key_E, Qt.ControlModifier)
    wait_idle(qtbot)
    accept = window.tabs.currentWidget()
    assert accept.objectName() == "page_accept" and accept.mode == "edit"
    assert accept.application_id == first.application_id and accept.view.holder_name.text() == "张三"
    accept.editors["contact_phone"].setText("0591-83334444")
    accept.save()
    wait_idle(qtbot)
    assert accept.view.banner.kind == "success", accept.view.banner.plain
    with db.read() as s:
        assert s.get(Application, first.application_id).contact_phone == "0591-83334444"


def test_back_office_sees_masked_data_and_cannot_edit(qtbot, hall):
    db, actors, first, _second = hall
    window = open_window(qtbot, db, actors["back1"])
    assert "accept" not in window.page_keys() and "find" in window.page_keys()  # no acceptance for back office
    page = window.page("find")
    search(qtbot, page, "13812345678")
    assert page.model.rowCount() == 1
    row = page.model.rows[0]
    assert row.cert_number == resident_id(71)[:6] + "********" + resident_id(71)[-4:]
    assert row.mobile == "138****5678" and not page.edit_button.isEnabled()
    assert "138****5678" in page.detail.toPlainText()


def test_find_by_name_and_phone_tail_or_id_tail_from_the_menu(qtbot, hall):
    """Ctrl+F from the main window: "三丰 1111" (part of the name, the phone's last 4) and the ID's last
    6 find the case; the back office sees the numbers masked."""
    db, actors, first, second = hall
    window = open_window(qtbot, db, actors["back1"])
    QTest.keyClick(window, Qt.Key_F, Qt.ControlModifier)
    page = window.tabs.currentWidget()
    assert page.objectName() == "page_find"
    search(qtbot, page, "三丰 1111")
    assert [r.customer_name for r in page.model.rows] == ["张三丰"]
    assert page.model.rows[0].mobile == "137****1111"
    assert page.message.text() == "按客户名称和电话后4位找到 1 件申请"
    search(qtbot, page, resident_id(71)[-6:])
    assert [r.number for r in page.model.rows] == [first.number]
    assert page.model.rows[0].cert_number == resident_id(71)[:6] + "********" + resident_id(71)[-4:]


def test_nothing_found_and_bad_input(qtbot, hall):
    db, actors, *_ = hall
    page = open_window(qtbot, db, actors["clerk1"]).page("find")
    search(qtbot, page, "FZGL01-20261124-0099")
    assert page.message.text() == "按申请编号没有找到申请，请核对后重试"
    search(qtbot, page, "")
    assert "请输入申请编号" in page.message.text()
    with db.read() as s:
        assert len(s.scalars(select(Application)).all()) == 2
