"""时限预警 page: colours, order, filters, keyboard; registered in the main window."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from PySide6.QtCore import Qt

from counter_app.infra import clock
from counter_app.ui import pages
from counter_app.ui.kit.progress_view import ProgressDialog
from counter_app.ui.kit.tracking_common import RED_BG, YELLOW_BG
from counter_app.ui.main_window import MainWindow
from counter_app.ui.stage_dialog import StageDialog
from counter_app.ui.warnings_page import WarningsPage
from tests.conftest import setup_hall
from tests.factories import make_accepted_application
from tests.main_window_driver import open_page, wait_idle
from tests.qt_helpers import press

T = dt.datetime
SHOTS = os.environ.get("COUNTER_APP_SCREENSHOTS")


@pytest.fixture
def hall(sqlite_db):
    clock.freeze(T(2026, 11, 24, 10, 0))
    actors = setup_hall(sqlite_db)
    c1, c2 = actors["clerk1"], actors["clerk2"]
    with sqlite_db.write() as s:
        make_accepted_application(s, window_id=c1.window_id, clerk_id=c1.user_id, accepted_at=T(2026, 11, 16, 9, 0))
        make_accepted_application(s, window_id=c1.window_id, clerk_id=c1.user_id, accepted_at=T(2026, 11, 23, 9, 0))
        make_accepted_application(s, window_id=c2.window_id, clerk_id=c2.user_id, accepted_at=T(2026, 11, 23, 11, 0),
                                  green_channel=True, business_type="hv_new", load_importance="重要")
        make_accepted_application(s, window_id=c2.window_id, clerk_id=c2.user_id, accepted_at=T(2026, 11, 24, 9, 0))
    yield sqlite_db, actors
    clock.freeze(None)


def test_supervisor_sees_all_windows_green_first(qtbot, hall):
    db, actors = hall
    window, page = open_page(qtbot, db, actors["super1"], "warnings")
    assert isinstance(page, WarningsPage)
    window.resize(1366, 560)
    m = page.model
    assert m.rowCount() == 3
    assert [m.index(r, 0).data() for r in range(3)] == ["黄色预警", "红色超期", "黄色预警"]
    assert m.index(0, 1).data() == "★ 林经理"
    assert m.index(1, 11).data() == "超期 5 个工作日"
    assert m.index(1, 0).data(Qt.BackgroundRole).color() == RED_BG
    assert m.index(2, 0).data(Qt.BackgroundRole).color() == YELLOW_BG
    assert page.counts.text() == "红色超期 1 件　黄色预警 2 件　其中绿色通道 1 件"
    assert page.move_button.isHidden()  # supervisors do not move stages
    page.level.setCurrentIndex(1)  # 红色超期
    wait_idle(qtbot)
    assert m.rowCount() == 1
    page.level.setCurrentIndex(0)
    page.window_filter.setCurrentIndex(page.window_filter.findData(actors["clerk2"].window_id))
    wait_idle(qtbot)
    assert m.rowCount() == 1 and m.index(0, 2).data().startswith("FZGL01-20261123")
    if SHOTS:
        page.window_filter.setCurrentIndex(0)
        wait_idle(qtbot)
        page.grab().save(os.path.join(SHOTS, "warnings_page.png"))


def test_clerk_starts_on_own_window(qtbot, hall):
    db, actors = hall
    _window, page = open_page(qtbot, db, actors["clerk1"], "warnings")
    assert page.window_filter.currentText() == "1号窗口"
    assert page.model.rowCount() == 2
    assert page.window_filter.accessibleName() == "受理窗口"


def test_the_status_bar_counts_what_the_warnings_page_opens_with(qtbot, hall):
    """A clerk's status bar counted the whole hall's warnings while their 时限预警 page opens on their
    own window: two different numbers for one thing. Both are the own window's; a supervisor's the hall's."""
    db, actors = hall
    window, page = open_page(qtbot, db, actors["clerk1"], "warnings")
    red, yellow = (sum(1 for r in range(page.model.rowCount()) if page.model.index(r, 0).data() == level)
                   for level in ("红色超期", "黄色预警"))
    qtbot.waitUntil(lambda: "今日受理" in window.figures_label.text())
    assert window.figures_label.text() == f"本窗口今日受理 0 件　预警 {yellow} 件　超期 {red} 件"
    assert page.counts.text() == f"红色超期 {red} 件　黄色预警 {yellow} 件"
    supervisor, _page = open_page(qtbot, db, actors["super1"], "warnings")
    qtbot.waitUntil(lambda: "今日受理" in supervisor.figures_label.text())
    assert supervisor.figures_label.text() == "全厅今日受理 1 件　预警 2 件　超期 1 件"


def test_open_progress_and_stage_dialog_from_list(qtbot, hall, monkeypatch):
    db, actors = hall
    _window, page = open_page(qtbot, db, actors["back1"], "warnings")
    opened = []

    def shown(dialog):  # a real exec() runs the event loop while the progress is read in the background
        qtbot.waitUntil(lambda: dialog.view.progress is not None, timeout=20_000)
        opened.append(dialog.view.progress.number)

    monkeypatch.setattr(ProgressDialog, "exec", shown)
    page.table.setFocus()
    press(page.table, Qt.Key_Return)
    assert opened == [page.model.row(0).number]

    def move(dialog):
        wait_idle(qtbot)  # the dialog reads the application off the GUI thread
        dialog.handler.setCurrentText("勘查班")
        dialog.accept()
        wait_idle(qtbot)
        return dialog.result()

    monkeypatch.setattr(StageDialog, "exec", move)
    page.table.selectRow(1)  # the red one
    page.move_selected()
    wait_idle(qtbot)
    assert "已进入“现场勘查”环节" in page.message.text()
    # the stage clock restarted, but the whole-process promise (11/23) stays broken
    red = next(r for r in page.model.rows if r.level == "red")
    assert red.stage_name == "现场勘查" and red.basis_label == "全流程时限"


def test_pages_are_registered_for_the_main_window(qtbot, hall):
    db, actors = hall
    keys = {s.key for s in pages.PAGES}
    assert {"progress", "warnings", "deferrals", "exchange"} <= keys
    window = MainWindow(db, actors["back1"])
    qtbot.addWidget(window)
    assert {"progress", "warnings", "deferrals", "exchange"} <= set(window.page_keys())
    assert type(window.page("warnings")).__name__ == "WarningsPage"
    clerk_window = MainWindow(db, actors["clerk1"])
    qtbot.addWidget(clerk_window)
    assert "exchange" not in clerk_window.page_keys()
