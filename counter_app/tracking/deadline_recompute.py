"""Deadlines counted as 预估 (over a year the official calendar did not know) are counted again once
an admin has entered that year's holidays and make-up days: each estimated whole-process, stage and
容缺 deadline keeps its number of working days and is re-counted on the new calendar. Every change
is recorded in the audit trail against its application.

The application row is updated without bumping its version: a deadline is not the clerk's input,
and a form open at a counter must not be refused as stale because the calendar became known."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from counter_app.hall import catalog
from counter_app.hall.workdays import WorkCalendar
from counter_app.infra.context import Actor
from counter_app.models import Application, Material, StageEvent
from counter_app.security import audit

AUDIT_ACTION = "deadline_recompute"


@dataclass(frozen=True)
class Recomputed:
    application_id: int
    number: str
    what: str  # 办结期限 | 环节期限（现场勘查） | 容缺补交期限（房产证明）
    old: dt.date
    new: dt.date
    still_estimated: bool


def _recount(old_cal: WorkCalendar, new_cal: WorkCalendar, start: dt.date | dt.datetime,
             due: dt.date) -> tuple[dt.date, bool]:
    """The same number of working days after ``start``, counted on the new calendar."""
    start_day = start.date() if isinstance(start, dt.datetime) else start
    days, _ = old_cal.workdays_between(start_day, due)
    deadline = new_cal.add_workdays(start_day, days)
    return deadline.day, deadline.estimated


def recompute_estimated(session: Session, actor: Actor, hall_id: int, old_cal: WorkCalendar,
                        new_cal: WorkCalendar) -> list[Recomputed]:
    """Re-count every estimated deadline of the hall's applications; returns what changed."""
    changes: list[Recomputed] = []
    apps = {a.id: a for a in session.scalars(
        select(Application).where(Application.hall_id == hall_id, Application.due_estimated.is_(True),
                                  Application.due_date.is_not(None)))}
    for app in apps.values():
        day, estimated = _recount(old_cal, new_cal, app.accepted_at, app.due_date)
        if (day, estimated) != (app.due_date, True):
            changes.append(Recomputed(app.id, app.number, "办结期限", app.due_date, day, estimated))
            session.execute(update(Application).where(Application.id == app.id)
                            .values(due_date=day, due_estimated=estimated)
                            .execution_options(synchronize_session=False))

    events = session.execute(
        select(StageEvent, Application.number, Application.business_type, Application.stage_due_date,
               Application.current_stage, Application.id)
        .join(Application, Application.id == StageEvent.application_id)
        .where(Application.hall_id == hall_id, StageEvent.due_estimated.is_(True), StageEvent.due_date.is_not(None)))
    for event, number, business_type, stage_due, current_stage, app_id in events:
        day, estimated = _recount(old_cal, new_cal, event.started_at, event.due_date)
        if (day, estimated) == (event.due_date, True):
            continue
        try:
            stage_name = catalog.load().business_type(business_type).stage(event.stage).name
        except (KeyError, LookupError):
            stage_name = event.stage
        changes.append(Recomputed(app_id, number, f"环节期限（{stage_name}）", event.due_date, day, estimated))
        if event.ended_at is None and current_stage == event.stage and stage_due == event.due_date:
            session.execute(update(Application).where(Application.id == app_id).values(stage_due_date=day)
                            .execution_options(synchronize_session=False))
        event.due_date, event.due_estimated = day, estimated

    materials = session.execute(
        select(Material, Application.number, Application.accepted_at, Application.id)
        .join(Application, Application.id == Material.application_id)
        .where(Application.hall_id == hall_id, Material.due_estimated.is_(True), Material.due_date.is_not(None)))
    for material, number, accepted_at, app_id in materials:
        day, estimated = _recount(old_cal, new_cal, accepted_at, material.due_date)
        if (day, estimated) == (material.due_date, True):
            continue
        changes.append(Recomputed(app_id, number, f"容缺补交期限（{material.name}）", material.due_date, day,
                                  estimated))
        material.due_date, material.due_estimated = day, estimated

    for change in changes:
        audit.record(session, actor, AUDIT_ACTION, "application", change.application_id, detail={
            "number": change.number, "deadline": change.what, "old": change.old.isoformat(),
            "new": change.new.isoformat(), "estimated": change.still_estimated,
            "text": (f"{change.number} 的{change.what}由 {change.old:%Y-%m-%d}（预估）改为 {change.new:%Y-%m-%d}"
                     + ("（仍为预估）" if change.still_estimated else "（按已确认的节假日）")),
        })
    session.flush()
    return changes
