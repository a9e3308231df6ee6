"""list_page.load_rows: the rows of the latest load are the ones shown, whatever order the answers
come back in (a filter changed while a slow server was still answering the last one)."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QLabel, QTableView, QWidget

from counter_app.printing.columns import Column
from counter_app.ui.kit.list_page import load_rows
from counter_app.ui.kit.table_model import RowsTableModel
from tests.main_window_driver import wait_idle


def _page(qtbot) -> tuple[QWidget, QTableView, QLabel]:
    page = QWidget()
    qtbot.addWidget(page)
    table = QTableView(page)
    table.setModel(RowsTableModel([Column("值", value=lambda r: r)], parent=page))
    message = QLabel(page)
    return page, table, message


def test_a_slow_earlier_load_does_not_overwrite_a_later_one(qtbot):
    page, table, message = _page(qtbot)
    release = threading.Event()

    def slow() -> list[str]:
        release.wait(10)
        return ["旧"]

    load_rows(page, table, message, slow)
    load_rows(page, table, message, lambda: ["新"])
    qtbot.waitUntil(lambda: table.model().rows == ["新"], timeout=10_000)
    release.set()
    wait_idle(qtbot)
    assert table.model().rows == ["新"]


def test_a_failure_is_said_in_chinese_and_the_rows_stay(qtbot):
    page, table, message = _page(qtbot)
    load_rows(page, table, message, lambda: ["甲"])
    wait_idle(qtbot)

    def broken() -> list[str]:
        raise OSError("No route to host")

    load_rows(page, table, message, broken)
    wait_idle(qtbot)
    assert table.model().rows == ["甲"] and message.text().startswith("读取失败：")
    assert "route" not in message.text()
