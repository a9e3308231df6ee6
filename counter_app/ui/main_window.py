"""The main window: who and where (hall, window, clerk, date), today's figures, and the pages."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QStatusBar,
    QTabWidget,
    QWidget,
)

from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.reporting import overview
from counter_app.security.permissions import ROLES, allowed
from counter_app.ui import pages as page_registry
from counter_app.ui.kit import background
from counter_app.ui.kit.screen_fit import fit_to_screen
from counter_app.ui.menu_dialogs import add_dialog_actions, show_sign_in_notices

log = logging.getLogger(__name__)

MENUS = ["业务", "查询", "台账", "管理"]


class MainWindow(QMainWindow):
    """Pages are created on first show; ``page(key)`` returns (and shows) one."""

    pageShown = Signal(str)

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None,
                 pages: list[page_registry.PageSpec] | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self._specs = [s for s in (pages if pages is not None else page_registry.PAGES) if s.perm is None or allowed(actor, s.perm)]
        self._widgets: dict[str, QWidget] = {}
        self.setObjectName("MainWindow")
        fit_to_screen(self, 1366, 740)
        self.setMinimumSize(1024, 640)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("pages")
        self.tabs.setAccessibleName("功能页面")
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        for spec in self._specs:
            placeholder = QWidget()
            placeholder.setObjectName(f"slot_{spec.key}")
            self.tabs.addTab(placeholder, spec.title)
        self.tabs.currentChanged.connect(self._on_tab)

        self._build_menus()
        self._build_status()
        self.refresh_figures()
        self._timer = QTimer(self)
        self._timer.setInterval(60_000)
        self._timer.timeout.connect(self.refresh_figures)
        self._timer.start()
        if self._specs:
            self._on_tab(0)

        from counter_app.ui import customer_menu  # the customer screen and 客户屏设置

        customer_menu.install(self)

    # --- pages ----------------------------------------------------------------------------------

    def page_keys(self) -> list[str]:
        return [s.key for s in self._specs]

    def page(self, key: str) -> QWidget:
        index = self.page_keys().index(key)
        self.tabs.setCurrentIndex(index)
        return self._ensure(index)

    def _on_tab(self, index: int) -> None:
        if index >= 0:
            self._ensure(index)
            self.pageShown.emit(self._specs[index].key)

    def _ensure(self, index: int) -> QWidget:
        spec = self._specs[index]
        if spec.key not in self._widgets:
            cls = spec.load()
            widget = cls(self.db, self.actor, self)
            widget.setObjectName(f"page_{spec.key}")
            self._widgets[spec.key] = widget
            blocked = self.tabs.blockSignals(True)
            old = self.tabs.widget(index)
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, widget, spec.title)
            self.tabs.setCurrentIndex(index)
            self.tabs.blockSignals(blocked)
            old.deleteLater()
        return self._widgets[spec.key]

    def _build_menus(self) -> None:
        bar = self.menuBar()
        menus = {name: bar.addMenu(f"{name}") for name in MENUS}
        for spec in self._specs:
            action = QAction(spec.title, self)
            if spec.shortcut:
                action.setShortcut(QKeySequence(spec.shortcut))
                action.setShortcutContext(Qt.ApplicationShortcut)
            action.triggered.connect(lambda _=False, key=spec.key: self._activate(key))
            menus.get(spec.menu, menus["业务"]).addAction(action)
            self.addAction(action)
        for menu in menus.values():
            if menu.isEmpty():
                menu.menuAction().setVisible(False)
        help_menu = bar.addMenu("帮助")
        menus["帮助"] = help_menu
        self.dialog_actions = add_dialog_actions(self, menus)
        about = QAction("关于", self)
        about.setObjectName("aboutAction")
        about.triggered.connect(self._about)
        help_menu.addAction(about)
        self.menus = menus

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if not getattr(self, "_focused_once", False):
            self._focused_once = True
            QTimer.singleShot(0, self.focus_start)

    def focus_start(self) -> None:
        """After sign-in the window is in front and the page's first field has the focus, so a
        scanned or read certificate number lands in it instead of being lost."""
        self.activateWindow()
        self.raise_()
        show_sign_in_notices(self)
        page = self.tabs.currentWidget()
        if page is None:
            return
        first = getattr(page, "first_field", None)
        target = first() if callable(first) else next(
            (w for w in page.findChildren(QWidget)
             if w.isVisible() and w.isEnabled() and w.focusPolicy() & Qt.TabFocus), page)
        target.setFocus(Qt.OtherFocusReason)

    def _activate(self, key: str) -> None:
        widget = self.page(key)
        activate = getattr(widget, "activate", None)
        if callable(activate):
            activate()

    def _about(self) -> None:
        from counter_app.version_info import version_text

        # the same text as `counter-app --version`, so IT reads one version wherever it looks
        box = QMessageBox(QMessageBox.Information, "关于",
                          f"营业厅业扩报装受理系统\n\n{version_text()}\n\n数据库：{self.db.url}", parent=self)
        box.setObjectName("aboutBox")
        box.setWindowIcon(self.windowIcon())
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.open()
        self.about_box = box

    # --- status ---------------------------------------------------------------------------------

    def _build_status(self) -> None:
        status = QStatusBar(self)
        self.setStatusBar(status)
        self.who_label = QLabel(self)
        self.who_label.setObjectName("whoLabel")
        self.figures_label = QLabel(self)
        self.figures_label.setObjectName("figuresLabel")
        status.addWidget(self.who_label, 1)
        status.addPermanentWidget(self.figures_label)
        self._show_who("")  # the hall's name comes with the figures

    def _show_who(self, hall_name: str) -> None:
        window = f"{self.actor.window_no}号窗口" if self.actor.window_no else "未指定窗口"
        role = ROLES.get(self.actor.role, self.actor.role)
        day = clock.today()
        today = f"{day.year}年{day.month}月{day.day}日"
        who = f"{window}　{role}：{self.actor.name}　{today}"
        self.who_label.setText(f"{hall_name}　{who}" if hall_name else who)
        self.setWindowTitle(f"业扩报装受理 — {hall_name} {window}" if hall_name else f"业扩报装受理 — {window}")

    def refresh_figures(self) -> background.BackgroundTask | None:
        """Hall, window, clerk, date; today's acceptances and warnings, read off the GUI thread (the
        status bar says so meanwhile; database down: it says that)."""
        if getattr(self, "_figures_task", None) is not None and self._figures_task.running:
            return None  # the minute's timer fired while a slow server still answers the last one
        if not self.figures_label.text():
            self.figures_label.setText("正在读取今日统计…")

        def shown(figures: overview.CounterFigures) -> None:
            self._show_who(figures.hall_name)
            scope = "本窗口" if figures.own_window else ("各厅合计" if figures.halls > 1 else "全厅")
            self.figures_label.setText(
                f"{scope}今日受理 {figures.accepted_today} 件　预警 {figures.yellow} 件　超期 {figures.red} 件"
            )
            self.figures = figures

        def failed(exc: Exception) -> None:
            self.figures_label.setText(f"统计暂不可用：{background.problem(exc, '读取统计')}")

        db, actor = self.db, self.actor
        self._figures_task = background.run(self, lambda: overview.counter_figures(db, actor), shown, failed)
        return self._figures_task
