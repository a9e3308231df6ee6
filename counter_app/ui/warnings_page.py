"""时限预警: applications near (yellow) or past (red) a time limit, green channel first, then by
urgency; open the progress or move the stage from here."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from counter_app import warnings
from counter_app.context import Actor
from counter_app.db import Database
from counter_app.errors import UserError
from counter_app.permissions import Perm, allowed
from counter_app.ui.tracking_common import (
    GREEN_FG,
    RED_BG,
    YELLOW_BG,
    Column,
    RowsModel,
    buddy_label,
    error_box,
    fit_columns,
    make_table,
    selected_row,
    show_message,
    status_label,
)

LEVELS = [("全部预警", None), ("红色超期", "red"), ("黄色预警", "yellow")]


class WarningsPage(QWidget):
    """Page 时限预警 of the main window."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        layout = QVBoxLayout(self)

        filters = QHBoxLayout()
        self.level = QComboBox(self)
        self.level.setObjectName("level")
        for text, value in LEVELS:
            self.level.addItem(text, value)
        filters.addWidget(buddy_label("预警级别(&L)：", self.level, self))
        filters.addWidget(self.level)
        self.window_filter = QComboBox(self)
        self.window_filter.setObjectName("window")
        filters.addWidget(buddy_label("受理窗口(&W)：", self.window_filter, self))
        filters.addWidget(self.window_filter)
        self.refresh_button = QPushButton("刷新", self)
        self.refresh_button.setAccessibleName("刷新")
        self.refresh_button.setToolTip("重新计算预警（F5）")
        filters.addWidget(self.refresh_button)
        filters.addStretch(1)
        self.counts = QLabel(self)
        self.counts.setObjectName("counts")
        self.counts.setAccessibleName("预警数量")
        filters.addWidget(self.counts)
        layout.addLayout(filters)

        self.model = RowsModel([
            Column("级别", lambda r: r.level_label),
            Column("绿色通道", lambda r: f"★ {r.green_manager}".strip() if r.green_channel else ""),
            Column("申请编号", lambda r: r.number),
            Column("户名", lambda r: r.customer_name),
            Column("联系电话", lambda r: r.phone),
            Column("业务类型", lambda r: r.business_name),
            Column("当前环节", lambda r: r.stage_name),
            Column("处理人", lambda r: r.handler),
            Column("预警依据", lambda r: r.basis_label),
            Column("已用/时限（工作日）", lambda r: f"{r.assessment.used_days}/{r.assessment.limit_days}",
                   Qt.AlignCenter),
            Column("期限", lambda r: r.due_label),
            Column("剩余/超期", lambda r: r.remaining_label),
            Column("窗口", lambda r: f"{r.window_no}号" if r.window_no else "", Qt.AlignCenter),
        ], self, background=lambda r: RED_BG if r.level == "red" else YELLOW_BG,
            foreground=lambda r, col: GREEN_FG if col == 1 and r.green_channel else None)
        self.table = make_table(self.model, "预警清单", self)
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.view_button = QPushButton("查看进度", self)
        self.view_button.setAccessibleName("查看进度")
        self.view_button.setToolTip("查看所选申请的办理进度（回车）")
        self.move_button = QPushButton("环节流转…", self)
        self.move_button.setAccessibleName("环节流转")
        self.move_button.setToolTip("推进或退回所选申请（Ctrl+M）")
        self.move_button.setVisible(allowed(actor, Perm.MOVE_STAGE))
        buttons.addWidget(self.view_button)
        buttons.addWidget(self.move_button)
        buttons.addStretch(1)
        self.message = status_label(self)
        buttons.addWidget(self.message, 2)
        layout.addLayout(buttons)

        for name, keys, slot in (("刷新", "F5", self.refresh), ("环节流转", "Ctrl+M", self.move_selected)):
            action = QAction(name, self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
        self.refresh_button.clicked.connect(self.refresh)
        self.view_button.clicked.connect(self.view_selected)
        self.move_button.clicked.connect(self.move_selected)
        self.table.activated.connect(lambda _i: self.view_selected())  # Return or double click
        self.level.currentIndexChanged.connect(lambda _i: self.refresh())
        self.window_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self._load_windows()
        self.refresh()

    def _load_windows(self) -> None:
        blocked = self.window_filter.blockSignals(True)
        self.window_filter.addItem("全部窗口", None)
        try:
            for window_id, name in warnings.window_choices(self.db):
                self.window_filter.addItem(name, window_id)
        except UserError as exc:
            show_message(self.message, exc.message, error=True)
        if self.actor.role == "clerk" and self.actor.window_id:
            index = self.window_filter.findData(self.actor.window_id)
            if index >= 0:
                self.window_filter.setCurrentIndex(index)
        self.window_filter.blockSignals(blocked)

    def activate(self) -> None:
        self.refresh()
        self.table.setFocus()

    def refresh(self) -> None:
        try:
            rows = warnings.warning_list(self.db, self.actor, level=self.level.currentData(),
                                         window_id=self.window_filter.currentData())
        except UserError as exc:
            show_message(self.message, exc.message, error=True)
            return
        self.model.set_rows(rows)
        fit_columns(self.table)
        red = sum(1 for r in rows if r.level == "red")
        yellow = sum(1 for r in rows if r.level == "yellow")
        green = sum(1 for r in rows if r.green_channel)
        self.counts.setText(f"红色超期 {red} 件　黄色预警 {yellow} 件" + (f"　其中绿色通道 {green} 件" if green else ""))
        show_message(self.message, "" if rows else "当前没有临近或超过时限的申请")
        if rows:
            self.table.selectRow(0)

    def view_selected(self) -> None:
        row = selected_row(self.table)
        if row is None:
            return
        from counter_app.ui.progress_page import ProgressDialog

        try:
            ProgressDialog(self.db, self.actor, row.application_id, self).exec()
        except UserError as exc:
            error_box(self, exc)

    def move_selected(self) -> None:
        row = selected_row(self.table)
        if row is None or not allowed(self.actor, Perm.MOVE_STAGE):
            return
        from counter_app.ui.stage_dialog import StageDialog

        dialog = StageDialog(self.db, self.actor, row.application_id, self)
        if dialog.exec() == QDialog.Accepted and dialog.result_move:
            self.refresh()
            show_message(self.message, dialog.result_move.message())
