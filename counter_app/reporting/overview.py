"""Figures the main window shows: today's acceptances and warning counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from counter_app.hall import hall
from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.models import Application


@dataclass(frozen=True)
class CounterFigures:
    hall_name: str
    # a clerk's figures are the own window's (as the 时限预警 page opens for them); others' the hall's
    accepted_today: int
    yellow: int
    red: int
    own_window: bool = False
    halls: int = 1  # an account of no hall over several halls (city, province): their sums


def several_halls_name(count: int) -> str:
    return f"所辖{count}个营业厅"


def counter_figures(db: Database, actor: Actor) -> CounterFigures:
    """Today's figures of the actor's hall (a clerk: of the own window); an account of no hall
    over several halls (a city or province admin or supervisor): of all of them together."""
    today = clock.today()
    start = dt.datetime.combine(today, dt.time())
    with db.read() as session:
        halls = (actor.hall_id,) if actor.hall_id is not None else hall.view_halls(session, actor)
        if len(halls) > 1:
            name = several_halls_name(len(halls))
        else:
            name = hall.require_hall(session, actor, halls[0]).name
        stmt = select(func.count()).select_from(Application).where(
            Application.hall_id.in_(halls),
            Application.accepted_at >= start, Application.accepted_at < start + dt.timedelta(days=1)
        )
        window_id = actor.window_id if actor.window_id and actor.role == "clerk" else None
        if window_id is not None:
            stmt = stmt.where(Application.window_id == window_id)
        accepted = session.scalar(stmt) or 0
        counts = [warning_counts(session, hall_id, window_id) for hall_id in halls]
    return CounterFigures(name, accepted, sum(c[0] for c in counts), sum(c[1] for c in counts),
                          window_id is not None, len(halls))


def warning_counts(session, hall_id: int, window_id: int | None = None) -> tuple[int, int]:
    """(yellow, red) among the hall's active applications (of one window when given), with the
    SQL form of the time-limit rule (fast at 100k rows)."""
    from counter_app.hall import settings_admin as settings_service
    from counter_app.tracking import time_limits

    today = clock.today()
    calendar = hall.work_calendar(session, hall_id)
    limits = time_limits.stage_limits(session, hall_id)
    ratio = settings_service.yellow_ratio(session, hall_id)
    counts = []
    for level in ("yellow", "red"):
        condition = time_limits.warning_condition(level, today=today, calendar=calendar, limits=limits,
                                                yellow_ratio=ratio)
        stmt = select(func.count()).select_from(Application).where(Application.hall_id == hall_id, condition)
        if window_id is not None:
            stmt = stmt.where(Application.window_id == window_id)
        counts.append(session.scalar(stmt) or 0)
    return counts[0], counts[1]
