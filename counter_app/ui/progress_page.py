"""进度查询: “where is my application?” at the counter — lookup by number, certificate number or
phone; the timeline of stages; the current handler and expected completion; the stage dialog and
the progress slip from here."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError
from counter_app.printing.columns import Column
from counter_app.security.permissions import Perm, allowed
from counter_app.tracking import application_search, progress
from counter_app.ui.kit import background
from counter_app.ui.kit.list_page import add_shortcuts, command_button
from counter_app.ui.kit.modal import run_modal
from counter_app.ui.kit.progress_view import ProgressView
from counter_app.ui.kit.table_model import RowsTableModel
from counter_app.ui.kit.tracking_common import (
    RED_BG,
    buddy_label,
    fit_columns,
    make_table,
    show_message,
    status_label,
)

SEARCH_LABEL = "申请编号/证件号码/联系电话"


class ProgressPage(QWidget):
    """Page 进度查询 of the main window."""

    applicationMoved = Signal(int)

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.last_slip = None  # path of the last progress slip generated here
        layout = QVBoxLayout(self)

        search_row = QHBoxLayout()
        self.query = QLineEdit(self)
        self.query.setObjectName("query")
        self.query.setPlaceholderText("申请编号（或当天编号后4位）、证件号码（或后6位）、电话、姓名+电话后4位，按回车")
        self.query.setClearButtonEnabled(True)
        search_row.addWidget(buddy_label(f"{SEARCH_LABEL}(&Q)：", self.query, self))
        search_row.addWidget(self.query, 1)
        self.search_button = command_button("查询", self)
        search_row.addWidget(self.search_button)
        layout.addLayout(search_row)
        self.message = status_label(self)
        layout.addWidget(self.message)

        self.results_model = RowsTableModel([
            Column("申请编号", value=lambda r: r.number),
            Column("户名", value=lambda r: r.customer_name),
            Column("证件号码", value=lambda r: r.cert_number),
            Column("联系电话", value=lambda r: r.mobile),
            Column("业务类型", value=lambda r: r.business_name),
            Column("受理时间", value=lambda r: r.accepted_at),
            Column("状态", value=lambda r: r.status_label),
            Column("当前环节", value=lambda r: r.stage_name),
            Column("处理人", value=lambda r: r.handler),
            Column("环节期限", value=lambda r: r.stage_due_date),
        ], parent=self, background=lambda r: RED_BG if r.overdue else None)
        self.results = make_table(self.results_model, "查询结果", self)
        self.view = ProgressView(self)

        splitter = QSplitter(Qt.Vertical, self)
        splitter.addWidget(self.results)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 4)
        layout.addWidget(splitter, 1)

        buttons = QHBoxLayout()
        self.move_button = command_button("环节流转…", self, "推进到下一环节或退回（Ctrl+M）")
        self.move_button.setVisible(allowed(actor, Perm.MOVE_STAGE))
        self.slip_button = command_button("打印进度单", self, "生成给客户的办理进度单（PDF）并在阅读器中打开以便打印（Ctrl+P）")
        self.slip_button.setVisible(allowed(actor, Perm.PRINT))
        self.refresh_button = command_button("刷新", self, "重新读取进度（F5）")
        for button in (self.move_button, self.slip_button, self.refresh_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self._actions()
        self.query.returnPressed.connect(self.search)
        self.search_button.clicked.connect(self.search)
        self.results.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show_row(cur.row()))
        self.move_button.clicked.connect(self.open_stage_dialog)
        self.slip_button.clicked.connect(self.print_slip)
        self.refresh_button.clicked.connect(self.refresh)
        self._update_buttons()

    def _actions(self) -> None:
        self.actions_by_name = add_shortcuts(self, [
            ("查询", "Ctrl+Return", self.search), ("环节流转", "Ctrl+M", self.open_stage_dialog),
            ("打印进度单", "Ctrl+P", self.print_slip), ("刷新", "F5", self.refresh),
            ("定位到查询框", "Ctrl+L", self.activate)])

    # --- behaviour ------------------------------------------------------------------------------

    def activate(self) -> None:
        self.query.setFocus()
        self.query.selectAll()

    def _failed(self, exc: Exception) -> None:
        show_message(self.message, str(exc) if isinstance(exc, UserError) else f"查询未成功：{exc}", error=True)

    def search(self) -> None:
        db, actor, text = self.db, self.actor, self.query.text()

        def refused(exc: Exception) -> None:
            self._failed(exc)
            self.query.setFocus()

        background.run(self, lambda: application_search.search(db, actor, text), self._found, refused,
                       busy="正在查询…")

    def _found(self, result: application_search.SearchResult) -> None:
        self.results_model.set_rows(result.rows)
        fit_columns(self.results)
        show_message(self.message, result.message(), error=not result.rows)
        if result.rows:
            self.results.selectRow(0)
            self._show_row(0)
            self.results.setFocus()
        else:
            self.view.show_progress(None)
            self.query.setFocus()
            self.query.selectAll()
        self._update_buttons()

    def show_application(self, application_id: int) -> None:
        """Show one application (from another page or after a move)."""
        db, actor = self.db, self.actor

        def shown(p: progress.Progress) -> None:
            self.view.show_progress(p)
            self._update_buttons()

        def failed(exc: Exception) -> None:
            self._failed(exc)
            self.view.show_progress(None)
            self._update_buttons()

        background.run(self, lambda: progress.detail(db, actor, application_id), shown, failed,
                       busy="正在读取办理进度…")

    def _show_row(self, row: int) -> None:
        if 0 <= row < self.results_model.rowCount():
            self.show_application(self.results_model.row(row).application_id)

    def refresh(self) -> None:
        if self.view.progress is not None:
            self.show_application(self.view.progress.application_id)

    def _update_buttons(self) -> None:
        p = self.view.progress
        self.move_button.setEnabled(p is not None and p.status == "active")
        self.slip_button.setEnabled(p is not None)
        self.refresh_button.setEnabled(p is not None)

    def open_stage_dialog(self) -> None:
        p = self.view.progress
        if p is None or not allowed(self.actor, Perm.MOVE_STAGE) or p.status != "active":
            return
        from counter_app.ui.stage_dialog import StageDialog

        dialog = StageDialog(self.db, self.actor, p.application_id, self)
        if run_modal(dialog) == QDialog.Accepted and dialog.result_move:
            show_message(self.message, dialog.result_move.message())
            self.applicationMoved.emit(p.application_id)
        self.refresh()
        self._refresh_result_row()

    def _refresh_result_row(self) -> None:
        if not (self.results_model.rowCount() and self.query.text().strip()):
            return
        current = self.view.progress.application_id if self.view.progress else None
        db, actor, text = self.db, self.actor, self.query.text()

        def found(result: application_search.SearchResult) -> None:
            rows = result.rows
            self.results_model.set_rows(rows)
            for i, r in enumerate(rows):
                if r.application_id == current:
                    blocked = self.results.selectionModel().blockSignals(True)
                    self.results.selectRow(i)
                    self.results.selectionModel().blockSignals(blocked)

        background.run(self, lambda: application_search.search(db, actor, text), found, lambda _exc: None)

    def print_slip(self) -> None:
        """Render the slip, keep it as a recorded PDF on this PC and open it in the PDF reader."""
        p = self.view.progress
        if p is None or not allowed(self.actor, Perm.PRINT):
            return
        from counter_app import documents

        db, actor, app_id = self.db, self.actor, p.application_id

        def work():
            item = progress.render_slip(db, actor, app_id)
            return item, documents.save(db, actor, item, documents.kept_copies_dir(item.number) / item.filename)

        background.run(self, work, self._slip_saved, self._failed, busy="正在生成进度单…")

    def _slip_saved(self, result) -> None:
        item, path = result
        self.last_slip = path
        opened = QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        hint = "已在PDF阅读器中打开，请从阅读器打印" if opened else "请打开该文件打印"
        missing = f"（注意：{''.join(item.missing_chars)} 无法打印）" if item.missing_chars else ""
        show_message(self.message, f"进度单已生成：{path}，{hint}{missing}")
