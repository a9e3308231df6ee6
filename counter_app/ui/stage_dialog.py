"""环节流转: the back office advances an application to its next stage or sends it back.

The dialog shows where the application is and what comes next (with the due date the next stage
would get now); the service checks everything again, including that nobody moved the application
since the dialog opened (a stale move is refused and the input kept)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import StaleEdit, UserError, ValidationFailed
from counter_app.tracking import external_works, stages
from counter_app.ui import background
from counter_app.ui.tracking_common import RED_FG, buddy_label, fmt_time, show_message, status_label


def _qdatetime(value: dt.datetime) -> QDateTime:
    return QDateTime(value.year, value.month, value.day, value.hour, value.minute, value.second)


def _pydatetime(value: QDateTime) -> dt.datetime:
    d, t = value.date(), value.time()
    return dt.datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())


class StageDialog(QDialog):
    """``StageDialog(db, actor, application_id, parent)``; after ``exec()`` == Accepted,
    ``result_move`` holds the MoveResult."""

    def __init__(self, db: Database, actor: Actor, application_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.application_id = application_id
        self.result_move: stages.MoveResult | None = None
        self.setWindowTitle("环节流转")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)

        self.summary = QLabel(self)
        self.summary.setObjectName("summary")
        self.summary.setAccessibleName("申请概况")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(self.summary)

        box = QGroupBox("流转方式", self)
        box_layout = QVBoxLayout(box)
        self.advance_radio = QRadioButton(box)
        self.advance_radio.setObjectName("advance")
        self.back_radio = QRadioButton("退回到(&B)：", box)
        self.back_radio.setObjectName("send_back")
        self.back_radio.setAccessibleName("退回")
        self.back_target = QComboBox(box)
        self.back_target.setObjectName("to_stage")
        self.back_target.setAccessibleName("退回到的环节")
        self.group = QButtonGroup(self)
        self.group.addButton(self.advance_radio)
        self.group.addButton(self.back_radio)
        box_layout.addWidget(self.advance_radio)
        box_layout.addWidget(self.back_radio)
        box_layout.addWidget(self.back_target)
        layout.addWidget(box)
        self._build_external_works(layout)

        form = QFormLayout()
        self.handler = QComboBox(self)
        self.handler.setObjectName("handler")
        self.handler.setEditable(True)
        self.handler.setInsertPolicy(QComboBox.NoInsert)
        form.addRow(buddy_label("处理人(&H)：", self.handler, self), self.handler)
        self.at = QDateTimeEdit(self)
        self.at.setObjectName("at")
        self.at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.at.setCalendarPopup(True)
        form.addRow(buddy_label("流转时间(&T)：", self.at, self), self.at)
        self.note = QPlainTextEdit(self)
        self.note.setObjectName("note")
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(72)
        self.note.setPlaceholderText("退回时必须填写退回原因")
        form.addRow(buddy_label("备注/原因(&N)：", self.note, self), self.note)
        layout.addLayout(form)

        self.message = status_label(self)
        layout.addWidget(self.message)

        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton("确定", QDialogButtonBox.AcceptRole)
        self.ok_button.setAccessibleName("确定")
        self.ok_button.setDefault(True)
        cancel = self.buttons.addButton("取消", QDialogButtonBox.RejectRole)
        cancel.setAccessibleName("取消")
        self.reload_button = QPushButton("刷新", self)
        self.reload_button.setAccessibleName("刷新")
        self.reload_button.setVisible(False)
        self.buttons.addButton(self.reload_button, QDialogButtonBox.ResetRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reload_button.clicked.connect(self.reload)
        layout.addWidget(self.buttons)

        self.advance_radio.toggled.connect(self._mode_changed)
        self._fields = {"handler": self.handler, "at": self.at, "note": self.note, "to_stage": self.back_target}
        self.options: stages.StageMoveOptions | None = None
        self._recording = False
        self.reload(first=True)

    def _build_external_works(self, layout: QVBoxLayout) -> None:
        """外线工程, recorded once the survey has shown it: the promise the customer holds follows."""
        self.external_box = QGroupBox("外线工程（现场勘查后记录）", self)
        row = QHBoxLayout(self.external_box)
        self.external_state = QLabel(self.external_box)
        self.external_state.setObjectName("external_state")
        self.external_state.setWordWrap(True)
        row.addWidget(self.external_state, 1)
        self.external_choice = QComboBox(self.external_box)
        self.external_choice.setObjectName("external_works")
        self.external_choice.addItem("需要外线工程", True)
        self.external_choice.addItem("不需要外线工程", False)
        row.addWidget(buddy_label("勘查结果(&W)：", self.external_choice, self.external_box))
        row.addWidget(self.external_choice)
        self.external_button = QPushButton("记录外线工程", self.external_box)
        self.external_button.setObjectName("record_external_works")
        self.external_button.setAccessibleName("记录外线工程")
        self.external_button.setAutoDefault(False)
        self.external_button.clicked.connect(self.record_external_works)
        row.addWidget(self.external_button)
        layout.addWidget(self.external_box)

    def _show_external_works(self) -> None:
        o = self.options
        from counter_app.tracking.external_works import LABELS

        promised = o.promised_due.label() if o.promised_due else "—"
        self.external_state.setText(f"当前：{LABELS[o.external_works]}；承诺办结 {promised}")
        offered = o.external_works_refusal is None
        self.external_choice.setEnabled(offered)
        self.external_button.setEnabled(offered and not self._recording)
        self.external_box.setToolTip(o.external_works_refusal or "")
        # a type without external works never shows the box; before the survey it says why not
        self.external_box.setVisible(offered or "现场勘查后" in (o.external_works_refusal or ""))
        if o.external_works is not None:
            self.external_choice.setCurrentIndex(self.external_choice.findData(o.external_works))

    def record_external_works(self) -> background.BackgroundTask | None:
        """Record the survey's finding in the background; the dialog then shows the new promise."""
        if self._recording or self.options is None:
            return None
        db, actor, app_id = self.db, self.actor, self.application_id
        version, needed = self.options.version, bool(self.external_choice.currentData())
        self._recording = True
        self.external_button.setEnabled(False)

        def done(result) -> None:
            self._recording = False
            self.reload()
            show_message(self.message, result.message())

        def failed(exc: Exception) -> None:
            self._recording = False
            self.external_button.setEnabled(True)
            if isinstance(exc, StaleEdit):
                self._mark(None, exc.message)
                self.reload_button.setVisible(True)
            elif isinstance(exc, UserError):
                self._mark(None, exc.message)
            else:
                self._mark(None, f"记录失败：{exc}")

        return background.run(self, lambda: external_works.record(db, actor, app_id, version=version, needed=needed),
                              done, failed, busy="正在记录外线工程…")

    # --- state ----------------------------------------------------------------------------------

    def reload(self, first: bool = False) -> None:
        """Read the application again; what the user typed stays."""
        typed_handler = self.handler.currentText()
        self.options = stages.move_options(self.db, self.actor, self.application_id)
        o = self.options
        due = o.stage_due.label() if o.stage_due else "—"
        started = fmt_time(o.stage_started_at) or "—"
        self.summary.setText(
            f"<b>{o.number}</b>　{o.customer_name}　{o.business_name}<br>"
            f"当前环节：<b>{o.current_stage_name}</b>（{o.status_label}），处理人：{o.current_handler or '—'}，"
            f"开始：{started}，期限：{due}")
        if o.next_stage is None:
            self.advance_radio.setText("已是最后环节")
            self.advance_radio.setEnabled(False)
        elif o.next_stage.code == stages.FINAL_STAGE:
            self.advance_radio.setText("归档办结(&A)")
            self.advance_radio.setEnabled(True)
        else:
            due_next = o.next_due_if_now.label() if o.next_due_if_now else ""
            self.advance_radio.setText(f"推进到下一环节(&A)：{o.next_stage.name}（今日流转则期限 {due_next}）")
            self.advance_radio.setEnabled(True)
        self.advance_radio.setAccessibleName(self.advance_radio.text().replace("(&A)", ""))
        self.back_target.clear()
        for stage in o.return_targets:
            self.back_target.addItem(stage.name, stage.code)
        self.back_radio.setEnabled(bool(o.return_targets))
        self.handler.clear()
        self.handler.addItems(list(o.handler_suggestions))
        if first:
            self.handler.setCurrentText("")  # the next stage usually has another handler: choose explicitly
            self.at.setDateTime(_qdatetime(clock.now()))
            (self.advance_radio if self.advance_radio.isEnabled() else self.back_radio).setChecked(True)
        else:
            self.handler.setCurrentText(typed_handler)
        self._mode_changed()
        self._show_external_works()
        self.reload_button.setVisible(False)
        if not o.can_move:
            show_message(self.message, f"该申请{o.status_label}，不能再流转", error=True)
            self.ok_button.setEnabled(False)
        elif not first:
            show_message(self.message, "已刷新为最新状态，请核对后重新确定")

    def _mode_changed(self, *_args) -> None:
        self.back_target.setEnabled(self.back_radio.isChecked())

    # --- saving ---------------------------------------------------------------------------------

    def _clear_marks(self) -> None:
        for widget in self._fields.values():
            widget.setStyleSheet("")

    def _mark(self, field: str | None, message: str) -> None:
        show_message(self.message, message, error=True)
        widget = self._fields.get(field or "")
        if widget is not None:
            widget.setStyleSheet(f"border: 1px solid {RED_FG.name()};")
            widget.setFocus()

    def accept(self) -> None:
        self._clear_marks()
        o = self.options
        handler = self.handler.currentText()
        note = self.note.toPlainText()
        at = _pydatetime(self.at.dateTime())
        try:
            if self.back_radio.isChecked():
                self.result_move = stages.send_back(
                    self.db, self.actor, self.application_id, version=o.version,
                    to_stage=self.back_target.currentData(), handler=handler, note=note, at=at)
            elif o.next_stage is not None and o.next_stage.code == stages.FINAL_STAGE:
                self.result_move = stages.complete(self.db, self.actor, self.application_id, version=o.version,
                                                   handler=handler, note=note, at=at)
            else:
                self.result_move = stages.advance(self.db, self.actor, self.application_id, version=o.version,
                                                  handler=handler, note=note, at=at)
        except StaleEdit as exc:
            self._mark(None, exc.message)
            self.reload_button.setVisible(True)
            self.reload_button.setFocus()
            return
        except ValidationFailed as exc:
            self._mark(exc.field, exc.message)
            return
        except UserError as exc:
            self._mark(exc.field, exc.message)
            return
        super().accept()
