"""The customer side in the main window: the 客户屏设置 menu entry, and the customer window attached to
the acceptance page for those who accept cases."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMainWindow

from counter_app.security.permissions import Perm, allowed
from counter_app.ui.customer_settings_dialog import CustomerSettingsDialog
from counter_app.ui.customer_side import CustomerSide


def install(main_window: QMainWindow) -> CustomerSide | None:
    """The 客户屏设置 menu entry for those who accept cases (this PC's customer screen) and for those who
    set the hall's customer screen (admins); the customer window for those who accept cases. An
    account with neither (a supervisor, back office, a city supervisor with no window) has nothing
    to set there, so no entry."""
    db, actor = main_window.db, main_window.actor
    side = CustomerSide(main_window, db, actor) if allowed(actor, Perm.ACCEPT) else None
    if side is None and not allowed(actor, Perm.MANAGE_SETTINGS):
        main_window.customer_settings_action = None
        main_window.customer_side = None
        return None
    action = QAction("客户屏设置…", main_window)
    action.setObjectName("customerScreenSettingsAction")
    action.triggered.connect(lambda: open_settings(main_window, side))
    menus = getattr(main_window, "menus", {})
    menu = menus.get("业务") if allowed(actor, Perm.ACCEPT) else menus.get("管理")
    if menu is None:
        menu = main_window.menuBar().addMenu("设置")
    menu.addAction(action)
    menu.menuAction().setVisible(True)
    main_window.customer_settings_action = action
    main_window.customer_side = side
    if side is not None:
        rate = QAction("代录客户评价/意见…", main_window)
        rate.setObjectName("clerkRatingAction")
        rate.setShortcut(QKeySequence("Ctrl+Shift+Y"))
        rate.setShortcutContext(Qt.ApplicationShortcut)
        rate.triggered.connect(lambda: side.open_clerk_rating())
        menu.addAction(rate)
        main_window.addAction(rate)
        main_window.clerk_rating_action = rate
        accept = getattr(main_window, "_widgets", {}).get("accept")
        if accept is not None:
            side.attach(accept)
        main_window.pageShown.connect(
            lambda key: side.attach(main_window._widgets[key]) if key == "accept" else None)
    return side


def open_settings(main_window: QMainWindow, side: CustomerSide | None) -> QDialog:
    dialog = CustomerSettingsDialog(main_window.db, main_window.actor, side, main_window)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.open()
    main_window.customer_settings_dialog = dialog
    return dialog
