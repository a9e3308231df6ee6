"""The clerk's side of 好差评 (业务 → 代录客户评价/意见…, Ctrl+Shift+Y).

Free text from the customer is typed by the clerk, as the customer says it, not by the customer on
the customer screen. Why: the customer window never takes the keyboard (it must not swallow the
clerk's typing), and Chinese text without a keyboard needs an input method on the touch screen
(pinyin or handwriting recognition); Qt's virtual keyboard would need that window to take the focus
and ships no offline handwriting. So the customer keeps the touch choices (level, reasons, ready
phrases) and dictates anything else; the clerk's words appear on the customer screen as they are
typed ("受理员代录，请核对"), the customer submits them with the rating, and the stored comment is
marked as typed by the clerk.

On a PC set to "no customer screen" (客户屏设置: 不使用), the same dialog takes the whole rating the
customer gives orally or on the paper form: level, reasons, comment, stored as 受理员代录. Closing
it without a level records 未评价, as a time-out on the customer screen does.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.customer import ratings
from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError, ValidationFailed
from counter_app.ui import background
from counter_app.ui.tracking_common import buddy_label, show_message, status_label


class CommentEditor(QPlainTextEdit):
    """The customer's words, limited to ``ratings.MAX_COMMENT`` characters as they will be stored."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customerComment")
        self.setAccessibleName("客户意见（受理员代录）")
        self.setTabChangesFocus(True)
        self.setFixedHeight(84)
        self.setPlaceholderText(f"按客户原话录入，最多 {ratings.MAX_COMMENT} 字")
        self.count = QLabel(parent)
        self.count.setObjectName("commentCount")
        widest = f" {ratings.MAX_COMMENT}/{ratings.MAX_COMMENT} "
        self.count.setMinimumWidth(self.count.fontMetrics().horizontalAdvance(widest))
        self.textChanged.connect(self._limit)
        self._limit()

    def text(self) -> str:
        return ratings.clean_comment(self.toPlainText())

    def _limit(self) -> None:
        if len(self.text()) > ratings.MAX_COMMENT:  # typed or pasted past the limit: cut what does not fit
            raw = self.toPlainText()
            while len(ratings.clean_comment(raw)) > ratings.MAX_COMMENT:
                raw = raw[: len(raw) - (len(ratings.clean_comment(raw)) - ratings.MAX_COMMENT)]
            blocked = self.blockSignals(True)
            self.setPlainText(raw)
            self.moveCursor(self.textCursor().MoveOperation.End)
            self.blockSignals(blocked)
        self.count.setText(f"{len(self.text())}/{ratings.MAX_COMMENT}")


class RatingEntryDialog(QDialog):
    """``mode="comment"``: the customer screen is asking for the rating; the clerk types the
    customer's comment, shown live there (``side.window.set_clerk_comment``).
    ``mode="full"``: no customer screen; the clerk records the rating the customer gives."""

    def __init__(self, db: Database, actor: Actor, application_id: int, number: str, *, mode: str,
                 side=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.application_id, self.mode, self.side = db, actor, application_id, mode, side
        self.result_rating: ratings.RatingResult | None = None
        self.requested_at = clock.now()
        self.saving = False
        self.setObjectName("ratingEntryDialog")
        self.setWindowTitle(("代录客户意见" if mode == "comment" else "代录客户评价") + f" — {number}")
        layout = QVBoxLayout(self)
        if mode == "comment":
            intro = "客户屏正在请客户评价。客户口述的意见由您录入，客户屏同步显示，客户核对后在客户屏点“提交评价”。"
        else:
            intro = ("本机不使用客户屏：请客户口头或在纸质评价表上给出评价，由您如实录入（记为“受理员代录”）。"
                     "客户不愿评价的，直接关闭，记为“未评价”。")
        label = QLabel(intro, self)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.level_buttons: dict[str, QRadioButton] = {}
        self.reason_checks: dict[str, QCheckBox] = {}
        if mode == "full":
            self._build_levels(layout)
        self.comment = CommentEditor(self)
        row = QHBoxLayout()
        row.addWidget(buddy_label("客户意见(&C)：", self.comment, self))
        row.addWidget(self.comment, 1)
        row.addWidget(self.comment.count)
        layout.addLayout(row)
        self.message = status_label(self)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(self)
        self.ok_button = buttons.addButton("保存评价" if mode == "full" else "完成", QDialogButtonBox.AcceptRole)
        self.ok_button.setAccessibleName(self.ok_button.text())
        cancel = buttons.addButton("关闭", QDialogButtonBox.RejectRole)
        cancel.setAccessibleName("关闭")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if mode == "comment":
            self.comment.textChanged.connect(self._show_to_customer)
        self.comment.setFocus(Qt.OtherFocusReason)

    def _build_levels(self, layout: QVBoxLayout) -> None:
        box = QGroupBox("评价(&L)", self)
        row = QHBoxLayout(box)
        self.level_group = QButtonGroup(self)
        for code, text in ratings.LEVELS.items():
            button = QRadioButton(text, box)
            button.setObjectName(f"level_{code}")
            button.setAccessibleName(text)
            self.level_group.addButton(button)
            row.addWidget(button)
            self.level_buttons[code] = button
        self.level_group.buttonToggled.connect(self._level_changed)
        layout.addWidget(box)
        self.reasons_box = QGroupBox("不满意的原因（可多选）", self)
        grid = QGridLayout(self.reasons_box)
        for index, reason in enumerate(ratings.REASONS):
            check = QCheckBox(reason, self.reasons_box)
            check.setAccessibleName(f"原因：{reason}")
            grid.addWidget(check, index // 3, index % 3)
            self.reason_checks[reason] = check
        self.reasons_box.setEnabled(False)
        layout.addWidget(self.reasons_box)

    def level(self) -> str:
        return next((code for code, b in self.level_buttons.items() if b.isChecked()), "")

    def _level_changed(self, *_args) -> None:
        bad = self.level() in ratings.BAD
        self.reasons_box.setEnabled(bad)
        if not bad:
            for check in self.reason_checks.values():
                check.setChecked(False)

    def _show_to_customer(self) -> None:
        if self.side is not None:
            self.side.window.set_clerk_comment(self.comment.text())

    # --- closing ---------------------------------------------------------------------------------

    def accept(self) -> None:
        if self.mode == "comment":  # the customer submits on the customer screen
            super().accept()
            return
        if self.saving:
            return
        inp = ratings.RatingInput(self.level(), tuple(r for r, c in self.reason_checks.items() if c.isChecked()),
                                  self.comment.text(), comment_by_clerk=True)
        try:
            ratings.validate(inp)
        except ValidationFailed as exc:
            show_message(self.message, exc.message, error=True)
            return
        self._store(lambda: ratings.record(self.db, self.actor, self.application_id, inp,
                                           requested_at=self.requested_at, source="clerk"))

    def reject(self) -> None:
        if self.mode == "comment" or self.result_rating is not None:
            super().reject()
            return
        if self.saving:
            return
        # the customer gave no rating: 未评价, never counted as satisfied
        self._store(lambda: ratings.record_not_rated(self.db, self.actor, self.application_id,
                                                     requested_at=self.requested_at))

    def _store(self, work) -> None:
        self.saving = True
        self.ok_button.setEnabled(False)

        def done(result: ratings.RatingResult) -> None:
            self.saving = False
            self.result_rating = result
            (super(RatingEntryDialog, self).reject if result.level == ratings.NOT_RATED
             else super(RatingEntryDialog, self).accept)()

        def failed(exc: Exception) -> None:
            self.saving = False
            self.ok_button.setEnabled(True)
            show_message(self.message, f"评价未能保存：{exc.message if isinstance(exc, UserError) else exc}",
                         error=True)

        background.run(self, work, done, failed, busy="正在保存评价…")
