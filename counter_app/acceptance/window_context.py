"""Who may accept at this PC, and what a fresh acceptance form needs from the hall: defaults, the
deferral due date, survey teams and their free days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.acceptance import survey
from counter_app.hall import hall
from counter_app.infra import batched, clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError
from counter_app.models import Application, Hall
from counter_app.security.permissions import Perm, require


def require_accept(db: Database, actor: Actor, *, at_window: bool = True) -> None:
    require(db, actor, Perm.ACCEPT)
    if at_window and not actor.window_id:
        raise UserError("本机尚未指定受理窗口，不能受理业务：请重新登录并选择本机所在的窗口")


def hall_of(session: Session, actor: Actor) -> Hall:
    found = session.get(Hall, actor.hall_id) if actor.hall_id else None
    return found or hall.require_hall(session, actor)



def hall_context(session: Session, actor: Actor):
    h = hall_of(session, actor)
    calendar = hall.work_calendar(session, h.id)
    teams = [t.name for t in survey.teams(session, h.id)]
    deferral_days = int(hall.get_setting(session, "deferral_working_days", h.id) or 3)
    return h, calendar, teams, deferral_days


@dataclass(frozen=True)
class FormDefaults:
    """What a fresh form needs from the hall: defaults, the deferral due date, survey teams."""

    residential_kw: Decimal
    deferral_days: int
    deferral_due: dt.date
    deferral_due_estimated: bool
    teams: list[survey.SurveyTeam]
    districts: list[str]


def form_defaults(db: Database, actor: Actor) -> FormDefaults:
    """What the 受理 page reads when it opens: on PostgreSQL one statement (issue 20)."""
    require(db, actor, Perm.ACCEPT)
    with db.brief() as session:
        stmt = (
            select(Application.address_district, func.count())
            .where(Application.address_district != "")
            .group_by(Application.address_district)
            .order_by(func.count().desc())
            .limit(20)
        )
        if actor.window_id:
            stmt = stmt.where(Application.window_id == actor.window_id)
        districts = prefetch_hall(session, actor, [stmt])[0]
        h, calendar, _teams, deferral_days = hall_context(session, actor)
        due = calendar.add_workdays(clock.now(), deferral_days)
        kw = hall.get_setting(session, "residential_default_kw", h.id) or 0
        return FormDefaults(
            Decimal(str(kw)), deferral_days, due.day, due.estimated, survey.teams(session, h.id),
            [value for value, _ in districts],
        )


def prefetch_hall(session: Session, actor: Actor, statements: list) -> list[list]:
    """Read the actor's hall (row, settings, calendar) for ``hall_context`` together with
    ``statements``, whose rows are returned: one round trip on PostgreSQL (``batched.read_all``)."""
    if not actor.hall_id:
        return batched.read_all(session, statements)
    hall_row, settings, overrides, *rows = batched.read_all(session, [
        select(*batched.columns(Hall)).where(Hall.id == actor.hall_id), *hall.context_statements(actor.hall_id),
        *statements])
    if hall_row:
        batched.attach(session, Hall, hall_row[0])
        hall.keep_context(session, actor.hall_id, settings, overrides)
    return rows


def survey_day_load(db: Database, actor: Actor, team: str, day: dt.date) -> tuple[int, int]:
    """(booked, capacity) of a survey team on a day, for the hint next to the appointment."""
    require(db, actor, Perm.ACCEPT)
    with db.brief() as session:
        prefetch_hall(session, actor, [])
        return survey.day_load(session, hall_of(session, actor).id, team, day)


def suggest_survey_day(db: Database, actor: Actor, team: str) -> dt.date | None:
    """The first working day after today on which the team still has room."""
    require(db, actor, Perm.ACCEPT)
    with db.brief() as session:
        prefetch_hall(session, actor, [])
        h = hall_of(session, actor)
        return survey.first_free_day(session, h.id, team, clock.today(), hall.work_calendar(session, h.id))
