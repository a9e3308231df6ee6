"""The 台账 page: filters, paged table, export in the background."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from PySide6.QtCore import QDate, Qt

from counter_app.reporting import registers
from counter_app.reporting.registers import RegisterFilter
from counter_app.ui.registers_page import RegistersPage
from tests.conftest import setup_hall
from tests.factories import bulk_applications, make_accepted


@pytest.fixture
def hall(sqlite_db, frozen_now):
    actors = setup_hall(sqlite_db)
    c1, c2 = actors["clerk1"], actors["clerk2"]
    with sqlite_db.write() as s:
        for i in range(5):
            who = c1 if i % 2 == 0 else c2
            make_accepted(s, window_id=who.window_id, clerk_id=who.user_id, name=f"客户{i}",
                          accepted_at=dt.datetime(2026, 11, 10 + i, 10), deferred=("property_proof",) if i < 2 else ())
    return sqlite_db, actors


def page_for(qtbot, db, actor):
    page = RegistersPage(db, actor)
    qtbot.addWidget(page)
    page.date_from.setDate(QDate(2026, 11, 1))
    page.query()
    return page


def test_opens_with_the_register_and_filters(qtbot, hall):
    db, actors = hall
    page = page_for(qtbot, db, actors["super1"])
    assert page.kind == "register"
    assert page.model.rowCount() == 5
    assert "共 5 条" in page.count_label.text() and "已脱敏" in page.count_label.text()
    assert page.model.headerData(0, Qt.Horizontal) == "申请编号"
    page.window_combo.setCurrentIndex(page.window_combo.findData(2))
    page.query()
    assert page.model.rowCount() == 2
    page.set_kind("deferred")
    assert page.deferral_combo.isVisibleTo(page)
    assert page.model.headerData(7, Qt.Horizontal) == "容缺资料"
    assert page.model.rowCount() == 1  # window 2 still selected: one deferred item there
    page.reset_filters()
    assert page.window_combo.currentIndex() == 0


def test_bad_date_range_is_shown_at_the_field(qtbot, hall):
    db, actors = hall
    page = page_for(qtbot, db, actors["super1"])
    page.date_from.setDate(QDate(2026, 11, 30))
    page.date_to.setDate(QDate(2026, 11, 1))
    page.query()
    assert not page.error_label.isHidden()
    assert "结束日期不能早于开始日期" in page.error_label.text()
    assert page.model.rowCount() == 0


def test_clerk_is_refused_by_the_service(qtbot, hall):
    db, actors = hall
    page = RegistersPage(db, actors["clerk1"])
    qtbot.addWidget(page)
    assert "无权查看台账" in page.error_label.text()
    assert page.model.rowCount() == 0
    assert not page.export_button.isVisibleTo(page)


def test_export_runs_in_the_background(qtbot, hall, tmp_path):
    db, actors = hall
    page = page_for(qtbot, db, actors["super1"])
    target = tmp_path / "out.xlsx"
    task = page.export_to(target)
    qtbot.waitUntil(lambda: task.outcome is not None, timeout=20_000)
    assert task.outcome == "success"
    assert page.last_export.rows == 5 and target.exists()
    assert page.export_button.isEnabled()
    ws = openpyxl.load_workbook(target).active
    assert ws["A2"].value.startswith("筛选条件：受理日期：2026-11-01 至 2026-11-24")


def test_unmasked_export_needs_a_reason(qtbot, hall, tmp_path):
    db, actors = hall
    page = page_for(qtbot, db, actors["super1"])
    assert page.unmasked_check.isVisibleTo(page)
    page.unmasked_check.setChecked(True)
    assert page.reason_edit.isEnabled()
    assert page.export_to(tmp_path / "u.xlsx") is None
    assert "须填写原因" in page.error_label.text()
    page.reason_edit.setText("监管核查")
    task = page.export_to(tmp_path / "u.xlsx")
    qtbot.waitUntil(lambda: task.outcome is not None, timeout=20_000)
    assert page.last_export.unmasked
    admin = RegistersPage(db, actors["admin1"])
    qtbot.addWidget(admin)
    assert not admin.unmasked_check.isVisibleTo(admin)


def test_unwritable_target_is_refused_before_the_background_work(qtbot, hall, tmp_path):
    db, actors = hall
    page = page_for(qtbot, db, actors["super1"])
    assert page.export_to(tmp_path / "missing" / "x.xlsx") is None
    assert "不存在" in page.error_label.text()


def test_cancelled_export(qtbot, hall, tmp_path, monkeypatch):
    db, actors = hall
    page = page_for(qtbot, db, actors["super1"])
    from counter_app.printing import excel

    monkeypatch.setattr(excel, "PROGRESS_EVERY", 1)
    task = page.export_to(tmp_path / "c.xlsx")
    task.cancel()
    qtbot.waitUntil(lambda: task.outcome is not None, timeout=20_000)
    if task.outcome == "cancelled":  # (a very fast machine may finish before the cancel arrives)
        assert "已取消导出" in page.count_label.text()
        assert not (tmp_path / "c.xlsx").exists()


def test_large_register_opens_lazily(qtbot, sqlite_db, frozen_now):
    """5,000 applications: opening reads the count and one page; jumping to the end one more."""
    actors = setup_hall(sqlite_db)
    with sqlite_db.write() as s:
        bulk_applications(s, 5000, start=dt.datetime(2026, 1, 5), days=300)
    page = RegistersPage(sqlite_db, actors["super1"])
    qtbot.addWidget(page)
    page.date_from.setDate(QDate(2026, 1, 1))
    page.query()
    page.resize(1200, 600)
    page.show()
    qtbot.waitExposed(page)
    assert page.model.rowCount() == 5000 == registers.count(sqlite_db, actors["super1"], "register", RegisterFilter(
        date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 11, 24)))
    qtbot.waitUntil(lambda: page.model.fetches >= 1)
    assert page.model.fetches == 1
    page.table.scrollToBottom()
    qtbot.waitUntil(lambda: page.model.fetches >= 2)
    qtbot.wait(50)
    assert page.model.fetches == 2


def test_window_stays_responsive_during_a_large_export(qtbot, sqlite_db, frozen_now, tmp_path):
    """A real export of 3,000 rows runs on the pool thread; the GUI thread keeps handling timers."""
    from PySide6.QtCore import QElapsedTimer, QTimer

    actors = setup_hall(sqlite_db)
    with sqlite_db.write() as s:
        bulk_applications(s, 3000, start=dt.datetime(2026, 1, 5), days=300)
    page = page_for(qtbot, sqlite_db, actors["super1"])
    page.date_from.setDate(QDate(2026, 1, 1))
    ticks, clock_ = [], QElapsedTimer()
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(clock_.elapsed()))
    clock_.start()
    timer.start(20)
    task = page.export_to(tmp_path / "big.xlsx")
    qtbot.waitUntil(lambda: task.outcome is not None, timeout=120_000)
    timer.stop()
    assert task.outcome == "success" and page.last_export.rows == 3000
    elapsed = clock_.elapsed()
    gaps = [b - a for a, b in zip([0, *ticks], ticks, strict=False)]
    # events kept flowing: no pause of a second or more while the export ran
    assert len(ticks) >= 3 and max(gaps) < 1000, (elapsed, max(gaps), len(ticks))


def test_unmasked_export_asks_the_reason_before_the_file_dialog(qtbot, hall, tmp_path, monkeypatch):
    """Through the main window (台账, Ctrl+E): no reason, no file dialog; the reason field is marked."""
    from counter_app.ui.kit import export_file
    from counter_app.ui.main_window import MainWindow

    db, actors = hall
    window = MainWindow(db, actors["super1"])
    qtbot.addWidget(window)
    window.show()
    page = window.page("registers")
    asked = []
    monkeypatch.setattr(export_file.file_dialogs, "get_save_file_name",
                        lambda *a, **k: asked.append(a[1]) or (str(tmp_path / "u.xlsx"), ""))
    page.unmasked_check.setChecked(True)
    page.export_button.click()
    assert asked == [] and "须填写原因" in page.error_label.text()
    assert "border" in page.reason_edit.styleSheet()
    page.reason_edit.setText("监管核查")
    from counter_app.ui import registers_page

    monkeypatch.setattr(registers_page.QMessageBox, "information", staticmethod(lambda *a, **k: None))
    page.export_button.click()
    assert asked == ["导出Excel"] and page.reason_edit.styleSheet() == ""
    qtbot.waitUntil(lambda: getattr(page, "last_export", None) is not None, timeout=20_000)
    assert page.last_export.unmasked
