"""Survey appointments booked at the counter: 约时 (a set time), 限时 (a half-day), 限期 (by a date),
against each survey team's daily capacity (hall setting ``survey_teams``)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from counter_app.hall import hall
from counter_app.models import Application, SurveyAppointment

MODES = {"fixed": "约时", "halfday": "限时", "by_date": "限期"}
HALF_DAYS = {"am": "上午", "pm": "下午"}
WORK_HOURS = (dt.time(8, 0), dt.time(18, 0))


@dataclass(frozen=True)
class SurveyTeam:
    name: str
    area: str
    daily_capacity: int


@dataclass
class AppointmentInput:
    mode: str = "fixed"  # fixed | halfday | by_date
    day: dt.date | str | None = None
    team: str = ""
    slot: str = ""  # "09:30" for fixed, "am"/"pm" for halfday, "" for by_date
    note: str = ""

    def to_dict(self) -> dict:
        day = self.day.isoformat() if isinstance(self.day, dt.date) else (self.day or "")
        return {"mode": self.mode, "day": day, "team": self.team, "slot": self.slot, "note": self.note}

    @classmethod
    def from_dict(cls, data: dict | None) -> AppointmentInput | None:
        if not data:
            return None
        return cls(
            mode=data.get("mode", "fixed"),
            day=data.get("day") or None,
            team=data.get("team", ""),
            slot=data.get("slot", ""),
            note=data.get("note", ""),
        )

    def label(self) -> str:
        day = self.day.isoformat() if isinstance(self.day, dt.date) else str(self.day or "")
        if self.mode == "fixed":
            when = f"{day} {self.slot}"
        elif self.mode == "halfday":
            when = f"{day} {HALF_DAYS.get(self.slot, '')}"
        else:
            when = f"{day} 前"
        return f"{MODES.get(self.mode, self.mode)}：{when}（{self.team}）"


def teams(session: Session, hall_id: int | None) -> list[SurveyTeam]:
    raw = hall.get_setting(session, "survey_teams", hall_id) or hall.DEFAULT_SETTINGS["survey_teams"]
    return [SurveyTeam(str(t["name"]), str(t.get("area", "")), int(t.get("daily_capacity", 0))) for t in raw]


def parse_day(value: dt.date | str | None) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    text = (value or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def validate(appt: AppointmentInput, *, today: dt.date, calendar, team_names: list[str]) -> dict[str, str]:
    """Field errors of an appointment (keys appointment_mode/_day/_slot/_team); empty when fine."""
    errors: dict[str, str] = {}
    if appt.mode not in MODES:
        errors["appointment_mode"] = "请选择预约方式：约时、限时或限期"
        return errors
    day = parse_day(appt.day)
    if day is None:
        errors["appointment_day"] = "请填写预约勘查日期（如 2026-11-26）"
    elif day < today:
        errors["appointment_day"] = "预约勘查日期不能早于今天"
    elif not calendar.is_workday(day):
        errors["appointment_day"] = f"{day:%Y-%m-%d} 不是工作日，请另选日期"
    if appt.mode == "fixed":
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", (appt.slot or "").strip())
        ok = False
        if match:
            try:
                at = dt.time(int(match[1]), int(match[2]))
                ok = WORK_HOURS[0] <= at <= WORK_HOURS[1]
            except ValueError:
                ok = False
        if not ok:
            errors["appointment_slot"] = "约时预约请填写 08:00 至 18:00 之间的时间（如 09:30）"
    elif appt.mode == "halfday" and appt.slot not in HALF_DAYS:
        errors["appointment_slot"] = "限时预约请选择上午或下午"
    if appt.team not in team_names:
        errors["appointment_team"] = "请选择勘查班组"
    return errors


def booked(session: Session, team: str, day: dt.date, *, exclude_application: int | None = None) -> int:
    stmt = (
        select(func.count())
        .select_from(SurveyAppointment)
        .join(Application, Application.id == SurveyAppointment.application_id)
        .where(SurveyAppointment.team == team, SurveyAppointment.day == day, Application.status == "active")
    )
    if exclude_application is not None:
        stmt = stmt.where(SurveyAppointment.application_id != exclude_application)
    return session.scalar(stmt) or 0


def day_load(session: Session, hall_id: int | None, team: str, day: dt.date) -> tuple[int, int]:
    """(booked, capacity) of a team on a day."""
    capacity = next((t.daily_capacity for t in teams(session, hall_id) if t.name == team), 0)
    return booked(session, team, day), capacity


def first_free_day(
    session: Session, hall_id: int | None, team: str, start: dt.date, calendar, *, horizon: int = 30
) -> dt.date | None:
    """The first working day after ``start`` with room left for the team."""
    day = start
    for _ in range(horizon):
        day = calendar.add_workdays(day, 1).day
        used, capacity = day_load(session, hall_id, team, day)
        if used < capacity:
            return day
    return None


def _lock_team_day(session: Session, team: str, day: dt.date) -> None:
    """Serialise bookings of one team's day until the booking transaction ends.

    On PostgreSQL two windows booking the last slot at once each counted the other's booking as not
    yet there and both succeeded; with this lock the second waits for the first to commit, then
    counts it. SQLite's write transactions (BEGIN IMMEDIATE) are serialised already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                        {"key": f"survey:{team}:{day.isoformat()}"})


def book(
    session: Session,
    application: Application,
    appt: AppointmentInput,
    *,
    booked_by_id: int | None,
    now: dt.datetime,
) -> SurveyAppointment:
    """Replace the application's appointment; refuses a day on which the team is fully booked."""
    day = parse_day(appt.day)
    capacity = next((t.daily_capacity for t in teams(session, application.hall_id) if t.name == appt.team), 0)
    _lock_team_day(session, appt.team, day)
    used = booked(session, appt.team, day, exclude_application=application.id)
    if used >= capacity:
        from counter_app.infra.errors import ValidationFailed

        raise ValidationFailed(
            {"appointment_day": f"{appt.team} {day:%Y-%m-%d} 已约满（{used}/{capacity}），请另选日期或班组"}
        )
    for old in list(application.appointments):
        application.appointments.remove(old)
    row = SurveyAppointment(
        mode=appt.mode,
        team=appt.team,
        day=day,
        slot=(appt.slot or "").strip(),
        note=(appt.note or "").strip()[:200],
        booked_by_id=booked_by_id,
        created_at=now,
    )
    application.appointments.append(row)
    return row
