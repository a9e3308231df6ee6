"""The "单据打印" page: find an application (recent ones at this window, or by number) and open its
documents window to preview, print, reprint or save them."""

from __future__ import annotations

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
from counter_app.infra.errors import UserError
from counter_app.ui.documents_dialog import DocumentsDialog
from counter_app.ui.table_model import ListModel

COLUMNS = ["申请编号", "客户名称", "业务类型", "受理时间", "窗口", "已打印单据"]


class RecentModel(ListModel):
    """Recent applications (``documents.RecentApplication``)."""

    def __init__(self, parent=None) -> None:
        super().__init__(COLUMNS, parent)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        row = self.rows[index.row()]
        values = [row.number, row.customer_name, row.business_name, f"{row.accepted_at:%Y-%m-%d %H:%M}",
                  f"{row.window_no}号" if row.window_no else "", f"{row.printed_docs}份" if row.printed_docs else "未打印"]
        return values[index.column()]


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

        self.model = RecentModel(self)
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
        self.refresh()
        self.number_edit.setFocus()
        self.number_edit.selectAll()

    def refresh(self) -> None:
        self._load("")

    def search(self) -> None:
        self._load(self.number_edit.text())
        if len(self.model.rows) == 1:
            self.table.selectRow(0)
            self.open_selected()

    def _load(self, number_like: str) -> None:
        try:
            rows = documents.recent_applications(self.db, self.actor, number_like=number_like)
        except UserError as exc:
            self.message.setText(str(exc))
            return
        self.model.set_rows(rows)
        if not rows:
            self.message.setText(f"没有找到申请编号含“{number_like.strip()}”的申请" if number_like.strip()
                                 else "近7天没有受理的申请")
        else:
            self.message.setText("")
            self.table.selectRow(0)

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
