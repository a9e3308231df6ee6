"""营业厅设置 dialog (admins) and the 营销系统数据交换 page."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os

import pytest
from PySide6.QtCore import QDate, Qt

from counter_app.hall import hall
from counter_app.hall import settings_admin as settings_service
from counter_app.infra import clock
from counter_app.infra.errors import PermissionDenied
from counter_app.ui.exchange_page import ExchangePage
from counter_app.ui.settings_dialog import SettingsDialog
from tests.conftest import setup_hall
from tests.factories import make_accepted_application
from tests.qt_helpers import type_text

T = dt.datetime
D = dt.date
SHOTS = os.environ.get("COUNTER_APP_SCREENSHOTS")


@pytest.fixture
def settings_hall(sqlite_db):
    clock.freeze(T(2026, 11, 24, 10, 0))
    actors = setup_hall(sqlite_db)
    yield sqlite_db, actors
    clock.freeze(None)


def test_admin_edits_and_saves(qtbot, settings_hall):
    db, actors = settings_hall
    dialog = SettingsDialog(db, actors["admin1"])
    qtbot.addWidget(dialog)
    assert dialog.name.text() == "福州鼓楼供电营业厅" and dialog.name.accessibleName() == "营业厅名称"
    assert dialog.yellow.value() == 80 and dialog.deferral.value() == 3
    dialog.supervision_phone.setText("")
    type_text(dialog.supervision_phone, "0591-87654321、0591-87650000")
    dialog.yellow.setValue(75)
    # survey of 低压居民新装 from 2 to 1 working day
    row = next(i for i in range(dialog.limits.rowCount())
               if dialog.limits.item(i, 3).data(Qt.UserRole) == ("lv_res_new", "survey"))
    dialog.limits.item(row, 3).setData(Qt.EditRole, 1)
    # a hall holiday and the 2027 make-up day, 2027 confirmed
    dialog.tabs.setCurrentIndex(4)
    dialog.override_day.setDate(QDate(2026, 12, 31))
    assert dialog.official.text() == "官方：工作日"
    type_text(dialog.override_note, "年终盘点")
    dialog.add_override()
    dialog.override_day.setDate(QDate(2026, 12, 31))
    dialog.add_override()
    assert "已有调整记录" in dialog.message.text()
    dialog.override_day.setDate(QDate(2027, 2, 6))
    dialog.override_kind.setCurrentIndex(1)
    dialog.add_override()
    assert dialog.overrides.rowCount() == 2 and dialog.overrides.item(0, 0).text() == "2026-12-31（待保存）"
    assert dialog.overrides.item(1, 3).text() == "官方日历未收录该年度"
    dialog.confirmed_years.setText("2027")
    if SHOTS:
        dialog.show()
        dialog.grab().save(os.path.join(SHOTS, "settings_calendar.png"))
        dialog.tabs.setCurrentIndex(1)
        dialog.grab().save(os.path.join(SHOTS, "settings_limits.png"))
    dialog.accept()
    qtbot.waitUntil(lambda: not dialog.saving, timeout=10_000)
    assert dialog.result() == dialog.DialogCode.Accepted, dialog.message.text()
    assert "监督电话" in dialog.summary() and "环节时限" in dialog.summary()
    s = settings_service.load(db, actors["admin1"])
    assert s.supervision_phone == "0591-87654321、0591-87650000" and s.yellow_percent == 75
    assert [(o.day, o.is_workday, o.note) for o in s.overrides] == [
        (D(2026, 12, 31), False, "年终盘点"), (D(2027, 2, 6), True, "")]
    assert s.confirmed_years == (2027,)
    with db.read() as session:
        assert hall.stage_limit(session, s.hall_id, "lv_res_new", "survey") == 1


def test_bad_value_shown_at_its_tab_and_field(qtbot, settings_hall):
    db, actors = settings_hall
    dialog = SettingsDialog(db, actors["admin1"])
    qtbot.addWidget(dialog)
    dialog.deferral.setValue(0)
    dialog.name.setText("新名称")
    dialog.accept()
    qtbot.waitUntil(lambda: not dialog.saving, timeout=10_000)
    assert dialog.result() != dialog.DialogCode.Accepted
    assert dialog.message.text().startswith("容缺补交期限应为1至30个工作日")
    assert dialog.tabs.currentIndex() == 2 and "border" in dialog.deferral.styleSheet()
    assert dialog.name.text() == "新名称"  # nothing typed is lost
    dialog.deferral.setValue(3)
    dialog.confirmed_years.setText("27")
    dialog.accept()
    assert dialog.tabs.currentIndex() == 4 and "四位数字" in dialog.message.text()
    with db.read() as session:
        assert hall.get_hall(session).name == "福州鼓楼供电营业厅"


def test_settings_refused_for_supervisor(qtbot, settings_hall):
    db, actors = settings_hall
    with pytest.raises(PermissionDenied):
        SettingsDialog(db, actors["super1"])


def test_exchange_page_exports_and_imports(qtbot, settings_hall, tmp_path):
    db, actors = settings_hall
    c1 = actors["clerk1"]
    with db.write() as s:
        app = make_accepted_application(s, window_id=c1.window_id, clerk_id=c1.user_id, accepted_at=T(2026, 11, 23, 9, 0))
        number = app.number
    page = ExchangePage(db, actors["back1"])
    qtbot.addWidget(page)
    page.format.setCurrentIndex(1)
    page.export_to(tmp_path / "out.csv")
    qtbot.waitUntil(lambda: page.export_button.isEnabled(), timeout=10_000)
    assert page.message.text().startswith("已导出 1 件申请")
    with open(tmp_path / "out.csv", encoding="utf-8-sig") as f:
        assert next(csv.DictReader(f))["number"] == number
    updates = tmp_path / "updates.csv"
    updates.write_text(f"申请编号,环节,时间,处理人\n{number},现场勘查,2026-11-24 09:00,勘查班\nX,survey,bad,\n",
                       encoding="utf-8")
    page.import_from(updates)
    qtbot.waitUntil(lambda: page.import_button.isEnabled(), timeout=10_000)
    assert page.last_report.applied == 1 and page.last_report.refused == 1
    assert "第2行" in page.report.toPlainText() and "拒绝 1 行" in page.message.text()
    if SHOTS:
        page.resize(900, 520)
        page.show()
        page.grab().save(os.path.join(SHOTS, "exchange_page.png"))
    page.use_since.setChecked(True)
    page.format.setCurrentIndex(0)
    page.export_to(tmp_path / "out.json")
    qtbot.waitUntil(lambda: page.export_button.isEnabled(), timeout=10_000)
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["since"] == "2026-11-24"


def test_exchange_page_reports_unreadable_file(qtbot, settings_hall, tmp_path):
    db, actors = settings_hall
    page = ExchangePage(db, actors["back1"])
    qtbot.addWidget(page)
    page.import_from(tmp_path / "missing.csv")
    qtbot.waitUntil(lambda: page.import_button.isEnabled(), timeout=10_000)
    assert page.message.text().startswith("找不到文件")
