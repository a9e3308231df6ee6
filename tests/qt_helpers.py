"""Typing into Qt widgets from tests.

``qtbot.keyClicks(widget, "张三")`` aborts the process (Qt asserts on non-ASCII keys), so Chinese
text is sent as QKeyEvents carrying the text with Qt.Key_unknown, the way an input method commits it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget


def type_text(widget: QWidget, text: str) -> int:
    """Type ``text`` into ``widget`` character by character; returns the number of key presses."""
    widget.setFocus()
    for char in text:
        if char.isascii() and char.isprintable():
            key = Qt.Key(ord(char.upper())) if char.isalnum() else Qt.Key_unknown
        else:
            key = Qt.Key_unknown
        for kind in (QEvent.KeyPress, QEvent.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.NoModifier, char))
    return len(text)


def press(widget: QWidget, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.NoModifier) -> None:
    for kind in (QEvent.KeyPress, QEvent.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, key, modifier))
