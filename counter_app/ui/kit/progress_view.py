"""The progress of one application (header figures, timeline, deferred items): shown in the 进度查询
page and, in a window of its own, from every list of applications (warnings, 容缺) through
``view_selected``, so each list opens it the same way."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError
from counter_app.printing.columns import Column
from counter_app.tracking import progress
from counter_app.ui.kit import background
from counter_app.ui.kit.modal import run_modal
from counter_app.ui.kit.screen_fit import fit_to_screen
from counter_app.ui.kit.table_model import RowsTableModel
from counter_app.ui.kit.tracking_common import (
    GREY_FG,
    RED_BG,
    RED_FG,
    YELLOW_BG,
    error_box,
    fit_columns,
    fmt_time,
    make_table,
    selected_row,
)


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


def view_selected(table: QTableView, db: Database, actor: Actor, parent: QWidget) -> None:
    """The progress of the application in ``table``'s selected row (rows carry ``application_id``)."""
    row = selected_row(table)
    if row is not None:
        show_progress_dialog(db, actor, row.application_id, parent)
