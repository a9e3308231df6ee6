"""The customer's side of a clerk's main window: which display shows the customer window, and what it
shows while the clerk works on the acceptance page.

Flow: the clerk types → the customer screen follows (masked lines, ``customer_view``). Ctrl+S saves →
with the hall's ``customer_confirmation`` on, 请核对 shows the stored data; the customer confirms by
touch (or says so and the clerk presses F10) or asks for a correction (the clerk sees the field).
The documents open only after the confirmation. When the documents dialog closes, or the clerk
moves on to the next case, the customer is asked for a rating (好差评); no answer in time is 未评价.

Which display: chosen once per PC (``客户屏设置…``, stored in the PC's settings). By default the
second display when there is one (full screen); with a single display a movable window for
training. Database work runs through ``background``; the window itself never takes the focus."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QScreen
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QWidget

from counter_app.customer import confirmation, ratings
from counter_app.customer import settings as customer_settings
from counter_app.customer import view as customer_view
from counter_app.customer.confirmation import ConfirmationState
from counter_app.customer.view import LINE_LABELS
from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.ui.customer_screen import CustomerWindow
from counter_app.ui.kit import background
from counter_app.ui.kit.widgets import pc_settings

log = logging.getLogger(__name__)

SCREEN_KEY = "customer_screen/screen"  # "" = automatic, "off", or a screen's name
AUTO, OFF = "", "off"
THANKS_MS = 4000
# the acceptance form's field for each line the customer may ask to correct
FORM_FIELD = {
    "holder_name": "holder_name", "cert_number": "cert_number", "business_type": "business_type",
    "address": "address_detail", "contact_name": "contact_name", "contact_mobile": "contact_mobile",
    "contact_phone": "contact_phone", "capacity": "applied_capacity", "supply_voltage": "supply_voltage",
    "agent": "agent_name",
}


def choose_screen(screens: list[QScreen], primary: QScreen | None, wanted: str) -> tuple[QScreen | None, bool]:
    """(screen, full screen) for the customer window: the chosen display, else the first one that is
    not the clerk's; with a single display a window on it (training)."""
    if wanted == OFF or not screens:
        return None, False
    others = [s for s in screens if s is not primary]
    named = next((s for s in screens if s.name() == wanted), None) if wanted else None
    if named is not None:
        return named, named is not primary
    if others:
        return others[0], True
    return primary or screens[0], False


class CustomerSide(QObject):
    def __init__(self, main_window: QMainWindow, db: Database, actor: Actor) -> None:
        super().__init__(main_window)
        self.main = main_window
        self.db, self.actor = db, actor
        # a top-level of its own (not a child of the clerk's window): it lives on another display and
        # the clerk's window's own children (lock cover, dialogs) stay the clerk's; it goes with it
        self.window = CustomerWindow()
        main_window.destroyed.connect(self.window.deleteLater)
        self.window.confirmed.connect(lambda: self.record_confirmation("screen"))
        self.window.correctionRequested.connect(self._correction)
        self.window.rated.connect(self._rated)
        self.window.ratingTimedOut.connect(self._timed_out)
        self.settings: customer_settings.CustomerSideSettings | None = None
        self.system = ratings.create()
        self.page = None
        self.confirm_state: ConfirmationState | None = None
        self.confirmed_ids: set[int] = set()
        self.print_waiting: int | None = None  # documents asked for before the confirmation
        self.awaiting_rating: int | None = None  # saved, rating not asked yet
        self.rating_asked: set[int] = set()
        self.rating_app: int | None = None
        self.rating_requested_at = None
        self.last_result: ratings.RatingResult | None = None
        self._live = QTimer(self)
        self._live.setSingleShot(True)
        self._live.setInterval(120)  # one refresh per burst of typing
        self._live.timeout.connect(self.refresh_live)
        self._back_to_idle = QTimer(self)
        self._back_to_idle.setSingleShot(True)
        self._back_to_idle.timeout.connect(self._after_thanks)
        app = QGuiApplication.instance()
        app.screenAdded.connect(lambda _s: self.place())
        app.screenRemoved.connect(lambda _s: QTimer.singleShot(0, self.place))
        self.load_settings()
        self.place()

    # --- settings and placement -----------------------------------------------------------------

    def load_settings(self) -> None:
        def done(settings: customer_settings.CustomerSideSettings) -> None:
            self.settings = settings
            self.window.set_settings(settings)

        background.run(self.window, lambda: customer_settings.load(self.db, self.actor), done,
                           lambda exc: log.warning("customer screen settings not loaded: %s", exc))

    @staticmethod
    def wanted_screen() -> str:
        return str(pc_settings().value(SCREEN_KEY, AUTO) or AUTO)

    def place(self) -> None:
        screen, full = choose_screen(QGuiApplication.screens(), QGuiApplication.primaryScreen(),
                                     self.wanted_screen())
        if screen is None:
            self.window.hide()
            return
        active = QApplication.activeWindow()
        self.window.setScreen(screen)
        if full:
            self.window.setWindowFlag(Qt.FramelessWindowHint, True)
            self.window.setGeometry(screen.geometry())
            # not showFullScreen(): it activates the window, taking the clerk's keyboard
            self.window.setWindowState(Qt.WindowFullScreen)
        else:  # training on one display: a window the clerk can move aside
            self.window.setWindowFlag(Qt.FramelessWindowHint, False)
            self.window.setWindowState(Qt.WindowNoState)
            area = screen.availableGeometry()
            width, height = min(900, int(area.width() * 0.45)), min(700, int(area.height() * 0.75))
            self.window.setGeometry(area.right() - width - 20, area.top() + 40, width, height)
        self.window.show()
        self.keep_clerk_focus(active)

    def keep_clerk_focus(self, previous: QWidget | None = None) -> None:
        """Platforms that activate every new window (Qt's offscreen one, some window managers) ignore
        WindowDoesNotAcceptFocus: hand the activation straight back to the clerk's window."""
        QApplication.processEvents()
        if QApplication.activeWindow() is self.window or QGuiApplication.focusWindow() is self.window.windowHandle():
            target = previous if previous is not None and previous is not self.window else self.main
            if target.isVisible():
                target.activateWindow()

    @property
    def full_screen(self) -> bool:
        return self.window.isFullScreen()

    # --- the acceptance page --------------------------------------------------------------------

    def attach(self, page: QWidget) -> None:
        if self.page is page:
            return
        self.page = page
        page.formChanged.connect(self._live.start)
        page.saved.connect(self._saved)
        page.print_gate = self.before_print
        page.view.print_button.clicked.connect(self._watch_documents)  # after the page opened them
        action = QAction("客户已口头确认", page)
        action.setShortcut(QKeySequence("F10"))
        action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda: self.record_confirmation("clerk_key"))
        page.addAction(action)
        self.clerk_confirm_action = action
        page.destroyed.connect(self._detached)

    def _detached(self) -> None:
        self.page = None

    def refresh_live(self) -> None:
        """The form as the customer sees it, while it is not saved as shown."""
        page = self.page
        if page is None:
            return
        if self.awaiting_rating is not None and page.application_id != self.awaiting_rating:
            self.request_rating(self.awaiting_rating)  # the clerk moved on (Ctrl+N, another case)
        if self.window.mode in ("rating", "thanks"):
            return
        if page.application_id is not None and not page.is_dirty():
            return  # saved and unchanged: 请核对 / the stored sheet stays
        sheet = customer_view.build(page.collect())
        if sheet.empty and page.application_id is None:
            self.window.show_idle()
        else:
            self.window.show_sheet(sheet)

    def _saved(self, application_id: int) -> None:
        self.confirmed_ids.discard(application_id)
        if application_id not in self.rating_asked:
            self.awaiting_rating = application_id
        self._clear_correction_marks()
        self._load_state(application_id)

    def _load_state(self, application_id: int, then=None) -> None:
        def done(state: ConfirmationState) -> None:
            self.confirm_state = state
            if state.confirmed:
                self.confirmed_ids.add(application_id)
            ask = state.required and not state.confirmed
            if self.window.mode in ("rating", "thanks"):
                if not ask:
                    return
                self._suspend_rating()  # a reopened, changed case: the customer checks it first
            self.window.show_sheet(state.sheet, confirm=ask, changed=state.changed if ask else ())
            if ask:
                changed = "、".join(LINE_LABELS.get(c, c) for c in state.changed)
                self._tell_clerk("info", f"请客户在客户屏核对申请 {state.number} 的信息并点“确认”"
                                         + (f"（已更改：{changed}，客户屏已标出）" if changed else "") +
                                         "；客户口头确认无误的，按 F10 记录。确认后才能打印单据。")
            if then is not None:
                then(state)

        background.run(self.window, lambda: confirmation.state(self.db, self.actor, application_id), done,
                           lambda exc: self._tell_clerk("error", f"无法读取客户核对状态：{exc}"))

    def before_print(self, application_id: int) -> bool:
        """The acceptance page's print gate: documents only after the customer's confirmation."""
        required = self.settings.confirmation_required if self.settings else False
        if not required or application_id in self.confirmed_ids:
            return True
        if self.page is not None and self.page.is_dirty():
            self._tell_clerk("warning", "受理信息已修改但尚未保存：请先按 Ctrl+S 保存，客户核对确认后再打印单据")
            return False
        self.print_waiting = application_id

        def recheck(state: ConfirmationState) -> None:
            if state.printable and self.print_waiting == application_id:
                self.print_waiting = None
                self._open_documents()

        self._load_state(application_id, recheck)
        return False

    def _open_documents(self) -> None:
        if self.page is not None:
            self.page.open_documents()
            self._watch_documents()

    def _watch_documents(self) -> None:
        """Ask for the rating when the documents dialog the page has just opened closes (runs right
        after the page's own handler of the print button, and after our own call)."""
        page = self.page
        if page is None or page.application_id is None:
            return
        application_id = page.application_id
        for dialog in page.findChildren(QDialog):
            if type(dialog).__name__ == "DocumentsDialog" and dialog.isVisible() \
                    and not dialog.property("ratingWatched"):
                dialog.setProperty("ratingWatched", True)
                dialog.finished.connect(lambda _r, a=application_id: self.request_rating(a))

    # --- 请核对 -----------------------------------------------------------------------------------

    def record_confirmation(self, method: str) -> None:
        state = self.confirm_state
        if state is None or self.page is None or self.page.application_id != state.application_id:
            self._tell_clerk("warning", "当前没有等待客户核对的申请（请先保存受理）")
            return
        if self.page.is_dirty():
            self._tell_clerk("warning", "受理信息已修改但尚未保存：请先按 Ctrl+S 保存，再请客户核对")
            return
        app_id = state.application_id

        def done(new: ConfirmationState) -> None:
            self.confirm_state = new
            self.confirmed_ids.add(app_id)
            how = "客户已在客户屏确认" if method == "screen" else "已记录：客户口头确认（受理员按键）"
            self._tell_clerk("success", f"{how}，申请 {new.number} 可以打印单据。")
            if self.window.mode not in ("rating", "thanks"):
                self.window.show_sheet(new.sheet)
                self.window.sheet_title.setText("您已确认，谢谢")
                self.window.sheet_subtitle.setText("受理员正在为您打印单据，请签字确认")
            if self.print_waiting == app_id:
                self.print_waiting = None
                self._open_documents()

        background.run(self.window, lambda: confirmation.record(self.db, self.actor, app_id, "confirmed", method),
                           done, lambda exc: self._tell_clerk("error", f"客户确认未能保存：{exc}，请重试"))

    def _correction(self, code: str) -> None:
        state = self.confirm_state
        if state is None:
            return
        app_id, label = state.application_id, LINE_LABELS.get(code, code)

        def done(_new: ConfirmationState) -> None:
            self.window.show_waiting(f"受理员正在为您更正“{label}”，更正后请重新核对", code)
            self._tell_clerk("warning", f"客户要求更正：{label}。请修改后按 Ctrl+S 保存，客户将重新核对。")
            self._mark_correction(code, label)

        background.run(self.window,
                           lambda: confirmation.record(self.db, self.actor, app_id, "correction", "screen", code),
                           done, lambda exc: self._tell_clerk("error", f"更正要求未能保存：{exc}"))

    def _mark_correction(self, code: str, label: str) -> None:
        page = self.page
        field = FORM_FIELD.get(code)
        row = page.view.rows.get(field) if page is not None and field else None
        if row is None:
            return
        row.show_error(f"客户要求更正“{label}”", warning=True)
        self._marked = row
        row.editor.setFocus(Qt.OtherFocusReason)

    def _clear_correction_marks(self) -> None:
        row = getattr(self, "_marked", None)
        if row is not None:
            try:
                row.show_error(None)
            except RuntimeError:
                pass
            self._marked = None

    # --- 好差评 -----------------------------------------------------------------------------------

    def request_rating(self, application_id: int) -> None:
        if application_id in self.rating_asked:
            return
        if not self.window.isVisible():  # no customer screen on this PC (客户屏设置: 不使用)
            self.rating_asked.add(application_id)
            if self.awaiting_rating == application_id:
                self.awaiting_rating = None
            background.run(self.main, lambda: ratings.is_rated(self.db, self.actor, application_id),
                           lambda rated: None if rated else self.open_clerk_rating(application_id),
                           lambda exc: log.warning("rating not asked: %s", exc))
            return
        self.rating_asked.add(application_id)
        if self.awaiting_rating == application_id:
            self.awaiting_rating = None

        def done(rated: bool) -> None:
            if rated:
                return
            self.rating_app = application_id
            self.rating_requested_at = clock.now()
            timeout = self.settings.rating_timeout_seconds if self.settings else 60
            self.window.show_rating(timeout)
            self._tell_clerk_status("客户屏正在请客户评价本次服务")

        background.run(self.window, lambda: ratings.is_rated(self.db, self.actor, application_id), done,
                           lambda exc: log.warning("rating not asked: %s", exc))

    def open_clerk_rating(self, application_id: int | None = None):
        """代录客户评价/意见 (Ctrl+Shift+Y): the customer's comment while the customer screen asks for the
        rating, or the whole rating on a PC without a customer screen (ui.rating_entry says why)."""
        from counter_app.ui.rating_entry import RatingEntryDialog

        if self.rating_app is not None and self.window.isVisible():
            dialog = RatingEntryDialog(self.db, self.actor, self.rating_app, self._number(self.rating_app),
                                       mode="comment", side=self, parent=self.main)
            self.window.rated.connect(dialog.accept)
            self.window.ratingTimedOut.connect(dialog.accept)
        elif self.window.isVisible():  # the customer rates on the customer screen, not the clerk
            self._tell_clerk("info", "客户屏目前没有在请客户评价：办完单据后客户屏会请客户评价，届时可代录客户口述的意见")
            return None
        else:
            page = self.page
            app_id = application_id or (page.application_id if page is not None else None)
            if app_id is None:
                self._tell_clerk("warning", "当前没有可评价的申请：请先保存受理")
                return None
            dialog = RatingEntryDialog(self.db, self.actor, app_id, self._number(app_id), mode="full",
                                       parent=self.main)
            dialog.finished.connect(lambda _r: self._clerk_rated(dialog.result_rating))
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.open()
        dialog.activateWindow()  # the clerk types at once (the customer window never takes the keyboard)
        dialog.comment.setFocus(Qt.OtherFocusReason)
        self.clerk_rating_dialog = dialog
        return dialog

    def _number(self, application_id: int) -> str:
        page = self.page
        if page is not None and page.application_id == application_id and getattr(page, "number", None):
            return page.number
        return str(application_id)

    def _clerk_rated(self, result: ratings.RatingResult | None) -> None:
        if result is None:
            return
        self.last_result = result
        text = f"已代录客户评价：{result.level_label}"
        if result.follow_up_due:
            text += f"（已生成差评整改单，整改期限 {result.follow_up_due:%Y-%m-%d}，由班长跟进回访）"
        self._tell_clerk_status(text)

    def _suspend_rating(self) -> None:
        """Put a pending rating question aside (asked again later, nothing stored): a confirmation
        the documents wait for comes first."""
        self.window.stop_rating()
        self._back_to_idle.stop()
        if self.rating_app is not None:
            self.rating_asked.discard(self.rating_app)
            self.awaiting_rating = self.rating_app
            self.rating_app = None

    def _rated(self, level: str, reasons: tuple, comment: str) -> None:
        app_id, requested = self.rating_app, self.rating_requested_at
        if app_id is None:
            return
        inp = ratings.RatingInput(level, tuple(reasons), comment, comment_by_clerk=bool(self.window.clerk_comment))
        self._store_rating(lambda: ratings.record(self.db, self.actor, app_id, inp, requested_at=requested,
                                                  system=self.system))

    def _timed_out(self) -> None:
        app_id, requested = self.rating_app, self.rating_requested_at
        if app_id is None:
            return
        self._store_rating(lambda: ratings.record_not_rated(self.db, self.actor, app_id, requested_at=requested))

    def _store_rating(self, work) -> None:
        def done(result: ratings.RatingResult) -> None:
            self.rating_app = None
            self.last_result = result
            text = f"客户评价：{result.level_label}"
            if result.follow_up_due:
                text += f"（已生成差评整改单，整改期限 {result.follow_up_due:%Y-%m-%d}，由班长跟进回访）"
            if result.external_error:
                text += f"；外部评价系统未接收：{result.external_error}（评价已保存）"
            self._tell_clerk_status(text)
            if result.level == ratings.NOT_RATED:
                self._after_thanks()
            else:
                self.window.show_thanks("祝您用电愉快！")
                self._back_to_idle.start(THANKS_MS)

        def failed(exc: Exception) -> None:
            self._tell_clerk("error", f"客户评价未能保存：{exc}", [("重试保存评价", lambda: self._store_rating(work))])

        background.run(self.window, work, done, failed)

    def _after_thanks(self) -> None:
        self.window.show_idle()
        self.refresh_live()

    # --- telling the clerk ----------------------------------------------------------------------

    def _tell_clerk(self, kind: str, text: str, actions=()) -> None:
        if self.page is not None:
            self.page.view.banner.show_message(kind, text, list(actions))

    def _tell_clerk_status(self, text: str) -> None:
        if self.page is not None:
            self.page.view.status.setText(text)
