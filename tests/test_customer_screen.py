"""The customer's side in the window: two displays (in a subprocess), one display (training window),
客户屏设置, the 差评整改 page, confirmation switched off."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QPushButton
from sqlalchemy import select

from counter_app.acceptance import service as acceptance
from counter_app.customer import ratings
from counter_app.customer import settings as customer_settings
from counter_app.models import ServiceRating
from counter_app.ui.customer_side import OFF, SCREEN_KEY, choose_screen
from counter_app.ui.kit import background
from counter_app.ui.kit.widgets import pc_settings
from tests.acceptance_helpers import residential
from tests.conftest import setup_hall
from tests.factories import resident_id
from tests.main_window_driver import open_main_window
from tests.qt_helpers import type_text
from tests.ui_acceptance_helpers import no_modal_questions  # noqa: F401 (autouse: closing asks no questions)

ROOT = Path(__file__).resolve().parents[1]


def idle(qtbot) -> None:
    qtbot.waitUntil(lambda: background.pending() == 0, timeout=15000)
    QApplication.processEvents()


@pytest.mark.slow
def test_two_screens_in_a_subprocess(tmp_path):
    """Qt takes the screen layout when the QApplication starts (once per pytest process): the cases
    with a clerk display and a customer display run in their own pytest process."""
    layout = {"screens": [
        {"name": "clerk", "x": 0, "y": 0, "width": 1366, "height": 768, "logicalDpi": 96, "logicalBaseDpi": 96,
         "dpr": 1},
        {"name": "customer", "x": 1366, "y": 0, "width": 1920, "height": 1080, "logicalDpi": 96,
         "logicalBaseDpi": 96, "dpr": 1},
    ]}
    config = tmp_path / "screens.json"
    config.write_text(json.dumps(layout), encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "COUNTER_APP_TWO_SCREENS": "1"}
    env.pop("COUNTER_APP_TEST_PG_URL", None)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/two_screens_cases.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "5 passed" in run.stdout


class FakeScreen:
    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name


def test_which_display_faces_the_customer():
    one, two = FakeScreen("main"), FakeScreen("side")
    assert choose_screen([one, two], one, "") == (two, True)
    assert choose_screen([one], one, "") == (one, False)  # training window
    assert choose_screen([one, two], one, "main") == (one, False)
    assert choose_screen([one, two], one, OFF) == (None, False)
    assert choose_screen([one], one, "gone") == (one, False)


@pytest.fixture
def hall(sqlite_db, frozen_now):
    return sqlite_db, setup_hall(sqlite_db)


def test_one_display_gives_a_movable_training_window_that_leaves_the_focus(qtbot, hall):
    db, actors = hall
    window = open_main_window(qtbot, db, actors["clerk1"])
    cw = window.customer_side.window
    assert len(QGuiApplication.screens()) == 1
    assert cw.isVisible() and not cw.isFullScreen() and not (cw.windowFlags() & Qt.FramelessWindowHint)
    assert QApplication.activeWindow() is window
    page = window.page("accept")
    type_text(page.view.cert_number, resident_id(11))
    qtbot.waitUntil(lambda: cw.mode == "live")
    assert QApplication.focusWidget() is page.view.cert_number
    # every control facing the customer is named for screen readers and takes no keyboard focus
    for widget in cw.findChildren(QPushButton):
        assert widget.accessibleName() and widget.focusPolicy() == Qt.NoFocus


def test_confirmation_off_prints_at_once_and_asks_for_the_rating_after(qtbot, hall):
    db, actors = hall
    window = open_main_window(qtbot, db, actors["clerk1"])
    side, page = window.customer_side, window.page("accept")
    assert side.settings is not None and not side.settings.confirmation_required
    inp = residential()
    page.fill(inp)
    page.save()
    idle(qtbot)
    assert side.window.mode == "live" and side.window.sheet.number  # the stored sheet, no buttons
    assert side.window.sheet_buttons.isHidden()
    QTest.keyClick(page.view.print_button, Qt.Key_Space)
    idle(qtbot)
    dialogs = [d for d in page.findChildren(QDialog) if type(d).__name__ == "DocumentsDialog" and d.isVisible()]
    assert len(dialogs) == 1
    dialogs[0].reject()
    idle(qtbot)
    assert side.window.mode == "rating"
    QTest.mouseClick(side.window.level_buttons["very_satisfied"], Qt.LeftButton)
    QTest.mouseClick(side.window.submit_rating, Qt.LeftButton)
    idle(qtbot)
    with db.read() as session:
        assert session.scalar(select(ServiceRating.level)) == "very_satisfied"
    side._back_to_idle.stop()


def test_customer_screen_settings_from_the_menu(qtbot, hall):
    db, actors = hall
    window = open_main_window(qtbot, db, actors["admin1"])
    assert window.customer_side is None  # an admin does not accept cases
    window.customer_settings_action.trigger()
    dialog = window.customer_settings_dialog
    qtbot.waitUntil(lambda: dialog.hall_box.isEnabled())
    dialog.screen_combo.setCurrentIndex(dialog.screen_combo.findData(OFF))
    dialog.confirm_check.setChecked(True)
    dialog.timeout_spin.setValue(45)
    dialog.save()
    idle(qtbot)
    loaded = customer_settings.load(db)
    assert loaded.confirmation_required and loaded.rating_timeout_seconds == 45
    assert pc_settings().value(SCREEN_KEY) == OFF


def test_clerk_may_choose_the_display_but_not_the_hall_rule(qtbot, hall):
    db, actors = hall
    window = open_main_window(qtbot, db, actors["clerk1"])
    window.customer_settings_action.trigger()
    dialog = window.customer_settings_dialog
    idle(qtbot)
    assert not dialog.hall_box.isEnabled()
    dialog.screen_combo.setCurrentIndex(dialog.screen_combo.findData(OFF))
    dialog.save()
    idle(qtbot)
    assert not window.customer_side.window.isVisible()


def test_follow_up_page_for_supervisors(qtbot, hall, frozen_now):
    db, actors = hall
    clerk = actors["clerk1"]
    app_id = acceptance.save(db, clerk, residential()).application_id
    ratings.record(db, clerk, app_id, ratings.RatingInput("very_dissatisfied", ("服务态度不好",), "态度差"),
                   requested_at=frozen_now)
    clerk_window = open_main_window(qtbot, db, clerk)
    assert "rating_followups" not in clerk_window.page_keys()
    window = open_main_window(qtbot, db, actors["super1"])
    QTest.keySequence(window, "Ctrl+Shift+E")  # 台账 → 差评整改
    page = window.page("rating_followups")
    idle(qtbot)
    assert page.table.rowCount() == 1
    assert page.table.item(0, 1).text() == "非常不满意" and page.table.item(0, 8).text() == "待整改"
    assert page.table.item(0, 7).text() == "2026-12-15"
    assert not page.visit_button.isEnabled()  # 回访 after 整改
    page.save_rectification()
    idle(qtbot)
    assert "请填写整改措施" in page.rect_error.text()
    page.rectification.setPlainText("组织服务礼仪培训，班长每日巡查窗口")
    page.save_rectification()
    idle(qtbot)
    assert page.table.item(0, 8).text() == "已整改待回访" and page.visit_button.isEnabled()
    page.visit_result.setCurrentIndex(page.visit_result.findData("satisfied"))
    page.visit_note.setPlainText("电话回访，客户满意")
    page.save_visit()
    idle(qtbot)
    assert page.table.rowCount() == 0  # only open ones by default
    page.open_only.setChecked(False)
    idle(qtbot)
    assert page.table.item(0, 8).text() == "已回访"
    for widget in (page.table, page.rectification, page.visit_result, page.visit_note, page.rect_button,
                   page.visit_button, page.open_only):
        assert widget.accessibleName()
