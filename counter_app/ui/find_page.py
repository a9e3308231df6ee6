"""查询: “where is my application?” — one search box for application number, certificate number,
phone or name; the results with stage, due dates and handler; the chosen application in full;
editing while it is still at 受理 (in the acceptance page)."""

from __future__ import annotations

import html

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.printing.columns import Column
from counter_app.security.permissions import Perm, allowed
from counter_app.tracking import application_search
from counter_app.ui import background
from counter_app.ui.screen_fit import fit_to_screen
from counter_app.ui.table_model import RowsTableModel
from counter_app.ui.widgets import ERROR_STYLE, named

COLUMNS = (
    Column("申请编号", value=lambda r: r.number),
    Column("客户名称", value=lambda r: r.customer_name + ("（绿色通道）" if r.green_channel else "")),
    Column("证件号码", value=lambda r: r.cert_number),
    Column("业务类型", value=lambda r: r.business_name),
    Column("受理时间", value=lambda r: f"{r.accepted_at:%Y-%m-%d %H:%M}"),
    Column("当前环节", value=lambda r: r.stage_name),
    Column("环节时限", value=lambda r: f"{r.stage_due_date:%Y-%m-%d}" if r.stage_due_date else ""),
    Column("办结时限", value=lambda r: (f"{r.due_date:%Y-%m-%d}" if r.due_date else "")
           + ("（预估）" if r.due_estimated else "")),
    Column("处理人", value=lambda r: r.handler),
    Column("状态", value=lambda r: r.status_label),
    Column("联系电话", value=lambda r: r.mobile),
    Column("窗口", value=lambda r: f"{r.window_no}号" if r.window_no else ""),
)
OVERDUE = QColor("#b3261e")


class FindPage(QWidget):
    editRequested = Signal(int)

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.detail_data: application_search.Detail | None = None
        self.busy = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)

        top = QHBoxLayout()
        label = QLabel("查询内容", self)
        self.query = named(QLineEdit(self), "查询内容", "query")
        self.query.setPlaceholderText(
            "申请编号或当天编号后4位 / 证件号码或后6位 / 电话 / 客户名称 / 姓名+电话后4位（如“张三 5678”）")
        self.query.setMaxLength(60)
        label.setBuddy(self.query)
        self.search_button = named(QPushButton("查询", self), "查询", "searchButton")
        top.addWidget(label)
        top.addWidget(self.query, 1)
        top.addWidget(self.search_button)
        layout.addLayout(top)
        self.message = QLabel("", self)
        self.message.setObjectName("findMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)

        splitter = QSplitter(Qt.Vertical, self)
        self.model = RowsTableModel(
            COLUMNS, parent=self, foreground=lambda r, _c: OVERDUE if r.overdue else None,
            tooltip=lambda r: "已超过环节时限" if r.overdue else None)
        self.table = QTableView(splitter)
        self.table.setObjectName("results")
        self.table.setAccessibleName("查询结果")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.table.doubleClicked.connect(lambda _i: self.edit())
        self.detail = QTextBrowser(splitter)
        self.detail.setObjectName("detail")
        self.detail.setAccessibleName("申请详情")
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout.addWidget(splitter, 1)

        bar = QHBoxLayout()
        bar.addStretch(1)
        self.edit_button = named(QPushButton("修改（受理环节）", self), "修改（受理环节）", "editButton")
        self.print_button = named(QPushButton("打印单据", self), "打印单据", "findPrintButton")
        bar.addWidget(self.edit_button)
        bar.addWidget(self.print_button)
        layout.addLayout(bar)
        self.edit_button.setEnabled(False)
        self.print_button.setEnabled(False)

        self.query.returnPressed.connect(self.search)
        self.search_button.clicked.connect(self.search)
        self.edit_button.clicked.connect(self.edit)
        self.print_button.clicked.connect(self.print_documents)
        edit_action = QAction("修改申请", self)
        edit_action.setShortcut(QKeySequence("Ctrl+E"))
        edit_action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        edit_action.triggered.connect(self.edit)
        self.addAction(edit_action)

    def first_field(self) -> QWidget:
        return self.query

    def activate(self) -> None:
        self.query.setFocus(Qt.ShortcutFocusReason)
        self.query.selectAll()

    # --- search ---------------------------------------------------------------------------------

    def search(self) -> None:
        if self.busy:
            return
        text = self.query.text()
        self.busy = True
        self.message.setStyleSheet("")
        self.message.setText("正在查询…")

        def done(result: application_search.SearchResult) -> None:
            self.busy = False
            self.model.set_rows(result.rows)
            self.message.setText(result.message())
            if result.rows:
                self.table.selectRow(0)
                self.table.setFocus(Qt.OtherFocusReason)
            else:
                self.detail.clear()
                self._set_buttons(None)

        def failed(exc: BaseException) -> None:
            self.busy = False
            self.message.setStyleSheet(ERROR_STYLE)
            self.message.setText(f"查询未成功：{exc}")

        background.run(
            self, lambda: application_search.search(self.db, self.actor, text), done, failed
        )

    def current(self) -> application_search.Found | None:
        index = self.table.currentIndex()
        return (
            self.model.rows[index.row()] if index.isValid() and index.row() < len(self.model.rows) else None
        )

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.current()
        self._set_buttons(row)
        if row is None:
            return
        app_id = row.application_id

        def done(detail: application_search.Detail) -> None:
            if self.current() is not None and self.current().application_id == app_id:
                self.detail_data = detail
                self.detail.setHtml(render_detail(detail))

        background.run(
            self,
            lambda: application_search.detail(self.db, self.actor, app_id),
            done,
            lambda exc: self.detail.setPlainText(f"无法读取申请详情：{exc}"),
        )

    def _set_buttons(self, row: application_search.Found | None) -> None:
        self.edit_button.setEnabled(bool(row and row.editable and allowed(self.actor, Perm.ACCEPT)))
        self.print_button.setEnabled(bool(row and allowed(self.actor, Perm.PRINT)))

    # --- actions --------------------------------------------------------------------------------

    def edit(self) -> None:
        row = self.current()
        if row is None or not self.edit_button.isEnabled():
            if row is not None:
                self.message.setText(
                    f"申请 {row.number} 当前在“{row.stage_name}”环节，只有受理环节的申请可以修改"
                )
            return
        self.editRequested.emit(row.application_id)
        window = self.window()
        if hasattr(window, "page") and "accept" in getattr(window, "page_keys", lambda: [])():
            window.page("accept").edit_application(row.application_id)
            return
        from counter_app.ui.acceptance_page import AcceptancePage

        dialog = QDialog(self)
        dialog.setWindowTitle(f"修改申请 {row.number}")
        page = AcceptancePage(self.db, self.actor, dialog)
        QVBoxLayout(dialog).addWidget(page)
        fit_to_screen(dialog, 1300, 720)
        page.saved.connect(lambda _id: self.search())
        page.edit_application(row.application_id)
        self.edit_dialog = dialog
        dialog.open()

    def print_documents(self) -> None:
        row = self.current()
        if row is None:
            return
        from counter_app.ui.documents_dialog import DocumentsDialog  # on first use: the page opens fast

        DocumentsDialog(self.db, self.actor, row.application_id, self).open()


def render_detail(d: application_search.Detail) -> str:
    e = html.escape
    parts = [f"<h3>{e(d.number)}　{e(d.stage_name)}</h3>", "<table cellspacing='0' cellpadding='3'>"]
    pairs = list(d.fields)
    for i in range(0, len(pairs), 2):
        cells = "".join(
            f"<td style='color:#555'>{e(k)}</td><td><b>{e(v)}</b></td>" for k, v in pairs[i : i + 2]
        )
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</table>")
    if d.materials:
        parts.append("<h4>资料</h4><table cellspacing='0' cellpadding='3'>")
        for name, state, note in d.materials:
            parts.append(f"<tr><td>{e(name)}</td><td><b>{e(state)}</b></td><td>{e(note)}</td></tr>")
        parts.append("</table>")
    if d.commitments:
        parts.append("<h4>承诺书</h4>" + "<br>".join(e(c) for c in d.commitments))
    if d.appointment:
        parts.append(f"<h4>勘查预约</h4>{e(d.appointment)}")
    if d.history:
        parts.append(
            "<h4>办理过程</h4><table cellspacing='0' cellpadding='3'>"
            "<tr><th>环节</th><th>动作</th><th>开始</th><th>结束</th><th>处理人</th></tr>"
        )
        for row in d.history:
            parts.append("<tr>" + "".join(f"<td>{e(x)}</td>" for x in row) + "</tr>")
        parts.append("</table>")
    return "".join(parts)
