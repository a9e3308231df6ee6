"""交接清单 for clerks: the applications of this window not handed over yet → tick → 生成交接批次;
the window's batches with their lines (``handover_batches.BatchPanel``), taking a line out or
cancelling while the batch is open. The receiving side is ``handover_receive_page``."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.printing.columns import Column
from counter_app.tracking import handover
from counter_app.ui.handover_batches import BatchPanel, button, problem, table
from counter_app.ui.kit import background
from counter_app.ui.kit.list_page import opened_just_now
from counter_app.ui.kit.modal import run_modal
from counter_app.ui.kit.reason_dialog import ReasonDialog
from counter_app.ui.kit.table_model import RowsTableModel
from counter_app.ui.kit.tracking_common import show_message, status_label

# 单据打印 and 客户签名 next to the number: what the clerk checks before handing over, visible at 1024 px
PENDING_COLUMNS = (
    Column("选择", width=5), Column("申请编号", width=20.5), Column("户名", width=12), Column("单据打印", width=9),
    Column("客户签名", width=8), Column("业务类型", width=13), Column("用电地址", width=20), Column("联系电话", width=12),
    Column("受理时间", "datetime", width=15.5), Column("资料份数", "int", width=7), Column("容缺资料及补交期限", width=30),
)


class HandoverPage(QWidget):
    """``HandoverPage(db, actor, parent=None)`` — a clerk hands this window's files over."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.pending_items: list[handover.FileItem] = []
        self.last_batch: handover.BatchSummary | None = None  # the batch made last (tests, follow-up)
        self.messages = status_label(self)

        self.pending_model = RowsTableModel(PENDING_COLUMNS, checkable=True, parent=self)
        self.pending_table = table(self.pending_model, PENDING_COLUMNS, "待移交申请")
        self.all_check = QCheckBox("全选")
        self.all_check.setAccessibleName("全选")
        self.shift_combo = QComboBox()
        self.shift_combo.addItems(handover.SHIFTS)
        self.shift_combo.setAccessibleName("班次")
        shift_label = QLabel("班次(&S)：")
        shift_label.setBuddy(self.shift_combo)
        self.pending_label = QLabel()
        self.pending_label.setObjectName("pendingLabel")
        self.create_button = button("生成交接批次", "Ctrl+Shift+G")
        self.refresh_button = button("刷新", "F5")

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
        self.remove_button = button("移出所选申请")
        self.cancel_button = button("撤销批次")
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
            action.triggered.connect(lambda _=False, s=slot: s())
            self.addAction(action)
        self.create_button.clicked.connect(lambda: self.create_batch())
        self.refresh_button.clicked.connect(lambda: self.refresh())
        self.all_check.toggled.connect(self.pending_model.set_all_checked)
        self.pending_model.checkedChanged.connect(self._update_pending_label)
        self.remove_button.clicked.connect(self.remove_selected)
        self.cancel_button.clicked.connect(lambda: self.cancel_batch())
        self.batches.batchChanged.connect(self._update_buttons)
        self._update_buttons()
        self.refresh()

    def activate(self) -> None:
        if not opened_just_now(self):
            self.refresh()
        self.pending_table.setFocus()

    def refresh(self, then=None) -> background.BackgroundTask:
        """Reload the pending applications and the batches; ``then()`` runs once they are shown."""
        db, actor = self.db, self.actor

        def loaded(result) -> None:
            self.pending_items, summaries = result
            self.pending_model.set_rows([
                ("", i.number, i.customer_name, i.print_label, i.sign_label, i.business_type, i.address, i.phone,
                 i.accepted_at, i.copies, i.deferred)
                for i in self.pending_items
            ])
            self.all_check.blockSignals(True)
            self.all_check.setChecked(False)
            self.all_check.blockSignals(False)
            self.batches.show_batches(summaries)
            self._update_pending_label()
            if then is not None:
                then()

        return background.run(self, lambda: (handover.pending(db, actor), handover.batches(db, actor)), loaded,
                              lambda exc: show_message(self.messages, problem(exc, "读取"), error=True),
                              busy="正在读取交接清单…")

    def _update_pending_label(self, *_args) -> None:
        checked = len(self.pending_model.checked_rows())
        self.pending_label.setText(f"待移交 {len(self.pending_items)} 件，已勾选 {checked} 件")
        self.create_button.setEnabled(checked > 0)

    def _update_buttons(self) -> None:
        detail = self.batches.detail
        editable = detail is not None and not detail.batch.locked
        self.remove_button.setEnabled(editable)
        self.cancel_button.setEnabled(editable)

    def _failed_then_refresh(self, exc: Exception) -> None:
        """Someone else may have changed the batch or taken applications: show the message and the
        current state."""
        self.refresh(then=lambda: show_message(self.messages, problem(exc, "操作"), error=True))

    def create_batch(self) -> background.BackgroundTask | None:
        items = [self.pending_items[r] for r in self.pending_model.checked_rows()]
        ids = [i.application_id for i in items]
        if not ids:
            show_message(self.messages, "请先勾选要移交的申请", error=True)
            return None
        reasons = self._ask_unprinted_reason([i for i in items if not i.printed_docs])
        if reasons is None:
            show_message(self.messages, "未生成交接批次：请先打印单据，或填写未打印就移交的原因", error=True)
            return None
        db, actor, shift = self.db, self.actor, self.shift_combo.currentText()

        def created(batch: handover.BatchSummary) -> None:
            self.last_batch = batch

            def shown() -> None:
                self.batches.select_batch(batch.id)
                show_message(self.messages, f"已生成交接批次 {batch.number}，共 {batch.lines} 件。"
                                            "请打印或导出交接清单，随纸质资料移交。")
            self.refresh(then=shown)

        return background.run(self, lambda: handover.create_batch(db, actor, ids, shift=shift,
                                                                  unprinted_reasons=reasons), created,
                              self._failed_then_refresh, busy="正在生成交接批次…")

    def _ask_unprinted_reason(self, unprinted: list[handover.FileItem]) -> dict[int, str] | None:
        """{} when every ticked case was printed; the clerk's reason per never-printed case; None when
        the clerk goes back to print first."""
        if not unprinted:
            return {}
        numbers = "、".join(i.number for i in unprinted)
        dialog = ReasonDialog(
            "单据未打印", f"以下申请的单据从未打印：{numbers}。\n请先在“单据打印”中打印并请客户签字；确需现在移交，"
            "请填写原因（将记录在案，并打印在交接清单上）。", self, label="未打印原因(&R)：")
        dialog.check = handover.unprinted_reason
        if run_modal(dialog) != QDialog.Accepted:
            return None
        reason = handover.unprinted_reason(dialog.reason.toPlainText())
        return {i.application_id: reason for i in unprinted}

    def remove_selected(self) -> background.BackgroundTask | None:
        item, detail = self.batches.selected_item(), self.batches.detail
        if item is None or detail is None:
            show_message(self.messages, "请先在批次明细中选中要移出的申请", error=True)
            return None
        db, actor = self.db, self.actor

        def removed(left: handover.BatchSummary | None) -> None:
            def shown() -> None:
                if left is None:
                    show_message(self.messages, f"批次 {detail.batch.number} 已无申请，已撤销")
                else:
                    self.batches.select_batch(left.id)
                    show_message(self.messages, f"已将 {item.number} 移出批次 {detail.batch.number}")
            self.refresh(then=shown)

        return background.run(
            self, lambda: handover.remove_application(db, actor, detail.batch.id, item.application_id), removed,
            self._failed_then_refresh, busy="正在移出申请…")

    def cancel_batch(self, *, ask: bool = True) -> background.BackgroundTask | None:
        detail = self.batches.detail
        if detail is None:
            return None
        if ask and QMessageBox.question(
            self, "撤销批次", f"撤销交接批次 {detail.batch.number}？其中 {len(detail.items)} 件申请将回到待移交列表。"
        ) != QMessageBox.Yes:
            return None
        db, actor = self.db, self.actor
        return background.run(
            self, lambda: handover.cancel_batch(db, actor, detail.batch.id),
            lambda _r: self.refresh(then=lambda: show_message(self.messages, f"已撤销交接批次 {detail.batch.number}")),
            self._failed_then_refresh, busy="正在撤销批次…")
