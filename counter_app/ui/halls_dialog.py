"""营业厅管理 (管理 menu): the halls of this database and, for whoever may, a new hall with its windows.
Reading and adding run off the GUI thread; a refused or wrong entry is said at its field and what was
typed stays."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.hall import many_halls
from counter_app.hall.hall import MAX_WINDOWS
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError
from counter_app.ui.kit import background
from counter_app.ui.kit.field_errors import ErrorPresenter
from counter_app.ui.kit.form_widgets import add_field, form_error_label, line_edit
from counter_app.ui.kit.widgets import FieldRow

HEADERS = ("编码", "名称", "监督电话", "窗口数", "在用账号")


class HallsDialog(QDialog):
    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.setObjectName("HallsDialog")
        self.setWindowTitle("营业厅管理")
        self.setMinimumWidth(640)
        self.table = QTableWidget(0, len(HEADERS), self)
        self.table.setObjectName("hallsTable")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        self.message = QLabel(self)
        self.message.setObjectName("hallsMessage")
        self.message.setWordWrap(True)

        self.rows: dict[str, FieldRow] = {}
        box = QGroupBox("新增营业厅", self)
        form = QFormLayout(box)
        self.code = self._line(form, "code", "营业厅编码", "2至12位大写字母或数字，申请编号的开头，如 FZCS02")
        self.name = self._line(form, "name", "营业厅名称", "如：福州仓山供电营业厅")
        self.supervision_phone = self._line(form, "supervision_phone", "监督电话", "如 0591-87654321")
        self.address = self._line(form, "address", "营业厅地址", "选填")
        self.windows = QSpinBox(self)
        self.windows.setObjectName("windows")
        self.windows.setRange(1, MAX_WINDOWS)
        self.windows.setValue(4)
        self.windows.setSuffix(" 个")
        add_field(form, "窗口数量", self.windows, self, self.rows, "windows")
        self.general_error = form_error_label(self)
        self.errors = ErrorPresenter(self.rows, self.general_error)
        self.add_button = QPushButton("新增营业厅(&A)", self)
        self.add_button.setObjectName("addHallButton")
        self.add_button.clicked.connect(self.add_hall)
        form.addRow(self.general_error)
        form.addRow(self.add_button)
        may_add = many_halls.may_add_halls(db, actor)
        box.setEnabled(may_add)
        if not may_add:
            box.setToolTip(many_halls.NOT_ALLOWED)

        close = QDialogButtonBox(QDialogButtonBox.Close, self)
        close.button(QDialogButtonBox.Close).setText("关闭")
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.message)
        layout.addWidget(box)
        layout.addWidget(close)
        self.refresh()

    def _line(self, form: QFormLayout, field: str, label: str, placeholder: str):
        edit = line_edit(self, field, placeholder)
        add_field(form, label, edit, self, self.rows, field)
        return edit

    def refresh(self) -> None:
        background.run(self, lambda: many_halls.list_halls(self.db, self.actor), self._show,
                       lambda exc: self.message.setText(background.problem(exc, "读取营业厅")))

    def _show(self, rows: list[many_halls.HallRow]) -> None:
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate((row.code, row.name, row.supervision_phone, row.windows, row.staff)):
                self.table.setItem(r, c, QTableWidgetItem(str(value)))
        self.message.setText(f"共 {len(rows)} 个营业厅")

    def add_hall(self) -> None:
        self.errors.clear()
        values = dict(code=self.code.text().strip().upper(), name=self.name.text().strip(),
                      supervision_phone=self.supervision_phone.text().strip(), address=self.address.text().strip(),
                      windows=self.windows.value())

        def added(row: many_halls.HallRow) -> None:
            for edit in (self.code, self.name, self.supervision_phone, self.address):
                edit.clear()
            self.refresh()
            self.message.setText(f"已新增营业厅 {row.code} {row.name}（{row.windows} 个窗口）；"
                                 f"该营业厅的人员：counter-app user add 用户名 --role 角色 --name 姓名 --hall {row.code}")

        def failed(exc: Exception) -> None:
            if isinstance(exc, UserError):
                self.errors.show(exc)
            else:
                self.general_error.setText(background.problem(exc, "新增营业厅"))
                self.general_error.show()

        background.run(self, lambda: many_halls.add_hall(self.db, self.actor, **values), added, failed,
                       busy="正在新增营业厅…")
