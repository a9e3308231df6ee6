"""Lock the screen after an idle time without losing anything on it.

An application-wide event filter notices input; after ``timeout_ms`` without any, every visible window
of the app is covered (personal data must not stay readable at an empty counter) and an
application-modal lock dialog asks for the signed-in user's password. The windows underneath are
neither closed nor recreated, so a half-typed form, an open dialog and the focus are all still there
after unlocking. Wrong passwords count towards the account lock-out like a sign-in."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import DatabaseUnavailable, UserError
from counter_app.security import credentials as users
from counter_app.security import db_sign_in
from counter_app.ui.kit import background

log = logging.getLogger(__name__)

ACTIVITY = {
    QEvent.KeyPress, QEvent.MouseButtonPress, QEvent.MouseButtonDblClick, QEvent.MouseMove, QEvent.Wheel,
    QEvent.TouchBegin, QEvent.InputMethod, QEvent.TabletPress,
}
BLOCKED_WHILE_LOCKED = ACTIVITY | {QEvent.KeyRelease, QEvent.MouseButtonRelease, QEvent.Shortcut}


class LockCover(QWidget):
    """An opaque sheet over one window while the screen is locked."""

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self.setObjectName("lockCover")
        self.setAttribute(Qt.WA_StyledBackground, True)
        self.setAutoFillBackground(True)
        label = QLabel("屏幕已锁定", self)
        label.setObjectName("lockCoverText")
        label.setAlignment(Qt.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        host.installEventFilter(self)
        self.setGeometry(host.rect())
        self.raise_()
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Resize:
            self.setGeometry(self.parentWidget().rect())
            self.raise_()
        return False


class LockDialog(QDialog):
    """Asks the password again; Esc and the close button do not unlock."""

    logoutRequested = Signal()

    def __init__(self, db: Database, actor: Actor, idle_minutes: float | None, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.Dialog | Qt.CustomizeWindowHint | Qt.WindowTitleHint)
        self.db = db
        self.actor = actor
        self.recorded = threading.Event()  # the lock's audit entry is written before any unlock's
        self.recorded.set()
        self.setObjectName("LockDialog")
        self.setWindowTitle("屏幕已锁定")
        self.setWindowModality(Qt.ApplicationModal)
        self.setMinimumWidth(400)
        where = f"{actor.window_no}号窗口　" if actor.window_no else ""
        title = QLabel(f"{where}{actor.name}（{actor.username}）", self)
        title.setObjectName("dialogTitle")
        if idle_minutes is None:
            why = "屏幕已锁定。"
        else:
            idle = f"{idle_minutes:g} 分钟" if idle_minutes >= 1 else "一段时间"
            why = f"已超过{idle}没有操作，屏幕已锁定。"
        hint = QLabel(f"{why}正在填写的内容都已保留，输入本人密码即可继续。", self)
        hint.setObjectName("dialogHint")
        hint.setWordWrap(True)
        self.password = QLineEdit(self)
        self.password.setObjectName("unlockPassword")
        self.password.setEchoMode(QLineEdit.Password)
        self.password.setAccessibleName("密码")
        self.password.setPlaceholderText("密码")
        self.password.returnPressed.connect(self.try_unlock)
        self.message = QLabel(self)
        self.message.setObjectName("formError")
        self.message.setWordWrap(True)
        self.message.hide()
        self.unlock_button = QPushButton("解锁", self)
        self.unlock_button.setAccessibleName("解锁")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.try_unlock)
        self.logout_button = QPushButton("退出登录", self)
        self.logout_button.setAccessibleName("退出登录")
        self.logout_button.setAutoDefault(False)
        self.logout_button.clicked.connect(self.logoutRequested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        buttons.addWidget(self.logout_button)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addWidget(self.password)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

    def try_unlock(self) -> None:
        """The password is checked off the GUI thread: by the app on SQLite, by the database itself
        (a fresh connection as the signed-in login) on PostgreSQL."""
        if background.busy(self):
            return
        if not self.password.text():
            self._say("请输入密码")
            return
        password = self.password.text()
        self.unlock_button.setEnabled(False)
        recorded = self.recorded

        def unlock() -> None:
            recorded.wait(30)
            db_sign_in.unlock_screen(self.db, self.actor, password)

        background.run(self, unlock, self._unlocked, self._refused, busy="正在核对密码…")

    def _unlocked(self, _result) -> None:
        self.unlock_button.setEnabled(True)
        self.password.clear()
        self.done(QDialog.Accepted)

    def _refused(self, exc: Exception) -> None:
        self.unlock_button.setEnabled(True)
        if isinstance(exc, DatabaseUnavailable):
            self._say(f"暂时无法验证密码：{exc}")
        elif isinstance(exc, UserError):
            self.password.clear()
            self._say(str(exc) + ("；也可以“退出登录”换人登录（未保存的内容将丢失）" if "锁定" in str(exc) else ""))
        else:
            raise exc

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.password.setFocus()

    def reject(self) -> None:  # Esc: stay locked
        self.password.setFocus()

    def closeEvent(self, event) -> None:
        event.ignore()


class IdleLock(QObject):
    """Installed once per signed-in session; ``timeout_ms`` <= 0 disables the idle timer
    (``lock_now`` still works, e.g. from the 锁定屏幕 action)."""

    locked = Signal()
    unlocked = Signal()
    logoutRequested = Signal()

    def __init__(self, db: Database, actor: Actor, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.timeout_ms = int(timeout_ms)
        self.dialog: LockDialog | None = None
        self._covers: list[LockCover] = []
        self._focus: QWidget | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._lock_idle)
        self._running = False
        self.recorded = threading.Event()  # set once the last lock's audit entry is written (or failed)
        self.recorded.set()

    # --- life cycle -------------------------------------------------------------------------------

    def start(self) -> None:
        QApplication.instance().installEventFilter(self)
        self._running = True
        self._restart()

    def stop(self) -> None:
        """End of the session: no more locking; an open lock dialog goes away without unlocking."""
        self._running = False
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._remove_covers()
        if self.dialog is not None:
            dialog, self.dialog = self.dialog, None
            dialog.hide()
            dialog.deleteLater()

    def set_timeout(self, timeout_ms: int) -> None:
        """The hall's own setting, once read (the session starts with the default meanwhile)."""
        self.timeout_ms = int(timeout_ms)
        self._timer.stop()
        self._restart()

    def is_locked(self) -> bool:
        return self.dialog is not None

    def _restart(self) -> None:
        if self._running and self.timeout_ms > 0 and not self.is_locked():
            self._timer.start(self.timeout_ms)

    # --- locking ----------------------------------------------------------------------------------

    def _lock_idle(self) -> None:
        self.lock_now(idle=True)

    def lock_now(self, idle: bool = False) -> None:
        """Lock at once (the 锁定屏幕 action) or, from the timer, because nobody touched anything."""
        if self.is_locked() or not self._running:
            return
        self._timer.stop()
        self._focus = QApplication.focusWidget()
        popup = QApplication.activePopupWidget()
        if popup is not None:  # an open combo list or menu would sit above the cover
            popup.close()
        self._covers = [LockCover(w) for w in QApplication.topLevelWidgets()
                        if w.isVisible() and not isinstance(w, (LockDialog, LockCover)) and not w.isHidden()
                        and w.windowType() not in (Qt.Popup, Qt.ToolTip)]
        minutes = self.timeout_ms / 60000 if idle else None
        self.dialog = LockDialog(self.db, self.actor, minutes)
        self._record_lock(self.dialog, "idle" if idle else "manual")
        self.dialog.finished.connect(self._on_unlocked)
        self.dialog.logoutRequested.connect(self.logoutRequested)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        self.dialog.password.setFocus()
        self.locked.emit()

    def _record_lock(self, dialog: LockDialog, detail: str) -> None:
        """The lock's audit entry, off the GUI thread; the screen locks even when it cannot be written."""
        db, actor, recorded = self.db, self.actor, threading.Event()
        dialog.recorded = self.recorded = recorded

        def record() -> None:
            try:
                users.record_session_event(db, actor, "lock", detail=detail)
            finally:
                recorded.set()

        background.run(dialog, record, lambda _result: None, lambda exc: log.warning("lock not recorded: %s", exc))

    def _on_unlocked(self, _result: int) -> None:
        if self.dialog is None:
            return
        dialog, self.dialog = self.dialog, None
        dialog.deleteLater()
        self._remove_covers()
        if self._focus is not None:
            try:
                self._focus.window().activateWindow()
                self._focus.setFocus()
            except RuntimeError:  # the widget went away meanwhile
                pass
        self._focus = None
        self._restart()
        self.unlocked.emit()

    def _remove_covers(self) -> None:
        for cover in self._covers:
            try:
                cover.hide()
                cover.deleteLater()
            except RuntimeError:
                pass
        self._covers = []

    # --- activity ---------------------------------------------------------------------------------

    def _inside_dialog(self, obj: QObject) -> bool:
        dialog = self.dialog
        if dialog is None:
            return False
        return isinstance(obj, QWidget) and (obj is dialog or dialog.isAncestorOf(obj))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if self.is_locked():
            if kind == QEvent.ShortcutOverride:
                event.accept()  # no shortcut of the windows underneath fires while locked
                return not self._inside_dialog(watched)
            if kind in BLOCKED_WHILE_LOCKED and isinstance(watched, QWidget) and not self._inside_dialog(watched):
                return True
            return False
        if kind in ACTIVITY:
            self._restart()
        return False
