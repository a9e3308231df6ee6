"""红黄牌 page, from the main window (Ctrl+Shift+R): the supervisor confirms a proposal and records a
red card with evidence; the clerk sees their own cards and appeals one."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from counter_app.tracking import quality_cards as qc
from counter_app.ui import background
from counter_app.ui.deferrals_page import ReasonDialog
from counter_app.ui.main_window import MainWindow
from counter_app.ui.quality_cards_page import IssueCardDialog
from tests.test_quality_cards import history  # noqa: F401  (the fixture)


@pytest.fixture
def db(sqlite_db):
    return sqlite_db


@pytest.fixture
def actors(sqlite_db):
    from tests.conftest import setup_hall

    return setup_hall(sqlite_db)


def settle(qtbot):
    qtbot.waitUntil(lambda: background.pending() == 0, timeout=20_000)


def open_page(qtbot, db, actor, monkeypatch):
    from counter_app.hall import calendar_notice

    monkeypatch.setattr(calendar_notice, "next_year_notice", lambda *_a: None)
    window = MainWindow(db, actor)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5000)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key_R, Qt.ControlModifier | Qt.ShiftModifier)
    page = window.tabs.currentWidget()
    assert page.objectName() == "page_quality_cards"
    settle(qtbot)
    return window, page


def test_supervisor_confirms_a_proposal_and_records_a_red_card(qtbot, db, actors, history, monkeypatch):  # noqa: F811
    window, page = open_page(qtbot, db, actors["super1"], monkeypatch)
    assert page.card_model.rowCount() == 0
    page.propose()
    settle(qtbot)
    assert "生成建议 2 条" in page.messages.text() and page.card_model.rowCount() == 2
    page.card_table.selectRow(0)
    assert page.buttons["confirm"].isEnabled() and not page.buttons["withdraw"].isEnabled()
    page.buttons["confirm"].click()
    settle(qtbot)
    assert "已向王小明发出黄牌" in page.messages.text()

    page.buttons["issue"].click()
    settle(qtbot)
    dialog = page.last_dialog
    assert isinstance(dialog, IssueCardDialog) and dialog.isVisible()
    dialog.number.setText(history["c"])
    dialog.person.setCurrentIndex(dialog.person.findData("clerk1"))
    dialog.ok_button.click()  # no evidence yet: refused at the field, the dialog stays open
    settle(qtbot)
    assert "证据" in dialog.message.text() and dialog.isVisible()
    dialog.evidence.setPlainText("收取“加急费”200元，有票据")
    dialog.ok_button.click()
    settle(qtbot)
    assert dialog.card_id is not None
    settle(qtbot)
    register = {row[0]: row for row in page.register_model.rows}
    assert register["王小明"][2:] == (1, 1, 1)  # one yellow, one red: one red counted
    assert "黄牌 1 张，红牌 1 张，待确认建议 1 条" in page.summary.text()


def test_clerk_sees_own_cards_and_appeals(qtbot, db, actors, history, monkeypatch):  # noqa: F811
    card = qc.issue(db, actors["super1"], number=history["a"], username="clerk1", rule="false_promise",
                    evidence="承诺三天通电")
    qc.issue(db, actors["super1"], number=history["a"], username="clerk2", rule="rework", evidence="复印件不清")
    window, page = open_page(qtbot, db, actors["clerk1"], monkeypatch)
    assert [row[1] for row in page.card_model.rows] == ["王小明"]  # not 李芳's
    assert "propose" not in page.buttons and not page.register_table.isVisibleTo(page)

    def answer(dialog):
        dialog.reason.setPlainText("客户误解，有录音为证")
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(ReasonDialog, "exec", answer)
    page.card_table.selectRow(0)
    page.buttons["appeal"].click()
    settle(qtbot)
    assert page.messages.text() == "已提出申诉，等待班长处理"
    (row,) = qc.cards(db, actors["clerk1"], *page.period())
    assert row.id == card and row.status_label == "申诉中" and row.appeal_reason == "客户误解，有录音为证"
