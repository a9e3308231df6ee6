"""A dialog that asks for a reason (移出失信名单, handing over a never-printed case, 红黄牌 appeals …)
and the small pieces the reason dialogs of the pages share."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from counter_app.infra.errors import UserError
from counter_app.ui.kit import background
from counter_app.ui.kit.form_widgets import dialog_buttons
from counter_app.ui.kit.tracking_common import RED_FG, buddy_label, show_message, status_label


def dialog_buttons_ok(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    """确定-like button named ``ok_text`` (kept as ``dialog.ok_button``) and 取消."""
    box, dialog.ok_button, _cancel = dialog_buttons(dialog, ok_text, "取消")
    return box


def reason_edit(parent: QWidget, name: str) -> QPlainTextEdit:
    """A few lines for a reason; Tab leaves it (a reason has no tabs)."""
    edit = QPlainTextEdit(parent)
    edit.setObjectName(name)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(64)
    return edit


def mark_field(message: QLabel, widget: QWidget | None, text: str) -> None:
    """The message in red, the field (if any) framed red and focused."""
    show_message(message, text, error=True)
    if widget is not None:
        widget.setStyleSheet(f"border: 1px solid {RED_FG.name()};")
        widget.setFocus()


class ReasonDialog(QDialog):
    """A reason is required (移出失信名单, handing over a never-printed case, 红黄牌 appeals …)."""

    def __init__(self, title: str, prompt: str, parent: QWidget | None = None, *,
                 label: str = "移出原因(&R)：") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        self.info = QLabel(prompt, self)
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        form = QFormLayout()
        self.reason = reason_edit(self, "removed_reason")
        form.addRow(buddy_label(label, self.reason, self), self.reason)
        layout.addLayout(form)
        self.message = status_label(self)
        layout.addWidget(self.message)
        layout.addWidget(dialog_buttons_ok(self, "确定"))
        self.check: Callable[[str], object] | None = None  # raises UserError; no database, runs at once
        self.save: Callable[[str], object] | None = None  # raises UserError; database work, off the GUI thread

    def accept(self) -> None:
        reason = self.reason.toPlainText()
        try:
            if self.check is not None:
                self.check(reason)
        except UserError as exc:
            mark_field(self.message, self.reason, exc.message)
            return
        if self.save is None:
            super().accept()
            return
        save = self.save
        background.run(self, lambda: save(reason), lambda _r: QDialog.accept(self),
                       lambda exc: mark_field(self.message, self.reason, background.problem(exc)), busy="正在保存…")
