"""What a supervisor narrows a register to (:class:`RegisterFilter`) and what every register's rows
are built with (:class:`RegisterContext`: the session, today, masking, the hall's calendar, limits,
windows and people), with the filters and lookups the registers share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.hall import catalog as catalog_mod
from counter_app.hall import hall as hall_mod
from counter_app.infra import batched
from counter_app.infra.context import Actor
from counter_app.infra.errors import ValidationFailed
from counter_app.models import Application, CounterWindow, Hall, Material, User
from counter_app.security.redaction import mask_id, mask_phone
from counter_app.tracking.stages import STATUS_LABELS, status_label
from counter_app.tracking.time_limits import HallRule, MemoCalendar, stage_limits

DEFERRAL_STATES = {"pending": "未到期", "overdue": "已超期", "supplied": "已补交"}

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
    # one of the halls the supervisor sees (None: all of them in one view; staff of a hall: theirs)
    hall_id: int | None = None

    def validate(self) -> None:
        errors = {}
        if self.date_from and self.date_to and self.date_from > self.date_to:
            errors["date_to"] = "结束日期不能早于开始日期，请重新选择受理日期范围"
        if self.status and self.status not in STATUS_LABELS:
            errors["status"] = f"未知的办理状态：{self.status}（可选：{'、'.join(STATUS_LABELS.values())}）"
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
            dates = f"{day_text(self.date_from) or '最早'} 至 {day_text(self.date_to) or '今天'}"
        else:
            dates = "全部"
        parts = [f"受理日期：{dates}"]
        if self.hall_id:
            hall = session.get(Hall, self.hall_id)
            parts.append(f"营业厅：{hall.name if hall else self.hall_id}")
        parts.append(f"窗口：{self.window_no}号窗口" if self.window_no else "窗口：全部")
        if self.clerk_id:
            user = session.get(User, self.clerk_id)
            parts.append(f"受理人：{user.name if user else self.clerk_id}")
        if self.business_type:
            parts.append(f"业务类型：{cat.business_name(self.business_type)}")
        if self.stage:
            parts.append(f"环节：{cat.stage_name(self.stage)}")
        if self.status:
            parts.append(f"状态：{status_label(self.status)}")
        if self.deferral_state:
            parts.append(f"容缺状态：{DEFERRAL_STATES[self.deferral_state]}")
        if self.overdue_only:
            parts.append("仅超期")
        return "；".join(parts)


def day_text(day: dt.date | None) -> str:
    return f"{day:%Y-%m-%d}" if day else ""


# --- context shared by the row builders -----------------------------------------------------------


@dataclass(frozen=True)
class HallReckoning:
    """What one hall's rows are reckoned with: its calendar (each span counted once), its stage
    limits, its yellow share and its counter-time standard."""

    calendar: MemoCalendar
    limits: dict[tuple[str, str], int]
    yellow_ratio: float
    standard_minutes: int

    @property
    def rule(self) -> HallRule:
        return HallRule(self.calendar, self.limits, self.yellow_ratio)


@dataclass
class RegisterContext:
    session: Session
    today: dt.date
    masked: bool
    hall_id: int  # the view's home hall (named in headings)
    # each hall of the view: a row is reckoned with its own hall's calendar and limits (halls may
    # declare their own holidays, make-up days and stage limits)
    reckonings: dict[int, HallReckoning]
    windows: dict[int, CounterWindow]
    users: dict[int, str]
    catalog: catalog_mod.Catalog = field(default_factory=catalog_mod.load)
    # the halls in this view (one for a hall's staff or a chosen hall) and their codes
    hall_ids: tuple[int, ...] = ()
    hall_codes: dict[int, str] = field(default_factory=dict)

    def of_hall(self, hall_id: int) -> HallReckoning:
        return self.reckonings[hall_id]

    @property
    def rules(self) -> dict[int, HallRule]:
        """hall id -> the time-limit rule of each hall in view (for the SQL form of the rule)."""
        return {one: reckoning.rule for one, reckoning in self.reckonings.items()}

    def window_label(self, window_id: int | None) -> str:
        window = self.windows.get(window_id) if window_id is not None else None
        if window is None:
            return ""
        if len(self.hall_ids) > 1:  # "1号窗口" is ambiguous across halls
            return f"{self.hall_codes.get(window.hall_id, '')} {window.name}".strip()
        return window.name

    def id_number(self, number: str) -> str:
        return mask_id(number) if self.masked else number

    def phone(self, number: str) -> str:
        return mask_phone(number) if self.masked else number


def register_context(session: Session, actor: Actor, masked: bool, hall_id: int | None = None) -> RegisterContext:
    """``hall_id``: the hall chosen in the filter (None: every hall the actor sees). Each hall in
    view gets its calendar, limits and settings, read for all of them in the same statement as the
    windows and people (one round trip on PostgreSQL, issue 20; two statements of context however
    many halls)."""
    from counter_app.infra import clock

    hall_ids = hall_mod.view_halls(session, actor, hall_id)
    home = hall_mod.home_hall_id(session, actor, hall_id, hall_ids)
    several = len(hall_ids) > 1
    context = (hall_mod.halls_context_statements(hall_ids) if several
               else hall_mod.context_statements(home))
    settings, overrides, windows, users, *codes = batched.read_all(session, [
        *context,
        select(*batched.columns(CounterWindow)).where(CounterWindow.hall_id.in_(hall_ids)),
        select(User.id, User.name),
        # "1号窗口" is ambiguous across halls: a view over several names each window's hall
        *([select(Hall.id, Hall.code).where(Hall.id.in_(hall_ids))] if several else [])])
    if several:
        hall_mod.keep_halls_context(session, hall_ids, settings, overrides)
    else:
        hall_mod.keep_context(session, home, settings, overrides)
    return RegisterContext(
        session=session,
        today=clock.today(),
        masked=masked,
        hall_id=home,
        reckonings=_reckonings(session, hall_ids),
        windows={w.id: w for w in windows},
        users=dict(users),
        hall_ids=hall_ids,
        hall_codes=dict(codes[0]) if codes else {},
    )


def _reckonings(session: Session, hall_ids) -> dict[int, HallReckoning]:
    """Each hall's reckoning from its context kept in the unit of work (no query). Halls with the
    same calendar (most of a province: the official one, no overrides) share one memoised calendar."""
    calendars: dict[tuple, MemoCalendar] = {}
    out = {}
    for one in hall_ids:
        settings = hall_mod.all_settings(session, one)
        calendar = hall_mod.work_calendar(session, one)
        key = (frozenset(calendar.overrides.items()), calendar.confirmed_years)
        out[one] = HallReckoning(
            calendar=calendars.setdefault(key, MemoCalendar(calendar)),
            limits=stage_limits(session, one),
            yellow_ratio=float(settings["warning_yellow_ratio"]),
            standard_minutes=int(settings["counter_standard_minutes"]),
        )
    return out


def application_filters(flt: RegisterFilter, ctx: RegisterContext) -> list:
    where = [Application.hall_id.in_(ctx.hall_ids)]
    if flt.date_from:
        where.append(Application.accepted_at >= dt.datetime.combine(flt.date_from, dt.time()))
    if flt.date_to:
        where.append(Application.accepted_at < dt.datetime.combine(flt.date_to + dt.timedelta(days=1), dt.time()))
    if flt.window_no is not None:
        window_ids = [w.id for w in ctx.windows.values() if w.number == flt.window_no]
        if not window_ids:
            raise ValidationFailed({"window_no": f"没有 {flt.window_no} 号窗口，请检查窗口号"})
        where.append(Application.window_id.in_(window_ids))
    if flt.clerk_id is not None:
        where.append(Application.clerk_id == flt.clerk_id)
    if flt.business_type:
        where.append(Application.business_type == flt.business_type)
    if flt.stage:
        where.append(Application.current_stage == flt.stage)
    if flt.status:
        where.append(Application.status == flt.status)
    return where


def short_label(name: str) -> str:
    """Catalog names carry long explanations in brackets; registers show the head."""
    return name.split("（")[0].split("(")[0].strip() or name




def deferred_items(session: Session, app_ids: Sequence[int]) -> dict[int, list]:
    """Materials that were deferred (still outstanding or supplied later), per application: rows with
    name, state, due_date and supplied_at.

    All materials of these applications are read through the application_id index and the states
    picked here: with "state IN (…)" in the query SQLite chose the (state, due_date) index and read
    every deferred material of the hall for each chunk of rows, which made a 1,000,000-row export
    ten times slower per row than a 100,000-row one."""
    out: dict[int, list] = {}
    if not app_ids:
        return out
    read = session.info.pop("deferred_items", None)  # read with the page (registers.first_page)
    rows = read[1] if read and set(app_ids) <= read[0] else session.execute(deferred_statement(list(app_ids)))
    for row in rows:
        if row.state in ("deferred", "supplied"):
            out.setdefault(row.application_id, []).append(row)
    return out


def deferred_statement(app_ids):
    """The materials ``deferred_items`` picks from (``app_ids``: a list or a statement selecting ids)."""
    return (
        select(Material.application_id, Material.name, Material.state, Material.due_date, Material.supplied_at)
        .where(Material.application_id.in_(app_ids))
        .order_by(Material.application_id, Material.seq, Material.id)
    )
