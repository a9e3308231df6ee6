"""Sign-in at the start of day, and which window this PC is (chosen once, kept per PC)."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import DatabaseUnavailable, UserError
from counter_app.security import accounts
from counter_app.security import credentials as users
from counter_app.ui.kit.form_widgets import add_field, dialog_buttons, form_error_label, line_edit
from counter_app.ui.kit.widgets import set_invalid

NOT_A_WINDOW = 0  # stored when this PC is not a counter (back office, supervisor's desk)


class PcSettings:
    """Per-PC choices in QSettings (not in the shared database): which window this PC is, per hall,
    so a PC that once pointed at a demo database keeps the right window for the real one."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self.settings = settings or QSettings()

    def _key(self, hall_code: str) -> str:
        return f"counter/{hall_code or 'default'}/window_no"

    def window_no(self, hall_code: str) -> int | None:
        """The stored choice: a window number, NOT_A_WINDOW, or None when never chosen."""
        value = self.settings.value(self._key(hall_code))
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None

    def set_window_no(self, hall_code: str, number: int) -> None:
        self.settings.setValue(self._key(hall_code), int(number))
        self.settings.sync()

    def last_username(self) -> str:
        return str(self.settings.value("login/last_username") or "")

    def set_last_username(self, username: str) -> None:
        self.settings.setValue("login/last_username", username)


class LoginDialog(QDialog):
    """``exec()`` returns Accepted with ``actor`` (and ``user``) set after a successful sign-in."""

    def __init__(self, db: Database, info: accounts.StartInfo, pc_settings: PcSettings, *, pc: str,
                 username: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.info = info
        self.pc_settings = pc_settings
        self.pc = pc
        self.actor: Actor | None = None
        self.user = None
        self.setObjectName("LoginDialog")
        self.setWindowTitle(f"登录 — {info.hall_name}")
        self.setMinimumWidth(420)

        title = QLabel(info.hall_name, self)
        title.setObjectName("dialogTitle")
        subtitle = QLabel("业扩报装受理系统", self)
        subtitle.setObjectName("dialogHint")

        form = QFormLayout()
        self.username = line_edit(self, "username")
        self.username.setText(username or pc_settings.last_username())
        self.username_row = add_field(form, "用户名", self.username, self)
        self.password = line_edit(self, "password", password=True)
        self.password_row = add_field(form, "密码", self.password, self)

        self.window_combo = QComboBox(self)
        self.window_combo.setObjectName("window")
        self.window_combo.setAccessibleName("本机窗口")
        for number, name in info.windows:
            self.window_combo.addItem(name, number)
        self.window_combo.addItem("本机不是受理窗口（后台、班长、管理）", NOT_A_WINDOW)
        self.change_window = QPushButton("更换窗口", self)
        self.change_window.setAccessibleName("更换窗口")
        self.change_window.setAutoDefault(False)
        self.change_window.clicked.connect(self._unlock_window_choice)
        window_line = QHBoxLayout()
        window_line.addWidget(self.window_combo, 1)
        window_line.addWidget(self.change_window)
        form.addRow("本机窗口", window_line)
        self.window_hint = QLabel(self)
        self.window_hint.setObjectName("dialogHint")
        self.window_hint.setWordWrap(True)
        form.addRow("", self.window_hint)
        self._load_window_choice()

        self.message = form_error_label(self)
        buttons, self.login_button, self.quit_button = dialog_buttons(self, "登录", "退出")

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        (self.password if self.username.text() else self.username).setFocus()

    # --- window of this PC ------------------------------------------------------------------------

    def _load_window_choice(self) -> None:
        stored = self.pc_settings.window_no(self.info.hall_code)
        known = {number for number, _ in self.info.windows} | {NOT_A_WINDOW}
        if stored is not None and stored in known:
            self.window_combo.setCurrentIndex(self.window_combo.findData(stored))
            self.window_combo.setEnabled(False)
            self.change_window.show()
            self.window_hint.setText("本机窗口已设置；换到其他窗口使用时点“更换窗口”。")
        else:
            self.window_combo.setEnabled(True)
            self.change_window.hide()
            self.window_hint.setText("首次在本机登录：请选择本机对应的窗口，之后会记住。")

    def _unlock_window_choice(self) -> None:
        self.window_combo.setEnabled(True)
        self.window_combo.setFocus()
        self.change_window.hide()

    def chosen_window_no(self) -> int | None:
        number = int(self.window_combo.currentData())
        return None if number == NOT_A_WINDOW else number

    # --- sign-in ----------------------------------------------------------------------------------

    def _say(self, message: str) -> None:
        self.message.setText(message)
        self.message.setVisible(bool(message))

    def accept(self) -> None:
        self._say("")
        self.username_row.show_error(None)
        self.password_row.show_error(None)
        username = self.username.text().strip()
        if not username:
            self.username_row.show_error("请输入用户名")
            self.username.setFocus()
            return
        if not self.password.text():
            self.password_row.show_error("请输入密码")
            self.password.setFocus()
            return
        window_no = self.chosen_window_no()
        try:
            user = users.sign_in(self.db, username, self.password.text(), pc=self.pc, window_no=window_no)
            actor = accounts.actor_at(self.db, user, window_no=window_no, pc=self.pc)
        except DatabaseUnavailable as exc:
            self._say(f"{exc}\n用户名和密码已保留，请稍后再点“登录”。")
            return
        except UserError as exc:
            self._say(str(exc))
            set_invalid(self.password, True)
            self.password.clear()
            self.password.setFocus()
            return
        if actor.role == "clerk" and actor.window_id is None:
            users.record_session_event(self.db, actor, "logout")
            self._say("受理员须在受理窗口的电脑上登录：请选择本机对应的窗口，或请管理员为您设置默认窗口。")
            self._unlock_window_choice()
            return
        set_invalid(self.password, False)
        self.pc_settings.set_window_no(self.info.hall_code, window_no or NOT_A_WINDOW)
        self.pc_settings.set_last_username(username)
        self.user, self.actor = user, actor
        super().accept()
