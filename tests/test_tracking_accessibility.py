"""Every input, checkbox and button of the progress / warning / 容缺 / settings / exchange screens has
an accessible name equal to its visible Chinese label (mnemonic and colon left out)."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
)

from counter_app.infra import clock
from counter_app.ui.deferrals_page import BlacklistAddDialog, DeferralsPage
from counter_app.ui.exchange_page import ExchangePage
from counter_app.ui.kit.reason_dialog import ReasonDialog
from counter_app.ui.kit.tracking_common import plain
from counter_app.ui.progress_page import ProgressPage
from counter_app.ui.settings_dialog import SettingsDialog
from counter_app.ui.stage_dialog import StageDialog
from counter_app.ui.warnings_page import WarningsPage
from tests.conftest import setup_hall
from tests.factories import make_accepted_application
from tests.main_window_driver import wait_idle

INPUTS = (QLineEdit, QComboBox, QAbstractButton, QAbstractSpinBox, QPlainTextEdit, QListWidget)


def _check(widget) -> list[str]:
    problems = []
    labels = {label.buddy(): plain(label.text()) for label in widget.findChildren(QLabel) if label.buddy()}
    for child in [c for kind in INPUTS for c in widget.findChildren(kind)]:
        if isinstance(child, QLineEdit) and isinstance(child.parent(), (QComboBox, QAbstractSpinBox)):
            continue  # the editor inside a combo box / spin box: the box itself is named
        if type(child).__name__ in ("QToolButton",) or child.objectName().startswith("qt_"):
            continue  # scroll arrows, tab scrollers, calendar internals
        name = child.accessibleName()
        if not name:
            problems.append(f"{type(child).__name__} {child.objectName()!r} has no accessible name")
        elif child in labels and labels[child] != name:
            problems.append(f"{child.objectName()}: accessible name {name!r} != label {labels[child]!r}")
        elif isinstance(child, QAbstractButton) and child.text() and plain(child.text()).rstrip("…") != name \
                and not plain(child.text()).startswith(name):
            problems.append(f"button {child.text()!r}: accessible name {name!r}")
    return problems


@pytest.fixture
def hall(sqlite_db):
    clock.freeze(dt.datetime(2026, 11, 24, 10, 0))
    actors = setup_hall(sqlite_db)
    c = actors["clerk1"]
    with sqlite_db.write() as s:
        app = make_accepted_application(s, window_id=c.window_id, clerk_id=c.user_id,
                                        accepted_at=dt.datetime(2026, 11, 16, 9, 0), deferred=("property_proof",))
    yield sqlite_db, actors, app.id
    clock.freeze(None)


def test_all_screens_named(qtbot, hall):
    db, actors, app_id = hall
    screens = [
        ProgressPage(db, actors["back1"]), StageDialog(db, actors["back1"], app_id),
        WarningsPage(db, actors["back1"]), DeferralsPage(db, actors["super1"]),
        BlacklistAddDialog(db, actors["super1"]), ReasonDialog("移出失信名单", "说明"),
        SettingsDialog(db, actors["admin1"]), ExchangePage(db, actors["back1"]),
    ]
    for screen in screens:
        qtbot.addWidget(screen)
    wait_idle(qtbot)  # the screens read their data off the GUI thread
    problems = []
    for screen in screens:
        problems += [f"{type(screen).__name__}: {p}" for p in _check(screen)]
    assert problems == []


def test_the_check_detects_missing_and_wrong_names(qtbot):
    from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

    from counter_app.ui.kit.tracking_common import buddy_label

    w = QWidget()
    qtbot.addWidget(w)
    layout = QVBoxLayout(w)
    unnamed = QLineEdit(w)
    unnamed.setObjectName("unnamed")
    layout.addWidget(unnamed)
    wrong = QLineEdit(w)
    wrong.setObjectName("wrong")
    layout.addWidget(buddy_label("处理人(&H)：", wrong, w))
    wrong.setAccessibleName("别的")
    layout.addWidget(QPushButton("保存", w))
    problems = _check(w)
    assert len(problems) == 3
    assert any("'unnamed'" in p for p in problems) and any("'处理人'" in p for p in problems)
