"""请核对: the customer confirms the typed data on the customer screen before anything is printed.

A confirmation is taken after the save (it belongs to the application) and before the documents:
by touch or mouse on the customer screen (``screen``), or by the clerk's key after the customer said
so (``clerk_key``, recorded as such). A customer may ask for a correction of one field instead; the
clerk sees which. With the hall setting ``customer_confirmation`` on, documents of an application
accepted since then render only while its stored data still matches what was confirmed
(``print_refusal``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.customer import view as customer_view
from counter_app.customer.view import LINE_LABELS, CustomerSheet
from counter_app.hall import hall as hall_mod
from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import NotFound, ValidationFailed
from counter_app.models import Application, CustomerConfirmation, HallSetting
from counter_app.security import audit
from counter_app.security.permissions import Perm, require

OUTCOMES = {"confirmed": "已确认", "correction": "要求更正"}
METHODS = {"screen": "客户在客户屏点按确认", "clerk_key": "客户口头确认，受理员按键记录"}


@dataclass(frozen=True)
class Answer:
    outcome: str
    method: str
    field: str
    at: dt.datetime

    @property
    def field_label(self) -> str:
        return LINE_LABELS.get(self.field, self.field)

    def describe(self) -> str:
        if self.outcome == "correction":
            return f"客户要求更正：{self.field_label}（{self.at:%H:%M}）"
        return f"{METHODS.get(self.method, self.method)}（{self.at:%Y-%m-%d %H:%M}）"


@dataclass(frozen=True)
class ConfirmationState:
    application_id: int
    number: str
    required: bool  # hall setting customer_confirmation
    confirmed: bool  # a confirmation of the data as stored now
    sheet: CustomerSheet  # what the customer checks (masked for the customer screen)
    last: Answer | None

    @property
    def printable(self) -> bool:
        return self.confirmed or not self.required


def is_required(session: Session, application: Application) -> bool:
    """The hall's rule, for applications accepted since it was switched on (a hall turning it on does
    not block reprints of the cases accepted before)."""
    row = session.scalar(select(HallSetting).where(HallSetting.hall_id == application.hall_id,
                                                   HallSetting.key == "customer_confirmation"))
    if row is None:
        return bool(hall_mod.DEFAULT_SETTINGS["customer_confirmation"])
    return bool(row.value) and application.accepted_at >= row.updated_at


def stored_sheet(session: Session, application: Application) -> CustomerSheet:
    """The sheet of the saved application, with due dates of deferred items and the completion date."""
    from counter_app.acceptance.opened_application import as_input

    deferred_due = {m.code: m.due_date for m in application.materials if m.state in ("deferred", "supplied")}
    return customer_view.build(as_input(application), number=application.number, deferred_due=deferred_due,
                               due_date=application.due_date)


def _last(session: Session, application_id: int) -> CustomerConfirmation | None:
    return session.scalar(select(CustomerConfirmation).where(CustomerConfirmation.application_id == application_id)
                          .order_by(CustomerConfirmation.at.desc(), CustomerConfirmation.id.desc()).limit(1))


def _confirmed(session: Session, application_id: int, fingerprint: str) -> bool:
    return session.scalar(select(CustomerConfirmation.id).where(
        CustomerConfirmation.application_id == application_id, CustomerConfirmation.outcome == "confirmed",
        CustomerConfirmation.fingerprint == fingerprint).limit(1)) is not None


def _state(session: Session, application: Application) -> ConfirmationState:
    sheet = stored_sheet(session, application)
    last = _last(session, application.id)
    return ConfirmationState(
        application_id=application.id, number=application.number,
        required=is_required(session, application),
        confirmed=_confirmed(session, application.id, customer_view.fingerprint(sheet)),
        sheet=sheet,
        last=Answer(last.outcome, last.method, last.field, last.at) if last else None,
    )


def _application(session: Session, application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None:
        raise NotFound("没有找到该申请，可能已被删除或编号有误")
    return application


def state(db: Database, actor: Actor, application_id: int) -> ConfirmationState:
    require(db, actor, Perm.VIEW_APPLICATION, target_type="application", target_id=str(application_id))
    with db.read() as session:
        return _state(session, _application(session, application_id))


def record(db: Database, actor: Actor, application_id: int, outcome: str, method: str,
           field: str = "") -> ConfirmationState:
    """Store the customer's answer to 请核对 (the sheet is read again here: what is confirmed is what
    is stored, not what a screen last showed)."""
    require(db, actor, Perm.ACCEPT, target_type="application", target_id=str(application_id))
    if outcome not in OUTCOMES or method not in METHODS:
        raise ValidationFailed({"outcome": "未知的确认结果或确认方式"})
    if outcome == "correction" and field not in LINE_LABELS:
        raise ValidationFailed({"field": "请选择需要更正的项目"})

    def work(session: Session) -> ConfirmationState:
        application = _application(session, application_id)
        sheet = stored_sheet(session, application)
        now = clock.now()
        session.add(CustomerConfirmation(
            application_id=application.id, outcome=outcome, method=method,
            field=field if outcome == "correction" else "", fingerprint=customer_view.fingerprint(sheet),
            at=now, user_id=actor.user_id, window_id=actor.window_id, pc=actor.pc[:120],
        ))
        action = "customer_confirm" if outcome == "confirmed" else "customer_correction"
        detail = {"method": method} if outcome == "confirmed" else {"method": method, "field": field,
                                                                    "label": LINE_LABELS[field]}
        audit.record(session, actor, action, "application", application.number, detail=detail, at=now)
        session.flush()
        return _state(session, application)

    return db.run_write(work)


def print_refusal(session: Session, application_id: int) -> str | None:
    """Why the documents of this application may not be printed yet (None: they may)."""
    application = session.get(Application, application_id)
    if application is None or not is_required(session, application):
        return None
    if _confirmed(session, application_id, customer_view.fingerprint(stored_sheet(session, application))):
        return None
    return ("客户尚未在客户屏核对确认本申请的信息（或确认后信息又有修改），请先请客户核对确认，再打印单据。"
            "客户口头确认的，可在受理页面按 F10 记录。")
