"""外线工程 after the survey: the survey tells whether the connection needs external works, and the
whole-process promise follows (获得电力 2025: low voltage ≤ 5 working days without, ≤ 15 with).

Recording it sets the application's ``external_works``, moves the promised date to what
``time_limits.promised_days`` gives (the one rule: the registers, the progress page, the slip and
every reprinted document read the stored date), re-counts the open stage's due date when that stage
takes longer with external works (装表接电), and writes an audit entry with the old and new dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from counter_app.hall import hall
from counter_app.hall.catalog import is_important
from counter_app.hall.workdays import Deadline
from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError
from counter_app.models import Application
from counter_app.security import audit
from counter_app.security.permissions import Perm, require
from counter_app.tracking import stages, time_limits

AUDIT_ACTION = "external_works"
LABELS = {None: "未记录", False: "不需要外线工程", True: "需要外线工程"}


refusal = stages.external_works_refusal  # why it cannot be recorded now (None: it can)


@dataclass(frozen=True)
class Recorded:
    application_id: int
    number: str
    needed: bool
    old_due: dt.date | None
    due: Deadline
    promised_days: int
    stage_due: Deadline | None  # the open stage's new due date, when it changed
    version: int

    def message(self) -> str:
        text = (f"申请 {self.number} 已记录：{LABELS[self.needed]}，全过程承诺{self.promised_days}个工作日，"
                f"承诺办结日期 {self.due.label()}")
        if self.old_due and self.old_due != self.due.day:
            text += f"（原为 {self.old_due:%Y-%m-%d}）"
        if self.stage_due is not None:
            text += f"；当前环节期限 {self.stage_due.label()}"
        return text


def record_in_session(session: Session, actor: Actor, app: Application, needed: bool) -> Recorded:
    problem = refusal(app)
    if problem:
        raise UserError(problem)
    old_due, old_stage_due = app.due_date, app.stage_due_date
    app.external_works = bool(needed)
    app.external_works_at = clock.now().replace(microsecond=0)
    calendar = hall.work_calendar(session, app.hall_id)
    due = time_limits.promised_deadline(calendar, app)
    app.due_date, app.due_estimated = due.day, due.estimated
    stage_due = None
    event = stages.open_event(app)
    if event is not None and event.stage == app.current_stage:
        new = stages.stage_deadline(session, app, event.stage, event.started_at)
        if new.day != event.due_date:
            event.due_date, event.due_estimated = new.day, new.estimated
            app.stage_due_date = new.day
            stage_due = new
    app.updated_at = clock.now()
    app.updated_by_id = actor.user_id
    session.flush()
    days = time_limits.promised_days(stages.business_type_of(app), important=is_important(app.load_importance),
                                     external_works=app.external_works)
    text = f"{app.number} 经现场勘查{LABELS[bool(needed)]}，全过程承诺{days}个工作日，承诺办结日期 {due.label()}"
    if old_due and old_due != due.day:
        text += f"（原为 {old_due:%Y-%m-%d}）"
    audit.record(session, actor, AUDIT_ACTION, "application", app.id, detail={
        "number": app.number, "needed": bool(needed), "old_due": old_due.isoformat() if old_due else "",
        "due": due.day.isoformat(), "promised_days": days,
        **({"old_stage_due": old_stage_due.isoformat() if old_stage_due else "",
            "stage_due": stage_due.day.isoformat()} if stage_due else {}),
        "text": text,
    })
    return Recorded(app.id, app.number, bool(needed), old_due, due, days, stage_due, app.version)


def record(db: Database, actor: Actor, application_id: int, *, version: int | None, needed: bool) -> Recorded:
    """Record whether external works are needed (the back office, after the survey)."""
    require(db, actor, Perm.MOVE_STAGE, target_type="application", target_id=str(application_id))

    def work(session: Session) -> Recorded:
        app = stages.load_for_update(session, application_id, version)
        return record_in_session(session, actor, app, needed)

    return stages.guarded_write(db, work)
