"""Fixtures of the start-of-day tests (SQLite in test_ui_startup, PostgreSQL sign-in in
test_pg_sign_in_ui), registered through conftest: this PC's settings in a file of the test's own,
the flows a test started (shut down afterwards), and the app-wide state a start changes
(``pytestmark = pytest.mark.usefixtures("app_state")``)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from counter_app.ui.login_dialog import PcSettings


@pytest.fixture
def app_state(qapp):
    """make_application / run change app-wide state (font, style sheet, quit behaviour): restore it."""
    font, sheet, quit_on_close = qapp.font(), qapp.styleSheet(), qapp.quitOnLastWindowClosed()
    yield
    qapp.setFont(font)
    qapp.setStyleSheet(sheet)
    qapp.setQuitOnLastWindowClosed(quit_on_close)


@pytest.fixture
def pc_settings(tmp_path):
    return PcSettings(QSettings(str(tmp_path / "pc.ini"), QSettings.IniFormat))


@pytest.fixture
def flows():
    """Flows created by a test; their idle locks are stopped afterwards (app-wide event filters)."""
    made = []
    yield made
    for flow in made:
        flow.shutdown()
        if flow.session is not None:
            flow.session.window.close()
