"""交接清单 pages.

``HandoverPage`` (clerks): the applications of this window not handed over yet → tick → 生成交接批次;
the window's batches with their lines, Excel export, taking a line out or cancelling while open.
``HandoverReceivePage`` (back office, supervisors): batches to receive, a remark per line (缺件 /
退回 with a note), the receiver's name, 确认接收 (the batch is locked from then on); and the
accepted applications that are in no batch (遗漏)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app import documents
from counter_app.reporting import exports
from counter_app.tracking import handover
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError, ValidationFailed
from counter_app.tracking.handover import LineRemark
from counter_app.security.permissions import Perm, allowed
from counter_app.printing.columns import Column
from counter_app.ui.background import BackgroundTask
from counter_app.ui.export_file import ask_save_path, export_task
from counter_app.ui.registers_page import size_columns
from counter_app.ui.table_model import RowsTableModel

PENDING_COLUMNS = (
    Column("选择", width=5), Column("申请编号", width=20.5), Column("户名", width=12), Column("业务类型", width=13),
    Column("用电地址", width=20), Column("联系电话", width=12), Column("受理时间", "datetime", width=15.5),
    Column("资料份数", "int", width=7), Column("容缺资料及补交期限", width=30),
)
MISSING_COLUMNS = (
    Column("申请编号", width=20.5), Column("窗口", width=8), Column("受理人", width=8), Column("户名", width=12),
    Column("业务类型", width=13), Column("受理时间", "datetime", width=15.5), Column("资料份数", "int", width=7),
    Column("容缺资料及补交期限", width=30),
)
BATCH_COLUMNS = (
    Column("批次号", width=23), Column("状态", width=6), Column("件数", "int", width=5), Column("班次", width=6),
    Column("窗口", width=8), Column("移交人", width=8), Column("生成时间", "datetime", width=15.5),
    Column("接收人", width=8), Column("确认时间", "datetime", width=15.5),
)
LINE_COLUMNS = (
    Column("序号", "int", width=5), Column("申请编号", width=20.5), Column("户名", width=12),
    Column("业务类型", width=13), Column("用电地址", width=20), Column("联系电话", width=12),
    Column("受理时间", "datetime", width=15.5), Column("资料份数", "int", width=7),
    Column("容缺资料及补交期限", width=26), Column("备注", width=20),
)


def _table(name: str) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setAccessibleName(name)
    table.setAlternatingRowColors(True)
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    table.setSelectionMode(QAbstractItemView.SingleSelection)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.verticalHeader().setDefaultSectionSize(24)
    table.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _button(text: str, shortcut: str = "") -> QPushButton:
    button = QPushButton(f"{text}({shortcut})" if shortcut else text)
    button.setAccessibleName(text)
    return button


def _remark_text(remark: str, note: str) -> str:
    return f"{remark}：{note}" if remark else ""


class _Messages(QLabel):
    """One line under the page: what just happened, or what to fix (red)."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("messageLabel")
        self.setWordWrap(True)

    def ok(self, text: str) -> None:
        self.setStyleSheet("color: #1b5e20;")
        self.setText(text)

    def error(self, text: str) -> None:
        self.setStyleSheet("color: #b00020;")
        self.setText(text)


class BatchPanel(QWidget):
    """A list of batches and the lines of the selected one, with Excel export."""

    batchChanged = Signal()

    def __init__(self, db: Database, actor: Actor, messages: _Messages, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.messages = db, actor, messages
        self.summaries: list[handover.BatchSummary] = []
        self.detail: handover.BatchDetail | None = None
        self.remarks: dict[int, LineRemark] = {}  # receiver's remarks not yet saved
        self.export_task: BackgroundTask | None = None
        self.pdf_task: BackgroundTask | None = None

        self.batch_model = RowsTableModel(BATCH_COLUMNS, parent=self)
        self.batch_table = _table("交接批次")
        self.batch_table.setModel(self.batch_model)
        size_columns(self.batch_table, BATCH_COLUMNS)
        self.line_model = RowsTableModel(LINE_COLUMNS, parent=self)
        self.line_table = _table("批次明细")
        self.line_table.setModel(self.line_model)
        size_columns(self.line_table, LINE_COLUMNS)
        self.state_label = QLabel()
        self.state_label.setObjectName("batchStateLabel")
        self.export_button = _button("导出Excel", "Ctrl+E")
        self.export_button.setEnabled(False)
        self.pdf_button = _button("交接清单PDF…", "Ctrl+P")
        self.pdf_button.setAccessibleName("保存交接清单PDF")
        self.pdf_button.setToolTip("生成带签字栏的交接清单（PDF），保存后打印，随纸质资料移交")
        self.pdf_button.setEnabled(False)
        self.print_button = _button("打印交接清单", "Ctrl+Shift+P")
        self.print_button.setToolTip("用本机记住的打印机直接打印交接清单（带签字栏）")
        self.print_button.setEnabled(False)
        self.buttons = QHBoxLayout()
        self.buttons.addWidget(self.state_label, 1)
        self.buttons.addWidget(self.print_button)
        self.buttons.addWidget(self.pdf_button)
        self.buttons.addWidget(self.export_button)

        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(self.batch_table)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.line_table, 1)
        right_layout.addLayout(self.buttons)
        splitter.addWidget(right)
        splitter.setSizes([480, 860])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self.batch_table.selectionModel().currentRowChanged.connect(lambda *_: self._load_selected())
        self.export_button.clicked.connect(self.choose_and_export)
        self.pdf_button.clicked.connect(self.choose_and_save_pdf)
        self.print_button.clicked.connect(lambda: self.print_list())

    # --- batches --------------------------------------------------------------------------------

    def show_batches(self, summaries: list[handover.BatchSummary], keep: int | None = None) -> None:
        keep = keep if keep is not None else (self.detail.batch.id if self.detail else None)
        self.summaries = summaries
        self.batch_model.set_rows([
            (b.number, b.status_label, b.lines, b.shift, b.window_name, b.created_by, b.created_at,
             b.receiver_name, b.confirmed_at) for b in summaries
        ])
        ids = [b.id for b in summaries]
        row = ids.index(keep) if keep in ids else (0 if ids else -1)
        if row >= 0:
            self.batch_table.selectRow(row)
            self._load_selected()
        else:
            self.show_detail(None)

    def select_batch(self, batch_id: int) -> None:
        ids = [b.id for b in self.summaries]
        if batch_id in ids:
            self.batch_table.selectRow(ids.index(batch_id))
            self._load_selected()

    def _load_selected(self) -> None:
        row = self.batch_table.currentIndex().row()
        if not 0 <= row < len(self.summaries):
            self.show_detail(None)
            return
        try:
            self.show_detail(handover.detail(self.db, self.actor, self.summaries[row].id))
        except UserError as exc:
            self.messages.error(str(exc))
            self.show_detail(None)

    def show_detail(self, detail: handover.BatchDetail | None) -> None:
        if detail is None or self.detail is None or detail.batch.id != self.detail.batch.id:
            self.remarks = {}
        self.detail = detail
        self.export_button.setEnabled(detail is not None)
        self.pdf_button.setEnabled(detail is not None)
        self.print_button.setEnabled(detail is not None)
        if detail is None:
            self.line_model.set_rows([])
            self.state_label.setText("")
            self.batchChanged.emit()
            return
        self.line_model.set_rows([self._line_row(item) for item in detail.items])
        b = detail.batch
        if b.locked:
            self.state_label.setText(f"批次 {b.number}：已于 {b.confirmed_at:%Y-%m-%d %H:%M} 由 {b.receiver_name} "
                                     f"确认接收，已锁定")
        else:
            self.state_label.setText(f"批次 {b.number}：待接收，共 {len(detail.items)} 件、资料 {detail.total_copies} 份")
        self.batchChanged.emit()

    def _line_row(self, item: handover.FileItem) -> tuple:
        mark = self.remarks.get(item.application_id)
        remark = _remark_text(mark.remark, mark.note) if mark else _remark_text(item.remark, item.remark_note)
        return (item.seq, item.number, item.customer_name, item.business_type, item.address, item.phone,
                item.accepted_at, item.copies, item.deferred, remark)

    def selected_item(self) -> handover.FileItem | None:
        row = self.line_table.currentIndex().row()
        if self.detail is None or not 0 <= row < len(self.detail.items):
            return None
        return self.detail.items[row]

    def set_remark(self, application_id: int, mark: LineRemark) -> None:
        self.remarks[application_id] = mark
        if self.detail is not None:
            row = self.line_table.currentIndex().row()
            self.line_model.set_rows([self._line_row(item) for item in self.detail.items])
            if row >= 0:
                self.line_table.selectRow(row)

    # --- the handover list as PDF (documents pipeline) and as Excel -----------------------------

    def choose_and_save_pdf(self) -> None:
        if self.detail is None:
            return
        path = ask_save_path(self, "保存交接清单PDF", f"交接清单_{self.detail.batch.number}.pdf",
                             "PDF 文件 (*.pdf)", ".pdf")
        if path:
            self.save_pdf_to(path)

    def save_pdf_to(self, path: str | Path) -> BackgroundTask | None:
        """Render the 交接清单 (with signature lines) and save it; the save is recorded."""
        if self.detail is None:
            return None
        db, actor, batch_id = self.db, self.actor, self.detail.batch.id

        def work(progress):
            item = documents.render_handover_document(db, actor, batch_id)
            return documents.save(db, actor, item, path)

        task = BackgroundTask(work).with_progress(self, "正在生成交接清单PDF…", cancellable=False)
        task.on_success(lambda saved: self.messages.ok(f"已保存交接清单PDF到 {saved}，请打印后由移交人和接收人签字"))
        task.on_failure(lambda exc: self.messages.error(str(exc) if isinstance(exc, UserError) else f"生成PDF失败：{exc}"))
        self.pdf_task = task
        return task.start()

    def print_if_ready(self) -> None:
        """Ctrl+Shift+P: what the 打印交接清单 button does, when it is enabled."""
        if self.print_button.isEnabled():
            self.print_list()

    def print_list(self, *, output_file: str | None = None) -> bool:
        """Print the 交接清单 in one action on this PC's remembered printer; every attempt is recorded.
        A one- or two-page list prints in well under a second, so it runs on the GUI thread (Qt's PDF
        rendering is not safe on pool threads). ``output_file`` sends the job to Qt's PDF engine (tests)."""
        if self.detail is None:
            return False
        from counter_app.printing import qt_print

        try:
            item = documents.render_handover_document(self.db, self.actor, self.detail.batch.id)
            try:
                used = qt_print.print_pdfs([item.data], doc_name=item.filename, output_file=output_file)
            except UserError as exc:
                documents.record(self.db, self.actor, [item], "print", outcome="failed", error=str(exc))
                raise
            documents.record(self.db, self.actor, [item], "print", printer=used.name)
        except UserError as exc:
            self.messages.error(f"{exc}（可改用“交接清单PDF…”保存后打印）")
            return False
        self.messages.ok(f"交接清单已发送到打印机“{used.name}”，请移交人和接收人签字")
        return True

    def choose_and_export(self) -> None:
        if self.detail is None:
            return
        filename = exports.default_filename("handover", batch_number=self.detail.batch.number)
        path = ask_save_path(self, "导出交接清单", filename, "Excel 工作簿 (*.xlsx)", ".xlsx")
        if path:
            self.export_to(path)

    def export_to(self, path: str | Path) -> BackgroundTask | None:
        if self.detail is None:
            return None
        try:
            exports.check_target(path)
        except UserError as exc:
            self.messages.error(str(exc))
            return None
        request = exports.ExportRequest("handover", batch_id=self.detail.batch.id)
        task = export_task(self, self.db, self.actor, request, path, "正在导出交接清单…")
        task.on_success(lambda r: self.messages.ok(f"已导出交接清单 {r.rows} 件到 {r.path}"))
        task.on_failure(lambda exc: self.messages.error(str(exc) if isinstance(exc, UserError) else f"导出失败：{exc}"))
        task.on_cancel(lambda: self.messages.ok("已取消导出"))
        self.export_task = task
        return task.start()


class HandoverPage(QWidget):
    """``HandoverPage(db, actor, parent=None)`` — a clerk hands this window's files over."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.pending_items: list[handover.FileItem] = []
        self.messages = _Messages()

        self.pending_model = RowsTableModel(PENDING_COLUMNS, checkable=True, parent=self)
        self.pending_table = _table("待移交申请")
        self.pending_table.setModel(self.pending_model)
        size_columns(self.pending_table, PENDING_COLUMNS)
        self.all_check = QCheckBox("全选")
        self.all_check.setAccessibleName("全选")
        self.shift_combo = QComboBox()
        self.shift_combo.addItems(handover.SHIFTS)
        self.shift_combo.setAccessibleName("班次")
        shift_label = QLabel("班次(&S)：")
        shift_label.setBuddy(self.shift_combo)
        self.pending_label = QLabel()
        self.pending_label.setObjectName("pendingLabel")
        # Ctrl+G is 进度查询 everywhere; Ctrl+Shift+G keeps "G" for 生成 without the clash
        self.create_button = _button("生成交接批次", "Ctrl+Shift+G")
        self.refresh_button = _button("刷新", "F5")

        pending_box = QGroupBox("待移交申请（本窗口已受理、尚未移交）")
        top = QHBoxLayout()
        top.addWidget(self.all_check)
        top.addWidget(self.pending_label, 1)
        top.addWidget(shift_label)
        top.addWidget(self.shift_combo)
        top.addWidget(self.create_button)
        top.addWidget(self.refresh_button)
        pending_layout = QVBoxLayout(pending_box)
        pending_layout.addWidget(self.pending_table, 1)
        pending_layout.addLayout(top)

        self.batches = BatchPanel(db, actor, self.messages, self)
        self.remove_button = _button("移出所选申请")
        self.cancel_button = _button("撤销批次")
        self.batches.buttons.insertWidget(1, self.remove_button)
        self.batches.buttons.insertWidget(2, self.cancel_button)
        batch_box = QGroupBox("本窗口交接批次")
        QVBoxLayout(batch_box).addWidget(self.batches)

        splitter = QSplitter(Qt.Vertical)
        splitter.addWidget(pending_box)
        splitter.addWidget(batch_box)
        splitter.setSizes([330, 330])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.messages)

        for text, key, slot in (("生成交接批次", "Ctrl+Shift+G", self.create_batch), ("刷新", "F5", self.refresh),
                                ("导出交接清单", "Ctrl+E", self.batches.choose_and_export),
                                ("保存交接清单PDF", "Ctrl+P", self.batches.choose_and_save_pdf),
                                ("打印交接清单", "Ctrl+Shift+P", self.batches.print_if_ready)):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
        self.create_button.clicked.connect(self.create_batch)
        self.refresh_button.clicked.connect(self.refresh)
        self.all_check.toggled.connect(self.pending_model.set_all_checked)
        self.pending_model.checkedChanged.connect(self._update_pending_label)
        self.remove_button.clicked.connect(self.remove_selected)
        self.cancel_button.clicked.connect(self.cancel_batch)
        self.batches.batchChanged.connect(self._update_buttons)
        self.refresh()

    def activate(self) -> None:
        self.refresh()
        self.pending_table.setFocus()

    def refresh(self) -> None:
        try:
            self.pending_items = handover.pending(self.db, self.actor)
            summaries = handover.batches(self.db, self.actor)
        except UserError as exc:
            self.messages.error(str(exc))
            return
        self.pending_model.set_rows([
            ("", i.number, i.customer_name, i.business_type, i.address, i.phone, i.accepted_at, i.copies, i.deferred)
            for i in self.pending_items
        ])
        self.all_check.blockSignals(True)
        self.all_check.setChecked(False)
        self.all_check.blockSignals(False)
        self.batches.show_batches(summaries)
        self._update_pending_label()

    def _update_pending_label(self, *_args) -> None:
        checked = len(self.pending_model.checked_rows())
        self.pending_label.setText(f"待移交 {len(self.pending_items)} 件，已勾选 {checked} 件")
        self.create_button.setEnabled(checked > 0)

    def _update_buttons(self) -> None:
        detail = self.batches.detail
        editable = detail is not None and not detail.batch.locked
        self.remove_button.setEnabled(editable)
        self.cancel_button.setEnabled(editable)

    def create_batch(self) -> handover.BatchSummary | None:
        ids = [self.pending_items[r].application_id for r in self.pending_model.checked_rows()]
        if not ids:
            self.messages.error("请先勾选要移交的申请")
            return None
        try:
            batch = handover.create_batch(self.db, self.actor, ids, shift=self.shift_combo.currentText())
        except UserError as exc:
            self.messages.error(str(exc))
            self.refresh()  # someone else may have taken some: show the current state
            return None
        self.refresh()
        self.batches.select_batch(batch.id)
        self.messages.ok(f"已生成交接批次 {batch.number}，共 {batch.lines} 件。请打印或导出交接清单，随纸质资料移交。")
        return batch

    def remove_selected(self) -> None:
        item, detail = self.batches.selected_item(), self.batches.detail
        if item is None or detail is None:
            self.messages.error("请先在批次明细中选中要移出的申请")
            return
        try:
            left = handover.remove_application(self.db, self.actor, detail.batch.id, item.application_id)
        except UserError as exc:
            self.messages.error(str(exc))
            self.refresh()
            return
        self.refresh()
        if left is None:
            self.messages.ok(f"批次 {detail.batch.number} 已无申请，已撤销")
        else:
            self.batches.select_batch(left.id)
            self.messages.ok(f"已将 {item.number} 移出批次 {detail.batch.number}")

    def cancel_batch(self, *, ask: bool = True) -> None:
        detail = self.batches.detail
        if detail is None:
            return
        if ask and QMessageBox.question(
            self, "撤销批次", f"撤销交接批次 {detail.batch.number}？其中 {len(detail.items)} 件申请将回到待移交列表。"
        ) != QMessageBox.Yes:
            return
        try:
            handover.cancel_batch(self.db, self.actor, detail.batch.id)
        except UserError as exc:
            self.messages.error(str(exc))
        else:
            self.messages.ok(f"已撤销交接批次 {detail.batch.number}")
        self.refresh()


class HandoverReceivePage(QWidget):
    """``HandoverReceivePage(db, actor, parent=None)`` — receive batches; supervisors see what is missing."""

    FILTERS = (("待接收", "open"), ("已确认", "confirmed"), ("全部", None))
    REMARKS = (("无", ""), ("缺件", "缺件"), ("退回", "退回"))

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.missing_items: list[handover.FileItem] = []
        self.messages = _Messages()

        # --- batches to receive
        self.status_combo = QComboBox()
        for text, value in self.FILTERS:
            self.status_combo.addItem(text, value)
        self.status_combo.setAccessibleName("批次状态")
        status_label = QLabel("批次状态：")
        status_label.setBuddy(self.status_combo)
        self.refresh_button = _button("刷新", "F5")
        self.batches = BatchPanel(db, actor, self.messages, self)
        self.remark_combo = QComboBox()
        for text, value in self.REMARKS:
            self.remark_combo.addItem(text, value)
        self.remark_combo.setAccessibleName("备注")
        self.note_edit = QLineEdit()
        self.note_edit.setAccessibleName("说明")
        self.note_edit.setPlaceholderText("缺少哪份资料 / 退回原因")
        self.remark_button = _button("设置所选申请备注")
        self.receiver_edit = QLineEdit(actor.name)
        self.receiver_edit.setAccessibleName("接收人")
        self.receiver_edit.setMaximumWidth(140)
        self.confirm_button = _button("确认接收", "Ctrl+Enter")

        filters = QHBoxLayout()
        filters.addWidget(status_label)
        filters.addWidget(self.status_combo)
        filters.addStretch(1)
        filters.addWidget(self.refresh_button)
        remark_row = QHBoxLayout()
        for text, widget in (("备注(&R)：", self.remark_combo), ("说明：", self.note_edit)):
            label = QLabel(text)
            label.setBuddy(widget)
            remark_row.addWidget(label)
            remark_row.addWidget(widget, 1 if widget is self.note_edit else 0)
        remark_row.addWidget(self.remark_button)
        receiver_label = QLabel("接收人(&N)：")
        receiver_label.setBuddy(self.receiver_edit)
        remark_row.addSpacing(24)
        remark_row.addWidget(receiver_label)
        remark_row.addWidget(self.receiver_edit)
        remark_row.addWidget(self.confirm_button)

        batches_tab = QWidget()
        tab_layout = QVBoxLayout(batches_tab)
        tab_layout.addLayout(filters)
        tab_layout.addWidget(self.batches, 1)
        tab_layout.addLayout(remark_row)

        # --- applications in no batch
        self.missing_model = RowsTableModel(MISSING_COLUMNS, parent=self)
        self.missing_table = _table("未移交申请")
        self.missing_table.setModel(self.missing_model)
        size_columns(self.missing_table, MISSING_COLUMNS)
        self.missing_label = QLabel()
        self.missing_label.setObjectName("missingLabel")
        missing_tab = QWidget()
        missing_layout = QVBoxLayout(missing_tab)
        missing_layout.addWidget(self.missing_label)
        missing_layout.addWidget(self.missing_table, 1)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("交接接收")
        self.tabs.addTab(batches_tab, "交接批次")
        self.tabs.addTab(missing_tab, "未移交申请（遗漏）")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.messages)

        for text, keys, slot in (("刷新", ["F5"], self.refresh), ("确认接收", ["Ctrl+Return", "Ctrl+Enter"], self.confirm),
                                 ("导出交接清单", ["Ctrl+E"], self.batches.choose_and_export),
                                 ("保存交接清单PDF", ["Ctrl+P"], self.batches.choose_and_save_pdf),
                                 ("打印交接清单", ["Ctrl+Shift+P"], self.batches.print_if_ready)):
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _=False, s=slot: s())
            self.addAction(action)
        self.refresh_button.clicked.connect(self.refresh)
        self.status_combo.currentIndexChanged.connect(self.refresh)
        self.remark_button.clicked.connect(self.apply_remark)
        self.confirm_button.clicked.connect(lambda: self.confirm())
        self.batches.batchChanged.connect(self._update_buttons)
        self.refresh()

    def activate(self) -> None:
        self.refresh()
        self.batches.batch_table.setFocus()

    def refresh(self) -> None:
        try:
            summaries = handover.batches(self.db, self.actor, status=self.status_combo.currentData())
            self.missing_items = handover.missing(self.db, self.actor)
        except UserError as exc:
            self.messages.error(str(exc))
            return
        self.batches.show_batches(summaries)
        self.missing_model.set_rows([
            (i.number, i.window, i.clerk, i.customer_name, i.business_type, i.accepted_at, i.copies, i.deferred)
            for i in self.missing_items
        ])
        self.missing_label.setText(
            f"今天以前受理、尚未进入任何交接批次的申请：{len(self.missing_items)} 件" if self.missing_items
            else "没有遗漏：今天以前受理的申请都已进入交接批次")
        self.tabs.setTabText(1, f"未移交申请（遗漏 {len(self.missing_items)}）")

    def _update_buttons(self) -> None:
        detail = self.batches.detail
        open_batch = detail is not None and not detail.batch.locked
        for widget in (self.remark_combo, self.note_edit, self.remark_button, self.receiver_edit,
                       self.confirm_button):
            widget.setEnabled(open_batch and allowed(self.actor, Perm.RECEIVE_HANDOVER))

    def apply_remark(self) -> None:
        item = self.batches.selected_item()
        if item is None:
            self.messages.error("请先在批次明细中选中一件申请，再设置备注")
            return
        remark, note = self.remark_combo.currentData(), self.note_edit.text().strip()
        if remark and not note:
            self.messages.error(f"选择“{remark}”时请写明说明（如缺少哪份资料、退回原因）")
            self.note_edit.setFocus()
            return
        self.batches.set_remark(item.application_id, LineRemark(remark, note if remark else ""))
        self.note_edit.clear()
        self.remark_combo.setCurrentIndex(0)
        self.messages.ok(f"{item.number}：{_remark_text(remark, note) or '已清除备注'}（确认接收时保存）")

    def confirm(self, *, ask: bool = True) -> handover.BatchSummary | None:
        detail = self.batches.detail
        if detail is None or detail.batch.locked:
            return None
        marks = sum(1 for m in self.batches.remarks.values() if m.remark)
        if ask and QMessageBox.question(
            self, "确认接收",
            f"确认接收交接批次 {detail.batch.number}（{len(detail.items)} 件，备注 {marks} 件）？\n确认后清单锁定，不能再修改。",
        ) != QMessageBox.Yes:
            return None
        try:
            done = handover.confirm(self.db, self.actor, detail.batch.id, receiver_name=self.receiver_edit.text(),
                                    remarks=self.batches.remarks, expected_version=detail.batch.version)
        except ValidationFailed as exc:
            self.messages.error(str(exc))
            if exc.field == "receiver_name":
                self.receiver_edit.setFocus()
            return None
        except UserError as exc:
            self.messages.error(str(exc))
            self.refresh()
            return None
        self.messages.ok(f"已确认接收交接批次 {done.number}，共 {done.lines} 件；清单已锁定")
        self.batches.remarks = {}
        self.refresh()
        self.batches.select_batch(done.id)
        return done
