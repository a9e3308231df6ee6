"""进度查询: “where is my application?” at the counter — lookup by number, certificate number or
phone; the timeline of stages; the current handler and expected completion; the stage dialog and
the progress slip from here."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
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
from counter_app.ui import background
from counter_app.ui.list_page import add_shortcuts, command_button
from counter_app.ui.modal import run_modal
from counter_app.ui.screen_fit import fit_to_screen
from counter_app.ui.table_model import RowsTableModel
from counter_app.ui.tracking_common import (
    GREY_FG,
    RED_BG,
    RED_FG,
    YELLOW_BG,
    buddy_label,
    error_box,
    fit_columns,
    fmt_time,
    make_table,
    show_message,
    status_label,
)

SEARCH_LABEL = "申请编号/证件号码/联系电话"


def _due_text(deadline) -> str:
    return deadline.label() if deadline else ""


class ProgressView(QWidget):
    """The progress of one application: header figures, timeline, deferred items."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.progress: progress.Progress | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        self.header = QGroupBox("办理进度", self)
        grid = QGridLayout(self.header)
        self.fields: dict[str, QLabel] = {}
        names = [("number", "申请编号"), ("customer", "户名"), ("business", "业务类型"), ("status", "状态"),
                 ("stage", "当前环节"), ("handler", "当前处理人"), ("stage_due", "环节期限"),
                 ("promised", "承诺办结"), ("expected", "预计办结"), ("accepted", "受理"),
                 ("address", "用电地址"), ("green", "绿色通道")]
        for i, (key, title) in enumerate(names):
            value = QLabel(self.header)
            value.setObjectName(f"progress_{key}")
            value.setAccessibleName(title)
            value.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard)
            caption = QLabel(f"{title}：", self.header)
            caption.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
            row, col = divmod(i, 3)
            grid.addWidget(caption, row, col * 2)
            grid.addWidget(value, row, col * 2 + 1)
            self.fields[key] = value
        for col in (1, 3, 5):
            grid.setColumnStretch(col, 1)
        layout.addWidget(self.header)

        self.timeline_model = RowsTableModel([
            Column("环节", value=lambda r: r.stage_name),
            Column("动作", value=lambda r: r.action_label),
            Column("开始时间", value=lambda r: r.started_at),
            Column("结束时间", value=lambda r: r.ended_at),
            Column("处理人", value=lambda r: r.handler),
            Column("办理期限", value=lambda r: r.due_label),
            Column("是否按期", value=lambda r: r.state_label),
            Column("备注", value=lambda r: ("［营销系统导入］" if r.source == "import" else "") + r.note),
        ], parent=self, background=self._timeline_background, foreground=self._timeline_foreground)
        self.timeline = make_table(self.timeline_model, "环节时间线", self)
        layout.addWidget(QLabel("环节时间线（期限按工作日计算，含调休；“预估”表示该年度官方节假日尚未公布）", self))
        layout.addWidget(self.timeline, 3)

        self.deferred_model = RowsTableModel([
            Column("容缺资料", value=lambda d: d.name),
            Column("状态", value=lambda d: d.state_label),
            Column("补交期限", value=lambda d: _due_text(d.due)),
            Column("补交时间", value=lambda d: d.supplied_at),
        ], parent=self, background=lambda d: RED_BG if d.overdue else None)
        self.deferred = make_table(self.deferred_model, "容缺资料", self)
        self.deferred.setMaximumHeight(110)
        self.deferred_caption = QLabel("容缺资料", self)
        layout.addWidget(self.deferred_caption)
        layout.addWidget(self.deferred, 1)
        self.show_progress(None)

    @staticmethod
    def _timeline_background(row):
        if row.state in ("overdue", "late"):
            return RED_BG
        if row.state == "open":
            return YELLOW_BG
        return None

    @staticmethod
    def _timeline_foreground(row, _column):
        return GREY_FG if row.state == "planned" else None

    def show_progress(self, p: progress.Progress | None) -> None:
        self.progress = p
        self.header.setEnabled(p is not None)
        if p is None:
            for label in self.fields.values():
                label.setText("")
            self.timeline_model.set_rows([])
            self.deferred_model.set_rows([])
            return
        f = self.fields
        f["number"].setText(p.number)
        f["customer"].setText(p.customer_name)
        f["business"].setText(p.business_name)
        f["status"].setText(p.status_label + (f"（{p.terminated_reason}）" if p.terminated_reason else ""))
        f["stage"].setText(p.current_stage_name)
        f["handler"].setText(p.current_handler)
        stage_due = _due_text(p.stage_due)
        f["stage_due"].setText(stage_due + ("　已超期" if p.overdue else ""))
        f["stage_due"].setStyleSheet(f"color: {RED_FG.name()}; font-weight: bold;" if p.overdue else "")
        f["promised"].setText(_due_text(p.promised))
        f["expected"].setText(_due_text(p.expected))
        window = f"{p.window_no}号窗口 " if p.window_no else ""
        f["accepted"].setText(f"{fmt_time(p.accepted_at)} {window}{p.clerk_name}")
        f["address"].setText(p.address)
        f["green"].setText(f"是（客户经理：{p.green_manager}）" if p.green_channel else "否")
        self.timeline_model.set_rows(p.timeline)
        fit_columns(self.timeline)
        self.deferred_model.set_rows(p.deferred)
        self.deferred.setVisible(bool(p.deferred))
        self.deferred_caption.setVisible(bool(p.deferred))
        fit_columns(self.deferred)


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


def show_progress_dialog(db: Database, actor: Actor, application_id: int, parent: QWidget) -> None:
    """Open the progress of one application from a list; a refusal (permission, database) is shown."""
    try:
        run_modal(ProgressDialog(db, actor, application_id, parent))
    except UserError as exc:
        error_box(parent, exc)


class ProgressDialog(QDialog):
    """The progress of one application in a window of its own (from the warning or 容缺 lists)."""

    def __init__(self, db: Database, actor: Actor, application_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("办理进度")
        fit_to_screen(self, 1000, 620)
        layout = QVBoxLayout(self)
        self.view = ProgressView(self)
        layout.addWidget(self.view)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.button(QDialogButtonBox.Close).setText("关闭")
        buttons.button(QDialogButtonBox.Close).setAccessibleName("关闭")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        background.run(self, lambda: progress.detail(db, actor, application_id), self._shown,
                       lambda exc: self.view.show_progress(None) or error_box(self, exc), busy="正在读取办理进度…")

    def _shown(self, p: progress.Progress) -> None:
        self.view.show_progress(p)
        self.setWindowTitle(f"办理进度 — {p.number}")

