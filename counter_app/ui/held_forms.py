"""挂起 at the counter: a half-filled acceptance is put aside (Ctrl+H) to serve the next customer,
the held forms are listed (Ctrl+Shift+H) and one is resumed. A held form is a local draft marked
"held" (same owner-only files as drafts, see acceptance.drafts), so it survives a restart; it is not
offered as a crash draft but waits in this list."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.acceptance.drafts import Draft, DraftStore
from counter_app.ui.kit.modal import run_modal
from counter_app.ui.kit.screen_fit import fit_to_screen

HOLD_KEYS = "Ctrl+H"
LIST_KEYS = "Ctrl+Shift+H"


def held(store: DraftStore, username: str) -> list[Draft]:
    return [d for d in store.list(username) if d.data.get("held")]


class HeldFormsDialog(QDialog):
    """The clerk's held forms, newest first; ``chosen`` is the draft to resume (or None)."""

    def __init__(self, drafts: list[Draft], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("挂起的受理")
        self.setObjectName("heldFormsDialog")
        self.drafts = drafts
        self.chosen: Draft | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("选择要继续办理的受理（当前未保存的内容会先挂起）：", self))
        self.list = QListWidget(self)
        self.list.setAccessibleName("挂起的受理")
        for draft in drafts:
            item = QListWidgetItem(draft.label())
            item.setData(Qt.UserRole, draft.key)
            self.list.addItem(item)
        if drafts:
            self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda _item: self.accept())
        layout.addWidget(self.list, 1)
        box = QDialogButtonBox(self)
        self.resume_button = box.addButton("继续办理", QDialogButtonBox.AcceptRole)
        self.resume_button.setEnabled(bool(drafts))
        box.addButton("关闭", QDialogButtonBox.RejectRole)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        fit_to_screen(self, 560, 360)

    def accept(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        self.chosen = self.drafts[row]
        super().accept()


def install(page) -> None:
    """Actions and the 挂起 button on an AcceptancePage."""
    hold = QAction("挂起当前受理", page)
    hold.setShortcut(QKeySequence(HOLD_KEYS))
    hold.setShortcutContext(Qt.WidgetWithChildrenShortcut)
    hold.triggered.connect(lambda: hold_current(page))
    listing = QAction("挂起的受理", page)
    listing.setShortcut(QKeySequence(LIST_KEYS))
    listing.setShortcutContext(Qt.WidgetWithChildrenShortcut)
    listing.triggered.connect(lambda: show_held(page))
    page.addAction(hold)
    page.addAction(listing)
    page.hold_button = QPushButton(f"挂起（{HOLD_KEYS}）", page)
    page.hold_button.setAccessibleName(page.hold_button.text())
    page.hold_button.setToolTip("把填了一半的受理放到一边，先接待下一位客户；之后按 Ctrl+Shift+H 继续")
    page.hold_button.clicked.connect(lambda: hold_current(page))
    page.held_button = QPushButton(f"挂起的受理（{LIST_KEYS}）", page)
    page.held_button.clicked.connect(lambda: show_held(page))
    page.view.action_bar.insertWidget(1, page.hold_button)
    page.view.action_bar.insertWidget(2, page.held_button)
    _show_count(page)


def _show_count(page) -> None:
    try:
        count = len(held(page.drafts, page.actor.username))
    except OSError:
        count = 0
    page.held_button.setText(f"挂起的受理 {count} 件（{LIST_KEYS}）" if count else f"挂起的受理（{LIST_KEYS}）")
    page.held_button.setAccessibleName(page.held_button.text())


def hold_current(page, *, quiet: bool = False) -> bool:
    """Put the form aside and open an empty one; False when there is nothing to hold."""
    if page.busy:
        return False
    if not page.is_dirty():
        if not quiet:
            page.view.status.setText("当前没有未保存的内容，无需挂起")
        return False
    data, summary = page.draft_payload()
    key = DraftStore.new_key(page.actor.username)
    try:
        page.drafts.save(key, {**data, "held": True}, username=page.actor.username,
                         window_no=page.actor.window_no, summary=summary)
    except OSError as exc:
        page.view.status.setText(f"无法挂起（本机文件无法写入：{exc}），请先保存")
        return False
    page._draft_timer.stop()
    page.drafts.remove(page.draft_key)
    page.new_form()
    page.view.banner.show_message("info", f"已挂起：{summary}。按 {LIST_KEYS} 可继续办理")
    _show_count(page)
    return True


def show_held(page) -> None:
    drafts = held(page.drafts, page.actor.username)
    dialog = HeldFormsDialog(drafts, page)
    page.held_dialog = dialog
    if run_modal(dialog) != QDialog.Accepted or dialog.chosen is None:
        return
    resume(page, dialog.chosen)


def resume(page, draft: Draft) -> None:
    """The held form back on screen; what was on screen is held first, nothing is lost."""
    if page.is_dirty():
        hold_current(page, quiet=True)
    page._pending_drafts.insert(0, draft)
    page.restore_draft()  # removes the held file; the form is this PC's current draft again
    _show_count(page)
