"""审计日志 reached from the main window: the filtered trail read page by page off the GUI thread, a
refused clerk, the export in the background."""

from __future__ import annotations

import pytest

from counter_app.infra.errors import UserError
from counter_app.security import audit_trail
from counter_app.security import credentials as users
from counter_app.ui import audit_page
from counter_app.ui.audit_page import AuditPage
from tests.conftest import PASSWORD, setup_hall
from tests.main_window_driver import open_page, wait_idle


def open_audit(qtbot, db, actor) -> AuditPage:
    _window, page = open_page(qtbot, db, actor, "audit")
    assert isinstance(page, AuditPage)
    return page


def test_supervisor_reads_and_filters_the_audit_log(qtbot, sqlite_db, monkeypatch):
    actors = setup_hall(sqlite_db)
    for _ in range(3):
        with pytest.raises(UserError):
            users.sign_in(sqlite_db, "clerk1", "bad-pass-0", pc="PC-1", window_no=1)
    for _ in range(60):  # more than any screen shows at once
        users.sign_in(sqlite_db, "clerk2", PASSWORD, pc="PC-2", window_no=2)
    monkeypatch.setattr(audit_page, "PAGE_SIZE", 4)
    page = open_audit(qtbot, sqlite_db, actors["super1"])
    total = page.model.total
    assert total == 5 + 1 + 3 + 60  # user_add ×5, setup, 3 failures, 60 logins
    # pages of 4 (the view asks for more while it has room to show them), not the whole trail
    assert page.model.rowCount() % 4 == 0 and 4 <= page.model.rowCount() < total
    assert page.summary.text() == f"共 {total} 条"
    while page.model.canFetchMore():  # what scrolling does
        page.model.fetchMore()
        assert not page.model.canFetchMore()  # one page at a time: the next read waits for this one
        wait_idle(qtbot)
    assert page.model.rowCount() == total
    page.outcome.setCurrentIndex(page.outcome.findData("refused"))
    page.search_button.click()
    wait_idle(qtbot)
    rows = page.model.rows
    assert len(rows) == 3 and {r.action_label for r in rows} == {"登录失败"}
    assert page.model.data(page.model.index(0, 8)) == "王小明（clerk1）登录失败（被拒绝）：密码错误"
    page.outcome.setCurrentIndex(0)
    page.window.setCurrentIndex(page.window.findData(2))
    page.search_button.click()
    wait_idle(qtbot)
    assert page.model.total == 60 and page.model.data(page.model.index(0, 3)) == "2号"
    page.username.setText("nobody")
    page.search_button.click()
    wait_idle(qtbot)
    assert page.model.total == 0 and page.summary.text() == "共 0 条"


def test_audit_page_refuses_a_clerk(qtbot, sqlite_db):
    actors = setup_hall(sqlite_db)
    page = AuditPage(sqlite_db, actors["clerk1"])  # a clerk has no menu entry: the domain refuses too
    qtbot.addWidget(page)
    wait_idle(qtbot)
    assert page.model.rowCount() == 0 and "无权查看审计日志" in page.message.text()
    with sqlite_db.read() as s:
        assert audit_trail.count(s, audit_trail.AuditFilter(action="permission_denied", username="clerk1")) == 1


def test_audit_page_exports_the_filtered_trail_in_the_background(qtbot, sqlite_db, tmp_path):
    from openpyxl import load_workbook

    actors = setup_hall(sqlite_db)
    users.sign_in(sqlite_db, "clerk1", PASSWORD, pc="PC-1", window_no=1)
    page = open_audit(qtbot, sqlite_db, actors["super1"])
    page.action.setCurrentIndex(page.action.findData("login"))
    page.search_button.click()
    wait_idle(qtbot)
    task = page.export_to(tmp_path / "审计.xlsx")
    assert not page.export_button.isEnabled()
    qtbot.waitUntil(lambda: task.outcome is not None, timeout=10_000)
    assert task.outcome == "success", (task.error, page.message.text())
    assert page.export_button.isEnabled()
    assert page.last_export.rows == 1 and "已导出 1 条" in page.summary.text()
    cells = [c for row in load_workbook(tmp_path / "审计.xlsx").active.iter_rows(values_only=True) for c in row]
    assert "clerk1" in cells and "PC-1" in cells
    # a target that cannot be written: the message says so, nothing crashes
    task = page.export_to(tmp_path / "missing" / "a.xlsx")
    qtbot.waitUntil(lambda: task.outcome is not None, timeout=10_000)
    assert task.outcome == "failure" and "不存在" in page.message.text()


def test_clerk_cannot_export_the_trail_from_a_page_either(qtbot, sqlite_db, tmp_path):
    actors = setup_hall(sqlite_db)
    page = AuditPage(sqlite_db, actors["clerk1"])
    qtbot.addWidget(page)
    wait_idle(qtbot)
    task = page.export_to(tmp_path / "a.xlsx")
    qtbot.waitUntil(lambda: task.outcome is not None, timeout=10_000)
    assert task.outcome == "failure" and "无权查看审计日志" in page.message.text()
    assert not (tmp_path / "a.xlsx").exists()


def test_a_failing_read_is_said_in_chinese(qtbot, sqlite_db, monkeypatch):
    actors = setup_hall(sqlite_db)
    page = open_audit(qtbot, sqlite_db, actors["super1"])

    def broken(*_a, **_k):
        raise RuntimeError("server closed the connection unexpectedly")

    monkeypatch.setattr(audit_trail, "total", broken)
    page.search_button.click()
    wait_idle(qtbot)
    assert page.message.text().startswith("查询失败：程序出错") and "server" not in page.message.text()
