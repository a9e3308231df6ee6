"""Start of day: the Qt application, the database (upgraded on start), first-start set-up or sign-in,
which window this PC is, a forced password change, then the main window with idle lock and the
account menu (锁定屏幕 / 修改密码 / 退出登录). ``run`` is what ``counter-app`` without a sub-command calls."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QEvent, QLibraryInfo, QLocale, QObject, Qt, QTimer, QTranslator, Signal
from PySide6.QtGui import QAction, QFont, QFontDatabase, QIcon, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QWidget

from counter_app.hall import counter_pcs
from counter_app.hall.hall import DEFAULT_SETTINGS
from counter_app.infra import config
from counter_app.infra.context import Actor, this_pc
from counter_app.infra.db import Database
from counter_app.infra.errors import DatabaseUnavailable, SchemaTooNew, UserError
from counter_app.infra.resources import bundled_fonts, resource_path
from counter_app.infra.schema_upgrade import connect
from counter_app.security import accounts, db_sign_in
from counter_app.security import credentials as users
from counter_app.ui.idle_lock import IdleLock
from counter_app.ui.kit import background, gui_gc
from counter_app.ui.kit.modal import run_modal
from counter_app.ui.login_dialog import LoginDialog, PcSettings
from counter_app.ui.password_dialog import PasswordDialog
from counter_app.ui.setup_dialog import SetupDialog

log = logging.getLogger(__name__)

# the idle lock of a new session until the hall's own setting has been read
DEFAULT_IDLE_MINUTES = int(DEFAULT_SETTINGS["idle_lock_minutes"])

EXIT_OK = 0
EXIT_FAILED = 1

# Fonts that carry Simplified Chinese, best first (Windows, macOS, Linux).
CJK_FAMILIES = [
    "Microsoft YaHei UI", "Microsoft YaHei", "微软雅黑", "PingFang SC", "Noto Sans CJK SC", "Noto Sans SC",
    "Source Han Sans SC", "WenQuanYi Micro Hei", "文泉驿微米黑", "SimSun", "宋体",
]


# --- the application -------------------------------------------------------------------------------


def pick_ui_font_family(available: list[str]) -> str | None:
    present = set(available)
    return next((family for family in CJK_FAMILIES if family in present), None)


def add_bundled_fonts() -> list[str]:
    """The installed package's Chinese font for the screen: a fresh system may have none (boxes).
    Rare characters come from Qt's own fallback over the system's fonts."""
    families: list[str] = []
    for path in bundled_fonts("main"):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.warning("bundled font %s could not be loaded", path)
            continue
        families += QFontDatabase.applicationFontFamilies(font_id)
    return families


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with Chinese standard texts (buttons of message boxes …), a CJK font and the
    style sheet; reuses an existing instance (tests)."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    gui_gc.install(app)  # cycles holding widgets must never be collected on a worker thread
    app.setOrganizationName("counter-app")
    app.setApplicationName("counter-app")
    app.setApplicationDisplayName("业扩报装受理")
    QLocale.setDefault(QLocale(QLocale.Chinese, QLocale.China))
    if not getattr(app, "_counter_translator", None):
        translator = QTranslator(app)
        if translator.load("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.TranslationsPath)):
            app.installTranslator(translator)
            app._counter_translator = translator
        from counter_app.ui.kit.qt_texts import MissingQtTexts

        missing = MissingQtTexts(app)
        app.installTranslator(missing)  # asked first: the texts the catalogue lacks
        app._counter_missing_texts = missing
    icon = resource_path("icons", "counter-app-256.png")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    add_bundled_fonts()
    family = pick_ui_font_family(QFontDatabase.families())
    if family:
        font = QFont(family)
        font.setPointSize(max(app.font().pointSize(), 10))
        app.setFont(font)
    else:
        log.warning("no CJK font found: Chinese text may show as boxes (install fonts-wqy-microhei)")
    qss = resource_path("style.qss")
    if qss.exists():
        app.setStyleSheet(qss.read_text(encoding="utf-8"))
    return app


# --- the database ----------------------------------------------------------------------------------


def open_database_interactive(url: str, parent: QWidget | None = None) -> Database | None:
    """``connect`` with a readable message: a database that is down offers 重试 / 退出."""
    while True:
        try:
            return background.wait(lambda: connect(url), busy="正在打开数据库…", parent=parent)
        except SchemaTooNew as exc:
            QMessageBox.critical(parent, "数据库版本过新", f"{exc}\n\n程序将退出。")
            return None
        except DatabaseUnavailable as exc:
            box = QMessageBox(QMessageBox.Warning, "无法连接数据库",
                              f"{exc}\n\n请确认数据库服务器已开启、网络正常，然后点“重试”。", parent=parent)
            box.setObjectName("databaseDownBox")
            retry = box.addButton("重试", QMessageBox.AcceptRole)
            box.addButton("退出", QMessageBox.RejectRole)
            box.setDefaultButton(retry)
            box.exec()
            if box.clickedButton() is not retry:
                return None
        except UserError as exc:
            QMessageBox.critical(parent, "无法打开数据库", str(exc))
            return None
        except OSError as exc:
            QMessageBox.critical(parent, "无法打开数据库",
                                 f"无法创建或打开数据库文件：{exc.strerror or exc}（{exc.filename or url}）")
            return None


# --- one signed-in session -------------------------------------------------------------------------


def register_pc(db: Database, actor: Actor, hall_code: str = "") -> bool:
    """Record this PC as a counter (window, version, last user) and name its PostgreSQL connections
    after hall, window and host. A failure is logged: being listed is useful, not a reason to keep a
    clerk out."""
    try:
        counter_pcs.on_sign_in(db, actor, hall_code)
    except UserError as exc:
        log.warning("PC not registered: %s", exc)
        return False
    return True


class SignedInSession(QObject):
    """The main window of one signed-in user, its idle lock and account menu. ``ended(logout)`` is
    emitted once: True after 退出登录 (sign in again), False when the window was closed (quit)."""

    ended = Signal(bool)

    def __init__(self, db: Database, actor: Actor, window: QMainWindow, *, idle_minutes: float,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.window = window
        self._over = False
        self.idle = IdleLock(db, actor, int(idle_minutes * 60_000), self)
        self.idle.logoutRequested.connect(self.logout)
        self._add_account_menu()
        window.installEventFilter(self)
        self.idle.start()

    def _add_account_menu(self) -> None:
        bar = self.window.menuBar()
        menu = bar.addMenu("账号")
        help_menu = next((a for a in bar.actions() if a.text() == "帮助"), None)
        if help_menu is not None:  # keep 帮助 last
            bar.insertMenu(help_menu, menu)
        self.lock_action = QAction("锁定屏幕", self.window)
        self.lock_action.setShortcut(QKeySequence("Ctrl+Alt+L"))  # Ctrl+L is a page's "go to search"
        self.lock_action.setShortcutContext(Qt.ApplicationShortcut)
        self.lock_action.triggered.connect(lambda: self.idle.lock_now())
        self.password_action = QAction("修改密码…", self.window)
        self.password_action.triggered.connect(self.change_password)
        self.logout_action = QAction("退出登录", self.window)
        self.logout_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.logout_action.setShortcutContext(Qt.ApplicationShortcut)
        self.logout_action.triggered.connect(self.logout)
        for action in (self.lock_action, self.password_action, self.logout_action):
            menu.addAction(action)
            self.window.addAction(action)
        self.account_menu = menu

    def change_password(self) -> None:
        run_modal(PasswordDialog(self.db, self.actor, parent=self.window))

    def logout(self) -> None:
        """Close the window (it may ask about unsaved input) and offer the sign-in again. Refused
        from the lock screen, the session locks again: nobody gets past the lock without a password."""
        if self._over:
            return
        was_locked = self.idle.is_locked()
        self.idle.stop()
        self._over = True
        if not self.window.close():
            self._over = False
            self.idle.start()
            if was_locked:
                self.idle.lock_now()
            return
        self._finish(logout=True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Close and not self._over:
            QTimer.singleShot(0, self._check_closed)  # the close may still be refused by the window
        return False

    def _check_closed(self) -> None:
        if not self._over and not self.window.isVisible():
            self._over = True
            self.idle.stop()
            self._finish(logout=False)

    def _finish(self, *, logout: bool) -> None:
        """The logout's audit entry off the GUI thread (a server across the network may be slow or
        gone), after the lock's own entry; ``ended`` follows whether or not it could be written."""
        self.window.removeEventFilter(self)
        db, actor, lock_recorded = self.db, self.actor, self.idle.recorded

        def record() -> None:
            lock_recorded.wait(10)  # the trail says lock, then logout
            users.record_session_event(db, actor, "logout")

        def not_recorded(exc: Exception) -> None:
            log.warning("logout not recorded: %s", exc)
            self.ended.emit(logout)

        background.run(self.window, record, lambda _result: self.ended.emit(logout), not_recorded,
                       busy="正在退出登录…")


# --- the start of day ------------------------------------------------------------------------------


class StartupFlow(QObject):
    """Set-up or sign-in, then the main window; after 退出登录 the sign-in comes back.

    With ``target`` (PostgreSQL) there is no database handle before sign-in: the sign-in connects
    as the person and ``db`` is then that person's session until 退出登录 (set-up is the owner's,
    on the server)."""

    def __init__(self, db: Database | None, pc_settings: PcSettings, *, pc: str, window_factory=None,
                 target: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.target = target
        self.pc_settings = pc_settings
        self.pc = pc
        self.window_factory = window_factory or _main_window
        self.session: SignedInSession | None = None
        self.pc_registered: bool | None = None
        self._username = ""

    def ensure_set_up(self) -> bool:
        if self.target is not None:  # the owner's job (counter-app setup): the sign-in says so
            return True
        info = self._start_info()
        if info.set_up:
            return True
        if info.hall_id is not None or info.has_users:
            QMessageBox.critical(None, "数据库未完成设置",
                                 "该数据库已有营业厅或用户，但设置不完整（没有营业厅或没有任何用户）。\n"
                                 "请管理员用 counter-app user add … --role admin 创建管理员，"
                                 "或换用一个空数据库。")
            return False
        dialog = SetupDialog(self.db, pc=self.pc)
        if run_modal(dialog) != SetupDialog.Accepted:
            return False
        self._username = dialog.account.username
        return True

    def sign_in(self) -> Actor | None:
        """Sign-in (and the forced password change) until someone is in or the user gives up."""
        while True:
            if self.target is None:
                info = self._start_info()
            else:
                info = self.pc_settings.remembered_hall(self.target)
            dialog = LoginDialog(self.db, info, self.pc_settings, pc=self.pc, username=self._username,
                                 target=self.target)
            if run_modal(dialog) != LoginDialog.Accepted:
                return None
            self.db = dialog.signed_db
            actor = dialog.actor
            if dialog.user.must_change_password:
                if run_modal(PasswordDialog(self.db, actor, forced=True)) != PasswordDialog.Accepted:
                    self._username = actor.username  # the dialog's 退出登录 recorded the logout
                    self._release()
                    continue
            return actor

    def _start_info(self) -> accounts.StartInfo:
        db = self.db
        return background.wait(lambda: accounts.start_info(db), busy="正在读取营业厅信息…")

    def _release(self) -> None:
        """PostgreSQL: the person's connections end with the person's session, closed off the GUI
        thread (each close says goodbye to the server, across the hall's network)."""
        if self.target is not None and self.db is not None:
            db, self.db = self.db, None
            background.wait(db.dispose, busy="正在退出登录…")

    def open_main(self, actor: Actor) -> QMainWindow:
        """The main window at once, its session (account menu, idle lock at the default time) with
        it; the hall's idle-lock setting and this PC's registration are read and written off the GUI
        thread meanwhile, under the window's busy indicator."""
        window = self.window_factory(self.db, actor)
        self.session = session = SignedInSession(self.db, actor, window, idle_minutes=DEFAULT_IDLE_MINUTES,
                                                 parent=self)
        session.ended.connect(self._on_ended)
        window.show()
        db = self.db

        def start() -> tuple[float, bool]:
            info = accounts.start_info(db)
            return info.idle_lock_minutes, register_pc(db, actor, info.hall_code)

        def started(result: tuple[float, bool]) -> None:
            minutes, self.pc_registered = result
            if self.session is session:
                session.idle.set_timeout(int(minutes * 60_000))

        def not_started(exc: Exception) -> None:  # the default idle lock stays; the pages say what is wrong
            log.warning("start of session not read: %s", exc)
            self.pc_registered = False

        background.run(window, start, started, not_started, busy="正在打开…")
        return window

    def begin(self) -> bool:
        if not self.ensure_set_up():
            return False
        return self.sign_in_and_open()

    def sign_in_and_open(self) -> bool:
        actor = self.sign_in()
        if actor is None:
            return False
        self.open_main(actor)
        return True

    def _on_ended(self, logout: bool) -> None:
        session, self.session = self.session, None
        if session is not None:
            session.window.deleteLater()
            session.deleteLater()
        self._release()
        if logout:
            self._username = ""
            QTimer.singleShot(0, self._again)
        else:
            QApplication.quit()

    def _again(self) -> None:
        if not self.sign_in_and_open():
            QApplication.quit()

    def shutdown(self) -> None:
        if self.session is not None:
            self.session.idle.stop()
        self._release()


def _main_window(db: Database, actor: Actor) -> QMainWindow:
    from counter_app.ui.main_window import MainWindow

    return MainWindow(db, actor)


def run(db_url: str | None = None) -> int:
    """``counter-app`` without a sub-command: the window, until the last user quits."""
    app = make_application()
    app.setQuitOnLastWindowClosed(False)  # between 退出登录 and the next sign-in no window is open
    from counter_app.ui import startup_probe

    startup_probe.install(app)  # only with COUNTER_APP_STARTUP_PROBE set (benchmarks, package test)
    url = config.database_url(db_url)
    if db_sign_in.is_postgres(url):  # each person signs in to the database; nothing to open before
        problem = db_sign_in.counter_url_problem(url)
        if problem:
            QMessageBox.critical(None, "数据库地址不适用于柜台电脑", problem)
            return EXIT_FAILED
        db, target = None, url
    else:
        db, target = open_database_interactive(url), None
        if db is None:
            return EXIT_FAILED
    flow = StartupFlow(db, PcSettings(), pc=this_pc(), target=target)
    try:
        if not flow.begin():
            return EXIT_OK
        return app.exec()
    finally:
        flow.shutdown()
        if db is not None:
            db.dispose()
