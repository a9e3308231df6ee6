"""Supervisor registers (台账): paged for the screen, streamed for Excel, from one definition each.

Registers: 业扩受理台账 (``register``), 容缺台账 (``deferred``), 承诺书台账 (``commitments``),
时限预警清单 (``warnings``) and 窗口工作量 (``workload``). Each has its columns (also the Excel
columns), a filtered, ordered query and a row builder; ``count``/``fetch`` serve a table view page by
page, ``stream`` feeds an export with constant memory (``yield_per``: a server-side cursor on
PostgreSQL).

The 时限预警清单 filters with the SQL form of the time-limit rule and labels its rows with the Python
form, both from :mod:`counter_app.tracking.time_limits`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import Session

from counter_app.acceptance.identity import cert_label
from counter_app.hall import catalog as catalog_mod
from counter_app.hall import hall as hall_mod
from counter_app.infra import batched
from counter_app.infra.context import Actor
from counter_app.infra.errors import UserError
from counter_app.models import (
    Application,
    Certificate,
    Commitment,
    CounterWindow,
    Customer,
    Material,
    User,
)
from counter_app.printing.columns import Column
from counter_app.reporting import rating_registers as _rating_registers
from counter_app.reporting.register_filter import (
    DEFERRAL_STATES,
    RegisterContext,
    RegisterFilter,
    application_filters,
    day_text,
    deferred_items,
    deferred_statement,
    register_context,
    short_label,
)
from counter_app.reporting.workload_register import WorkloadRegister, standard_text, standards
from counter_app.security import privacy
from counter_app.security.permissions import Perm, require
from counter_app.tracking.stages import STATUS_LABELS, status_label
from counter_app.tracking.time_limits import (
    halls_warning_condition,
    overdue_condition,
    stage_days,
    stage_started_expr,
    time_status,
)

STREAM_CHUNK = 1000


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

    def statement(self, flt: RegisterFilter, ctx: RegisterContext):
        raise NotImplementedError

    def key_statement(self, flt: RegisterFilter, ctx: RegisterContext):
        """The keys of the rows in display order, with only the joins the filters need: paging
        skips over keys (index only) and then reads the full rows of one page."""
        raise NotImplementedError

    def page_statement(self, flt: RegisterFilter, ctx: RegisterContext, offset: int, limit: int):
        keys = self.key_statement(flt, ctx).offset(offset).limit(limit).subquery()
        return self.statement(flt, ctx).where(self.key_column().in_(select(keys.c[0])))

    def count_statement(self, flt: RegisterFilter, ctx: RegisterContext):
        stmt = self.statement(flt, ctx).order_by(None)
        return select(func.count()).select_from(stmt.subquery())

    def build(self, rows: Sequence, ctx: RegisterContext) -> list[tuple]:
        raise NotImplementedError

    def totals_row(self, ctx: RegisterContext, flt: RegisterFilter) -> Sequence | None:
        return None


class AcceptanceRegister(Register):
    kind, title, sheet = "register", "业扩受理台账", "业扩受理台账"
    columns = (
        Column("申请编号", width=20.5), Column("受理时间", "datetime", width=15.5), Column("窗口", width=8),
        Column("受理人", width=7, wrap=True), Column("户名", width=14, wrap=True), Column("证件类型", width=10, wrap=True),
        Column("证件号码", width=19.5), Column("业务类型", width=12.5, wrap=True), Column("用电类别", width=9),
        # kW and kVA are different quantities: each has its column and its own total
        Column("申请容量（kW）", "number", width=9, total="sum"),
        Column("申请容量（kVA）", "number", width=9, total="sum"),
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
            .where(*application_filters(flt, ctx))
            .order_by(Application.accepted_at, Application.id)
        )
        if flt.overdue_only:
            stmt = stmt.where(overdue_condition(ctx.today))
        return stmt

    def count_statement(self, flt, ctx):
        stmt = select(func.count(Application.id)).where(*application_filters(flt, ctx))
        if flt.overdue_only:
            stmt = stmt.where(overdue_condition(ctx.today))
        return stmt

    def key_statement(self, flt, ctx):
        stmt = (select(Application.id).where(*application_filters(flt, ctx))
                .order_by(Application.accepted_at, Application.id))
        if flt.overdue_only:
            stmt = stmt.where(overdue_condition(ctx.today))
        return stmt

    def build(self, rows, ctx):
        deferred = deferred_items(ctx.session, [r[0] for r in rows])
        out = []
        for (app_id, number, accepted_at, window_id, clerk_id, name, cert_type, cert_number, bt, usage,
             capacity, unit, voltage, district, detail, mobile, phone, stage, stage_due, due, green,
             status) in rows:
            overdue = status == "active" and any(d is not None and d < ctx.today for d in (stage_due, due))
            items = "、".join(
                short_label(m.name) + ("（已补交）" if m.state == "supplied" else f"（{day_text(m.due_date)}前）")
                for m in deferred.get(app_id, [])
            )
            # no capacity (更名, 过户 …): blank, not "0 kW"
            amount = capacity if capacity else None
            out.append((
                number, accepted_at, ctx.window_label(window_id), ctx.users.get(clerk_id, ""), name,
                short_label(cert_label(cert_type)), ctx.id_number(cert_number), ctx.catalog.business_name(bt),
                usage, amount if unit != "kVA" else None, amount if unit == "kVA" else None, voltage, f"{district}{detail}", ctx.phone(mobile or phone),
                ctx.catalog.stage_name(stage), due, "是" if overdue else "否",
                "是" if green else "", items, status_label(status),
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
        Column("受理人", width=8, wrap=True), Column("户名", width=18, wrap=True), Column("联系电话", width=13),
        Column("业务类型", width=12.5, wrap=True), Column("容缺资料", width=20, wrap=True), Column("应补交日期", "date"),
        Column("补交状态", width=9), Column("逾期工作日", "int", width=8), Column("补交时间", "datetime"),
        Column("补交登记人", width=9, wrap=True), Column("当前环节", width=10), Column("办理状态", width=8),
    )

    part = Material
    ORDER = (Material.due_date, Application.accepted_at, Material.id)

    def _conditions(self, flt, ctx) -> list:
        where = [Material.state.in_(("deferred", "supplied")), *application_filters(flt, ctx)]
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
            Application.terminated_at, Application.completed_at, Application.hall_id,
        )

    def build(self, rows, ctx):
        out = []
        for (_mid, number, accepted_at, window_id, clerk_id, name, mobile, phone, bt, material, due, state,
             supplied_at, supplied_by, stage, status, terminated_at, completed_at, hall_id) in rows:
            overdue_days = None
            # working days, like every other time limit; the count stops when the case ends
            ended = terminated_at or completed_at if status != "active" else None
            until = min(ctx.today, ended.date()) if ended else ctx.today
            if state == "supplied":
                label = "已补交"
            elif due is not None and due < until:
                label, overdue_days = "已超期", ctx.of_hall(hall_id).calendar.workdays_between(due, until)[0]
            elif due == ctx.today:
                label = "今日到期"
            else:
                label = "未到期"
            out.append((
                number, accepted_at.date(), ctx.window_label(window_id), ctx.users.get(clerk_id, ""), name,
                ctx.phone(mobile or phone), ctx.catalog.business_name(bt), short_label(material), due,
                label, overdue_days, supplied_at, ctx.users.get(supplied_by, "") if supplied_by else "",
                ctx.catalog.stage_name(stage), status_label(status),
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
    KIND_LABELS = {"authenticity": "材料真实性承诺书", "deferral": "容缺受理承诺书"}

    part = Commitment
    ORDER = (Application.accepted_at, Application.id, Commitment.kind)

    def _conditions(self, flt, ctx) -> list:
        where = application_filters(flt, ctx)
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
        deferred = deferred_items(ctx.session, [r[1] for r in rows if r[10] == "deferral"])
        out = []
        for (_cid, app_id, number, accepted_at, window_id, clerk_id, name, cert_number, mobile, phone, kind,
             signed_at, items, due, fulfilled_at, status) in rows:
            if kind == "deferral":
                text = "、".join(
                    f"{short_label(i.get('name', ''))}（{i.get('due_date', '')}前补交）" for i in items or []
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
                signed_at, text, due, state, fulfilled_at, status_label(status),
            ))
        return out


class WarningRegister(Register):
    kind, title, sheet = "warnings", "时限预警清单", "时限预警清单"
    columns = (
        Column("预警级别", width=9), Column("绿色通道", width=8), Column("客户经理", width=9),
        Column("申请编号", width=20.5), Column("户名", width=14, wrap=True), Column("业务类型", width=12.5, wrap=True),
        Column("当前环节", width=10), Column("处理人", width=8, wrap=True), Column("环节开始", "datetime"),
        Column("环节时限（工作日）", "int", width=10), Column("已用工作日", "int", width=9),
        Column("环节到期日", "date"), Column("超期工作日", "int", width=9), Column("办结时限", "date"),
        Column("窗口", width=9), Column("受理人", width=8), Column("联系电话", width=13),
    )
    freeze_columns = 0

    def _conditions(self, flt, ctx) -> list:
        level = "red" if flt.overdue_only else "warning"
        # each hall's rows by its own calendar, limits and yellow share
        return [*application_filters(flt, ctx), halls_warning_condition(level, today=ctx.today, rules=ctx.rules)]

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
                Application.contact_phone, Application.hall_id, Application.external_works,
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
             clerk_id, mobile, phone, hall_id, external_works) in rows:
            hall = ctx.of_hall(hall_id)
            limit = hall.limits.get((bt, stage))
            known = ctx.catalog.business_types.get(bt)
            if limit is not None and known is not None:  # longer with external works, as the SQL form
                limit = stage_days(known, stage, limit, external_works)
            status = time_status(hall.calendar, started=started, limit_days=limit, stage_due=stage_due,
                                 process_due=due, today=ctx.today, yellow_ratio=hall.yellow_ratio)
            out.append((
                status.label, "是" if green else "", manager, number, name, ctx.catalog.business_name(bt),
                ctx.catalog.stage_name(stage), handler, started, limit, status.used_days, stage_due,
                status.overdue_days or None, due, ctx.window_label(window_id), ctx.users.get(clerk_id, ""),
                ctx.phone(mobile or phone),
            ))
        return out


REGISTERS: dict[str, Register] = {
    r.kind: r for r in (AcceptanceRegister(), DeferredRegister(), CommitmentRegister(), WarningRegister(),
                        WorkloadRegister())
}
REGISTERS[_rating_registers.RatingRegister.kind] = _rating_registers.RatingRegister()  # 评价台账
REGISTER_TITLES = {kind: r.title for kind, r in REGISTERS.items()}


def register_for(kind: str) -> Register:
    try:
        return REGISTERS[kind]
    except KeyError:
        raise UserError(f"未知的台账类型：{kind}（可选：{'、'.join(REGISTERS)}）") from None


def register_columns(kind: str, db=None, actor: Actor | None = None, hall_id: int | None = None) -> tuple[Column, ...]:
    """The columns of a register (the workload standard comes from the settings of the halls in
    view: ``hall_id``, else every hall ``actor`` sees)."""
    reg = register_for(kind)
    if isinstance(reg, WorkloadRegister) and db is not None:
        with db.brief() as session:
            minutes = standards(session, hall_mod.view_halls(session, actor, hall_id)).values()
        return reg.columns_named(standard_text(minutes))
    return tuple(reg.columns)


# --- the service API ------------------------------------------------------------------------------


def screen_masked(actor: Actor) -> bool:
    """Registers list everybody's cases: masked on screen for every role (privacy policy)."""
    return not privacy.may_see_full(actor, own_case=False)


def first_page(db, actor: Actor, kind: str, flt: RegisterFilter, limit: int) -> tuple[int, list[tuple]]:
    """(row count, the first ``limit`` display rows): what opening a register shows, in two
    statements and two round trips on PostgreSQL (issue 20) — the hall's context, then the count,
    the page and its deferred items in one statement (their columns' types bring the values back
    as the driver would: tests/test_registers.py compares with ``fetch``)."""
    with _on_screen(db, actor, kind, flt) as (reg, ctx):
        session = ctx.session
        if isinstance(reg, WorkloadRegister):
            rows = session.execute(reg.statement(flt, ctx)).all()
            return len(rows), reg.build(rows, ctx)[:limit]
        page = reg.page_statement(flt, ctx, 0, limit)
        first = page.selected_columns[0]
        by_id = getattr(first, "table", None) is Application.__table__ and first.key == "id"
        extra = [deferred_statement(select(page.subquery().c.id))] if by_id else []
        total, rows, *materials = batched.read_all(session, [reg.count_statement(flt, ctx), page, *extra])
        if materials:  # what the page's deferred items come from (register_filter.deferred_items)
            session.info["deferred_items"] = ({r[0] for r in rows}, materials[0])
        return int(total[0][0] or 0) if total else 0, reg.build(rows, ctx)


def count(db, actor: Actor, kind: str, flt: RegisterFilter) -> int:
    require(db, actor, Perm.VIEW_REGISTERS, target_type="register", target_id=kind)
    flt.validate()
    reg = register_for(kind)
    with db.brief() as session:
        ctx = register_context(session, actor, True, flt.hall_id)
        if isinstance(reg, WorkloadRegister):
            return len(session.execute(reg.statement(flt, ctx)).all())
        return int(session.scalar(reg.count_statement(flt, ctx)) or 0)


def fetch(db, actor: Actor, kind: str, flt: RegisterFilter, offset: int, limit: int) -> list[tuple]:
    """One page of display rows (Python values in column order), masked for the screen."""
    with _on_screen(db, actor, kind, flt) as (reg, ctx):
        if isinstance(reg, WorkloadRegister):
            return reg.build(ctx.session.execute(reg.statement(flt, ctx)).all(), ctx)[offset:offset + limit]
        rows = ctx.session.execute(reg.page_statement(flt, ctx, offset, limit)).all()
        return reg.build(rows, ctx)


@contextlib.contextmanager
def _on_screen(db, actor: Actor, kind: str, flt: RegisterFilter):
    """(register, context) of a register read for the screen: allowed, valid filters, masked, in a
    unit without a transaction."""
    require(db, actor, Perm.VIEW_REGISTERS, target_type="register", target_id=kind)
    flt.validate()
    reg = register_for(kind)
    with db.brief() as session:
        yield reg, register_context(session, actor, screen_masked(actor), flt.hall_id)


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
    ctx = register_context(session, actor, masked, flt.hall_id)
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
    halls: list[tuple[int, str]] = field(default_factory=list)  # (id, name) when more than one is seen


def filter_choices(db, actor: Actor) -> FilterChoices:
    cat = catalog_mod.load()
    with db.brief() as session:
        hall_ids = hall_mod.visible_hall_ids(session, actor)  # a hall's staff: no query
        windows, clerks = batched.read_all(session, [
            select(CounterWindow.number, CounterWindow.name).where(CounterWindow.hall_id.in_(hall_ids))
            .order_by(CounterWindow.number, CounterWindow.hall_id),
            select(User.id, User.name).where(User.role == "clerk", User.hall_id.in_(hall_ids))
            .order_by(User.window_id, User.name)])
        halls = hall_mod.hall_choice(session, actor)
    seen: dict[int, str] = {}  # one choice per window number (each hall has its 1号窗口)
    for number, name in windows:
        seen.setdefault(number, name)
    return FilterChoices(
        windows=list(seen.items()), clerks=clerks, halls=halls,
        business_types=[(code, bt.name) for code, bt in cat.business_types.items()],
        stages=list(cat.stage_names.items()),
        statuses=list(STATUS_LABELS.items()),
        deferral_states=list(DEFERRAL_STATES.items()),
    )

