"""Changing the own password: forced after an initial or reset password, or by choice."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from counter_app import accounts, users
from counter_app.context import Actor
from counter_app.db import Database
from counter_app.errors import DatabaseUnavailable, UserError
from counter_app.ui.field_errors import ErrorPresenter, FieldRow

POLICY_TEXT = (f"新密码至少{users.MIN_PASSWORD_LENGTH}位，须同时包含字母和数字，不能包含用户名，"
               "且不能与原密码相同。")


class PasswordDialog(QDialog):
    def __init__(self, db: Database, actor: Actor, *, forced: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.forced = forced
        self.setObjectName("PasswordDialog")
        self.setWindowTitle("修改初始密码" if forced else "修改密码")
        self.setMinimumWidth(440)

        intro = QLabel(
            f"{actor.name}，您正在使用管理员设置的初始密码或临时密码，请先设置自己的密码再开始办理业务。"
            if forced else f"{actor.name}（{actor.username}），请输入原密码和新密码。", self)
        intro.setWordWrap(True)
        policy = QLabel(POLICY_TEXT, self)
        policy.setObjectName("dialogHint")
        policy.setWordWrap(True)

        form = QFormLayout()
        self.rows: dict[str, FieldRow] = {}
        self.old_password = self._line(form, "old_password", "原密码")
        self.new_password = self._line(form, "new_password", "新密码")
        self.repeat_password = self._line(form, "repeat_password", "再次输入新密码")

        self.general_error = QLabel(self)
        self.general_error.setObjectName("formError")
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        self.errors = ErrorPresenter(self.rows, self.general_error)

        buttons = QDialogButtonBox(self)
        self.ok_button = buttons.addButton("确定", QDialogButtonBox.AcceptRole)
        self.ok_button.setAccessibleName("确定")
        self.ok_button.setDefault(True)
        cancel_text = "退出登录" if forced else "取消"
        self.cancel_button = buttons.addButton(cancel_text, QDialogButtonBox.RejectRole)
        self.cancel_button.setAccessibleName(cancel_text)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(policy)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(buttons)
        self.old_password.setFocus()

    def _line(self, form: QFormLayout, field: str, label: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(field)
        edit.setEchoMode(QLineEdit.Password)
        row = FieldRow(edit, label, self)
        self.rows[field] = row
        form.addRow(label, row)
        return edit

    def accept(self) -> None:
        self.errors.clear()
        try:
            accounts.change_own_password(self.db, self.actor, self.old_password.text(), self.new_password.text(),
                                         self.repeat_password.text())
        except DatabaseUnavailable as exc:
            QMessageBox.warning(self, "数据库无法访问", str(exc))
            return
        except UserError as exc:
            self.errors.show(exc)
            return
        super().accept()
