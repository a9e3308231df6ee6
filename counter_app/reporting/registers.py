"""Supervisor registers (台账): paged for the screen, streamed for Excel, from one definition each.

Registers: 业扩受理台账 (``register``), 容缺台账 (``deferred``), 承诺书台账 (``commitments``),
时限预警清单 (``warnings``) and 窗口工作量 (``workload``). Each has its columns (also the Excel
columns), a filtered, ordered query and a row builder; ``count``/``fetch`` serve a table view page by
page, ``stream`` feeds an export with constant memory (``yield_per``: a server-side cursor on
PostgreSQL).

Time-limit warnings follow one rule, in one place: :func:`time_status` (used by the warning register,
and callable by any other feature). The rule: red when a due date (stage or whole process) has
passed; yellow when the working days used since the stage started reach the hall setting
``warning_yellow_ratio`` (default 80 %) of the stage limit. :func:`warning_condition` is the same rule
as SQL, so filtering and paging stay in the database; a test checks that both agree.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import and_, case, exists, false, func, or_, select
from sqlalchemy.orm import Session

from counter_app.hall import catalog as catalog_mod
from counter_app.hall import hall as hall_mod
from counter_app.security import privacy
from counter_app.infra.context import Actor
from counter_app.infra.errors import UserError, ValidationFailed
from counter_app.acceptance.identity import cert_label
from counter_app.security.redaction import mask_id, mask_phone
from counter_app.models import (
    Application,
    Certificate,
    Commitment,
    CounterWindow,
    Customer,
    Material,
    StageEvent,
    User,
)
from counter_app.security.permissions import Perm, require
from counter_app.printing.columns import Column
from counter_app.hall.workdays import WorkCalendar

STATUS_LABELS = {"active": "在办", "completed": "已办结", "terminated": "已终止"}
DEFERRAL_STATES = {"pending": "未到期", "overdue": "已超期", "supplied": "已补交"}
LEVEL_LABELS = {"red": "红色预警", "yellow": "黄色预警", "green": "正常"}
STREAM_CHUNK = 1000


# --- filters --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterFilter:
    """What a supervisor narrows a register to. Dates are acceptance dates, both ends included."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    window_no: int | None = None
    clerk_id: int | None = None
    business_type: str | None = None
    stage: str | None = None
    status: str | None = None
    overdue_only: bool = False
    deferral_state: str | None = None  # 容缺台账 only: pending | overdue | supplied

    def validate(self) -> None:
        errors = {}
        if self.date_from and self.date_to and self.date_from > self.date_to:
            errors["date_to"] = "结束日期不能早于开始日期，请重新选择受理日期范围"
        if self.status and self.status not in STATUS_LABELS:
            errors["status"] = f"未知的办理状态：{self.status}（可选：在办、已办结、已终止）"
        if self.deferral_state and self.deferral_state not in DEFERRAL_STATES:
            errors["deferral_state"] = f"未知的容缺状态：{self.deferral_state}"
        if self.business_type and self.business_type not in catalog_mod.load().business_types:
            errors["business_type"] = f"未知的业务类型：{self.business_type}"
        if self.stage and self.stage not in catalog_mod.load().stage_names:
            errors["stage"] = f"未知的环节：{self.stage}"
        if errors:
            raise ValidationFailed(errors)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for the export record."""
        out = {}
        for key, value in asdict(self).items():
            if value in (None, False):
                continue
            out[key] = value.isoformat() if isinstance(value, dt.date) else value
        return out

    def describe(self, session: Session) -> str:
        """The filter as a supervisor reads it at the top of an export."""
        cat = catalog_mod.load()
        if self.date_from or self.date_to:
            dates = f"{_d(self.date_from) or '最早'} 至 {_d(self.date_to) or '今天'}"
        else:
            dates = "全部"
        parts = [f"受理日期：{dates}"]
        parts.append(f"窗口：{self.window_no}号窗口" if self.window_no else "窗口：全部")
        if self.clerk_id:
            user = session.get(User, self.clerk_id)
            parts.append(f"受理人：{user.name if user else self.clerk_id}")
        if self.business_type:
            parts.append(f"业务类型：{cat.business_name(self.business_type)}")
        if self.stage:
            parts.append(f"环节：{cat.stage_name(self.stage)}")
        if self.status:
            parts.append(f"状态：{STATUS_LABELS.get(self.status, self.status)}")
        if self.deferral_state:
            parts.append(f"容缺状态：{DEFERRAL_STATES[self.deferral_state]}")
        if self.overdue_only:
            parts.append("仅超期")
        return "；".join(parts)


def _d(day: dt.date | None) -> str:
    return f"{day:%Y-%m-%d}" if day else ""


# --- the time-limit rule --------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeStatus:
    level: str  # green | yellow | red
    used_days: int  # working days since the stage started (start day not counted)
    limit_days: int | None
    stage_due: dt.date | None
    overdue_days: int  # working days past the later-passed due date (0 unless red)
    estimated: bool  # counted over a year the official calendar does not know

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self.level]


def yellow_threshold(limit_days: int, ratio: float) -> int | None:
    """Working days used from which an application is yellow (None: the stage has no limit)."""
    if limit_days <= 0:
        return None
    return max(1, math.ceil(round(limit_days * ratio, 6)))


def time_status(
    calendar: WorkCalendar,
    *,
    started: dt.date | dt.datetime,
    limit_days: int | None,
    stage_due: dt.date | None,
    today: dt.date,
    process_due: dt.date | None = None,
    yellow_ratio: float = 0.8,
) -> TimeStatus:
    """The warning rule of DOMAIN.md for an application in progress.

    red: today is past the stage due date or the whole-process due date; yellow: the working days
    used since ``started`` reach ``yellow_ratio`` of ``limit_days``; otherwise green."""
    start_day = started.date() if isinstance(started, dt.datetime) else started
    used, estimated = calendar.workdays_between(start_day, today)
    passed = [d for d in (stage_due, process_due) if d is not None and today > d]
    if passed:
        over, est2 = calendar.workdays_between(min(passed), today)
        return TimeStatus("red", used, limit_days, stage_due, over, estimated or est2)
    threshold = yellow_threshold(limit_days or 0, yellow_ratio)
    level = "yellow" if threshold is not None and used >= threshold else "green"
    return TimeStatus(level, used, limit_days, stage_due, 0, estimated)


def kth_workday_back(calendar: WorkCalendar, today: dt.date, k: int) -> dt.date:
    """The k-th working day counting back from ``today`` (today counts when it is a working day)."""
    day, seen = today, 0
    while True:
        if calendar.is_workday(day):
            seen += 1
            if seen == k:
                return day
        day -= dt.timedelta(days=1)


def stage_started_expr():
    """When the current stage began: the open stage event, else the acceptance time."""
    opened = (
        select(func.max(StageEvent.started_at))
        .where(StageEvent.application_id == Application.id, StageEvent.ended_at.is_(None))
        .correlate(Application)
        .scalar_subquery()
    )
    return func.coalesce(opened, Application.accepted_at)


def overdue_condition(today: dt.date):
    """In progress and past the stage or whole-process due date (= red)."""
    return and_(
        Application.status == "active",
        or_(Application.stage_due_date < today, Application.due_date < today),
    )


def stage_limits(session: Session, hall_id: int) -> dict[tuple[str, str], int]:
    """Effective working-day limit per (business type, stage): catalog defaults + hall overrides."""
    limits = {}
    overrides = hall_mod.get_setting(session, "stage_limits", hall_id) or {}
    for code, bt in catalog_mod.load().business_types.items():
        for stage in bt.stages:
            value = overrides.get(code, {}).get(stage.code)
            limits[(code, stage.code)] = int(value) if value is not None else stage.limit_days
    return limits


def warning_condition(level: str, *, today: dt.date, calendar: WorkCalendar,
                      limits: dict[tuple[str, str], int], yellow_ratio: float):
    """SQL for ``time_status(...).level == level`` over Application rows (active ones only).

    used >= k  ⇔  the stage started before the k-th working day counting back from today."""
    red = overdue_condition(today)
    if level == "red":
        return red
    groups: dict[tuple[str, int], list[str]] = {}
    for (business_type, stage), limit in limits.items():
        k = yellow_threshold(limit, yellow_ratio)
        if k is not None:
            groups.setdefault((stage, k), []).append(business_type)
    started = stage_started_expr()
    branches = [
        and_(Application.current_stage == stage, Application.business_type.in_(sorted(types)),
             started < dt.datetime.combine(kth_workday_back(calendar, today, k), dt.time()))
        for (stage, k), types in sorted(groups.items())
    ]
    yellow = and_(Application.status == "active", ~red, or_(*branches) if branches else false())
    if level == "yellow":
        return yellow
    if level == "warning":
        return or_(red, yellow)
    raise ValueError(level)


def application_time_status(session: Session, application: Application,
                            today: dt.date | None = None) -> TimeStatus:
    """:func:`time_status` for one application, with the hall's calendar, limits and ratio."""
    from counter_app.infra import clock

    today = today or clock.today()
    limit = hall_mod.stage_limit(session, application.hall_id, application.business_type,
                                 application.current_stage) if _known_stage(application) else None
    started = next((e.started_at for e in reversed(application.stage_events) if e.ended_at is None),
                   application.accepted_at)
    return time_status(
        hall_mod.work_calendar(session, application.hall_id), started=started, limit_days=limit,
        stage_due=application.stage_due_date, process_due=application.due_date, today=today,
        yellow_ratio=float(hall_mod.get_setting(session, "warning_yellow_ratio", application.hall_id)),
    )


def _known_stage(application: Application) -> bool:
    bt = catalog_mod.load().business_types.get(application.business_type)
    return bt is not None and any(s.code == application.current_stage for s in bt.stages)


# --- context shared by the row builders -----------------------------------------------------------


class _MemoCalendar:
    """The hall calendar with ``workdays_between`` remembered: a register's rows share few
    (start day, today) pairs, and counting day by day over a year for each row is slow."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self._between: dict[tuple[dt.date, dt.date], tuple[int, bool]] = {}

    def workdays_between(self, start: dt.date, end: dt.date) -> tuple[int, bool]:
        key = (start, end)
        if key not in self._between:
            self._between[key] = self.calendar.workdays_between(start, end)
        return self._between[key]

    def __getattr__(self, name):
        return getattr(self.calendar, name)


@dataclass
class _Ctx:
    session: Session
    today: dt.date
    masked: bool
    hall_id: int
    calendar: WorkCalendar | _MemoCalendar
    yellow_ratio: float
    standard_minutes: int
    limits: dict[tuple[str, str], int]
    windows: dict[int, CounterWindow]
    users: dict[int, str]
    catalog: catalog_mod.Catalog = field(default_factory=catalog_mod.load)

    def window_label(self, window_id: int | None) -> str:
        window = self.windows.get(window_id) if window_id is not None else None
        return window.name if window else ""

    def id_number(self, number: str) -> str:
        return mask_id(number) if self.masked else number

    def phone(self, number: str) -> str:
        return mask_phone(number) if self.masked else number


def _context(session: Session, actor: Actor, masked: bool) -> _Ctx:
    from counter_app.infra import clock

    hall_id = actor.hall_id or hall_mod.require_hall(session).id
    settings = hall_mod.all_settings(session, hall_id)
    return _Ctx(
        session=session,
        today=clock.today(),
        masked=masked,
        hall_id=hall_id,
        calendar=_MemoCalendar(hall_mod.work_calendar(session, hall_id)),
        yellow_ratio=float(settings["warning_yellow_ratio"]),
        standard_minutes=int(settings["counter_standard_minutes"]),
        limits=stage_limits(session, hall_id),
        windows={w.id: w for w in session.scalars(select(CounterWindow))},
        users=dict(session.execute(select(User.id, User.name)).all()),
    )


def _application_filters(flt: RegisterFilter, ctx: _Ctx) -> list:
    where = []
    if flt.date_from:
        where.append(Application.accepted_at >= dt.datetime.combine(flt.date_from, dt.time()))
    if flt.date_to:
        where.append(Application.accepted_at < dt.datetime.combine(flt.date_to + dt.timedelta(days=1), dt.time()))
    if flt.window_no is not None:
        window_id = next((w.id for w in ctx.windows.values() if w.number == flt.window_no), None)
        if window_id is None:
            raise ValidationFailed({"window_no": f"没有 {flt.window_no} 号窗口，请检查窗口号"})
        where.append(Application.window_id == window_id)
    if flt.clerk_id is not None:
        where.append(Application.clerk_id == flt.clerk_id)
    if flt.business_type:
        where.append(Application.business_type == flt.business_type)
    if flt.stage:
        where.append(Application.current_stage == flt.stage)
    if flt.status:
        where.append(Application.status == flt.status)
    return where


def _short(name: str) -> str:
    """Catalog names carry long explanations in brackets; registers show the head."""
    return name.split("（")[0].split("(")[0].strip() or name


_material_short = _short


def _deferred_items(session: Session, app_ids: Sequence[int]) -> dict[int, list]:
    """Materials that were deferred (still outstanding or supplied later), per application: rows with
    name, state, due_date and supplied_at.

    All materials of these applications are read through the application_id index and the states
    picked here: with "state IN (…)" in the query SQLite chose the (state, due_date) index and read
    every deferred material of the hall for each chunk of rows, which made a 1,000,000-row export
    ten times slower per row than a 100,000-row one."""
    out: dict[int, list] = {}
    if not app_ids:
        return out
    stmt = (
        select(Material.application_id, Material.name, Material.state, Material.due_date, Material.supplied_at)
        .where(Material.application_id.in_(list(app_ids)))
        .order_by(Material.application_id, Material.seq, Material.id)
    )
    for row in session.execute(stmt):
        if row.state in ("deferred", "supplied"):
            out.setdefault(row.application_id, []).append(row)
    return out


# --- register definitions -------------------------------------------------------------------------


class Register:
    kind: str
    title: str
    sheet: str
    columns: tuple[Column, ...]
    totals: bool = True
    freeze_columns: int = 1
    @staticmethod
    def key_column():
        """One row per key (descriptor-free: mapped attributes cannot live on a plain class)."""
        return Application.id

    def statement(self, flt: RegisterFilter, ctx: _Ctx):
        raise NotImplementedError

    def key_statement(self, flt: RegisterFilter, ctx: _Ctx):
        """The keys of the rows in display order, with only the joins the filters need: paging
        skips over keys (index only) and then reads the full rows of one page."""
        raise NotImplementedError

    def page_statement(self, flt: RegisterFilter, ctx: _Ctx, offset: int, limit: int):
        keys = self.key_statement(flt, ctx).offset(offset).limit(limit).subquery()
        return self.statement(flt, ctx).where(self.key_column().in_(select(keys.c[0])))

    def count_statement(self, flt: RegisterFilter, ctx: _Ctx):
        stmt = self.statement(flt, ctx).order_by(None)
        return select(func.count()).select_from(stmt.subquery())

    def build(self, rows: Sequence, ctx: _Ctx) -> list[tuple]:
        raise NotImplementedError

    def totals_row(self, ctx: _Ctx, flt: RegisterFilter) -> Sequence | None:
        return None


class AcceptanceRegister(Register):
    kind, title, sheet = "register", "业扩受理台账", "业扩受理台账"
    columns = (
        Column("申请编号", width=20.5), Column("受理时间", "datetime", width=15.5), Column("窗口", width=8),
        Column("受理人", width=7), Column("户名", width=14, wrap=True), Column("证件类型", width=10),
        Column("证件号码", width=19.5), Column("业务类型", width=12.5, wrap=True), Column("用电类别", width=9),
        Column("申请容量", "number", width=8, total="sum"), Column("单位", width=5),
        Column("供电电压", width=6), Column("用电地址", width=18, wrap=True), Column("联系电话", width=12.5),
        Column("当前环节", width=9), Column("办结时限", "date", width=11), Column("是否超期", width=6),
        Column("绿色通道", width=6), Column("容缺资料", width=16, wrap=True), Column("办理状态", width=7),
    )

    def statement(self, flt, ctx):
        stmt = (
            select(
                Application.id, Application.number, Application.accepted_at, Application.window_id,
                Application.clerk_id, Customer.name, Certificate.cert_type, Certificate.number,
                Application.business_type, Application.usage_category, Application.applied_capacity,
                Application.capacity_unit, Application.supply_voltage, Application.address_district,
                Application.address_detail, Application.contact_mobile, Application.contact_phone,
                Application.current_stage, Application.stage_due_date, Application.due_date,
                Application.green_channel, Application.status,
            )
            .join(Customer, Customer.id == Application.customer_id)
            .join(Certificate, Certificate.id == Application.certificate_id)
            .where(*_application_filters(flt, ctx))
            .order_by(Application.accepted_at, Application.id)
        )
        if flt.overdue_only:
            stmt = stmt.where(overdue_condition(ctx.today))
        return stmt

    def count_statement(self, flt, ctx):
        stmt = select(func.count(Application.id)).where(*_application_filters(flt, ctx))
        if flt.overdue_only:
            stmt = stmt.where(overdue_condition(ctx.today))
        return stmt

    def key_statement(self, flt, ctx):
        stmt = (select(Application.id).where(*_application_filters(flt, ctx))
                .order_by(Application.accepted_at, Application.id))
        if flt.overdue_only:
            stmt = stmt.where(overdue_condition(ctx.today))
        return stmt

    def build(self, rows, ctx):
        deferred = _deferred_items(ctx.session, [r[0] for r in rows])
        out = []
        for (app_id, number, accepted_at, window_id, clerk_id, name, cert_type, cert_number, bt, usage,
             capacity, unit, voltage, district, detail, mobile, phone, stage, stage_due, due, green,
             status) in rows:
            overdue = status == "active" and any(d is not None and d < ctx.today for d in (stage_due, due))
            items = "、".join(
                _material_short(m.name) + ("（已补交）" if m.state == "supplied" else f"（{_d(m.due_date)}前）")
                for m in deferred.get(app_id, [])
            )
            out.append((
                number, accepted_at, ctx.window_label(window_id), ctx.users.get(clerk_id, ""), name,
                _short(cert_label(cert_type)), ctx.id_number(cert_number), ctx.catalog.business_name(bt),
                usage, capacity, unit, voltage, f"{district}{detail}", ctx.phone(mobile or phone),
                ctx.catalog.stage_name(stage), due, "是" if overdue else "否",
                "是" if green else "", items, STATUS_LABELS.get(status, status),
            ))
        return out


class _ApplicationPartRegister(Register):
    """A register of the parts of applications (容缺 materials, commitments): one row per part, keyed
    and counted on the part, filtered through the application it belongs to."""

    part: type  # the ORM class of one row: it has ``id`` and ``application_id``
    ORDER: tuple

    def key_column(self):
        return self.part.id

    def _conditions(self, flt, ctx) -> list:
        raise NotImplementedError

    def _select(self, flt, ctx, *columns):
        """``columns`` of the filtered parts joined to their application and customer, in display order."""
        return (
            select(*columns)
            .join(Application, Application.id == self.part.application_id)
            .join(Customer, Customer.id == Application.customer_id)
            .where(*self._conditions(flt, ctx))
            .order_by(*self.ORDER)
        )

    def key_statement(self, flt, ctx):
        return (select(self.part.id).join(Application, Application.id == self.part.application_id)
                .where(*self._conditions(flt, ctx)).order_by(*self.ORDER))

    def count_statement(self, flt, ctx):
        return (select(func.count(self.part.id)).join(Application, Application.id == self.part.application_id)
                .where(*self._conditions(flt, ctx)))


class DeferredRegister(_ApplicationPartRegister):
    kind, title, sheet = "deferred", "容缺受理台账", "容缺台账"
    columns = (
        Column("申请编号", width=21), Column("受理日期", "date"), Column("窗口", width=9),
        Column("受理人", width=8), Column("户名", width=18), Column("联系电话", width=13),
        Column("业务类型", width=12.5, wrap=True), Column("容缺资料", width=20, wrap=True), Column("应补交日期", "date"),
        Column("补交状态", width=9), Column("逾期天数", "int", width=8), Column("补交时间", "datetime"),
        Column("补交登记人", width=9), Column("当前环节", width=10), Column("办理状态", width=8),
    )

    part = Material
    ORDER = (Material.due_date, Application.accepted_at, Material.id)

    def _conditions(self, flt, ctx) -> list:
        where = [Material.state.in_(("deferred", "supplied")), *_application_filters(flt, ctx)]
        state = "overdue" if flt.overdue_only else flt.deferral_state
        if state == "pending":
            where += [Material.state == "deferred", or_(Material.due_date >= ctx.today, Material.due_date.is_(None))]
        elif state == "overdue":
            where += [Material.state == "deferred", Material.due_date < ctx.today]
        elif state == "supplied":
            where.append(Material.state == "supplied")
        return where

    def statement(self, flt, ctx):
        return self._select(
            flt, ctx,
            Material.id, Application.number, Application.accepted_at, Application.window_id,
            Application.clerk_id, Customer.name, Application.contact_mobile, Application.contact_phone,
            Application.business_type, Material.name, Material.due_date, Material.state,
            Material.supplied_at, Material.supplied_by_id, Application.current_stage, Application.status,
        )

    def build(self, rows, ctx):
        out = []
        for (_mid, number, accepted_at, window_id, clerk_id, name, mobile, phone, bt, material, due, state,
             supplied_at, supplied_by, stage, status) in rows:
            overdue_days = None
            if state == "supplied":
                label = "已补交"
            elif due is not None and due < ctx.today:
                label, overdue_days = "已超期", (ctx.today - due).days
            elif due == ctx.today:
                label = "今日到期"
            else:
                label = "未到期"
            out.append((
                number, accepted_at.date(), ctx.window_label(window_id), ctx.users.get(clerk_id, ""), name,
                ctx.phone(mobile or phone), ctx.catalog.business_name(bt), _material_short(material), due,
                label, overdue_days, supplied_at, ctx.users.get(supplied_by, "") if supplied_by else "",
                ctx.catalog.stage_name(stage), STATUS_LABELS.get(status, status),
            ))
        return out


class CommitmentRegister(_ApplicationPartRegister):
    kind, title, sheet = "commitments", "承诺书台账", "承诺书台账"
    columns = (
        Column("申请编号", width=21), Column("受理日期", "date"), Column("窗口", width=9),
        Column("受理人", width=8), Column("户名", width=18), Column("证件号码", width=20),
        Column("联系电话", width=13), Column("承诺书类型", width=15), Column("签署时间", "datetime"),
        Column("承诺事项", width=28, wrap=True), Column("承诺期限", "date"), Column("履约状态", width=9),
        Column("履约时间", "datetime"), Column("办理状态", width=8),
    )
    KIND_LABELS = {"authenticity": "材料真实性承诺书", "deferral": "容缺承诺书"}

    part = Commitment
    ORDER = (Application.accepted_at, Application.id, Commitment.kind)

    def _conditions(self, flt, ctx) -> list:
        where = _application_filters(flt, ctx)
        if flt.overdue_only:
            outstanding_overdue = exists().where(
                Material.application_id == Application.id, Material.state == "deferred",
                Material.due_date < ctx.today,
            )
            where += [Commitment.kind == "deferral", outstanding_overdue]
        return where

    def statement(self, flt, ctx):
        return self._select(
            flt, ctx,
            Commitment.id, Application.id, Application.number, Application.accepted_at,
            Application.window_id, Application.clerk_id, Customer.name, Certificate.number,
            Application.contact_mobile, Application.contact_phone, Commitment.kind, Commitment.signed_at,
            Commitment.items, Commitment.due_date, Commitment.fulfilled_at, Application.status,
        ).join(Certificate, Certificate.id == Application.certificate_id)

    def build(self, rows, ctx):
        deferred = _deferred_items(ctx.session, [r[1] for r in rows if r[10] == "deferral"])
        out = []
        for (_cid, app_id, number, accepted_at, window_id, clerk_id, name, cert_number, mobile, phone, kind,
             signed_at, items, due, fulfilled_at, status) in rows:
            if kind == "deferral":
                text = "、".join(
                    f"{_material_short(i.get('name', ''))}（{i.get('due_date', '')}前补交）" for i in items or []
                )
                materials = deferred.get(app_id, [])
                outstanding = [m for m in materials if m.state == "deferred"]
                if not outstanding and (materials or fulfilled_at):
                    state = "已履约"
                    supplied = [m.supplied_at for m in materials if m.supplied_at]
                    fulfilled_at = fulfilled_at or (max(supplied) if supplied else None)
                elif any(m.due_date and m.due_date < ctx.today for m in outstanding):
                    state = "已逾期"
                else:
                    state = "履约中"
            else:
                text = "承诺所提交资料真实有效"
                state, fulfilled_at = "长期有效", None
            out.append((
                number, accepted_at.date(), ctx.window_label(window_id), ctx.users.get(clerk_id, ""), name,
                ctx.id_number(cert_number), ctx.phone(mobile or phone), self.KIND_LABELS.get(kind, kind),
                signed_at, text, due, state, fulfilled_at, STATUS_LABELS.get(status, status),
            ))
        return out


class WarningRegister(Register):
    kind, title, sheet = "warnings", "时限预警清单", "时限预警清单"
    columns = (
        Column("预警级别", width=9), Column("绿色通道", width=8), Column("客户经理", width=9),
        Column("申请编号", width=20.5), Column("户名", width=14, wrap=True), Column("业务类型", width=12.5, wrap=True),
        Column("当前环节", width=10), Column("处理人", width=8), Column("环节开始", "datetime"),
        Column("环节时限（工作日）", "int", width=10), Column("已用工作日", "int", width=9),
        Column("环节到期日", "date"), Column("超期工作日", "int", width=9), Column("办结时限", "date"),
        Column("窗口", width=9), Column("受理人", width=8), Column("联系电话", width=13),
    )
    freeze_columns = 0

    def _conditions(self, flt, ctx) -> list:
        level = "red" if flt.overdue_only else "warning"
        return [*_application_filters(flt, ctx),
                warning_condition(level, today=ctx.today, calendar=ctx.calendar, limits=ctx.limits,
                                  yellow_ratio=ctx.yellow_ratio)]

    def _order(self, ctx):
        # green channel first, then red before yellow, then the nearest due date
        return (Application.green_channel.desc(), case((overdue_condition(ctx.today), 0), else_=1),
                Application.stage_due_date, Application.id)

    def statement(self, flt, ctx):
        started = stage_started_expr().label("stage_started")
        return (
            select(
                Application.id, Application.green_channel, Application.green_manager, Application.number,
                Customer.name, Application.business_type, Application.current_stage,
                Application.current_handler, started, Application.stage_due_date, Application.due_date,
                Application.window_id, Application.clerk_id, Application.contact_mobile,
                Application.contact_phone,
            )
            .join(Customer, Customer.id == Application.customer_id)
            .where(*self._conditions(flt, ctx))
            .order_by(*self._order(ctx))
        )

    def key_statement(self, flt, ctx):
        return select(Application.id).where(*self._conditions(flt, ctx)).order_by(*self._order(ctx))

    def count_statement(self, flt, ctx):
        return select(func.count(Application.id)).where(*self._conditions(flt, ctx))

    def build(self, rows, ctx):
        out = []
        for (_id, green, manager, number, name, bt, stage, handler, started, stage_due, due, window_id,
             clerk_id, mobile, phone) in rows:
            limit = ctx.limits.get((bt, stage))
            status = time_status(ctx.calendar, started=started, limit_days=limit, stage_due=stage_due,
                                 process_due=due, today=ctx.today, yellow_ratio=ctx.yellow_ratio)
            out.append((
                status.label, "是" if green else "", manager, number, name, ctx.catalog.business_name(bt),
                ctx.catalog.stage_name(stage), handler, started, limit, status.used_days, stage_due,
                status.overdue_days or None, due, ctx.window_label(window_id), ctx.users.get(clerk_id, ""),
                ctx.phone(mobile or phone),
            ))
        return out


class WorkloadRegister(Register):
    kind, title, sheet = "workload", "窗口工作量统计", "窗口工作量"
    freeze_columns = 0

    @property
    def columns(self):  # the standard is a hall setting; the header names it
        return self._columns(20)

    @staticmethod
    def _columns(minutes: int) -> tuple[Column, ...]:
        return (
            Column("窗口", width=10), Column("受理人", width=10), Column("受理件数", "int", width=9),
            Column("计时件数", "int", width=9), Column("平均窗口用时（分钟）", "decimal1", width=12),
            Column("最长用时（分钟）", "decimal1", width=10), Column(f"{minutes}分钟内办结件数", "int", width=12),
            Column(f"{minutes}分钟内占比", "percent", width=11),
        )

    def columns_for(self, ctx: _Ctx) -> tuple[Column, ...]:
        return self._columns(ctx.standard_minutes)

    def statement(self, flt, ctx, *, grouped: bool = True):
        limit = ctx.standard_minutes * 60
        within = func.sum(case((Application.counter_seconds <= limit, 1), else_=0))
        stmt = (
            select(
                Application.window_id, Application.clerk_id, func.count(Application.id),
                func.count(Application.counter_seconds), func.avg(Application.counter_seconds),
                func.max(Application.counter_seconds), within,
            )
            .where(*_application_filters(flt, ctx))
        )
        if grouped:
            stmt = stmt.group_by(Application.window_id, Application.clerk_id)
        else:  # one row over everything: the totals
            stmt = stmt.with_only_columns(*stmt.selected_columns[2:])
        if flt.overdue_only:
            stmt = stmt.where(overdue_condition(ctx.today))
        return stmt

    @staticmethod
    def _figures(count, timed, avg, longest, within) -> tuple:
        within = int(within or 0)
        return (
            int(count), int(timed), round(float(avg) / 60, 1) if avg is not None else None,
            round(longest / 60, 1) if longest is not None else None, within, (within / timed) if timed else None,
        )

    def build(self, rows, ctx):
        ordered = sorted(rows, key=lambda r: (ctx.windows[r[0]].number if r[0] in ctx.windows else 0,
                                              ctx.users.get(r[1], "")))
        return [(ctx.window_label(window_id), ctx.users.get(clerk_id, ""), *self._figures(*figures))
                for window_id, clerk_id, *figures in ordered]

    def totals_for(self, session: Session, flt: RegisterFilter, ctx: _Ctx, people: int) -> tuple:
        """Over all acceptances (the mean is not a mean of the per-clerk means)."""
        figures = session.execute(self.statement(flt, ctx, grouped=False)).one()
        return ("合计", f"{people} 人次", *self._figures(*figures))


REGISTERS: dict[str, Register] = {
    r.kind: r for r in (AcceptanceRegister(), DeferredRegister(), CommitmentRegister(), WarningRegister(),
                        WorkloadRegister())
}
REGISTER_TITLES = {kind: r.title for kind, r in REGISTERS.items()}


def register_for(kind: str) -> Register:
    try:
        return REGISTERS[kind]
    except KeyError:
        raise UserError(f"未知的台账类型：{kind}（可选：{'、'.join(REGISTERS)}）") from None


def register_columns(kind: str, db=None, actor: Actor | None = None) -> tuple[Column, ...]:
    """The columns of a register (the workload standard comes from the hall settings)."""
    reg = register_for(kind)
    if isinstance(reg, WorkloadRegister) and db is not None:
        with db.read() as session:
            hall_id = (actor.hall_id if actor else None) or hall_mod.require_hall(session).id
            minutes = int(hall_mod.get_setting(session, "counter_standard_minutes", hall_id))
        return reg._columns(minutes)
    return tuple(reg.columns)


# --- the service API ------------------------------------------------------------------------------


def screen_masked(actor: Actor) -> bool:
    """Registers list everybody's cases: masked on screen for every role (privacy policy)."""
    return not privacy.may_see_full(actor, own_case=False)


def count(db, actor: Actor, kind: str, flt: RegisterFilter) -> int:
    require(db, actor, Perm.VIEW_REGISTERS, target_type="register", target_id=kind)
    flt.validate()
    reg = register_for(kind)
    with db.read() as session:
        ctx = _context(session, actor, True)
        if isinstance(reg, WorkloadRegister):
            return len(session.execute(reg.statement(flt, ctx)).all())
        return int(session.scalar(reg.count_statement(flt, ctx)) or 0)


def fetch(db, actor: Actor, kind: str, flt: RegisterFilter, offset: int, limit: int) -> list[tuple]:
    """One page of display rows (Python values in column order), masked for the screen."""
    require(db, actor, Perm.VIEW_REGISTERS, target_type="register", target_id=kind)
    flt.validate()
    reg = register_for(kind)
    with db.read() as session:
        ctx = _context(session, actor, screen_masked(actor))
        if isinstance(reg, WorkloadRegister):
            return reg.build(session.execute(reg.statement(flt, ctx)).all(), ctx)[offset:offset + limit]
        rows = session.execute(reg.page_statement(flt, ctx, offset, limit)).all()
        return reg.build(rows, ctx)


@dataclass
class Streamed:
    """What an export needs: the columns, the row count, the rows (a generator), totals, notes."""

    register: Register
    columns: tuple[Column, ...]
    total: int
    rows: Iterator[tuple]
    filter_text: str
    totals: bool | Sequence = True


def stream(session: Session, actor: Actor, kind: str, flt: RegisterFilter, *, masked: bool,
           chunk: int = STREAM_CHUNK) -> Streamed:
    """Rows for an export, streamed from the database in chunks (no permission check: the export
    service checks, and records, before calling this)."""
    flt.validate()
    reg = register_for(kind)
    ctx = _context(session, actor, masked)
    text = flt.describe(session)
    if isinstance(reg, WorkloadRegister):
        rows = reg.build(session.execute(reg.statement(flt, ctx)).all(), ctx)
        return Streamed(reg, reg.columns_for(ctx), len(rows), iter(rows), text,
                        totals=reg.totals_for(session, flt, ctx, len(rows)) if rows else False)
    total = int(session.scalar(reg.count_statement(flt, ctx)) or 0)

    def generate() -> Iterator[tuple]:
        result = session.execute(reg.statement(flt, ctx).execution_options(yield_per=chunk))
        for part in result.partitions():
            yield from reg.build(part, ctx)

    return Streamed(reg, tuple(reg.columns), total, generate(), text, totals=reg.totals)


# --- choices for the filter bar -------------------------------------------------------------------


@dataclass(frozen=True)
class FilterChoices:
    windows: list[tuple[int, str]]
    clerks: list[tuple[int, str]]
    business_types: list[tuple[str, str]]
    stages: list[tuple[str, str]]
    statuses: list[tuple[str, str]]
    deferral_states: list[tuple[str, str]]


def filter_choices(db, actor: Actor) -> FilterChoices:
    cat = catalog_mod.load()
    with db.read() as session:
        windows = [(w.number, w.name) for w in hall_mod.windows(session)]
        clerks = [(u.id, u.name) for u in session.scalars(
            select(User).where(User.role == "clerk").order_by(User.window_id, User.name))]
    return FilterChoices(
        windows=windows, clerks=clerks,
        business_types=[(code, bt.name) for code, bt in cat.business_types.items()],
        stages=list(cat.stage_names.items()),
        statuses=list(STATUS_LABELS.items()),
        deferral_states=list(DEFERRAL_STATES.items()),
    )

