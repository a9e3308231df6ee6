"""容缺跟踪: deferred materials due today or overdue, registering a supplied item, terminating an
overdue application (optionally blacklisting the customer), and the credit blacklist itself."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError, ValidationFailed
from counter_app.printing.columns import Column
from counter_app.security.permissions import Perm, allowed
from counter_app.tracking import deferrals
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
from counter_app.ui.kit.reason_dialog import ReasonDialog, dialog_buttons_ok, mark_field, reason_edit
from counter_app.ui.kit.table_model import RowsTableModel
from counter_app.ui.kit.tracking_common import (
    GREY_FG,
    RED_BG,
    YELLOW_BG,
    buddy_label,
    make_table,
    selected_row,
    show_message,
    status_label,
)


class TerminateDialog(QDialog):
    """终止申请 for an application whose deferred materials are overdue."""

    def __init__(self, db: Database, actor: Actor, row: deferrals.DeferredRow, items: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.row = db, actor, row
        self.result_termination: deferrals.TerminationResult | None = None
        self.setWindowTitle("终止申请")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        info = QLabel(f"<b>{row.number}</b>　{row.customer_name}<br>逾期未补交：{'、'.join(items)}", self)
        info.setWordWrap(True)
        layout.addWidget(info)
        form = QFormLayout()
        self.reason = reason_edit(self, "reason")
        self.reason.setPlainText("容缺资料逾期未补交")
        form.addRow(buddy_label("终止原因(&R)：", self.reason, self), self.reason)
        self.blacklist = QCheckBox("同时将客户列入失信名单(&B)", self)
        self.blacklist.setAccessibleName("同时将客户列入失信名单")
        self.blacklist.setEnabled(allowed(actor, Perm.BLACKLIST))
        form.addRow(self.blacklist)
        self.blacklist_reason = reason_edit(self, "blacklist_reason")
        self.blacklist_reason.setPlainText(deferrals.default_blacklist_reason(row.number, items))
        self.blacklist_reason.setEnabled(False)
        form.addRow(buddy_label("列入原因(&Y)：", self.blacklist_reason, self), self.blacklist_reason)
        layout.addLayout(form)
        self.message = status_label(self)
        layout.addWidget(self.message)
        layout.addWidget(dialog_buttons_ok(self, "终止申请"))
        self.blacklist.toggled.connect(self.blacklist_reason.setEnabled)

    def accept(self) -> None:
        for w in (self.reason, self.blacklist_reason):
            w.setStyleSheet("")
        db, actor, row = self.db, self.actor, self.row
        reason, blacklist = self.reason.toPlainText(), self.blacklist.isChecked()
        blacklist_reason = self.blacklist_reason.toPlainText()

        def done(result: deferrals.TerminationResult) -> None:
            self.result_termination = result
            QDialog.accept(self)

        def failed(exc: Exception) -> None:
            if isinstance(exc, ValidationFailed):
                # both reasons are checked under the field "reason"; the message says which one
                mark_field(self.message, self.reason if "终止" in exc.message else self.blacklist_reason, exc.message)
            else:
                mark_field(self.message, None, background.problem(exc, "终止申请"))

        background.run(self, lambda: deferrals.terminate_overdue(
            db, actor, row.application_id, version=row.version, reason=reason, blacklist=blacklist,
            blacklist_reason=blacklist_reason), done, failed, busy="正在终止申请…")


class BlacklistAddDialog(QDialog):
    """列入失信名单 by hand: find the customer by certificate number, give a reason."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.matches: list[deferrals.CustomerMatch] = []
        self.setWindowTitle("列入失信名单")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        row = QHBoxLayout()
        self.certificate = QLineEdit(self)
        self.certificate.setObjectName("certificate")
        self.find_button = command_button("查找(&F)", self)
        row.addWidget(self.certificate, 1)
        row.addWidget(self.find_button)
        form.addRow(buddy_label("证件号码(&C)：", self.certificate, self), row)
        self.customers = QListWidget(self)
        self.customers.setObjectName("customers")
        self.customers.setFixedHeight(72)
        form.addRow(buddy_label("客户(&U)：", self.customers, self), self.customers)
        self.reason = reason_edit(self, "reason")
        form.addRow(buddy_label("列入原因(&R)：", self.reason, self), self.reason)
        layout.addLayout(form)
        self.message = status_label(self)
        layout.addWidget(self.message)
        layout.addWidget(dialog_buttons_ok(self, "列入失信名单"))
        self.find_button.clicked.connect(self.find)
        self.certificate.returnPressed.connect(self.find)

    def find(self) -> None:
        self.customers.clear()
        db, actor, number = self.db, self.actor, self.certificate.text()

        def found(matches: list[deferrals.CustomerMatch]) -> None:
            self.matches = matches
            self.certificate.setStyleSheet("")
            for m in matches:
                self.customers.addItem(f"{m.name}　{m.certificate}" + ("　（已在失信名单）" if m.blacklisted else ""))
            if matches:
                self.customers.setCurrentRow(0)
                show_message(self.message, f"找到 {len(matches)} 位客户")
                self.customers.setFocus()
            else:
                show_message(self.message, "没有持该证件的客户", error=True)

        def failed(exc: Exception) -> None:
            self.matches = []
            mark_field(self.message, self.certificate, background.problem(exc, "查找"))

        background.run(self, lambda: deferrals.find_customers(db, actor, number), found, failed,
                       busy="正在查找客户…")

    def accept(self) -> None:
        index = self.customers.currentRow()
        if not (0 <= index < len(self.matches)):
            mark_field(self.message, self.certificate, "请先按证件号码查找并选择客户")
            return
        db, actor, customer_id, reason = self.db, self.actor, self.matches[index].customer_id, self.reason.toPlainText()

        def failed(exc: Exception) -> None:
            field = self.reason if isinstance(exc, UserError) and exc.field == "reason" else None
            mark_field(self.message, field, background.problem(exc, "列入失信名单"))

        background.run(self, lambda: deferrals.blacklist_add(db, actor, customer_id, reason=reason),
                       lambda _r: QDialog.accept(self), failed, busy="正在列入失信名单…")


class DeferralsPage(QWidget):
    """Page 容缺跟踪 of the main window: follow-up list and credit blacklist in two tabs."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("容缺跟踪与失信名单")
        layout.addWidget(self.tabs)
        self.tabs.addTab(self._build_followup(), "容缺跟踪(&1)")
        self.tabs.addTab(self._build_blacklist(), "失信名单(&2)")
        add_window_choices(self, self.window_filter, db, self.message, then=self.refresh, actor=actor)
        self.refresh_blacklist()

    # --- follow-up tab --------------------------------------------------------------------------

    def _build_followup(self) -> QWidget:
        tab = QWidget(self)
        layout = QVBoxLayout(tab)
        self.scope = QComboBox(tab)
        self.scope.setObjectName("scope")
        for key, text in deferrals.SCOPES.items():
            self.scope.addItem(text, key)
        self.window_filter = QComboBox(tab)
        self.window_filter.setObjectName("window")
        self.refresh_button = command_button("刷新", tab, "重新读取（F5）")
        self.summary = QLabel(tab)
        self.summary.setAccessibleName("容缺统计")
        layout.addLayout(filter_bar(tab, [("范围(&S)：", self.scope), ("受理窗口(&W)：", self.window_filter)],
                                    self.refresh_button, self.summary))

        self.model = RowsTableModel([
            Column("状态", value=lambda r: r.state_label),
            Column("申请编号", value=lambda r: r.number),
            Column("户名", value=lambda r: r.customer_name + ("（失信）" if r.blacklisted else "")),
            Column("联系电话", value=lambda r: r.phone),
            Column("容缺资料", value=lambda r: r.item_name),
            Column("补交期限", value=lambda r: r.due.label()),
            Column("受理窗口", value=lambda r: f"{r.window_no}号" if r.window_no else ""),
            Column("受理人", value=lambda r: r.clerk_name),
            Column("当前环节", value=lambda r: r.stage_name),
        ], parent=self, background=lambda r: RED_BG if r.state == "overdue" else (YELLOW_BG if r.state == "today" else None))
        self.table = make_table(self.model, "容缺资料清单", tab)
        layout.addWidget(self.table, 1)

        self.supply_button = command_button("登记补交", tab, "客户已交来所选资料（Ctrl+B）")
        self.supply_button.setVisible(allowed(self.actor, Perm.SUPPLY_MATERIAL))
        self.terminate_button = command_button("终止申请…", tab, "容缺逾期，终止所选申请（可同时列入失信名单）")
        self.terminate_button.setVisible(allowed(self.actor, Perm.TERMINATE))
        self.view_button = command_button("查看进度", tab, "查看所选申请的办理进度（回车）")
        buttons, self.message = button_row(tab, [self.supply_button, self.terminate_button, self.view_button])
        layout.addLayout(buttons)

        add_shortcuts(self, [("刷新", "F5", self.refresh), ("登记补交", "Ctrl+B", self.supply)])
        self.refresh_button.clicked.connect(self.refresh)
        self.supply_button.clicked.connect(self.supply)
        self.terminate_button.clicked.connect(self.terminate)
        self.view_button.clicked.connect(self.view_selected)
        self.table.activated.connect(lambda _i: self.view_selected())  # Return or double click
        self.scope.currentIndexChanged.connect(lambda _i: self.refresh())
        self.window_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_buttons())
        return tab

    def activate(self) -> None:
        self.tabs.setCurrentIndex(0)
        if not opened_just_now(self):
            self.refresh()
        self.table.setFocus()

    def refresh(self, then: Callable[[], None] | None = None) -> BackgroundTask:
        db, actor = self.db, self.actor
        scope, window_id = self.scope.currentData(), self.window_filter.currentData()

        def shown(rows: list[deferrals.DeferredRow]) -> None:
            overdue = sum(1 for r in rows if r.state == "overdue")
            today = sum(1 for r in rows if r.state == "today")
            self.summary.setText(f"已逾期 {overdue} 项　今日到期 {today} 项")
            self._update_buttons()
            if then is not None:
                then()

        return load_rows(self, self.table, self.message,
                         lambda: deferrals.open_items(db, actor, scope=scope, window_id=window_id), shown,
                         busy="正在读取容缺资料…")

    def _update_buttons(self) -> None:
        row = selected_row(self.table)
        self.supply_button.setEnabled(row is not None)
        self.view_button.setEnabled(row is not None)
        self.terminate_button.setEnabled(row is not None and row.state == "overdue")

    def supply(self) -> None:
        row = selected_row(self.table)
        if row is None or not allowed(self.actor, Perm.SUPPLY_MATERIAL):
            return
        answer = QMessageBox.question(
            self, "登记补交", f"确认客户“{row.customer_name}”已交来：\n{row.item_name}\n（申请 {row.number}）？",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
        if answer != QMessageBox.Yes:
            return
        self.supply_row(row)

    def supply_row(self, row: deferrals.DeferredRow) -> BackgroundTask:
        db, actor = self.db, self.actor
        return background.run(
            self, lambda: deferrals.supply(db, actor, row.material_id),
            lambda result: self.refresh(then=lambda: show_message(self.message, result.message())),
            lambda exc: show_message(self.message, background.problem(exc, "登记补交"), error=True),
            busy="正在登记补交…")

    def terminate(self) -> None:
        row = selected_row(self.table)
        if row is None or row.state != "overdue":
            return
        items = [r.item_name for r in self.model.rows if r.application_id == row.application_id and r.state == "overdue"]
        dialog = TerminateDialog(self.db, self.actor, row, items, self)
        if run_modal(dialog) == QDialog.Accepted and dialog.result_termination:
            message = dialog.result_termination.message()
            self.refresh(then=lambda: show_message(self.message, message))
            self.refresh_blacklist()

    def view_selected(self) -> None:
        progress_view.view_selected(self.table, self.db, self.actor, self)

    # --- blacklist tab --------------------------------------------------------------------------

    def _build_blacklist(self) -> QWidget:
        tab = QWidget(self)
        layout = QVBoxLayout(tab)
        top = QHBoxLayout()
        self.include_removed = QCheckBox("显示已移出的记录(&H)", tab)
        self.include_removed.setAccessibleName("显示已移出的记录")
        top.addWidget(self.include_removed)
        top.addStretch(1)
        layout.addLayout(top)
        self.black_model = RowsTableModel([
            Column("状态", value=lambda r: r.state_label),
            Column("户名", value=lambda r: r.customer_name),
            Column("证件号码", value=lambda r: r.certificate),
            Column("列入原因", value=lambda r: r.reason),
            Column("列入人", value=lambda r: r.added_by),
            Column("列入时间", value=lambda r: r.added_at),
            Column("关联申请", value=lambda r: r.application_number),
            Column("移出原因", value=lambda r: r.removed_reason),
            Column("移出人", value=lambda r: r.removed_by),
            Column("移出时间", value=lambda r: r.removed_at),
        ], parent=self, foreground=lambda r, _c: None if r.active else GREY_FG)
        self.black_table = make_table(self.black_model, "失信名单", tab)
        layout.addWidget(self.black_table, 1)
        self.add_button = command_button("列入失信名单…", tab)
        self.remove_button = command_button("移出失信名单…", tab)
        for b in (self.add_button, self.remove_button):
            b.setVisible(allowed(self.actor, Perm.BLACKLIST))
        buttons, self.black_message = button_row(tab, [self.add_button, self.remove_button])
        layout.addLayout(buttons)
        self.include_removed.toggled.connect(lambda _c: self.refresh_blacklist())
        self.add_button.clicked.connect(self.add_to_blacklist)
        self.remove_button.clicked.connect(self.remove_from_blacklist)
        self.black_table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_black_buttons())
        return tab

    def refresh_blacklist(self, then: Callable[[], None] | None = None) -> BackgroundTask:
        db, actor, include_removed = self.db, self.actor, self.include_removed.isChecked()

        def shown(_rows: list) -> None:
            self._update_black_buttons()
            if then is not None:
                then()

        return load_rows(self, self.black_table, self.black_message,
                         lambda: deferrals.blacklist_entries(db, actor, include_removed=include_removed), shown,
                         busy="正在读取失信名单…")

    def _update_black_buttons(self) -> None:
        row = selected_row(self.black_table)
        self.remove_button.setEnabled(row is not None and row.active)

    def add_to_blacklist(self) -> None:
        dialog = BlacklistAddDialog(self.db, self.actor, self)
        if run_modal(dialog) == QDialog.Accepted:
            self.refresh_blacklist(then=lambda: show_message(self.black_message, "已列入失信名单"))
            self.refresh()

    def remove_from_blacklist(self) -> None:
        row = selected_row(self.black_table)
        if row is None or not row.active:
            return
        dialog = ReasonDialog("移出失信名单", f"将“{row.customer_name}”移出失信名单（列入原因：{row.reason}）", self)
        db, actor = self.db, self.actor
        dialog.save = lambda reason: deferrals.blacklist_remove(db, actor, row.id, reason=reason)
        if run_modal(dialog) == QDialog.Accepted:
            done = f"已将“{row.customer_name}”移出失信名单"
            self.refresh_blacklist(then=lambda: show_message(self.black_message, done))
            self.refresh()
