"""Driving the real acceptance page from tests: a page on a set-up hall, waiting for background
work, pressing keys while counting them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from counter_app.acceptance import cardreader
from counter_app.acceptance.drafts import DraftStore
from counter_app.ui.acceptance_page import AcceptancePage
from counter_app.ui.kit import background


@pytest.fixture(autouse=True)
def no_modal_questions(monkeypatch):
    """A test answers "yes" to the page's questions (closing, discarding) unless it patches them."""
    monkeypatch.setattr(AcceptancePage, "_confirm", lambda self, title, text: True)


def wait_idle(qtbot, timeout: int = 15000) -> None:
    qtbot.waitUntil(lambda: background.pending() == 0, timeout=timeout)


def make_page(qtbot, db, actor, *, cards=(), drafts: DraftStore | None = None) -> AcceptancePage:
    reader = cardreader.SimulatedReader(cards)
    page = AcceptancePage(db, actor, reader=reader, drafts=drafts)
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    wait_idle(qtbot)
    return page


class Keyboard:
    """Key presses sent where the focus is, counted (a chord such as Ctrl+S counts once)."""

    def __init__(self, qtbot) -> None:
        self.qtbot = qtbot
        self.count = 0

    def target(self) -> QWidget:
        QApplication.processEvents()  # a pending focus change must land before the key does
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has the keyboard focus"
        return widget

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.NoModifier, times: int = 1) -> None:
        for _ in range(times):
            QTest.keyClick(self.target(), key, modifier)
            self.count += 1

    def type(self, text: str) -> None:
        """ASCII text typed key by key (Chinese goes through tests.qt_helpers.type_text)."""
        for char in text:
            QTest.keyClicks(self.target(), char)
            self.count += 1


def save_and_wait(qtbot, page: AcceptancePage, keyboard: Keyboard | None = None) -> None:
    if keyboard is not None:
        keyboard.press(Qt.Key_S, Qt.ControlModifier)
    else:
        page.save()
    wait_idle(qtbot)
