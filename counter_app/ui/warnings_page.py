"""时限预警: applications near (yellow) or past (red) a time limit, green channel first, then by
urgency; open the progress or move the stage from here."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QVBoxLayout, QWidget

from counter_app.hall import many_halls
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.printing.columns import Column
from counter_app.security.permissions import Perm, allowed
from counter_app.tracking import warning_list as warnings
from counter_app.ui.kit import background, progress_view
from counter_app.ui.kit.background import BackgroundTask
from counter_app.ui.kit.list_page import (
    add_shortcuts,
    add_window_choices,
    button_row,
    command_button,
    filter_bar,
    load_rows,
    opened_just_now,
)
from counter_app.ui.kit.modal import run_modal
from counter_app.ui.kit.table_model import RowsTableModel
from counter_app.ui.kit.tracking_common import (
    GREEN_FG,
    RED_BG,
    YELLOW_BG,
    make_table,
    selected_row,
    show_message,
)

LEVELS = [("全部预警", None), ("红色超期", "red"), ("黄色预警", "yellow")]


class WarningsPage(QWidget):
    """Page 时限预警 of the main window."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        layout = QVBoxLayout(self)

        self.level = QComboBox(self)
        self.level.setObjectName("level")
        for text, value in LEVELS:
            self.level.addItem(text, value)
        self.window_filter = QComboBox(self)
        self.window_filter.setObjectName("window")
        self.hall_filter = QComboBox(self)  # a supervisor over several halls: all, or one of them
        self.hall_filter.setObjectName("hallFilter")
        self.hall_filter.addItem("全部营业厅", None)
        self.hall_filter.hide()
        self.refresh_button = command_button("刷新", self, "重新计算预警（F5）")
        self.counts = QLabel(self)
        self.counts.setObjectName("counts")
        self.counts.setAccessibleName("预警数量")
        layout.addLayout(filter_bar(self, [("预警级别(&L)：", self.level), ("受理窗口(&W)：", self.window_filter),
                                           ("营业厅(&H)：", self.hall_filter)],
                                    self.refresh_button, self.counts))
        self.hall_label = next(lb for lb in self.findChildren(QLabel) if lb.buddy() is self.hall_filter)
        self.hall_label.hide()

        self.model = RowsTableModel([
            Column("级别", value=lambda r: r.level_label),
            Column("绿色通道", value=lambda r: f"★ {r.green_manager}".strip() if r.green_channel else ""),
            Column("申请编号", value=lambda r: r.number),
            Column("户名", value=lambda r: r.customer_name),
            Column("联系电话", value=lambda r: r.phone),
            Column("业务类型", value=lambda r: r.business_name),
            Column("当前环节", value=lambda r: r.stage_name),
            Column("处理人", value=lambda r: r.handler),
            Column("预警依据", value=lambda r: r.basis_label),
            Column("已用/时限（工作日）", value=lambda r: f"{r.assessment.used_days}/{r.assessment.limit_days}"),
            Column("期限", value=lambda r: r.due_label),
            Column("剩余/超期", value=lambda r: r.remaining_label),
            Column("窗口", value=lambda r: f"{r.hall_name} {r.window_no}号".strip() if r.window_no else r.hall_name),
        ], parent=self, background=lambda r: RED_BG if r.level == "red" else YELLOW_BG,
            foreground=lambda r, col: GREEN_FG if col == 1 and r.green_channel else None)
        self.table = make_table(self.model, "预警清单", self)
        layout.addWidget(self.table, 1)

        self.view_button = command_button("查看进度", self, "查看所选申请的办理进度（回车）")
        self.move_button = command_button("环节流转…", self, "推进或退回所选申请（Ctrl+M）")
        self.move_button.setVisible(allowed(actor, Perm.MOVE_STAGE))
        buttons, self.message = button_row(self, [self.view_button, self.move_button])
        layout.addLayout(buttons)

        add_shortcuts(self, [("刷新", "F5", self.refresh), ("环节流转", "Ctrl+M", self.move_selected)])
        self.refresh_button.clicked.connect(self.refresh)
        self.view_button.clicked.connect(self.view_selected)
        self.move_button.clicked.connect(self.move_selected)
        self.table.activated.connect(lambda _i: self.view_selected())  # Return or double click
        self.level.currentIndexChanged.connect(lambda _i: self.refresh())
        self.window_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.hall_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        background.run(self, lambda: many_halls.hall_choices(db, actor), self._halls_loaded)
        add_window_choices(self, self.window_filter, db, self.message, then=self._windows_loaded,
                           actor=actor)

    def _halls_loaded(self, choices: list[tuple[int, str]]) -> None:
        blocked = self.hall_filter.blockSignals(True)
        for hall_id, name in choices:
            self.hall_filter.addItem(name, hall_id)
        self.hall_filter.blockSignals(blocked)
        self.hall_filter.setVisible(bool(choices))
        self.hall_label.setVisible(bool(choices))

    def _windows_loaded(self) -> None:
        """A clerk sees their own window's warnings first."""
        if self.actor.role == "clerk" and self.actor.window_id:
            index = self.window_filter.findData(self.actor.window_id)
            if index >= 0:
                blocked = self.window_filter.blockSignals(True)
                self.window_filter.setCurrentIndex(index)
                self.window_filter.blockSignals(blocked)
        self.refresh()

    def activate(self) -> None:
        if not opened_just_now(self):
            self.refresh()
        self.table.setFocus()

    def refresh(self, then: Callable[[], None] | None = None) -> BackgroundTask:
        db, actor = self.db, self.actor
        level, window_id = self.level.currentData(), self.window_filter.currentData()
        hall_id = self.hall_filter.currentData()

        def shown(rows: list) -> None:
            red = sum(1 for r in rows if r.level == "red")
            yellow = sum(1 for r in rows if r.level == "yellow")
            green = sum(1 for r in rows if r.green_channel)
            self.counts.setText(f"红色超期 {red} 件　黄色预警 {yellow} 件" + (f"　其中绿色通道 {green} 件" if green else ""))
            show_message(self.message, "" if rows else "当前没有临近或超过时限的申请")
            if then is not None:
                then()

        return load_rows(self, self.table, self.message,
                         lambda: warnings.warning_list(db, actor, level=level, window_id=window_id, hall_id=hall_id),
                         shown,
                         busy="正在计算时限预警…")

    def view_selected(self) -> None:
        progress_view.view_selected(self.table, self.db, self.actor, self)

    def move_selected(self) -> None:
        row = selected_row(self.table)
        if row is None or not allowed(self.actor, Perm.MOVE_STAGE):
            return
        from counter_app.ui.stage_dialog import StageDialog

        dialog = StageDialog(self.db, self.actor, row.application_id, self)
        if run_modal(dialog) == QDialog.Accepted and dialog.result_move:
            message = dialog.result_move.message()
            self.refresh(then=lambda: show_message(self.message, message))
