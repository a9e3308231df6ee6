"""总览: the supervisor's charts, opened from the main window, built off the GUI thread, saved as a
picture and exported to Excel; the figures add up to what the database holds."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from counter_app.infra import clock
from counter_app.infra.errors import PermissionDenied
from counter_app.models import ExportRecord
from counter_app.reporting import supervisor_overview
from counter_app.ui import background
from counter_app.ui.main_window import MainWindow
from tests.conftest import setup_hall
from tests.factories import make_accepted


def _fill(database):
    actors = setup_hall(database)
    c1, c2 = actors["clerk1"], actors["clerk2"]
    now = clock.now()
    with database.write() as s:
        # window 1: today 3 cases (5, 20 and 25 minutes); window 2: 2 days ago one 40-minute 非居民
        for minutes in (5, 20, 25):
            make_accepted(s, window_id=c1.window_id, clerk_id=c1.user_id, accepted_at=now - dt.timedelta(hours=1),
                          counter_seconds=minutes * 60, deferred=("property_proof",) if minutes == 5 else ())
        make_accepted(s, window_id=c2.window_id, clerk_id=c2.user_id, accepted_at=now - dt.timedelta(days=2),
                      counter_seconds=40 * 60, business_type="lv_biz_new")
        make_accepted(s, window_id=c2.window_id, clerk_id=c2.user_id, accepted_at=now - dt.timedelta(days=40))
    return database, actors


@pytest.fixture
def hall(sqlite_db, frozen_now):
    return _fill(sqlite_db)


def test_figures_add_up(db, frozen_now):  # on both databases: date() and CASE differ between them
    db, actors = _fill(db)
    overview = supervisor_overview.build(db, actors["super1"], days=7)
    per_day = overview.chart("per_day")
    assert len(per_day.categories) == 7 and per_day.categories[-1] == f"{clock.today():%m-%d}"
    series = dict(per_day.series)
    assert series["1号窗口"][-1] == 3 and series["2号窗口"][-3] == 1 and per_day.total == 4  # not the 40-day-old
    counter = overview.chart("counter_time")
    assert dict(zip(counter.categories, counter.series[0][1], strict=True)) == {
        "≤10分钟": 1, "10–20分钟": 1, "20–30分钟": 1, ">30分钟": 1}
    assert counter.note == "超过 20 分钟标准 2 件（50%）"
    mix = overview.chart("business_mix")
    assert dict(zip(mix.categories, mix.series[0][1], strict=True)) == {"低压居民新装": 3, "低压非居民新装": 1}
    deferrals = overview.chart("deferrals")
    assert deferrals.total == 1
    assert supervisor_overview.build(db, actors["super1"], days=90).chart("per_day").total == 5
    with pytest.raises(PermissionDenied):
        supervisor_overview.build(db, actors["clerk1"])


def test_supervisor_opens_the_overview_from_the_menu(qtbot, hall, tmp_path, monkeypatch):
    from counter_app.hall import calendar_notice

    # no sign-in notice about next year's calendar in front of the window (tested in test_calendar_year)
    monkeypatch.setattr(calendar_notice, "next_year_notice", lambda *_a: None)
    db, actors = hall
    window = MainWindow(db, actors["super1"])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5000)
    assert "总览" in [a.text() for a in window.menus["台账"].actions()]
    QTest.keyClick(QApplication.focusWidget(), Qt.Key_V, Qt.ControlModifier | Qt.ShiftModifier)
    page = window.tabs.currentWidget()
    assert page.objectName() == "page_overview"
    qtbot.waitUntil(lambda: page.overview is not None and background.pending() == 0, timeout=20_000)
    box = page.boxes["per_day"]
    assert box.view.chart().title() == "每日受理量（按窗口）"
    assert [s.label() for s in box.view.chart().series()[0].barSets()] == ["1号窗口", "2号窗口"]
    assert page.boxes["counter_time"].note.text() == "超过 20 分钟标准 2 件（50%）"

    task = page.save_picture("counter_time", str(tmp_path / "用时.png"))
    qtbot.waitUntil(lambda: task.outcome is not None, timeout=20_000)
    picture = QImage(str(tmp_path / "用时.png"))
    assert not picture.isNull() and picture.width() > 200
    task = page.export_excel(str(tmp_path / "总览.xlsx"))
    qtbot.waitUntil(lambda: task.outcome is not None, timeout=20_000)
    assert task.outcome == "success", task.error
    book = openpyxl.load_workbook(tmp_path / "总览.xlsx")
    sheet = book["窗口受理用时（标准 20 分钟）"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert [">30分钟", 1] in values
    with db.read() as s:
        assert s.scalar(select(ExportRecord.kind)) == "overview"


def test_clerk_has_no_overview(qtbot, hall):
    db, actors = hall
    window = MainWindow(db, actors["clerk1"])
    qtbot.addWidget(window)
    assert "overview" not in window.page_keys()
