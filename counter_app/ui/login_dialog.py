"""Sign-in at the start of day, and which window this PC is (chosen once, kept per PC).

SQLite: the app checks the password (credentials). PostgreSQL: the dialog connects to the database
as the person (``db_sign_in``); until then the PC holds no credential at all, so the hall's name and
windows shown before the first sign-in come from this PC's own memory of the last one. The check
runs off the GUI thread either way (a server across the network)."""

from __future__ import annotations

import json
from dataclasses import dataclass

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
from counter_app.security import accounts, db_sign_in
from counter_app.security import credentials as users
from counter_app.ui.kit import background
from counter_app.ui.kit.form_widgets import add_field, dialog_buttons, form_error_label, line_edit
from counter_app.ui.kit.widgets import set_invalid

NOT_A_WINDOW = 0  # stored when this PC is not a counter (back office, supervisor's desk)
NOT_SET_UP = ("该数据库还没有完成首次设置：请数据库所有者在服务器上用命令行完成"
              "（counter-app db upgrade、counter-app setup，见说明书“新营业厅（PostgreSQL）”）。")
CLERK_NEEDS_WINDOW = "受理员须在受理窗口的电脑上登录：请选择本机对应的窗口，或请管理员为您设置默认窗口。"


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

    # PostgreSQL: nothing can be read before someone signs in, so the PC remembers what the hall
    # looked like at the last sign-in (hall name, code and windows: no personal data)
    def _hall_key(self, target: str) -> str:
        return "hall/" + target.replace("/", "|")

    def remembered_hall(self, target: str) -> accounts.StartInfo:
        try:
            saved = json.loads(str(self.settings.value(self._hall_key(target)) or "{}"))
        except ValueError:
            saved = {}
        windows = [(int(n), str(name)) for n, name in saved.get("windows", [])]
        return accounts.StartInfo(True, None, str(saved.get("code", "")), str(saved.get("name", "营业厅")),
                                  windows, int(saved.get("idle", 0)), True)

    def remember_hall(self, target: str, info: accounts.StartInfo) -> None:
        self.settings.setValue(self._hall_key(target), json.dumps(
            {"code": info.hall_code, "name": info.hall_name, "windows": info.windows, "idle": info.idle_lock_minutes},
            ensure_ascii=False))


@dataclass
class _Outcome:
    """What the background sign-in found: ``ok``, ``no_window`` (a clerk at no window) or
    ``choose_window`` (first sign-in on this PC against PostgreSQL: the windows are known now)."""

    kind: str
    db: Database | None = None
    user: object = None
    actor: Actor | None = None
    info: accounts.StartInfo | None = None


class LoginDialog(QDialog):
    """``exec()`` returns Accepted with ``actor`` (and ``user``) set after a successful sign-in."""

    def __init__(self, db: Database | None, info: accounts.StartInfo, pc_settings: PcSettings, *, pc: str,
                 username: str = "", target: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.target = target  # PostgreSQL: the URL (host, port, database) to sign in to as the person
        self.signed_db: Database | None = None  # the session of the app after Accepted
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
        self._fill_windows()
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
        if target is not None:
            where = QLabel(f"数据库：{db_sign_in.where(target)}。请用本人的账号和密码登录；"
                           "新营业厅须先由数据库所有者在服务器上用命令行完成设置。", self)
            where.setObjectName("dialogHint")
            where.setWordWrap(True)
            layout.addWidget(where)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        (self.password if self.username.text() else self.username).setFocus()

    # --- window of this PC ------------------------------------------------------------------------

    def _fill_windows(self) -> None:
        self.window_combo.clear()
        for number, name in self.info.windows:
            self.window_combo.addItem(name, number)
        self.window_combo.addItem("本机不是受理窗口（后台、班长、管理）", NOT_A_WINDOW)

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
            self.window_hint.setText("首次在本机登录：请选择本机对应的窗口，之后会记住。" if self.info.windows else
                                     "首次在本机登录：点“登录”核对账号和密码后，再选择本机对应的窗口。")

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
        if background.busy(self):
            return
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
        window_no, password = self.chosen_window_no(), self.password.text()
        settled = self.pc_settings.window_no(self.info.hall_code) is not None or self.window_combo.count() > 1
        self.login_button.setEnabled(False)
        if self.target is None:
            op = lambda: _sign_in_sqlite(self.db, username, password, window_no, self.pc)  # noqa: E731
        else:
            op = lambda: _sign_in_postgres(self.target, username, password, window_no, self.pc, settled)  # noqa: E731
        background.run(self, op, lambda outcome: self._signed_in(username, window_no, outcome), self._refused,
                       busy="正在登录…")

    def _refused(self, exc: Exception) -> None:
        self.login_button.setEnabled(True)
        if isinstance(exc, DatabaseUnavailable):
            self._say(f"{exc}\n用户名和密码已保留，请稍后再点“登录”。")
            return
        if not isinstance(exc, UserError):
            raise exc
        self._say(str(exc))
        set_invalid(self.password, True)
        self.password.clear()
        self.password.setFocus()

    def _signed_in(self, username: str, window_no: int | None, outcome: _Outcome) -> None:
        self.login_button.setEnabled(True)
        if outcome.info is not None and self.target is not None:
            self.pc_settings.remember_hall(self.target, outcome.info)
            self.info = outcome.info
        if outcome.kind == "no_window":
            self._say(CLERK_NEEDS_WINDOW)
            self._unlock_window_choice()
            return
        if outcome.kind == "choose_window":
            self._fill_windows()
            self._load_window_choice()
            self._say("已核对账号和密码。首次在本机登录：请选择本机对应的窗口，然后再点“登录”。")
            self.window_combo.setFocus()
            return
        set_invalid(self.password, False)
        self.pc_settings.set_window_no(self.info.hall_code, window_no or NOT_A_WINDOW)
        self.pc_settings.set_last_username(username)
        self.user, self.actor, self.signed_db = outcome.user, outcome.actor, outcome.db
        super().accept()


# --- the work itself (off the GUI thread) ----------------------------------------------------------


def _sign_in_sqlite(db: Database, username: str, password: str, window_no: int | None, pc: str) -> _Outcome:
    user = users.sign_in(db, username, password, pc=pc, window_no=window_no)
    actor = accounts.actor_at(db, user, window_no=window_no, pc=pc)
    if actor.role == "clerk" and actor.window_id is None:
        users.record_session_event(db, actor, "logout")
        return _Outcome("no_window")
    return _Outcome("ok", db, user, actor)


def _sign_in_postgres(target: str, username: str, password: str, window_no: int | None, pc: str,
                      settled: bool) -> _Outcome:
    signed = db_sign_in.sign_in(target, username, password, pc=pc, window_no=window_no)
    try:
        info = accounts.start_info(signed.db)
        if info.hall_id is None:
            raise UserError(NOT_SET_UP)
        if not settled:  # nothing was known about this hall's windows on this PC
            users.record_session_event(signed.db, signed.actor, "logout")
            signed.db.dispose()
            return _Outcome("choose_window", info=info)
        if signed.actor.role == "clerk" and signed.actor.window_id is None:
            users.record_session_event(signed.db, signed.actor, "logout")
            signed.db.dispose()
            return _Outcome("no_window", info=info)
    except BaseException:
        signed.db.dispose()
        raise
    return _Outcome("ok", signed.db, signed.user, signed.actor, info)
