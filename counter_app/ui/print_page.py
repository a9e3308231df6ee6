"""The "单据打印" page: find an application (recent ones at this window, or by number) and open its
documents window to preview, print, reprint or save them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from counter_app import documents
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.printing.columns import Column
from counter_app.ui.documents_dialog import DocumentsDialog
from counter_app.ui.kit.background import BackgroundTask
from counter_app.ui.kit.list_page import load_rows, opened_just_now
from counter_app.ui.kit.table_model import RowsTableModel
from counter_app.ui.kit.tracking_common import show_message

COLUMNS = (
    Column("申请编号", value=lambda r: r.number),
    Column("客户名称", value=lambda r: r.customer_name),
    Column("业务类型", value=lambda r: r.business_name),
    Column("受理时间", value=lambda r: f"{r.accepted_at:%Y-%m-%d %H:%M}"),
    Column("窗口", value=lambda r: f"{r.window_no}号" if r.window_no else ""),
    Column("已打印单据", value=lambda r: f"{r.printed_docs}份" if r.printed_docs else "未打印"),
)


class DocumentsPage(QWidget):
    """Recent applications of this window and a number search; Enter opens the documents window."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.dialog: DocumentsDialog | None = None
        self.setObjectName("DocumentsPage")

        self.number_edit = QLineEdit(self)
        self.number_edit.setObjectName("numberEdit")
        self.number_edit.setAccessibleName("申请编号")
        self.number_edit.setPlaceholderText("输入申请编号（可输入部分），回车查找")
        self.number_edit.returnPressed.connect(self.search)
        number_label = QLabel("申请编号(&N)：", self)
        number_label.setBuddy(self.number_edit)

        self.model = RowsTableModel(COLUMNS, parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("recentTable")
        self.table.setAccessibleName("近期受理的申请")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        table_label = QLabel("近期受理的申请（双击或回车打开单据）：", self)

        self.message = QLabel(self)
        self.message.setObjectName("messageLabel")
        self.message.setAccessibleName("提示信息")
        self.message.setStyleSheet("color: #b00020;")

        row = QHBoxLayout()
        row.addWidget(number_label)
        row.addWidget(self.number_edit, 1)
        self.actions: dict[str, QAction] = {}
        for key, text, shortcut, slot in [
            ("search", "查找(&S)", "Alt+S", self.search),
            ("open", "打开单据(&O)", "Return", self.open_selected),
            ("refresh", "刷新(&R)", "F5", self.refresh),
        ]:
            action = QAction(text.split("(&")[0], self)
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.actions[key] = action
            if key == "open":
                self.table.addAction(action)  # Enter in the list opens; Enter in the number box searches
            else:
                self.addAction(action)
            button = QPushButton(text, self)
            button.setAccessibleName(text.split("(&")[0])
            button.setAutoDefault(False)
            button.clicked.connect(action.trigger)
            row.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(table_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        self.refresh()

    def activate(self) -> None:
        """Called by the main window's menu/shortcut: refresh and put the cursor in the number box."""
        if not opened_just_now(self):
            self.refresh()
        self.number_edit.setFocus()
        self.number_edit.selectAll()

    def refresh(self) -> BackgroundTask:
        return self._load("")

    def search(self) -> BackgroundTask:
        def opened_when_one(rows: list) -> None:
            if len(rows) == 1:
                self.open_selected()

        return self._load(self.number_edit.text(), then=opened_when_one)

    def _load(self, number_like: str, then: Callable[[list], None] | None = None) -> BackgroundTask:
        """The recent applications (or those whose number contains ``number_like``), read off the GUI thread."""
        db, actor = self.db, self.actor

        def shown(rows: list) -> None:
            if not rows:
                show_message(self.message, f"没有找到申请编号含“{number_like.strip()}”的申请" if number_like.strip()
                             else "近7天没有受理的申请", error=True)
            else:
                self.message.setText("")
            if then is not None:
                then(rows)

        return load_rows(self, self.table, self.message,
                         lambda: documents.recent_applications(db, actor, number_like=number_like), shown,
                         busy="正在查找申请…")

    def open_selected(self) -> DocumentsDialog | None:
        index = self.table.currentIndex()
        if not index.isValid():
            self.message.setText("请先选择一条申请")
            return None
        row = self.model.rows[index.row()]
        self.dialog = DocumentsDialog(self.db, self.actor, row.application_id, self)
        self.dialog.finished.connect(lambda _code: self._load(self.number_edit.text()))
        self.dialog.show()
        return self.dialog
