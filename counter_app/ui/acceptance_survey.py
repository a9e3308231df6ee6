"""Survey appointment on the acceptance form: 约时 (a set time), 限时 (a half-day), 限期 (by a date),
with the team's bookings of that day shown next to it."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLabel,
    QLineEdit,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from counter_app.acceptance import survey
from counter_app.ui.form_widgets import limit_date_range
from counter_app.ui.widgets import FieldRow

ERROR_KEYS = ("appointment_mode", "appointment_day", "appointment_slot", "appointment_team")


class SurveyBooking(QWidget):
    changed = Signal()
    loadRequested = Signal(str, object)  # team, date: the page answers with set_load()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("survey")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.enabled = QCheckBox("预约现场勘查", self)
        self.enabled.setObjectName("appointment_enabled")
        self.enabled.setAccessibleName("预约现场勘查")
        layout.addWidget(self.enabled)

        self.mode = QComboBox(self)
        for code, label in survey.MODES.items():
            self.mode.addItem(label, code)
        self.team = QComboBox(self)
        self.day = QDateEdit(self)
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        limit_date_range(self.day)
        self.time = QTimeEdit(QTime(9, 0), self)
        self.time.setDisplayFormat("HH:mm")
        self.half = QComboBox(self)
        for code, label in survey.HALF_DAYS.items():
            self.half.addItem(label, code)
        self.note = QLineEdit(self)
        self.note.setMaxLength(200)
        self.hint = QLabel("", self)
        self.hint.setObjectName("appointmentLoad")

        self.rows = {
            "appointment_mode": FieldRow("appointment_mode", "预约方式", self.mode, self),
            "appointment_team": FieldRow("appointment_team", "勘查班组", self.team, self),
            "appointment_day": FieldRow("appointment_day", "勘查日期", self.day, self, suffix=self.hint),
            "appointment_time": FieldRow("appointment_time", "约定时间", self.time, self),
            "appointment_half": FieldRow("appointment_half", "时段", self.half, self),
            "appointment_note": FieldRow("appointment_note", "预约说明", self.note, self),
        }
        self.body = QWidget(self)
        body_layout = QVBoxLayout(self.body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.setSpacing(4)
        for row in self.rows.values():
            row.setParent(self.body)
            body_layout.addWidget(row)
        layout.addWidget(self.body)
        for required in ("appointment_mode", "appointment_team", "appointment_day"):
            self.rows[required].set_required(True)

        self.enabled.toggled.connect(self._sync)
        self.mode.currentIndexChanged.connect(self._sync)
        self.team.currentIndexChanged.connect(self._ask_load)
        self.day.dateChanged.connect(self._ask_load)
        for signal in (
            self.enabled.toggled,
            self.mode.currentIndexChanged,
            self.team.currentIndexChanged,
            self.day.dateChanged,
            self.time.timeChanged,
            self.half.currentIndexChanged,
            self.note.textChanged,
        ):
            signal.connect(self._changed)
        self._sync()

    def focus_chain(self) -> list[QWidget]:
        return [self.enabled, self.mode, self.team, self.day, self.time, self.half, self.note]

    def set_teams(self, teams: list[survey.SurveyTeam]) -> None:
        current = self.team.currentData()
        self.team.blockSignals(True)
        self.team.clear()
        for team in teams:
            self.team.addItem(f"{team.name}（每日 {team.daily_capacity} 户）", team.name)
        index = self.team.findData(current)
        self.team.setCurrentIndex(max(index, 0))
        self.team.blockSignals(False)

    def set_day(self, day: dt.date | None) -> None:
        if day:
            self.day.setDate(QDate(day.year, day.month, day.day))

    def set_load(self, team: str, day: dt.date, used: int, capacity: int) -> None:
        if team != self.team.currentData() or day != self.day.date().toPython():
            return
        full = used >= capacity
        self.hint.setText(f"当日已约 {used}/{capacity}" + ("，已满" if full else ""))
        self.hint.setStyleSheet("color: #b3261e;" if full else "")

    def value(self) -> survey.AppointmentInput | None:
        if not self.enabled.isChecked():
            return None
        mode = self.mode.currentData()
        slot = {"fixed": self.time.time().toString("HH:mm"), "halfday": self.half.currentData()}.get(mode, "")
        return survey.AppointmentInput(
            mode=mode,
            day=self.day.date().toPython(),
            team=self.team.currentData() or "",
            slot=slot,
            note=self.note.text().strip(),
        )

    def set_value(self, appt: survey.AppointmentInput | None) -> None:
        self.enabled.setChecked(appt is not None)
        if appt is None:
            return
        self.mode.setCurrentIndex(max(self.mode.findData(appt.mode), 0))
        index = self.team.findData(appt.team)
        if index >= 0:
            self.team.setCurrentIndex(index)
        self.set_day(survey.parse_day(appt.day))
        if appt.mode == "fixed" and appt.slot:
            self.time.setTime(QTime.fromString(appt.slot, "HH:mm"))
        if appt.mode == "halfday":
            self.half.setCurrentIndex(max(self.half.findData(appt.slot), 0))
        self.note.setText(appt.note or "")

    def show_errors(self, errors: dict[str, str]) -> None:
        mode = self.mode.currentData()
        slot_row = "appointment_time" if mode == "fixed" else "appointment_half"
        for key, row in self.rows.items():
            source = "appointment_slot" if key == slot_row else key
            row.show_error(errors.get(source))

    def _sync(self) -> None:
        on = self.enabled.isChecked()
        self.body.setVisible(on)
        mode = self.mode.currentData()
        self.rows["appointment_time"].setVisible(mode == "fixed")
        self.rows["appointment_half"].setVisible(mode == "halfday")
        self.rows["appointment_day"].label.setText("最迟勘查日期" if mode == "by_date" else "勘查日期")
        self.day.setAccessibleName(self.rows["appointment_day"].label.text())
        if on:
            self._ask_load()

    def _ask_load(self) -> None:
        if self.enabled.isChecked() and self.team.currentData():
            self.hint.setText("")
            self.loadRequested.emit(self.team.currentData(), self.day.date().toPython())

    def _changed(self, *_args) -> None:
        self.show_errors({})
        self.changed.emit()
