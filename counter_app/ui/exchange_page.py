"""数据交换: export applications for the marketing system and import its stage updates, from the
window (the same as ``counter-app exchange …``). File work runs off the GUI thread."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.hall import many_halls
from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError
from counter_app.reporting import exchange
from counter_app.ui.kit import background, file_dialogs
from counter_app.ui.kit.form_widgets import limit_date_range
from counter_app.ui.kit.tracking_common import buddy_label, show_message, status_label


class ExchangePage(QWidget):
    """Page 数据交换 (营销系统) of the main window."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.last_report: exchange.ImportReport | None = None
        layout = QVBoxLayout(self)

        export_box = QGroupBox("导出申请给营销系统", self)
        form = QFormLayout(export_box)
        since_row = QHBoxLayout()
        self.use_since = QCheckBox("只导出此日期及以后受理或有变动的申请(&S)", export_box)
        self.use_since.setAccessibleName("只导出此日期及以后受理或有变动的申请")
        self.since = QDateEdit(export_box)
        self.since.setObjectName("since")
        self.since.setAccessibleName("起始日期")
        self.since.setDisplayFormat("yyyy-MM-dd")
        limit_date_range(self.since)
        self.since.setCalendarPopup(True)
        today = clock.today()
        self.since.setDate(QDate(today.year, today.month, today.day))
        self.since.setEnabled(False)
        since_row.addWidget(self.use_since)
        since_row.addWidget(self.since)
        since_row.addStretch(1)
        form.addRow(since_row)
        self.format = QComboBox(export_box)
        self.format.setObjectName("format")
        self.format.addItem("JSON（含环节记录）", "json")
        self.format.addItem("CSV（Excel 可直接打开）", "csv")
        form.addRow(buddy_label("文件格式(&F)：", self.format, export_box), self.format)
        self.hall = QComboBox(export_box)  # a city or province account: which hall (hidden otherwise)
        self.hall.setObjectName("exchangeHall")
        form.addRow(buddy_label("营业厅(&Y)：", self.hall, export_box), self.hall)
        form.setRowVisible(self.hall, False)
        self.export_form = form
        self.export_button = QPushButton("导出…", export_box)
        self.export_button.setAccessibleName("导出")
        form.addRow(self.export_button)
        layout.addWidget(export_box)

        import_box = QGroupBox("导入营销系统的环节更新（CSV 或 xlsx）", self)
        import_layout = QVBoxLayout(import_box)
        self.import_button = QPushButton("选择文件并导入…", import_box)
        self.import_button.setAccessibleName("选择文件并导入")
        import_layout.addWidget(self.import_button)
        self.report = QPlainTextEdit(import_box)
        self.report.setObjectName("report")
        self.report.setAccessibleName("导入结果")
        self.report.setReadOnly(True)
        self.report.setPlaceholderText("导入后在此逐行显示结果；文件格式见使用说明“与营销系统的数据交换”")
        import_layout.addWidget(self.report, 1)
        layout.addWidget(import_box, 1)
        self.message = status_label(self)
        layout.addWidget(self.message)

        self.use_since.toggled.connect(self.since.setEnabled)
        self.export_button.clicked.connect(self.choose_export)
        self.import_button.clicked.connect(self.choose_import)
        if actor.hall_id is None:  # only an account of no hall may have several halls to pick from
            background.run(self, lambda: many_halls.hall_choices(db, actor), self._show_halls,
                           lambda exc: show_message(self.message, background.problem(exc, "读取营业厅")))

    def _show_halls(self, choices: list[tuple[int, str]]) -> None:
        for hall_id, name in choices:
            self.hall.addItem(name, hall_id)
        self.export_form.setRowVisible(self.hall, bool(choices))

    def activate(self) -> None:
        self.export_button.setFocus()

    def _busy(self, busy: bool, text: str = "") -> None:
        self.export_button.setEnabled(not busy)
        self.import_button.setEnabled(not busy)
        if text:
            show_message(self.message, text)

    # --- export ---------------------------------------------------------------------------------

    def choose_export(self) -> None:
        fmt = self.format.currentData()
        suggested = f"申请导出-{clock.today():%Y%m%d}.{fmt}"
        path, _ = file_dialogs.get_save_file_name(self, "导出到文件", suggested,
                                              "JSON 文件 (*.json)" if fmt == "json" else "CSV 文件 (*.csv)")
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path):
        since = None
        if self.use_since.isChecked():
            d = self.since.date()
            since = dt.date(d.year(), d.month(), d.day())
        fmt = self.format.currentData()
        hall_id = self.hall.currentData()
        self._busy(True, "正在导出，请稍候…")
        return background.run(self, lambda: exchange.export(self.db, self.actor, path, since=since, fmt=fmt,
                                                            hall_id=hall_id),
                                 self._exported, self._failed)

    def _exported(self, result: exchange.ExportResult) -> None:
        self._busy(False)
        show_message(self.message, result.message())

    # --- import ---------------------------------------------------------------------------------

    def choose_import(self) -> None:
        path, _ = file_dialogs.get_open_file_name(self, "选择环节更新文件", "",
                                              "环节更新文件 (*.csv *.xlsx);;所有文件 (*)")
        if path:
            self.import_from(Path(path))

    def import_from(self, path: Path):
        self._busy(True, f"正在导入 {path.name}，请稍候…")
        self.report.clear()
        return background.run(self, lambda: exchange.import_stage_updates(self.db, self.actor, path),
                                 self._imported, self._failed)

    def _imported(self, report: exchange.ImportReport) -> None:
        self._busy(False)
        self.last_report = report
        self.report.setPlainText(report.text())
        show_message(self.message, report.summary(), error=bool(report.refused))

    def _failed(self, exc: Exception) -> None:
        self._busy(False)
        text = exc.message if isinstance(exc, UserError) else f"发生意外错误：{exc}"
        show_message(self.message, text, error=True)
