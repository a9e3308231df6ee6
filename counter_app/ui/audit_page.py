"""审计日志 (supervisors, admins): filter the trail; rows load page by page as the table scrolls;
导出Excel writes the filtered entries in the background. Read-only: the domain has no way to change
an entry, and neither has this page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, QModelIndex, Qt
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError
from counter_app.printing.columns import Column
from counter_app.reporting import audit_export
from counter_app.security import accounts, audit_trail
from counter_app.ui import file_dialogs
from counter_app.ui.background import BackgroundTask
from counter_app.ui.form_widgets import limit_date_range
from counter_app.ui.table_model import RowsTableModel

ROOT = QModelIndex()  # the table's (invisible) root: default parent of row/column queries
COLUMNS = (
    Column("时间", value=lambda r: f"{r.at:%Y-%m-%d %H:%M:%S}"),
    Column("用户名", value=lambda r: r.username),
    Column("姓名", value=lambda r: r.user_name),
    Column("窗口", value=lambda r: f"{r.window_no}号" if r.window_no else ""),
    Column("电脑", value=lambda r: r.pc),
    Column("操作", value=lambda r: r.action_label),
    Column("对象", value=lambda r: r.target_name or r.target_label),
    Column("结果", value=lambda r: r.outcome_label),
    Column("说明", value=lambda r: r.sentence),
)
REFUSED = QColor("#c0262d")
DEFAULT_DAYS = 7


class AuditModel(RowsTableModel):
    """The filtered trail, newest first, fetched ``page_size`` rows at a time (keyset on the id, so
    entries written meanwhile neither repeat nor shift rows)."""

    def __init__(self, db: Database, actor: Actor, page_size: int = 200, parent=None) -> None:
        super().__init__(COLUMNS, parent=parent, foreground=lambda r, _c: REFUSED if r.outcome != "ok" else None)
        self.db = db
        self.actor = actor
        self.page_size = page_size
        self.flt = audit_trail.AuditFilter()
        self.total = 0
        self._exhausted = True

    def set_filter(self, flt: audit_trail.AuditFilter) -> None:
        """Raises UserError (permission, database) with the model left empty."""
        self.beginResetModel()
        self.flt = flt
        self.rows, self.total, self._exhausted = [], 0, True
        try:
            self.total = audit_trail.total(self.db, self.actor, flt)
            self.rows = audit_trail.view(self.db, self.actor, flt, limit=self.page_size)
            self._exhausted = len(self.rows) < self.page_size
        finally:
            self.endResetModel()

    def canFetchMore(self, parent=ROOT) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent=ROOT) -> None:
        if parent.isValid() or self._exhausted or not self.rows:
            return
        try:
            more = audit_trail.view(self.db, self.actor, self.flt, limit=self.page_size, before_id=self.rows[-1].id)
        except UserError:
            self._exhausted = True
            return
        self._exhausted = len(more) < self.page_size
        if more:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
            self.rows.extend(more)
            self.endInsertRows()


class AuditPage(QWidget):
    """The page registered as ``audit`` (menu 管理, Perm.VIEW_AUDIT)."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None, *, page_size: int = 200) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.model = AuditModel(db, actor, page_size, self)

        today = clock.today()
        self.date_from = self._date("起始日期", today - dt.timedelta(days=DEFAULT_DAYS - 1))
        self.date_to = self._date("截止日期", today)
        self.username = QLineEdit(self)
        self.username.setAccessibleName("用户名")
        self.username.setPlaceholderText("全部")
        self.username.returnPressed.connect(self.search)
        self.action = QComboBox(self)
        self.action.setAccessibleName("操作")
        self.action.addItem("全部", "")
        for code, label in sorted(audit_trail.ACTION_LABELS.items(), key=lambda kv: kv[1]):
            self.action.addItem(label, code)
        self.window = QComboBox(self)
        self.window.setAccessibleName("窗口")
        self.window.addItem("全部", None)
        for number, name in accounts.start_info(db).windows:
            self.window.addItem(name, number)
        self.outcome = QComboBox(self)
        self.outcome.setAccessibleName("结果")
        self.outcome.addItem("全部", "")
        for code, label in audit_trail.OUTCOME_LABELS.items():
            self.outcome.addItem(label, code)
        self.text = QLineEdit(self)
        self.text.setAccessibleName("关键字")
        self.text.setPlaceholderText("对象编号或详情中的文字")
        self.text.returnPressed.connect(self.search)
        self.search_button = QPushButton("查询", self)
        self.search_button.setAccessibleName("查询")
        self.search_button.clicked.connect(self.search)
        self.search_action = QAction("查询", self)
        self.search_action.setShortcut(QKeySequence("F5"))
        self.search_action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        self.search_action.triggered.connect(self.search)
        self.addAction(self.search_action)
        self.export_button = QPushButton("导出Excel", self)
        self.export_button.setAccessibleName("导出Excel")
        self.export_button.setToolTip("把当前筛选出的审计记录导出为 Excel 文件（Ctrl+E）")
        self.export_button.clicked.connect(self.export)
        self.export_action = QAction("导出Excel", self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        self.export_action.triggered.connect(self.export)
        self.addAction(self.export_action)
        self.export_task: BackgroundTask | None = None
        self.last_export = None

        filters = QGridLayout()
        for col, (label, widget) in enumerate([("起始日期", self.date_from), ("截止日期", self.date_to),
                                               ("用户名", self.username), ("操作", self.action)]):
            filters.addWidget(QLabel(label, self), 0, col * 2)
            filters.addWidget(widget, 0, col * 2 + 1)
        for col, (label, widget) in enumerate([("窗口", self.window), ("结果", self.outcome),
                                               ("关键字", self.text)]):
            filters.addWidget(QLabel(label, self), 1, col * 2)
            filters.addWidget(widget, 1, col * 2 + 1)
        filters.addWidget(self.search_button, 1, 7)
        filters.addWidget(self.export_button, 0, 8)

        self.table = QTableView(self)
        self.table.setObjectName("auditTable")
        self.table.setAccessibleName("审计日志")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate([150, 90, 80, 50, 110, 110, 160, 60]):
            self.table.setColumnWidth(col, width)

        self.summary = QLabel(self)
        self.summary.setObjectName("auditSummary")
        self.message = QLabel(self)
        self.message.setObjectName("formError")
        self.message.hide()

        title = QLabel("审计日志", self)
        title.setObjectName("dialogTitle")
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.summary)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        self.search()

    def _date(self, label: str, day: dt.date) -> QDateEdit:
        edit = QDateEdit(QDate(day.year, day.month, day.day), self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        limit_date_range(edit)
        edit.setAccessibleName(label)
        return edit

    def activate(self) -> None:
        self.search()
        self.table.setFocus()

    def current_filter(self) -> audit_trail.AuditFilter:
        start = self.date_from.date().toPython()
        end = self.date_to.date().toPython()
        if end < start:
            start, end = end, start
        return audit_trail.AuditFilter(
            since=dt.datetime.combine(start, dt.time()),
            until=dt.datetime.combine(end + dt.timedelta(days=1), dt.time()),
            username=self.username.text().strip(),
            action=self.action.currentData() or "",
            window_no=self.window.currentData(),
            outcome=self.outcome.currentData() or "",
            text=self.text.text().strip(),
        )

    def search(self) -> None:
        self.message.hide()
        try:
            self.model.set_filter(self.current_filter())
        except UserError as exc:
            self.message.setText(str(exc))
            self.message.show()
            self.summary.setText("")
            return
        self.summary.setText(f"共 {self.model.total} 条")

    # --- export -----------------------------------------------------------------------------------

    def export(self) -> None:
        flt = self.current_filter()
        suggested = str(Path.home() / audit_export.default_filename(flt))
        path, _ = file_dialogs.get_save_file_name(self, "导出Excel", suggested, "Excel 工作簿 (*.xlsx)")
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        self.export_to(path)

    def export_to(self, path: str | Path) -> BackgroundTask:
        """Export the entries of the current filter to ``path`` off the GUI thread, with progress."""
        flt = self.current_filter()
        db, actor = self.db, self.actor
        self.message.hide()
        self.export_button.setEnabled(False)
        task = BackgroundTask(lambda progress: audit_export.export_xlsx(
            db, actor, flt, path, progress=progress.report, cancelled=progress.is_cancelled))
        task.with_progress(self, "正在导出审计日志…", unit="条")
        task.on_success(self._exported).on_failure(self._export_failed).on_cancel(self._export_cancelled)
        self.export_task = task.start()
        return task

    def _exported(self, result) -> None:
        self.export_button.setEnabled(True)
        self.last_export = result
        self.summary.setText(f"共 {self.model.total} 条　已导出 {result.rows:,} 条到 {result.path}")

    def _export_failed(self, exc: Exception) -> None:
        self.export_button.setEnabled(True)
        self.message.setText(str(exc) if isinstance(exc, UserError) else f"导出失败：{exc}")
        self.message.show()

    def _export_cancelled(self) -> None:
        self.export_button.setEnabled(True)
        self.summary.setText(f"共 {self.model.total} 条　已取消导出，没有生成文件")
