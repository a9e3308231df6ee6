"""The background-task helper and the table models the export and register pages stand on."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
import shiboken6
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QWidget

from counter_app.infra.errors import UserError
from counter_app.printing.excel import Cancelled, Column
from counter_app.ui.kit import background
from counter_app.ui.kit.background import BackgroundTask
from counter_app.ui.kit.table_model import FunctionSource, PagedTableModel, RowsTableModel, format_value


def test_work_runs_off_the_gui_thread_with_progress(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    seen, results = [], []

    def work(progress):
        for i in range(1, 11):
            time.sleep(0.03)
            progress.report(i, 10)
        return "完成"

    task = BackgroundTask(work).with_progress(parent, "正在导出…")
    task.progressed.connect(lambda done, total: seen.append((done, total)))
    task.on_success(results.append)
    task.start()
    assert task.running
    qtbot.waitUntil(lambda: results == ["完成"], timeout=5000)
    timer.stop()
    assert len(ticks) >= 5  # the GUI thread kept handling events during the work
    assert seen[-1] == (10, 10)
    assert task.outcome == "success" and not task.running and task.dialog is None


def test_cancel_from_the_progress_dialog(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    outcomes = []

    def work(progress):
        while True:
            time.sleep(0.01)
            progress.report(1, 100)
            if progress.is_cancelled():
                raise Cancelled()

    task = BackgroundTask(work).with_progress(parent, "正在导出…")
    task.on_cancel(lambda: outcomes.append("cancelled")).on_failure(outcomes.append)
    task.start()
    qtbot.wait(50)
    task.dialog.canceled.emit()  # the 取消 button
    qtbot.waitUntil(lambda: outcomes == ["cancelled"], timeout=5000)
    assert task.outcome == "cancelled"


def test_failure_reaches_the_gui_thread(qtbot):
    errors = []

    def work():
        raise UserError("文件被占用")

    owner = QWidget()
    qtbot.addWidget(owner)
    task = background.run(owner, work, lambda _r: None, errors.append, busy="正在保存…")
    assert background.busy(owner) and owner.cursor().shape() == Qt.BusyCursor
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=5000)
    assert str(errors[0]) == "文件被占用" and task.outcome == "failure"
    assert not background.busy(owner) and owner.cursor().shape() != Qt.BusyCursor


def test_callbacks_are_dropped_once_the_owner_is_gone(qtbot):
    seen = []
    owner = QWidget()
    gate = threading.Event()
    task = background.run(owner, lambda: gate.wait(5) and 1, seen.append, busy="正在保存…")
    owner.deleteLater()  # its busy box goes with it
    qtbot.waitUntil(lambda: not shiboken6.isValid(owner), timeout=5000)
    gate.set()
    qtbot.waitUntil(lambda: task.outcome is not None, timeout=5000)
    assert seen == [] and background.pending() == 0


COLUMNS = (Column("编号", "int"), Column("日期", "date"), Column("名称"), Column("占比", "percent"))


class CountingSource:
    def __init__(self, n):
        self.n = n
        self.fetched = []

    def count(self):
        return self.n

    def fetch(self, offset, limit):
        self.fetched.append(offset)
        return [(i, dt.date(2026, 11, 24), f"第{i}行", 0.5) for i in range(offset, min(offset + limit, self.n))]


def test_paged_model_reads_only_the_pages_shown():
    source = CountingSource(100_000)
    model = PagedTableModel(COLUMNS, source, page_size=200, cached_pages=2)
    assert model.rowCount() == 100_000 and source.fetched == []
    assert model.data(model.index(0, 2)) == "第0行"
    assert model.data(model.index(199, 0)) == "199"
    assert model.data(model.index(99_999, 1)) == "2026-11-24"
    assert source.fetched == [0, 99_800]
    assert model.data(model.index(5, 3)) == "50.0%"
    assert model.data(model.index(5, 0), Qt.TextAlignmentRole) == Qt.AlignRight | Qt.AlignVCenter
    assert model.data(model.index(5, 1), Qt.UserRole) == dt.date(2026, 11, 24)
    model.data(model.index(50_000, 0))
    model.data(model.index(0, 0))  # recently used: still cached
    model.data(model.index(99_999, 0))  # least recently used, evicted (two pages cached): read again
    assert source.fetched == [0, 99_800, 50_000, 99_800]
    assert model.headerData(1, Qt.Horizontal) == "日期"
    assert model.rowCount(model.index(0, 0)) == 0 and model.rowCount(QModelIndex()) == 100_000


def test_paged_model_reports_database_errors():
    def broken(offset, limit):
        raise UserError("数据库暂时无法访问")

    model = PagedTableModel(COLUMNS, FunctionSource(lambda: 5, broken))
    messages = []
    model.loadFailed.connect(messages.append)
    assert model.data(model.index(0, 0)) is None
    assert messages == ["数据库暂时无法访问"]


def test_rows_model_check_boxes():
    model = RowsTableModel(COLUMNS, [(1, None, "甲", None), (2, None, "乙", None)], checkable=True)
    counts = []
    model.checkedChanged.connect(counts.append)
    assert model.flags(model.index(0, 0)) & Qt.ItemIsUserCheckable
    assert model.setData(model.index(1, 0), Qt.Checked, Qt.CheckStateRole)
    assert model.checked_rows() == [1]
    assert model.data(model.index(1, 0), Qt.CheckStateRole) == Qt.Checked
    model.set_all_checked(True)
    assert model.checked_rows() == [0, 1] and counts[-1] == 2
    model.set_rows([(3, None, "丙", None)])
    assert model.checked_rows() == []


@pytest.mark.parametrize(("value", "kind", "text"), [
    (None, "text", ""), (True, "text", "是"), (dt.datetime(2026, 11, 24, 9, 5), "datetime", "2026-11-24 09:05"),
    (dt.datetime(2026, 11, 24, 9, 5), "date", "2026-11-24"), (Decimal("8.00"), "number", "8"),
    (Decimal("8.50"), "number", "8.5"), (21.666, "decimal1", "21.7"), (0.6667, "percent", "66.7%"),
])
def test_format_value(value, kind, text):
    assert format_value(value, kind) == text
