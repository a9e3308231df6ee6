"""First start on an empty database: the hall, its windows and the first admin account."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.infra.db import Database
from counter_app.infra.errors import DatabaseUnavailable, UserError
from counter_app.security import accounts
from counter_app.ui.kit.field_errors import ErrorPresenter
from counter_app.ui.kit.form_widgets import add_field, dialog_buttons, form_error_label, line_edit
from counter_app.ui.kit.widgets import FieldRow


class SetupDialog(QDialog):
    """``exec()`` returns Accepted once the hall exists; ``account`` is then the first admin."""

    def __init__(self, db: Database, *, pc: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.pc = pc
        self.account: accounts.Account | None = None
        self.setObjectName("SetupDialog")
        self.setWindowTitle("首次设置 — 营业厅业扩报装受理系统")
        self.setMinimumWidth(560)

        title = QLabel("欢迎使用营业厅业扩报装受理系统", self)
        title.setObjectName("dialogTitle")
        hint = QLabel("这是一个新的数据库。请填写营业厅信息并创建第一个管理员账号；"
                      "其他人员的账号由管理员登录后在“用户管理”中创建。", self)
        hint.setObjectName("dialogHint")
        hint.setWordWrap(True)

        self.rows: dict[str, FieldRow] = {}
        hall_box = QGroupBox("营业厅", self)
        hall_form = QFormLayout(hall_box)
        self.hall_name = self._line(hall_form, "hall_name", "营业厅名称", "如：福州鼓楼供电营业厅")
        self.hall_code = self._line(hall_form, "hall_code", "营业厅编码", "2至12位大写字母或数字，用于申请编号，如 FZGL01")
        self.supervision_phone = self._line(hall_form, "supervision_phone", "监督电话", "如 0591-87654321")
        self.address = self._line(hall_form, "address", "营业厅地址", "")
        self.phone = self._line(hall_form, "phone", "营业厅电话", "选填")
        self.windows = QSpinBox(self)
        self.windows.setRange(1, accounts.MAX_WINDOWS)
        self.windows.setValue(4)
        self.windows.setSuffix(" 个")
        add_field(hall_form, "窗口数量", self.windows, self, self.rows, "windows")

        admin_box = QGroupBox("第一个管理员账号", self)
        admin_form = QFormLayout(admin_box)
        self.admin_username = self._line(admin_form, "admin_username", "用户名", "字母开头，如 admin")
        self.admin_name = self._line(admin_form, "admin_name", "姓名", "")
        self.password = self._line(admin_form, "password", "密码", "至少8位，同时包含字母和数字", password=True)
        self.password_repeat = self._line(admin_form, "password_repeat", "再次输入密码", "", password=True)

        self.general_error = form_error_label(self)
        self.errors = ErrorPresenter(self.rows, self.general_error)
        buttons, self.finish_button, self.quit_button = dialog_buttons(self, "完成设置", "退出")

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addWidget(hall_box)
        layout.addWidget(admin_box)
        layout.addWidget(self.general_error)
        layout.addWidget(buttons)
        self.hall_name.setFocus()

    def _line(self, form: QFormLayout, field: str, label: str, placeholder: str, *,
              password: bool = False) -> QLineEdit:
        edit = line_edit(self, field, placeholder, password=password)
        add_field(form, label, edit, self, self.rows, field)
        return edit

    def values(self) -> dict:
        return dict(
            hall_name=self.hall_name.text().strip(),
            hall_code=self.hall_code.text().strip().upper(),
            supervision_phone=self.supervision_phone.text().strip(),
            address=self.address.text().strip(),
            phone=self.phone.text().strip(),
            windows=self.windows.value(),
            admin_username=self.admin_username.text().strip(),
            admin_name=self.admin_name.text().strip(),
            password=self.password.text(),
            password_repeat=self.password_repeat.text(),
        )

    def accept(self) -> None:
        """Validation happens in the service; errors go to their fields and nothing typed is lost."""
        self.errors.clear()
        try:
            self.account = accounts.first_start(self.db, pc=self.pc, **self.values())
        except DatabaseUnavailable as exc:
            QMessageBox.warning(self, "数据库无法访问", f"{exc}\n\n已填写的内容不会丢失，请稍后再点“完成设置”。")
            return
        except UserError as exc:
            self.errors.show(exc)
            return
        super().accept()
