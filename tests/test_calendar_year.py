"""Next year's calendar: an admin enters or imports the holidays, the year becomes confirmed, deadlines
counted as 预估 are counted again (audited); from November admins and supervisors are told at sign-in
while next year is unknown. The clock is frozen across the 2026/2027 boundary (chinesecalendar 1.11
knows 2026 at most)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from openpyxl import Workbook
from PySide6.QtWidgets import QApplication, QMessageBox
from shiboken6 import isValid
from sqlalchemy import select

from counter_app.acceptance import service as acceptance
from counter_app.hall import calendar_notice, holiday_import
from counter_app.hall import settings_admin as settings_service
from counter_app.hall.settings_admin import SettingsUpdate
from counter_app.hall.workdays import WorkCalendar
from counter_app.infra import clock
from counter_app.infra.errors import ValidationFailed
from counter_app.models import Application, AuditEntry, Material
from counter_app.ui.kit import background
from counter_app.ui.main_window import MainWindow
from counter_app.ui.settings_dialog import SettingsDialog
from tests.acceptance_helpers import residential
from tests.conftest import setup_hall

D, T = dt.date, dt.datetime
NOTICE_2027 = "日期,类型,说明\n2027-01-01,休息日,元旦\n2027-02-06至2027-02-12,休息日,春节\n2027-02-14,工作日,春节调休上班\n"


@pytest.fixture
def year_end(sqlite_db):
    clock.freeze(T(2026, 12, 30, 10, 0))  # a Wednesday: three working days reach into 2027
    try:
        yield sqlite_db, setup_hall(sqlite_db)
    finally:
        clock.freeze(None)


def _accept_with_deferral(db, clerk):
    inp = residential(materials={"property_proof": "deferred"})
    return acceptance.save(db, clerk, inp)


# --- the file -----------------------------------------------------------------------------------------


def test_csv_with_ranges_and_gbk_is_read(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_bytes(NOTICE_2027.encode("gb18030"))
    rows = holiday_import.read_file(path)
    assert len(rows) == 1 + 7 + 1
    assert rows[0] == holiday_import.HolidayRow(D(2027, 1, 1), False, "元旦")
    assert [r.day for r in rows if r.is_workday] == [D(2027, 2, 14)]
    assert holiday_import.years_of(rows) == [2027]


def test_xlsx_is_read(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["日期", "类型", "说明"])
    sheet.append([dt.datetime(2027, 10, 1), "放假", "国庆节"])
    sheet.append(["2027年9月26日", "上班", "调休"])
    book.save(tmp_path / "n.xlsx")
    rows = holiday_import.read_file(tmp_path / "n.xlsx")
    assert [(r.day, r.is_workday) for r in rows] == [(D(2027, 9, 26), True), (D(2027, 10, 1), False)]


@pytest.mark.parametrize(("text", "message"), [
    ("日期,类型\n2027-01-01,放个假\n", "第2行：类型“放个假”无法识别"),
    ("2027/13/01,休息日\n", "第1行：日期“2027/13/01”不存在"),
    ("明年元旦,休息日\n", "第1行：日期“明年元旦”无法识别"),
    ("2027-02-30,休息日\n", "第1行：日期“2027-02-30”不存在"),
    ("2027-01-01,休息日\n2027-01-01,工作日\n", "既被列为休息日又被列为工作日"),
    ("日期,类型\n", "文件中没有任何日期"),
])
def test_bad_file_says_which_line(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        holiday_import.read_file(path)
    assert message in info.value.message


# --- confirming the year recomputes estimated deadlines ---------------------------------------------------


def test_confirming_2027_recounts_estimated_deadlines_and_audits(year_end):
    db, actors = year_end
    result = _accept_with_deferral(db, actors["clerk1"])
    with db.read() as s:
        app = s.get(Application, result.application_id)
        deferred = s.scalar(select(Material).where(Material.application_id == app.id, Material.state == "deferred"))
        old_due, old_material_due = app.due_date, deferred.due_date
        assert app.due_estimated and deferred.due_estimated
        total_days, _ = WorkCalendar().workdays_between(D(2026, 12, 30), old_due)
    assert old_material_due == D(2027, 1, 4)  # 12-31, 1-1 (a weekday, guessed), 1-4

    rows = holiday_import.parse_rows([r.split(",") for r in NOTICE_2027.splitlines()])
    changes = settings_service.save(db, actors["admin1"], SettingsUpdate(
        add_overrides=[(r.day, r.is_workday, r.note) for r in rows], confirmed_years=[2027]))
    assert any(c.startswith("重算预估期限") for c in changes)

    confirmed = WorkCalendar({r.day: r.is_workday for r in rows}, [2027])
    with db.read() as s:
        app = s.get(Application, result.application_id)
        deferred = s.get(Material, deferred.id)
        assert (deferred.due_date, deferred.due_estimated) == (D(2027, 1, 5), False)  # 1 January is off
        assert app.due_date == confirmed.add_workdays(D(2026, 12, 30), total_days).day and not app.due_estimated
        assert app.version == result.version  # a clerk's open form is not made stale by the calendar
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "deadline_recompute")))
    texts = [json.loads(e.detail)["text"] if isinstance(e.detail, str) else e.detail["text"] for e in entries]
    assert f"{result.number} 的容缺补交期限（{deferred.name}）由 2027-01-04（预估）改为 2027-01-05（按已确认的节假日）" in texts
    assert any("办结期限" in t for t in texts)


def test_a_year_cannot_be_confirmed_without_its_holidays(year_end):
    db, actors = year_end
    with pytest.raises(ValidationFailed) as info:
        settings_service.save(db, actors["admin1"], SettingsUpdate(confirmed_years=[2027]))
    assert info.value.field == "confirmed_years" and "尚未录入任何节假日" in info.value.message


# --- told at sign-in ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("today", "user", "told"), [
    (D(2026, 11, 2), "admin1", True), (D(2026, 12, 31), "super1", True), (D(2026, 11, 2), "clerk1", False),
    (D(2026, 10, 31), "admin1", False), (D(2025, 11, 20), "admin1", False),  # 2026 is in the calendar
])
def test_who_is_told_when(sqlite_db, today, user, told):
    actors = setup_hall(sqlite_db)
    clock.freeze(T(today.year, today.month, today.day, 9, 0))
    try:
        text = calendar_notice.next_year_notice(sqlite_db, actors[user])
    finally:
        clock.freeze(None)
    assert (text is not None) == told
    if told:
        assert f"{today.year + 1}年的法定节假日和调休安排尚未录入" in text


def _wait_box(qtbot, window):
    qtbot.waitUntil(lambda: background.pending() == 0, timeout=10_000)
    QApplication.processEvents()
    box = getattr(window, "calendar_notice", None)
    return box if box is not None and isValid(box) and box.isVisible() else None


def test_admin_is_told_at_sign_in_and_imports_the_year_from_the_window(qtbot, sqlite_db, tmp_path, monkeypatch):
    actors = setup_hall(sqlite_db)
    clock.freeze(T(2026, 12, 30, 10, 0))
    try:
        result = _accept_with_deferral(sqlite_db, actors["clerk1"])
        # GIVEN the admin signs in in December with 2027 unknown
        window = MainWindow(sqlite_db, actors["admin1"])
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: _wait_box(qtbot, window) is not None, timeout=10_000)
        box = window.calendar_notice
        assert "2027年的法定节假日和调休安排尚未录入" in box.text()
        # WHEN they choose 现在录入, import the notice file and save
        enter = next(b for b in box.buttons() if b.text() == "现在录入")
        enter.click()
        qtbot.waitUntil(lambda: isinstance(getattr(window, "last_dialog", None), SettingsDialog), timeout=10_000)
        dialog = window.last_dialog
        path = tmp_path / "2027年放假安排.csv"
        path.write_text(NOTICE_2027, encoding="utf-8")
        from counter_app.ui.kit import file_dialogs

        monkeypatch.setattr(file_dialogs, "get_open_file_name", lambda *a, **k: (str(path), ""))
        dialog.tabs.setCurrentIndex(4)
        dialog.import_button.click()
        qtbot.waitUntil(lambda: "已从文件读入 9 天" in dialog.message.text(), timeout=10_000)
        assert dialog.confirmed_years.text() == "2027" and dialog.overrides.rowCount() == 9
        dialog.save_button.click()
        qtbot.waitUntil(lambda: not isValid(dialog) or not dialog.isVisible(), timeout=10_000)
        # THEN the deadline is no longer estimated, and the next sign-in says nothing
        with sqlite_db.read() as s:
            assert not s.get(Application, result.application_id).due_estimated
        assert "重算预估期限" in window.statusBar().currentMessage()
        again = MainWindow(sqlite_db, actors["super1"])
        qtbot.addWidget(again)
        again.show()
        qtbot.wait(200)
        assert _wait_box(qtbot, again) is None
    finally:
        clock.freeze(None)


def test_supervisor_is_told_without_a_settings_button(qtbot, sqlite_db):
    actors = setup_hall(sqlite_db)
    clock.freeze(T(2026, 11, 29, 9, 0))
    try:
        window = MainWindow(sqlite_db, actors["super1"])
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: _wait_box(qtbot, window) is not None, timeout=10_000)
        buttons = [b.text() for b in window.calendar_notice.buttons()]
        assert buttons == ["稍后"] and window.calendar_notice.icon() == QMessageBox.Warning
    finally:
        clock.freeze(None)
