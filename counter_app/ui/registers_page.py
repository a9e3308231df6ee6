"""台账 page for supervisors: pick a register, filter it, read it on screen, export it to Excel.

The table is a paged model over ``registers.count`` / ``registers.fetch``: only the rows on screen
are read. The export runs in the background with a progress dialog and a 取消 button."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError, ValidationFailed
from counter_app.reporting import exports, registers
from counter_app.reporting.registers import RegisterFilter
from counter_app.security import privacy
from counter_app.security.permissions import Perm, allowed
from counter_app.ui.kit.background import BackgroundTask
from counter_app.ui.kit.export_file import ask_save_path, export_task
from counter_app.ui.kit.form_widgets import limit_date_range
from counter_app.ui.kit.table_model import FunctionSource, PagedTableModel, size_columns
from counter_app.ui.kit.tracking_common import buddy_label


class RegistersPage(QWidget):
    """``RegistersPage(db, actor, parent=None)`` — the five supervisor registers."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.last_export: exports.ExportResult | None = None
        self.export_task: BackgroundTask | None = None
        self._build()
        self._load_choices()
        self._connect()
        self._on_kind_changed()

    # --- layout ---------------------------------------------------------------------------------

    def _build(self) -> None:
        self.kind_combo = QComboBox()
        for kind, title in registers.REGISTER_TITLES.items():
            self.kind_combo.addItem(title, kind)
        today = clock.today()
        self.date_from = QDateEdit(QDate(today.year, today.month, 1))
        self.date_to = QDateEdit(QDate(today.year, today.month, today.day))
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            limit_date_range(edit)
        self.hall_combo = QComboBox()  # a supervisor over several halls: all of them, or one
        self.hall_combo.setObjectName("hallFilter")
        self.window_combo = QComboBox()
        self.clerk_combo = QComboBox()
        self.type_combo = QComboBox()
        self.stage_combo = QComboBox()
        self.status_combo = QComboBox()
        self.deferral_combo = QComboBox()
        self.overdue_check = QCheckBox("只看超期")
        self.overdue_check.setAccessibleName("只看超期")
        self.query_button = QPushButton("查询(F5)")
        self.query_button.setAccessibleName("查询")
        self.reset_button = QPushButton("重置条件")
        self.reset_button.setAccessibleName("重置条件")

        grid = QGridLayout()
        grid.addWidget(buddy_label("台账(&T)：", self.kind_combo), 0, 0)
        grid.addWidget(self.kind_combo, 0, 1)
        grid.addWidget(buddy_label("受理日期自：", self.date_from), 0, 2)
        grid.addWidget(self.date_from, 0, 3)
        grid.addWidget(buddy_label("至：", self.date_to), 0, 4)
        grid.addWidget(self.date_to, 0, 5)
        grid.addWidget(buddy_label("窗口：", self.window_combo), 0, 6)
        grid.addWidget(self.window_combo, 0, 7)
        grid.addWidget(buddy_label("受理人：", self.clerk_combo), 0, 8)
        grid.addWidget(self.clerk_combo, 0, 9)
        grid.addWidget(buddy_label("业务类型：", self.type_combo), 1, 0)
        grid.addWidget(self.type_combo, 1, 1)
        grid.addWidget(buddy_label("环节：", self.stage_combo), 1, 2)
        grid.addWidget(self.stage_combo, 1, 3)
        grid.addWidget(buddy_label("状态：", self.status_combo), 1, 4)
        grid.addWidget(self.status_combo, 1, 5)
        self.deferral_label = buddy_label("容缺状态：", self.deferral_combo)
        grid.addWidget(self.deferral_label, 1, 6)
        grid.addWidget(self.deferral_combo, 1, 7)
        grid.addWidget(self.overdue_check, 1, 8)
        buttons = QHBoxLayout()
        buttons.addWidget(self.query_button)
        buttons.addWidget(self.reset_button)
        grid.addLayout(buttons, 1, 9)
        self.hall_label = buddy_label("营业厅(&H)：", self.hall_combo)
        grid.addWidget(self.hall_label, 2, 0)
        grid.addWidget(self.hall_combo, 2, 1)
        grid.setColumnStretch(10, 1)

        self.error_label = QLabel()
        self.error_label.setObjectName("errorLabel")
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        self.model = PagedTableModel(registers.register_columns("register"), parent=self)
        self.table = QTableView()
        self.table.setObjectName("registerTable")
        self.table.setAccessibleName("台账明细")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
        self.table.horizontalHeader().setHighlightSections(False)

        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        self.export_button = QPushButton("导出Excel…(Ctrl+E)")
        self.export_button.setAccessibleName("导出Excel")
        self.unmasked_check = QCheckBox("导出完整证件号码和电话")
        self.unmasked_check.setAccessibleName("导出完整证件号码和电话")
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("未脱敏导出须填写原因")
        self.reason_label = buddy_label("原因：", self.reason_edit)
        may_export = allowed(self.actor, Perm.EXPORT_REGISTERS)
        may_unmask = self.may_unmask = may_export and privacy.may_export_unmasked(self.actor)
        self.export_button.setVisible(may_export)
        for widget in (self.unmasked_check, self.reason_label, self.reason_edit):
            widget.setVisible(may_export and may_unmask)
        self.reason_edit.setEnabled(False)

        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.unmasked_check)
        bottom.addWidget(self.reason_label)
        bottom.addWidget(self.reason_edit)
        bottom.addWidget(self.export_button)

        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.error_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

        self.query_action = QAction("查询台账", self)
        self.query_action.setShortcut(QKeySequence(Qt.Key_F5))
        self.query_action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        self.export_action = QAction("导出Excel", self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        self.export_action.setEnabled(may_export)
        self.addAction(self.query_action)
        self.addAction(self.export_action)

    def _load_choices(self) -> None:
        try:
            choices = registers.filter_choices(self.db, self.actor)
        except UserError as exc:
            self._show_error(str(exc))
            return
        self.hall_combo.addItem("全部营业厅", None)
        for hall_id, name in choices.halls:
            self.hall_combo.addItem(name, hall_id)
        for widget in (self.hall_label, self.hall_combo):
            widget.setVisible(bool(choices.halls))
        self.window_combo.addItem("全部", None)
        for number, name in choices.windows:
            self.window_combo.addItem(name, number)
        self.clerk_combo.addItem("全部", None)
        for user_id, name in choices.clerks:
            self.clerk_combo.addItem(name, user_id)
        self.type_combo.addItem("全部", None)
        for code, name in choices.business_types:
            self.type_combo.addItem(name, code)
        self.stage_combo.addItem("全部", None)
        for code, name in choices.stages:
            self.stage_combo.addItem(name, code)
        self.status_combo.addItem("全部", None)
        for code, name in choices.statuses:
            self.status_combo.addItem(name, code)
        self.deferral_combo.addItem("全部", None)
        for code, name in choices.deferral_states:
            self.deferral_combo.addItem(name, code)

    def _connect(self) -> None:
        self.kind_combo.currentIndexChanged.connect(self._on_kind_changed)
        self.query_button.clicked.connect(self.query)
        self.query_action.triggered.connect(self.query)
        self.reset_button.clicked.connect(self.reset_filters)
        self.export_button.clicked.connect(self.choose_and_export)
        self.export_action.triggered.connect(self.choose_and_export)
        self.unmasked_check.toggled.connect(self.reason_edit.setEnabled)
        self.model.loadFailed.connect(self._show_error)

    # --- behaviour ------------------------------------------------------------------------------

    def activate(self) -> None:
        self.kind_combo.setFocus()

    @property
    def kind(self) -> str:
        return self.kind_combo.currentData()

    def set_kind(self, kind: str) -> None:
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))

    def _on_kind_changed(self) -> None:
        deferred = self.kind == "deferred"
        self.deferral_label.setVisible(deferred)
        self.deferral_combo.setVisible(deferred)
        self.query()

    def reset_filters(self) -> None:
        today = clock.today()
        self.date_from.setDate(QDate(today.year, today.month, 1))
        self.date_to.setDate(QDate(today.year, today.month, today.day))
        for combo in (self.hall_combo, self.window_combo, self.clerk_combo, self.type_combo, self.stage_combo,
                      self.status_combo, self.deferral_combo):
            combo.setCurrentIndex(0)
        self.overdue_check.setChecked(False)
        self.query()

    def current_filter(self) -> RegisterFilter:
        return RegisterFilter(
            date_from=_date(self.date_from), date_to=_date(self.date_to),
            window_no=self.window_combo.currentData(), clerk_id=self.clerk_combo.currentData(),
            business_type=self.type_combo.currentData(), stage=self.stage_combo.currentData(),
            status=self.status_combo.currentData(), overdue_only=self.overdue_check.isChecked(),
            deferral_state=self.deferral_combo.currentData() if self.kind == "deferred" else None,
            hall_id=self.hall_combo.currentData(),
        )

    def query(self) -> None:
        """Count the rows and show the first page; later pages load as the view scrolls."""
        kind, flt = self.kind, self.current_filter()
        self._clear_error()
        try:
            columns = registers.register_columns(kind, self.db, self.actor, flt.hall_id)
            source = _OpeningSource(self.db, self.actor, kind, flt, self.model.page_size)
            count = self.model.set_source(source, columns)
        except ValidationFailed as exc:
            self._show_error(str(exc), exc.field)
            self.model.clear()
            return
        except UserError as exc:
            self._show_error(str(exc))
            self.model.clear()
            return
        size_columns(self.table, columns)
        masked = "（证件号码和电话已脱敏）" if registers.screen_masked(self.actor) else ""
        self.count_label.setText(f"{registers.REGISTER_TITLES[kind]}：共 {count:,} 条{masked}")

    def _show_error(self, message: str, field: str | None = None) -> None:
        self.error_label.setText(message)
        self.error_label.show()
        self.reason_edit.setStyleSheet("border: 1px solid #b00020;" if field == "reason" else "")
        if field == "reason":
            self.reason_edit.setToolTip(message)
        widget = {"date_to": self.date_to, "date_from": self.date_from, "window_no": self.window_combo,
                  "hall_id": self.hall_combo,
                  "reason": self.reason_edit, "path": self.export_button}.get(field or "")
        if widget is not None:
            widget.setFocus()

    def _clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.hide()
        self.reason_edit.setStyleSheet("")

    # --- export ---------------------------------------------------------------------------------

    def export_request(self) -> exports.ExportRequest:
        unmasked = self.may_unmask and self.unmasked_check.isChecked()
        return exports.ExportRequest(self.kind, self.current_filter(), unmasked=unmasked,
                                     reason=self.reason_edit.text().strip() if unmasked else "")

    def _request_or_error(self) -> exports.ExportRequest | None:
        """The export asked for, or None with the reason shown at its field: an unmasked export
        without a reason is refused before anyone picks a file."""
        request = self.export_request()
        self._clear_error()
        try:
            if request.unmasked and len(request.reason) < 2:
                raise ValidationFailed({"reason": "导出未脱敏数据须填写原因（如：报送监管部门核查）"})
            request.filters.validate()
        except UserError as exc:
            self._show_error(str(exc), exc.field)
            return None
        return request

    def choose_and_export(self) -> None:
        if not allowed(self.actor, Perm.EXPORT_REGISTERS):
            return
        if self._request_or_error() is None:
            return
        path = ask_save_path(self, "导出Excel", exports.default_filename(self.kind, self.current_filter()),
                             "Excel 工作簿 (*.xlsx)", ".xlsx")
        if path:
            self.export_to(path)

    def export_to(self, path: str | Path) -> BackgroundTask | None:
        """Export the current register and filters to ``path`` in the background."""
        request = self._request_or_error()
        if request is None:
            return None
        try:  # refuse a locked file at once, before the progress dialog
            exports.check_target(path)
        except UserError as exc:
            self._show_error(str(exc), exc.field)
            return None
        task = export_task(self, self.db, self.actor, request, path, f"正在导出{exports.KIND_TITLES[request.kind]}…")
        task.on_success(self._exported).on_failure(self._export_failed).on_cancel(self._export_cancelled)
        self.export_button.setEnabled(False)
        self.export_task = task
        return task.start()

    def _exported(self, result: exports.ExportResult) -> None:
        self.export_button.setEnabled(True)
        self.last_export = result
        self.count_label.setText(f"已导出 {result.rows:,} 行到 {result.path}")
        if self.isVisible():
            QMessageBox.information(self, "导出完成", f"已导出 {result.rows:,} 行到：\n{result.path}")

    def _export_failed(self, exc: Exception) -> None:
        self.export_button.setEnabled(True)
        message = str(exc) if isinstance(exc, UserError) else f"导出失败：{exc}"
        self._show_error(message, getattr(exc, "field", None))
        if self.isVisible():
            QMessageBox.warning(self, "导出失败", message)

    def _export_cancelled(self) -> None:
        self.export_button.setEnabled(True)
        self.count_label.setText("已取消导出，没有生成文件")


def _date(edit: QDateEdit) -> dt.date:
    d = edit.date()
    return dt.date(d.year(), d.month(), d.day())


class _OpeningSource(FunctionSource):
    """The register's rows for the paged table: the count brings the first page with it
    (``registers.first_page``: one unit, not two, across a slow link); later pages are fetched."""

    def __init__(self, db: Database, actor: Actor, kind: str, flt: RegisterFilter, page_size: int) -> None:
        self._first: list | None = None
        self._page_size = page_size

        def count() -> int:
            total, self._first = registers.first_page(db, actor, kind, flt, page_size)
            return total

        def fetch(offset: int, limit: int):
            if offset == 0 and limit == self._page_size and self._first is not None:
                rows, self._first = self._first, None
                return rows
            return registers.fetch(db, actor, kind, flt, offset, limit)

        super().__init__(count, fetch)
