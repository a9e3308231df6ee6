"""The main window shell: who/where, figures, lazily created pages filtered by role."""

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from counter_app.security.permissions import Perm
from counter_app.ui.main_window import MainWindow
from counter_app.ui.pages import PageSpec


class SamplePage(QWidget):
    created = 0

    def __init__(self, db, actor, parent=None):
        super().__init__(parent)
        SamplePage.created += 1
        QVBoxLayout(self).addWidget(QLabel(f"你好 {actor.name}"))


SPECS = [
    PageSpec("a", "受理", f"{__name__}:SamplePage", "业务", "Ctrl+N"),
    PageSpec("b", "台账", f"{__name__}:SamplePage", "台账", perm=Perm.VIEW_REGISTERS),
]


def test_clerk_sees_hall_window_and_only_permitted_pages(qtbot, sqlite_db):
    from tests.conftest import setup_hall

    actors = setup_hall(sqlite_db)
    SamplePage.created = 0
    window = MainWindow(sqlite_db, actors["clerk1"], pages=SPECS)
    qtbot.addWidget(window)
    assert window.page_keys() == ["a"]  # registers need a supervisor
    assert SamplePage.created == 1  # the first page only, lazily
    assert "1号窗口" in window.who_label.text()  # at once; the figures and the hall's name are read off the GUI thread
    qtbot.waitUntil(lambda: "今日受理" in window.figures_label.text())
    assert "福州鼓楼供电营业厅" in window.who_label.text()
    assert "1号窗口" in window.who_label.text() and "王小明" in window.who_label.text()
    assert "今日受理 0 件" in window.figures_label.text()


def test_supervisor_gets_register_page_on_demand(qtbot, sqlite_db):
    from tests.conftest import setup_hall

    actors = setup_hall(sqlite_db)
    SamplePage.created = 0
    window = MainWindow(sqlite_db, actors["super1"], pages=SPECS)
    qtbot.addWidget(window)
    assert window.page_keys() == ["a", "b"]
    page = window.page("b")
    assert page.objectName() == "page_b" and SamplePage.created == 2
    assert window.tabs.currentIndex() == 1


def test_database_down_shows_message_not_crash(qtbot, sqlite_db, monkeypatch):
    from counter_app.infra.errors import DatabaseUnavailable
    from counter_app.reporting import overview
    from tests.conftest import setup_hall

    actors = setup_hall(sqlite_db)
    window = MainWindow(sqlite_db, actors["clerk1"], pages=SPECS)
    qtbot.addWidget(window)

    def down(*_a):
        raise DatabaseUnavailable("数据库暂时无法访问")

    monkeypatch.setattr(overview, "counter_figures", down)
    qtbot.waitUntil(lambda: not window._figures_task.running)
    window.refresh_figures()
    qtbot.waitUntil(lambda: "统计暂不可用" in window.figures_label.text())
    assert "数据库暂时无法访问" in window.figures_label.text()


def test_status_counts_agree_with_the_warning_service(sqlite_db, frozen_now):
    """The status bar's SQL counts follow the time-limit rule as applied to each application."""
    import datetime as dt

    from sqlalchemy import select

    from counter_app.models import Application
    from counter_app.reporting import overview
    from counter_app.tracking import time_limits
    from tests.conftest import setup_hall
    from tests.factories import make_accepted

    actors = setup_hall(sqlite_db)
    clerk = actors["clerk1"]
    with sqlite_db.write() as session:
        for days_ago in (0, 1, 2, 3, 6, 10):
            make_accepted(session, window_id=clerk.window_id, clerk_id=clerk.user_id,
                          accepted_at=frozen_now - dt.timedelta(days=days_ago), name=f"客户{days_ago}")
    with sqlite_db.read() as session:
        hall_id = actors["clerk1"].hall_id
        expected = [0, 0]
        for app in session.scalars(select(Application)):
            level = time_limits.application_time_status(session, app).level
            if level != "green":
                expected[level == "red"] += 1
        assert overview.warning_counts(session, hall_id) == tuple(expected)
    assert sum(expected) > 0
