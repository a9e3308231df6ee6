"""Keyboard only, accessible names, Tab order, and the keystroke count of a residential 新装."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTimeEdit,
    QWidget,
)
from sqlalchemy import select

from counter_app.acceptance import cardreader
from counter_app.models import Application
from counter_app.ui.main_window import MainWindow
from tests.acceptance_helpers import fast_password_hashing  # noqa: F401
from tests.conftest import setup_hall
from tests.factories import resident_id
from tests.ui_acceptance_helpers import Keyboard, no_modal_questions, wait_idle  # noqa: F401

CARD = cardreader.raw_card(
    resident_id(12),
    "林晓燕",
    address="福建省福州市鼓楼区五四路88号3座1201室",
    valid_period="20180301-20380301",
    issuer="福州市公安局鼓楼分局",
)


@pytest.fixture
def window(qtbot, sqlite_db, frozen_now, monkeypatch):
    actors = setup_hall(sqlite_db)
    reader = cardreader.SimulatedReader([CARD])
    monkeypatch.setattr(cardreader, "create", lambda name=None: reader)
    win = MainWindow(sqlite_db, actors["clerk1"])
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    wait_idle(qtbot)
    win.reader = reader
    return win


def test_residential_new_connection_keyboard_only_and_counted(qtbot, window):
    """The whole residential 新装 without the mouse; keystrokes after the card is read are counted."""
    keys = Keyboard(qtbot)
    window.page("find")
    keys.press(Qt.Key_N, Qt.ControlModifier)  # new acceptance from anywhere
    page = window.page_widget = window.tabs.currentWidget()
    assert page.objectName() == "page_accept" and QApplication.focusWidget() is page.view.cert_number

    keys.press(Qt.Key_F2)  # the certificate is read
    wait_idle(qtbot)
    keys.count = 0
    visits = 0  # Tab/Shift+Tab or mouse clicks needed to reach a field
    keys.type("13912345678")  # the focus already waits in the mobile field
    keys.press(Qt.Key_S, Qt.ControlModifier)
    wait_idle(qtbot)

    assert page.view.banner.kind == "success", page.view.banner.plain
    assert keys.count + visits == 12, (keys.count, visits)
    print(f"\nkeystrokes after the certificate was read: {keys.count}, field visits: {visits}")
    with window.db.read() as s:
        app = s.scalar(select(Application))
        assert app.customer.name == "林晓燕" and app.contact_mobile == "13912345678"
        assert app.address_detail == "五四路88号3座1201室" and app.counter_seconds is not None

    # the documents (or the next customer) are one key away
    assert QApplication.focusWidget() in (page.view.print_button, page.view.next_button)
    keys.press(Qt.Key_N, Qt.ControlModifier)
    assert page.view.cert_number.text() == "" and QApplication.focusWidget() is page.view.cert_number


def test_deferral_and_appointment_by_keyboard(qtbot, window):
    keys = Keyboard(qtbot)
    keys.press(Qt.Key_N, Qt.ControlModifier)
    page = window.tabs.currentWidget()
    window.reader.place(CARD)
    keys.press(Qt.Key_F2)
    wait_idle(qtbot)
    keys.type("13912345678")
    v = page.view
    # Tab through the form to the property proof, 容缺 with the arrow key
    target = v.materials.rows["property_proof"].combo
    for _ in range(30):
        if QApplication.focusWidget() is target:
            break
        keys.press(Qt.Key_Tab)
    assert QApplication.focusWidget() is target
    keys.press(Qt.Key_Down)
    assert target.currentData() == "deferred"
    keys.press(Qt.Key_Tab)
    assert QApplication.focusWidget() is v.survey.enabled
    keys.press(Qt.Key_Space)  # book the survey: the next free working day is proposed
    wait_idle(qtbot)
    assert v.survey.body.isVisible() and v.survey.day.date().toPython().isoformat() == "2026-11-25"
    keys.press(Qt.Key_S, Qt.ControlModifier)
    wait_idle(qtbot)
    assert v.banner.kind == "success", v.banner.plain
    with window.db.read() as s:
        app = s.scalar(select(Application))
        assert {m.code: m.state for m in app.materials}["property_proof"] == "deferred"
        assert app.appointments[0].day.isoformat() == "2026-11-25" and app.appointments[0].slot == "09:00"


def test_tab_order_follows_the_form(qtbot, window):
    page = window.page("accept")
    v = page.view
    v.cert_type.setFocus()
    keys = Keyboard(qtbot)
    seen = [v.cert_type]
    for _ in range(15):
        keys.press(Qt.Key_Tab)
        seen.append(QApplication.focusWidget())
    e = page.editors
    expected = [
        v.cert_type,
        v.cert_number,
        v.holder_name,
        v.cert_valid_until,
        v.has_agent,
        v.business_type,
        e["address_district"],
        e["address_detail"],
        e["contact_name"],
        e["contact_mobile"],
        e["applied_capacity"],
        e["supply_voltage"],
        v.optional_section.button,
        v.materials.rows["holder_id"].combo,
        v.materials.rows["property_proof"].combo,
        v.survey.enabled,
    ]
    assert [w.objectName() for w in seen] == [w.objectName() for w in expected]


def _visible_label(widget) -> str | None:
    if isinstance(widget, QAbstractButton) and widget.text():
        return widget.text()
    for label in widget.window().findChildren(QLabel):
        if label.buddy() is widget:
            return label.text()
    return None


@pytest.mark.parametrize("business_type", ["lv_res_new", "lv_biz_increase", "hv_new", "transfer"])
def test_every_control_has_its_visible_label_as_accessible_name(qtbot, window, business_type):
    page = window.page("accept")
    v = page.view
    v.business_type.setCurrentIndex(v.business_type.findData(business_type))
    v.has_agent.setChecked(True)
    v.optional_section.set_expanded(True)
    page.editors["green_channel"].setChecked(True)
    v.survey.enabled.setChecked(True)
    kinds = (
        QLineEdit,
        QComboBox,
        QCheckBox,
        QPushButton,
        QPlainTextEdit,
        QDateEdit,
        QTimeEdit,
        QAbstractButton,
    )
    missing, checked = [], 0
    for widget in page.findChildren(QWidget):
        if (
            not isinstance(widget, kinds)
            or not widget.isVisibleTo(page)
            or widget.parent() is None
            or isinstance(widget.parent(), QComboBox)
        ):
            continue
        if (
            widget.objectName().startswith("qt_")
            or widget.inherits("QLineEdit")
            and isinstance(widget.parent(), QComboBox | QDateEdit | QTimeEdit)
        ):
            continue
        label = _visible_label(widget)
        name = widget.accessibleName()
        checked += 1
        if not name or (label is not None and name != label):
            missing.append((widget.objectName(), name, label))
    assert missing == []
    assert checked > 25


def test_fits_1366x768_with_a_scroll_area(qtbot, window, tmp_path):
    page = window.page("accept")
    assert window.width() <= 1366 and window.height() <= 768
    v = page.view
    assert v.scroll.widgetResizable()
    # the save button and the status line stay on screen whatever the form's height
    assert (
        v.save_button.isVisible()
        and v.save_button.mapTo(window, v.save_button.rect().bottomRight()).y() <= 768
    )
    assert v.form.minimumSizeHint().width() <= v.scroll.viewport().width()
    window.grab().save(str(tmp_path / "acceptance_1366x768.png"))
