"""交接接收 for the back office and supervisors: batches to receive, a remark per line (缺件 / 退回
with a note), the receiver's name, 确认接收 (the batch is locked from then on); and the accepted
applications that are in no batch (遗漏). The batches are shown by ``handover_batches.BatchPanel``."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import ValidationFailed
from counter_app.printing.columns import Column
from counter_app.security.permissions import Perm, allowed
from counter_app.tracking import handover
from counter_app.tracking.handover import LineRemark
from counter_app.ui.handover_batches import BatchPanel, button, problem, remark_text, table
from counter_app.ui.kit import background
from counter_app.ui.kit.list_page import opened_just_now
from counter_app.ui.kit.table_model import RowsTableModel
from counter_app.ui.kit.tracking_common import show_message, status_label

MISSING_COLUMNS = (
    Column("申请编号", width=20.5), Column("窗口", width=8), Column("受理人", width=8), Column("户名", width=12),
    Column("业务类型", width=13), Column("受理时间", "datetime", width=15.5), Column("资料份数", "int", width=7),
    Column("容缺资料及补交期限", width=30),
)


class HandoverReceivePage(QWidget):
    """``HandoverReceivePage(db, actor, parent=None)`` — receive batches; supervisors see what is missing."""

    FILTERS = (("待接收", "open"), ("已确认", "confirmed"), ("全部", None))
    REMARKS = (("无", ""), ("缺件", "缺件"), ("退回", "退回"))

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.missing_items: list[handover.FileItem] = []
        self.last_confirmed: handover.BatchSummary | None = None
        self.messages = status_label(self)

        # --- batches to receive
        self.status_combo = QComboBox()
        for text, value in self.FILTERS:
            self.status_combo.addItem(text, value)
        self.status_combo.setAccessibleName("批次状态")
        status_label_ = QLabel("批次状态：")
        status_label_.setBuddy(self.status_combo)
        self.refresh_button = button("刷新", "F5")
        self.batches = BatchPanel(db, actor, self.messages, self)
        self.remark_combo = QComboBox()
        for text, value in self.REMARKS:
            self.remark_combo.addItem(text, value)
        self.remark_combo.setAccessibleName("备注")
        self.note_edit = QLineEdit()
        self.note_edit.setAccessibleName("说明")
        self.note_edit.setPlaceholderText("缺少哪份资料 / 退回原因")
        self.remark_button = button("设置所选申请备注")
        self.receiver_edit = QLineEdit(actor.name)
        self.receiver_edit.setAccessibleName("接收人")
        self.receiver_edit.setMaximumWidth(140)
        self.confirm_button = button("确认接收", "Ctrl+Enter")

        filters = QHBoxLayout()
        filters.addWidget(status_label_)
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
        self.missing_table = table(self.missing_model, MISSING_COLUMNS, "未移交申请")
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
        self.refresh_button.clicked.connect(lambda: self.refresh())
        self.status_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.remark_button.clicked.connect(self.apply_remark)
        self.confirm_button.clicked.connect(lambda: self.confirm())
        self.batches.batchChanged.connect(self._update_buttons)
        self._update_buttons()
        self.refresh()

    def activate(self) -> None:
        if not opened_just_now(self):
            self.refresh()
        self.batches.batch_table.setFocus()

    def refresh(self, then=None) -> background.BackgroundTask:
        db, actor, status = self.db, self.actor, self.status_combo.currentData()

        def loaded(result) -> None:
            summaries, self.missing_items = result
            self.batches.show_batches(summaries)
            self.missing_model.set_rows([
                (i.number, i.window, i.clerk, i.customer_name, i.business_type, i.accepted_at, i.copies, i.deferred)
                for i in self.missing_items
            ])
            self.missing_label.setText(
                f"今天以前受理、尚未进入任何交接批次的申请：{len(self.missing_items)} 件" if self.missing_items
                else "没有遗漏：今天以前受理的申请都已进入交接批次")
            self.tabs.setTabText(1, f"未移交申请（遗漏 {len(self.missing_items)}）")
            if then is not None:
                then()

        return background.run(
            self, lambda: (handover.batches(db, actor, status=status), handover.missing(db, actor)), loaded,
            lambda exc: show_message(self.messages, problem(exc, "读取"), error=True), busy="正在读取交接批次…")

    def _update_buttons(self) -> None:
        detail = self.batches.detail
        open_batch = detail is not None and not detail.batch.locked
        for widget in (self.remark_combo, self.note_edit, self.remark_button, self.receiver_edit,
                       self.confirm_button):
            widget.setEnabled(open_batch and allowed(self.actor, Perm.RECEIVE_HANDOVER))

    def apply_remark(self) -> None:
        item = self.batches.selected_item()
        if item is None:
            show_message(self.messages, "请先在批次明细中选中一件申请，再设置备注", error=True)
            return
        remark, note = self.remark_combo.currentData(), self.note_edit.text().strip()
        if remark and not note:
            show_message(self.messages, f"选择“{remark}”时请写明说明（如缺少哪份资料、退回原因）", error=True)
            self.note_edit.setFocus()
            return
        self.batches.set_remark(item.application_id, LineRemark(remark, note if remark else ""))
        self.note_edit.clear()
        self.remark_combo.setCurrentIndex(0)
        show_message(self.messages, f"{item.number}：{remark_text(remark, note) or '已清除备注'}（确认接收时保存）")

    def confirm(self, *, ask: bool = True) -> background.BackgroundTask | None:
        detail = self.batches.detail
        if detail is None or detail.batch.locked:
            return None
        marks = sum(1 for m in self.batches.remarks.values() if m.remark)
        if ask and QMessageBox.question(
            self, "确认接收",
            f"确认接收交接批次 {detail.batch.number}（{len(detail.items)} 件，备注 {marks} 件）？\n确认后清单锁定，不能再修改。",
        ) != QMessageBox.Yes:
            return None
        db, actor, remarks = self.db, self.actor, dict(self.batches.remarks)
        receiver = self.receiver_edit.text()

        def confirmed(done: handover.BatchSummary) -> None:
            self.last_confirmed = done
            self.batches.remarks = {}

            def shown() -> None:
                self.batches.select_batch(done.id)
                show_message(self.messages, f"已确认接收交接批次 {done.number}，共 {done.lines} 件；清单已锁定")
            self.refresh(then=shown)

        def failed(exc: Exception) -> None:
            if isinstance(exc, ValidationFailed):  # the clerk's input is kept; nothing to reload
                show_message(self.messages, str(exc), error=True)
                if exc.field == "receiver_name":
                    self.receiver_edit.setFocus()
                return
            self.refresh(then=lambda: show_message(self.messages, problem(exc, "确认接收"), error=True))

        return background.run(
            self, lambda: handover.confirm(db, actor, detail.batch.id, receiver_name=receiver, remarks=remarks,
                                           expected_version=detail.batch.version),
            confirmed, failed, busy="正在确认接收…")
