"""What an acceptance leaves behind, as plain values (no session): the deadlines of an application at
受理, its open 受理 stage event, its material rows and its commitments.

One builder for "an application as acceptance leaves it": the acceptance service
(``application_rows``) sets deadlines and commitments with it, the demo writes its values as bulk rows
and the test factories as ORM rows, so a change of rule here reaches all three
(tests/test_accepted_builder.py saves through the service and compares). Working days come from a
``Workdays`` function: ``calendar_workdays(calendar)``, or the demo's precomputed table that answers
the same."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from counter_app.hall import catalog
from counter_app.hall.workdays import WorkCalendar
from counter_app.tracking import time_limits

# (start, working days) -> (the day that many working days after start, whether a guessed year counted)
Workdays = Callable[[dt.date, int], tuple[dt.date, bool]]


def calendar_workdays(calendar: WorkCalendar) -> Workdays:
    def add(start: dt.date, days: int) -> tuple[dt.date, bool]:
        deadline = calendar.add_workdays(start, days)
        return deadline.day, deadline.estimated

    return add


@dataclass(frozen=True)
class Deadlines:
    """The 受理 stage's due date and the whole-process due date, counted from the acceptance day."""

    stage_due: dt.date
    stage_estimated: bool
    due_date: dt.date
    total_estimated: bool

    @property
    def due_estimated(self) -> bool:
        """What the application's ``due_estimated`` says: either count crossed a guessed year."""
        return self.stage_estimated or self.total_estimated


def deadlines(workdays: Workdays, accepted_at: dt.datetime, business_type: catalog.BusinessType,
              load_importance: str, accept_limit: int, *, external_works: bool | None = None) -> Deadlines:
    """``accept_limit`` is the hall's limit for the 受理 stage of this type (``hall.stage_limit``); the
    whole-process promise follows ``time_limits.promised_days`` (important loads, 外线工程 once known)."""
    day = accepted_at.date()
    stage_due, stage_estimated = workdays(day, accept_limit)
    promised = time_limits.promised_days(business_type, important=catalog.is_important(load_importance),
                                         external_works=external_works)
    due, total_estimated = workdays(day, promised)
    return Deadlines(stage_due, stage_estimated, due, total_estimated)


def application_state(limits: Deadlines, handler: str) -> dict:
    """The fields of a new application that say where it stands: at 受理, with its due dates."""
    return {
        "status": "active", "current_stage": "accept", "current_handler": handler,
        "stage_due_date": limits.stage_due, "due_date": limits.due_date, "due_estimated": limits.due_estimated,
    }


def accept_event(accepted_at: dt.datetime, limits: Deadlines, handler: str, actor_id: int | None) -> dict:
    """The open 受理 stage event (ended by the back office confirming the paper file)."""
    return {
        "stage": "accept", "action": "enter", "started_at": accepted_at, "ended_at": None,
        "due_date": limits.stage_due, "due_estimated": limits.stage_estimated, "handler": handler,
        "actor_id": actor_id,
    }


def material_rows(checklist: Iterable[tuple[str, str, str]], deferral_due: tuple[dt.date, bool]) -> list[dict]:
    """One row per checklist item ``(code, name, state)`` in order: a received item is one copy on
    paper; a deferred one (容缺) is due ``deferral_due``; one on file is not handed in again."""
    due, estimated = deferral_due
    rows = []
    for seq, (code, name, state) in enumerate(checklist, start=1):
        deferred = state == "deferred"
        rows.append({
            "seq": seq, "code": code, "name": name, "state": state, "copies": 1 if state == "received" else 0,
            "due_date": due if deferred else None, "due_estimated": estimated if deferred else False,
            "supplied_at": None, "supplied_by_id": None,
        })
    return rows


def commitment_rows(signed_at: dt.datetime, materials: Iterable[dict]) -> list[dict]:
    """The authenticity commitment always; the deferral commitment (容缺承诺) when items were deferred,
    listing them, due with the last of them."""
    rows = [{"kind": "authenticity", "signed_at": signed_at, "due_date": None, "items": [], "fulfilled_at": None}]
    deferred = [m for m in materials if m["state"] == "deferred"]
    if deferred:
        rows.append({
            "kind": "deferral", "signed_at": signed_at, "due_date": max(m["due_date"] for m in deferred),
            "items": [{"code": m["code"], "name": m["name"], "due_date": m["due_date"].isoformat()}
                      for m in deferred],
            "fulfilled_at": None,
        })
    return rows
