"""容缺 follow-up and the credit blacklist.

Deferred materials due today or overdue are listed; handing one in is one action (who, when) and
closes the 容缺 commitment once nothing is left. Past the deadline a supervisor may terminate the
application with a reason and put the customer on the credit blacklist (reason, who, when); removal
needs a reason too. ``Customer.blacklisted`` always mirrors the active BlacklistEntry rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from counter_app.acceptance import identity
from counter_app.hall import hall
from counter_app.hall.workdays import Deadline
from counter_app.infra import batched, clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import NotFound, UserError, ValidationFailed
from counter_app.models import (
    Application,
    BlacklistEntry,
    Certificate,
    Commitment,
    CounterWindow,
    Customer,
    Material,
    User,
)
from counter_app.security import audit, privacy
from counter_app.security.db_logins import find_ids
from counter_app.security.permissions import Perm, require
from counter_app.security.redaction import mask_id
from counter_app.tracking import stages

SCOPES = {"due": "今日到期及逾期", "today": "今日到期", "overdue": "已逾期", "all": "全部未补交"}
ROW_STATES = {"overdue": "已逾期", "today": "今日到期", "pending": "未到期"}


# --- the follow-up list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DeferredRow:
    material_id: int
    application_id: int
    number: str
    version: int
    customer_id: int
    customer_name: str
    phone: str
    item_name: str
    due: Deadline
    state: str  # overdue | today | pending
    days_over: int  # working days past the due date
    window_no: int | None
    clerk_name: str
    blacklisted: bool
    stage_name: str

    @property
    def state_label(self) -> str:
        if self.state == "overdue":
            return f"逾期 {self.days_over} 个工作日" if self.days_over else "已逾期"
        return ROW_STATES[self.state]


def open_items(db: Database, actor: Actor, *, scope: str = "due", window_id: int | None = None) -> list[DeferredRow]:
    """Deferred items not yet handed in, of active applications: overdue first, then due today."""
    if scope not in SCOPES:
        raise UserError(f"未知的范围：{scope}")
    require(db, actor, Perm.VIEW_APPLICATION, target_type="deferrals")
    today = clock.today()
    # the halls' calendars with the items, one statement, no transaction around it (issue 20)
    with db.brief() as session:
        hall_ids = hall.view_halls(session, actor)  # a city supervisor: every hall it is given
        stmt = (
            select(Material.id.label("material_id"), Material.name.label("item_name"), Material.due_date,
                   Material.due_estimated, Application.id, Application.number, Application.version,
                   Application.contact_mobile, Application.contact_phone, Application.current_stage,
                   Application.clerk_id, Application.window_id, Application.status, Application.hall_id,
                   Customer.id.label("customer_id"), Customer.name.label("customer_name"), Customer.blacklisted,
                   CounterWindow.number.label("window_no"), User.name.label("clerk_name"))
            .join(Application, Application.id == Material.application_id)
            .join(Customer, Customer.id == Application.customer_id)
            .join(CounterWindow, CounterWindow.id == Application.window_id)
            .join(User, User.id == Application.clerk_id)
            .where(Material.state == "deferred", Application.status == "active",
                   Application.hall_id.in_(hall_ids))
        )
        if scope == "due":
            stmt = stmt.where(Material.due_date <= today)
        elif scope == "today":
            stmt = stmt.where(Material.due_date == today)
        elif scope == "overdue":
            stmt = stmt.where(Material.due_date < today)
        if window_id is not None:
            stmt = stmt.where(Application.window_id == window_id)
        groups = [hall.context_statements(hall_id) for hall_id in hall_ids]  # each hall's own calendar
        *contexts, items = batched.read_all(session, [
            *(statement for group in groups for statement in group),
            stmt.order_by(Material.due_date, Application.number, Material.seq)])
        calendars, at = {}, 0
        for hall_id, group in zip(hall_ids, groups, strict=True):
            hall.keep_context(session, hall_id, *contexts[at:at + len(group)])
            calendars[hall_id] = hall.work_calendar(session, hall_id)
            at += len(group)
        rows = []
        for item in items:
            due_day = item.due_date or today
            if due_day < today:
                state, over = "overdue", calendars[item.hall_id].workdays_between(due_day, today)[0]
            else:
                state, over = ("today" if due_day == today else "pending"), 0
            phone = item.contact_mobile or item.contact_phone
            rows.append(DeferredRow(
                material_id=item.material_id, application_id=item.id, number=item.number, version=item.version,
                customer_id=item.customer_id, customer_name=item.customer_name,
                phone=privacy.show_phone(actor, phone, own_case=privacy.handles_case(actor, item)),
                item_name=item.item_name,
                due=Deadline(due_day, item.due_estimated), state=state, days_over=over,
                window_no=item.window_no, clerk_name=item.clerk_name, blacklisted=item.blacklisted,
                stage_name=stages.stage_name(item.current_stage),
            ))
    return rows


# --- supplying an item ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SupplyResult:
    number: str
    item_name: str
    supplied_at: dt.datetime
    remaining: int  # deferred items still missing on this application
    commitment_fulfilled: bool

    def message(self) -> str:
        tail = "，容缺承诺已全部履行" if self.commitment_fulfilled else f"，尚有 {self.remaining} 项待补交"
        return f"已登记补交：{self.number}“{self.item_name}”{tail}"


def supply(db: Database, actor: Actor, material_id: int, *, at: dt.datetime | None = None) -> SupplyResult:
    """The customer handed in a deferred item: record who took it and when (one action)."""
    require(db, actor, Perm.SUPPLY_MATERIAL, target_type="material", target_id=str(material_id))

    def work(session: Session) -> SupplyResult:
        material = session.get(Material, material_id, with_for_update=True)
        if material is None:
            raise NotFound("未找到该资料记录，请刷新后重试")
        app = session.get(Application, material.application_id)
        if material.state == "supplied":
            who = session.get(User, material.supplied_by_id)
            raise UserError(f"“{material.name}”已于 {material.supplied_at:%Y-%m-%d %H:%M} 由"
                            f"{who.name if who else '他人'}登记补交，无需重复登记")
        if material.state != "deferred":
            raise UserError(f"“{material.name}”不是容缺待补资料")
        if app.status == "terminated":
            raise UserError(f"申请 {app.number} 已终止，不能再登记补交资料")
        moment = (at or clock.now()).replace(microsecond=0)
        material.state = "supplied"
        material.supplied_at = moment
        material.supplied_by_id = actor.user_id
        session.flush()
        left = len(session.scalars(select(Material.id).where(Material.application_id == app.id,
                                                             Material.state == "deferred")).all())
        commitment = session.scalar(select(Commitment).where(Commitment.application_id == app.id,
                                                             Commitment.kind == "deferral"))
        fulfilled = False
        if commitment is not None:
            items = [dict(item) for item in commitment.items or []]
            for item in items:
                if item.get("code") == material.code:
                    item["supplied_at"] = moment.isoformat(sep=" ")
                    item["supplied_by"] = actor.name
            commitment.items = items  # a new list: JSON columns notice reassignment only
            if left == 0 and commitment.fulfilled_at is None:
                commitment.fulfilled_at = moment
                fulfilled = True
        audit.record(session, actor, "material_supplied", "application", app.id,
                     detail={"number": app.number, "code": material.code, "name": material.name,
                             "at": moment.isoformat(sep=" "), "commitment_fulfilled": fulfilled})
        return SupplyResult(app.number, material.name, moment, left, fulfilled)

    return db.run_write(work)


# --- termination of an overdue application --------------------------------------------------------


def overdue_items(session: Session, application_id: int, today: dt.date) -> list[Material]:
    return list(session.scalars(select(Material).where(
        Material.application_id == application_id, Material.state == "deferred", Material.due_date < today,
    ).order_by(Material.seq)))


def default_blacklist_reason(number: str, item_names: list[str]) -> str:
    return f"容缺受理承诺逾期未补交资料（{'、'.join(item_names)}），申请{number}已终止"[:200]


@dataclass(frozen=True)
class TerminationResult:
    number: str
    blacklisted: bool
    customer_name: str

    def message(self) -> str:
        tail = f"，客户“{self.customer_name}”已列入失信名单" if self.blacklisted else ""
        return f"申请 {self.number} 已终止{tail}"


def terminate_overdue(db: Database, actor: Actor, application_id: int, *, version: int | None, reason: str,
                      blacklist: bool = False, blacklist_reason: str = "") -> TerminationResult:
    """Terminate an application whose deferred materials are overdue; optionally blacklist the customer."""
    require(db, actor, Perm.TERMINATE, target_type="application", target_id=str(application_id))
    if blacklist:
        require(db, actor, Perm.BLACKLIST, target_type="application", target_id=str(application_id))

    def work(session: Session) -> TerminationResult:
        app = stages.load_for_update(session, application_id, version)
        late = overdue_items(session, app.id, clock.today())
        if not late:
            raise UserError(f"申请 {app.number} 没有逾期未补交的容缺资料，不能按容缺逾期终止")
        stages.terminate_in_session(session, actor, app, reason=reason)
        if blacklist:
            text = (blacklist_reason or "").strip() or default_blacklist_reason(app.number, [m.name for m in late])
            add_entry(session, actor, app.customer_id, reason=text, application_id=app.id)
        return TerminationResult(app.number, blacklist, app.customer.name)

    return stages.guarded_write(db, work)


# --- the credit blacklist ------------------------------------------------------------------------


@dataclass(frozen=True)
class BlacklistRow:
    id: int
    customer_id: int
    customer_name: str
    certificate: str
    reason: str
    added_by: str
    added_at: dt.datetime
    application_number: str
    removed_reason: str
    removed_by: str
    removed_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.removed_at is None

    @property
    def state_label(self) -> str:
        return "在列" if self.active else "已移出"


@dataclass(frozen=True)
class CustomerMatch:
    customer_id: int
    name: str
    certificate: str
    blacklisted: bool


def sync_flag(session: Session, customer_id: int) -> bool:
    """Set Customer.blacklisted from the active entries; returns the flag."""
    session.flush()
    active = session.scalar(select(exists().where(BlacklistEntry.customer_id == customer_id,
                                                  BlacklistEntry.removed_at.is_(None))))
    customer = session.get(Customer, customer_id)
    customer.blacklisted = bool(active)
    customer.updated_at = clock.now()
    return customer.blacklisted


def _check_reason(reason: str, field: str, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed({field: f"请填写{what}"})
    if len(text) > 200:
        raise ValidationFailed({field: f"{what}最多200字"})
    return text


def add_entry(session: Session, actor: Actor, customer_id: int, *, reason: str,
              application_id: int | None = None) -> BlacklistEntry:
    text = _check_reason(reason, "reason", "列入失信名单的原因")
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("未找到该客户，请刷新后重试")
    already = session.scalar(select(BlacklistEntry).where(BlacklistEntry.customer_id == customer_id,
                                                          BlacklistEntry.removed_at.is_(None)))
    if already is not None:
        raise UserError(f"客户“{customer.name}”已在失信名单中（{already.added_at:%Y-%m-%d} 列入：{already.reason}）")
    entry = BlacklistEntry(customer_id=customer_id, application_id=application_id, reason=text,
                           added_by_id=actor.user_id, added_at=clock.now())
    session.add(entry)
    session.flush()
    sync_flag(session, customer_id)
    audit.record(session, actor, "blacklist_add", "customer", customer_id,
                 detail={"entry": entry.id, "customer": customer.name, "reason": text,
                         **({"application_id": application_id} if application_id else {})})
    return entry


def blacklist_add(db: Database, actor: Actor, customer_id: int, *, reason: str,
                  application_id: int | None = None) -> int:
    require(db, actor, Perm.BLACKLIST, target_type="customer", target_id=str(customer_id))
    return db.run_write(lambda s: add_entry(s, actor, customer_id, reason=reason, application_id=application_id).id)


def blacklist_remove(db: Database, actor: Actor, entry_id: int, *, reason: str) -> None:
    require(db, actor, Perm.BLACKLIST, target_type="blacklist", target_id=str(entry_id))
    text = _check_reason(reason, "removed_reason", "移出失信名单的原因")

    def work(session: Session) -> None:
        entry = session.get(BlacklistEntry, entry_id, with_for_update=True)
        if entry is None:
            raise NotFound("未找到该失信记录，请刷新后重试")
        if entry.removed_at is not None:
            raise UserError(f"该记录已于 {entry.removed_at:%Y-%m-%d %H:%M} 移出失信名单")
        entry.removed_at = clock.now()
        entry.removed_by_id = actor.user_id
        entry.removed_reason = text
        sync_flag(session, entry.customer_id)
        audit.record(session, actor, "blacklist_remove", "customer", entry.customer_id,
                     detail={"entry": entry.id, "reason": text})

    db.run_write(work)


def blacklist_entries(db: Database, actor: Actor, *, include_removed: bool = False) -> list[BlacklistRow]:
    require(db, actor, Perm.VIEW_APPLICATION, target_type="blacklist")
    # the entries with their customers' first certificates and applications: one statement (issue 20)
    first_cert = (select(Certificate.number).where(Certificate.customer_id == Customer.id)
                  .order_by(Certificate.id).limit(1).scalar_subquery())
    stmt = (select(*batched.columns(BlacklistEntry), Customer.name.label("customer_name"),
                   first_cert.label("cert"), Application.number.label("application_number"))
            .join(Customer, Customer.id == BlacklistEntry.customer_id)
            .outerjoin(Application, Application.id == BlacklistEntry.application_id))
    if not include_removed:
        stmt = stmt.where(BlacklistEntry.removed_at.is_(None))
    with db.brief() as session:
        entries, names = batched.read_all(session, [
            stmt.order_by(BlacklistEntry.added_at.desc(), BlacklistEntry.id.desc()), select(User.id, User.name)])
        names, rows = dict(names), []
        for entry in entries:
            number = entry.application_number
            rows.append(BlacklistRow(
                id=entry.id, customer_id=entry.customer_id, customer_name=entry.customer_name,
                certificate=privacy.show_id(actor, entry.cert or ""), reason=entry.reason,  # a list: masked
                added_by=names.get(entry.added_by_id, ""), added_at=entry.added_at,
                application_number=number or "", removed_reason=entry.removed_reason,
                removed_by=names.get(entry.removed_by_id, "") if entry.removed_by_id else "",
                removed_at=entry.removed_at,
            ))
        return rows


def find_customers(db: Database, actor: Actor, certificate_number: str) -> list[CustomerMatch]:
    """Customers holding a certificate number (to blacklist one by hand); the lookup is audited."""
    require(db, actor, Perm.BLACKLIST, target_type="customer")
    number = identity.normalize(certificate_number)
    if len(number) < 6:
        raise ValidationFailed({"certificate": "请输入完整的证件号码"})

    def work(session: Session) -> list[CustomerMatch]:
        rows = session.execute(
            select(Customer, Certificate.number).join(Certificate, Certificate.customer_id == Customer.id)
            .where(Certificate.id.in_(find_ids(session, "certificate", [number])))
        ).all()
        audit.record(session, actor, "lookup", "customer", mask_id(number),
                     detail={"by": "certificate", "found": [c.id for c, _n in rows]})
        return [CustomerMatch(c.id, c.name, privacy.show_id(actor, n), c.blacklisted) for c, n in rows]

    return db.run_write(work)
