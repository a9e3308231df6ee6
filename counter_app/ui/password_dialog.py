"""Changing the own password: forced after an initial or reset password, or by choice."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import DatabaseUnavailable, UserError
from counter_app.security import credentials as users
from counter_app.security import db_sign_in
from counter_app.ui.kit import background
from counter_app.ui.kit.field_errors import ErrorPresenter
from counter_app.ui.kit.form_widgets import add_field, dialog_buttons, form_error_label, line_edit
from counter_app.ui.kit.widgets import FieldRow

log = logging.getLogger(__name__)

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

        self.general_error = form_error_label(self)
        self.errors = ErrorPresenter(self.rows, self.general_error)
        buttons, self.ok_button, self.cancel_button = dialog_buttons(self, "确定", "退出登录" if forced else "取消")

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(policy)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(buttons)
        self.old_password.setFocus()

    def _line(self, form: QFormLayout, field: str, label: str) -> QLineEdit:
        edit = line_edit(self, field, password=True)
        add_field(form, label, edit, self, self.rows, field)
        return edit

    def accept(self) -> None:
        """SQLite: checked and stored by the app (argon2); PostgreSQL: the server checks the old
        password and takes a new verifier for the own login. Off the GUI thread either way."""
        if background.busy(self):
            return
        self.errors.clear()
        old, new, repeat = self.old_password.text(), self.new_password.text(), self.repeat_password.text()
        self.ok_button.setEnabled(False)
        background.run(self, lambda: db_sign_in.change_own_password(self.db, self.actor, old, new, repeat),
                       self._changed, self._refused, busy="正在修改密码…")

    def reject(self) -> None:
        """Forced: 退出登录 (or Esc, or closing the box) ends the session, and the trail says so, written
        off the GUI thread; whether or not it could be, the sign-in comes back."""
        if not self.forced:
            super().reject()
            return
        if background.busy(self):
            return
        db, actor = self.db, self.actor

        def not_recorded(exc: Exception) -> None:
            log.warning("logout not recorded: %s", exc)
            QDialog.reject(self)

        background.run(self, lambda: users.record_session_event(db, actor, "logout"),
                       lambda _result: QDialog.reject(self), not_recorded, busy="正在退出登录…")

    def _changed(self, _result) -> None:
        self.ok_button.setEnabled(True)
        super().accept()

    def _refused(self, exc: Exception) -> None:
        self.ok_button.setEnabled(True)
        if isinstance(exc, DatabaseUnavailable):
            QMessageBox.warning(self, "数据库无法访问", str(exc))
        elif isinstance(exc, UserError):
            self.errors.show(exc)
        else:
            raise exc
