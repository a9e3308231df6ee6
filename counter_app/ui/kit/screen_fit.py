"""Windows and dialogs sized to the screen they open on: a counter PC is often 1366×768 with a
Windows taskbar, and a dialog taller than that hides its button row under the taskbar."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

TASKBAR_RESERVE = 48  # where the platform reports no panel (X without a window manager), keep room
TITLE_BAR = 32  # the window manager's frame above the client area


def available_area(widget: QWidget | None = None) -> QRect:
    """The part of the widget's screen (or the primary screen) a window may use."""
    screen = None
    if widget is not None:
        anchor = widget.parentWidget() or widget
        screen = anchor.screen()
    screen = screen or QGuiApplication.primaryScreen()
    area = QRect(screen.availableGeometry())
    if area == screen.geometry():
        area.setHeight(area.height() - TASKBAR_RESERVE)
    return area


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """Resize to the wanted size, shrunk to the usable area, and keep it inside that area."""
    area = available_area(widget)
    w = min(width, area.width() - 16)
    h = min(height, area.height() - TITLE_BAR)
    widget.resize(w, h)


def max_client_size(widget: QWidget | None = None) -> tuple[int, int]:
    area = available_area(widget)
    return area.width(), area.height() - TITLE_BAR
