"""Which keyboard shortcuts are live where, read from the QActions themselves, so the 快捷键 help
(F1) and the reachability test can never disagree with what the keys really do."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractButton, QMainWindow, QWidget

from counter_app.ui.kit.tracking_common import plain

GLOBAL_SCOPE = "全局"

# "（Ctrl+S）", "(Ctrl+Shift+P)", "(F5)" in button texts and tool tips
_ADVERTISED = re.compile(r"[（(]((?:Ctrl|Alt|Shift|Meta)\+[^）)]+|F\d{1,2})[）)]")


@dataclass(frozen=True)
class Shortcut:
    scope: str  # 全局 or the page's title
    name: str  # the action's text without mnemonic
    keys: tuple[str, ...]  # portable text, e.g. ("Ctrl+Shift+P",)
    action: QAction


def _name(action: QAction) -> str:
    return plain(action.text()).rstrip("…").strip() or action.objectName()


def _keys(action: QAction) -> tuple[str, ...]:
    return tuple(k.toString(QKeySequence.PortableText) for k in action.shortcuts() if not k.isEmpty())


def actions_with_keys(widget: QWidget, *, recursive: bool = True) -> list[QAction]:
    """The actions with a shortcut that ``widget`` (and, when recursive, its children) carry."""
    owners: Iterable[QWidget] = [widget]
    if recursive:
        owners = [widget, *widget.findChildren(QWidget)]
    seen: dict[int, QAction] = {}
    for owner in owners:
        for action in QWidget.actions(owner):  # pages may shadow actions() with a dict
            if _keys(action):
                seen.setdefault(id(action), action)
    return list(seen.values())


def window_shortcuts(window: QMainWindow, page: QWidget | None = None, page_title: str = "") -> list[Shortcut]:
    """The window's own actions (menus, account) and, when given, those of the page on screen."""
    result = [Shortcut(GLOBAL_SCOPE, _name(a), _keys(a), a) for a in actions_with_keys(window, recursive=False)]
    if page is not None:
        result += [Shortcut(page_title, _name(a), _keys(a), a) for a in actions_with_keys(page)]
    return result


def ambiguous(shortcuts: Iterable[Shortcut]) -> dict[str, list[str]]:
    """Key → the names of the actions that share it (only keys bound more than once)."""
    by_key: dict[str, list[str]] = {}
    for s in shortcuts:
        for key in s.keys:
            by_key.setdefault(key, []).append(f"{s.scope}：{s.name}")
    return {k: v for k, v in by_key.items() if len(v) > 1}


def has_receiver(action: QAction) -> bool:
    return action.receivers("2triggered(bool)") > 0 or action.receivers("2triggered()") > 0


def advertised_keys(widget: QWidget) -> dict[str, str]:
    """Key → the button that names it in its text or tool tip (a promise an action must keep)."""
    result = {}
    for button in [widget, *widget.findChildren(QAbstractButton)]:
        if not isinstance(button, QAbstractButton):
            continue
        for text in (button.text(), button.toolTip()):
            for match in _ADVERTISED.finditer(text or ""):
                key = QKeySequence(match.group(1)).toString(QKeySequence.PortableText)
                result.setdefault(key, plain(button.text()))
    return result


def context_label(action: QAction) -> str:
    return {Qt.ApplicationShortcut: "任何窗口", Qt.WindowShortcut: "主窗口",
            Qt.WidgetWithChildrenShortcut: "本页面", Qt.WidgetShortcut: "当前控件"}.get(
        action.shortcutContext(), "")
