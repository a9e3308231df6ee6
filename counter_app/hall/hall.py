"""The hall: first-run set-up, windows, and shared settings (defaults from the catalog)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.hall import catalog
from counter_app.infra import clock, text_checks
from counter_app.infra.context import Actor
from counter_app.infra.errors import UserError, ValidationFailed
from counter_app.models import CalendarOverride, CounterWindow, Hall, HallSetting, User
from counter_app.security import audit

MAX_WINDOWS = 99
# accounts without a hall that see every hall (a province admin, the exchange job); other roles
# without a hall see the halls granted to them and nothing else
ALL_HALL_ROLES = ("admin", "exchange")

DEFAULT_SETTINGS: dict[str, Any] = {
    "deferral_working_days": 3,
    "warning_yellow_ratio": 0.8,
    "warning_red_ratio": 1.0,
    "counter_standard_minutes": 20,
    "idle_lock_minutes": 10,
    "service_phone": "95598",
    # hall-wide wording of older versions; the notice prints business_texts (per business group,
    # catalog defaults, 营业厅设置 → 告知书文字)
    "fees_text": "低压居民及小微企业用电报装接电工程由供电企业投资建设，客户无需缴纳业务费用；"
    "高压业扩工程按国家和省物价主管部门核定的标准收费，供电企业不收取任何未经核定的费用。",
    "service_commitments": [
        "居民客户用电报装全过程：无外线工程不超过5个工作日，有外线工程不超过15个工作日",
        "低压非居民客户用电报装全过程：无外线工程不超过5个工作日，有外线工程不超过15个工作日",
        "高压单电源客户用电报装全过程不超过22个工作日，双电源不超过32个工作日",
        "现场勘查按客户预约时间到达现场",
        "业扩报装工程不指定设计、施工和设备材料供应单位",
    ],
    "progress_query_text": "可拨打95598供电服务热线、登录“网上国网”App或持本回执到营业厅查询办理进度",
    # the progress page of an application, {number} replaced: the receipt's QR code holds it; empty:
    # the QR code holds the application number and its caption says so
    "progress_url_template": "",
    "timestamp_url": "",  # RFC 3161 time-stamping authority for the hall seal (signing.pdf_seal)
    # per business type / stage overrides of catalog limits: {"lv_res_new": {"survey": 2}}
    "stage_limits": {},
    # applied capacity pre-filled for a residential 新装 (kW); the clerk may change it
    "residential_default_kw": 8,
    # survey teams and how many appointments each takes per working day (urban and rural differ)
    "survey_teams": [
        {"name": "城区勘查班", "area": "城区", "daily_capacity": 8},
        {"name": "农村勘查班", "area": "农村", "daily_capacity": 4},
    ],
    # years unknown to chinesecalendar whose holidays an admin entered completely as overrides
    "calendar_confirmed_years": [],
    # the customer's side (issue 17): documents print only after the customer confirmed on the
    # customer screen (off until a hall turns it on: a hall without customer screens must still print)
    "customer_confirmation": False,
    "rating_timeout_seconds": 60,
    "customer_notice": "办理用电业务请携带：本人有效身份证件、房屋产权证明（或购房合同、租赁协议等）；"
    "委托他人办理的，另带授权委托书和经办人身份证件。",
}


def get_hall(session: Session) -> Hall | None:
    """The first hall, or None before the first set-up (whether a database is set up at all)."""
    return session.scalar(select(Hall).order_by(Hall.id).limit(1))


def require_hall(session: Session, actor: Actor | None = None, hall_id: int | None = None) -> Hall:
    """The hall a unit of work is about: ``hall_id`` if given, else the actor's hall, else the only
    hall of the database (one PC, the owner of a one-hall database). With several halls an account
    without a hall must say which one (a city or province account)."""
    wanted = hall_id or (actor.hall_id if actor is not None else None)
    if wanted:
        found = session.get(Hall, wanted)
        if found is None:
            raise UserError("该营业厅不存在或无权查看")
        return found
    first_two = session.scalars(select(Hall).order_by(Hall.id).limit(2)).all()
    if not first_two:
        raise UserError("营业厅尚未初始化：请先启动程序完成首次设置，或运行 counter-app demo 生成演示数据")
    if len(first_two) > 1:
        raise UserError("该数据库有多个营业厅，本账号不属于其中任何一个：请选择营业厅，或以营业厅的账号登录")
    return first_two[0]


def hall_by_code(session: Session, code: str) -> Hall:
    found = session.scalar(select(Hall).where(Hall.code == (code or "").strip().upper()))
    if found is None:
        raise UserError(f"营业厅 {code} 不存在（用 counter-app hall list 查看）", field="hall")
    return found


def all_halls(session: Session) -> list[Hall]:
    """Every hall the caller may see (on PostgreSQL row-level security leaves only those)."""
    return list(session.scalars(select(Hall).order_by(Hall.code)))


def visible_hall_ids(session: Session, actor: Actor) -> list[int]:
    """The halls whose rows ``actor`` may see: its own hall and those granted to it (hall_grant, as
    read at sign-in: no query per page); an account without a hall or grants (the owner, a province
    admin, the exchange job, the PC's own user on SQLite) sees every hall. The same rule as
    ``counter_api.my_halls()`` on PostgreSQL."""
    granted = set(actor.hall_grants)
    if actor.hall_id is None and not granted:
        if actor.user_id is not None and actor.role not in ALL_HALL_ROLES:
            return []
        return list(session.scalars(select(Hall.id).order_by(Hall.id)))
    return sorted(granted | ({actor.hall_id} if actor.hall_id else set()))


def is_set_up(session: Session) -> bool:
    return get_hall(session) is not None and bool(session.scalar(select(func.count()).select_from(User)))


def validate_setup(code: str, name: str, supervision_phone: str) -> None:
    errors = {}
    if not re.fullmatch(r"[A-Z0-9]{2,12}", code or ""):
        errors["code"] = "营业厅编码应为2至12位大写字母或数字（用于申请编号，如 FZGL01）"
    problem = text_checks.problem(text_checks.cleaned(name), "营业厅名称", required=True,
                                  max_length=text_checks.column_length(Hall.name))
    if problem:
        errors["name"] = problem
    if not re.fullmatch(r"[0-9-]{5,20}", (supervision_phone or "").strip()):
        errors["supervision_phone"] = "请填写监督电话（如 0591-87654321）"
    if errors:
        raise ValidationFailed(errors)


def create_hall(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name: str,
    supervision_phone: str,
    address: str = "",
    phone: str = "",
    windows: int = 4,
) -> Hall:
    validate_setup(code, name, supervision_phone)
    check_new_hall(session, code, windows)
    first = get_hall(session) is None
    hall = Hall(code=code, name=text_checks.cleaned(name), address=address, phone=phone,
                supervision_phone=supervision_phone.strip(), created_at=clock.now())
    session.add(hall)
    session.flush()
    for number in range(1, windows + 1):
        session.add(CounterWindow(hall_id=hall.id, number=number, name=f"{number}号窗口"))
    # the entry belongs to the new hall when a hall-less account made it (its staff read its founding)
    by = actor if actor.hall_id is not None else dataclasses.replace(actor, hall_id=hall.id)
    audit.record(session, by, "setup" if first else "hall_add", "hall", hall.id, detail={"code": code, "name": name})
    return hall


def check_new_hall(session: Session, code: str, windows: int) -> None:
    """A second hall may not take a code in use: the code starts every application number."""
    if not 1 <= int(windows) <= MAX_WINDOWS:
        raise ValidationFailed({"windows": f"窗口数量应在1至{MAX_WINDOWS}之间"})
    if session.scalar(select(Hall.id).where(Hall.code == code)) is not None:
        raise ValidationFailed({"code": f"营业厅编码 {code} 已被使用（编码是申请编号的开头，各营业厅须不同）"})


def windows(session: Session, hall_id: int | None = None) -> list[CounterWindow]:
    """The hall's windows (every visible window when ``hall_id`` is None: one hall)."""
    stmt = select(CounterWindow).order_by(CounterWindow.number, CounterWindow.hall_id)
    if hall_id is not None:
        stmt = stmt.where(CounterWindow.hall_id == hall_id)
    return list(session.scalars(stmt))


def window_by_number(session: Session, number: int, hall_id: int | None = None) -> CounterWindow | None:
    stmt = select(CounterWindow).where(CounterWindow.number == number)
    if hall_id is not None:
        stmt = stmt.where(CounterWindow.hall_id == hall_id)
    return session.scalar(stmt.order_by(CounterWindow.hall_id).limit(1))


def hall_choice(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """(hall id, name) of the halls a supervisor over several halls may pick in the registers,
    warnings and overview; empty for one hall (no choice to offer)."""
    visible = visible_hall_ids(session, actor)
    if len(visible) < 2:
        return []  # a hall's own staff: no query, no choice
    shown = [(h.id, h.name) for h in all_halls(session) if h.id in visible]
    return shown if len(shown) > 1 else []


def view_halls(session: Session, actor: Actor, hall_id: int | None = None) -> tuple[int, ...]:
    """The halls a register or warning list shows: ``hall_id`` (one of the actor's) or all of them."""
    visible = visible_hall_ids(session, actor)
    if hall_id is not None and hall_id not in visible:
        raise ValidationFailed({"hall_id": "无权查看该营业厅"})
    if not visible:
        raise ValidationFailed({"hall_id": "本账号没有可查看的营业厅"})
    return (hall_id,) if hall_id is not None else tuple(visible)


def home_hall_id(session: Session, actor: Actor, hall_id: int | None = None, in_view: tuple[int, ...] = ()) -> int:
    """The hall whose settings and calendar a view uses: the one chosen, else the actor's own, else
    the first of those the actor sees (a city or province supervisor). No query for a hall's staff."""
    in_view = in_view or view_halls(session, actor, hall_id)
    return hall_id or (actor.hall_id if actor.hall_id in in_view else in_view[0])


def home_hall(session: Session, actor: Actor, hall_id: int | None = None, in_view: tuple[int, ...] = ()) -> Hall:
    return require_hall(session, actor, home_hall_id(session, actor, hall_id, in_view))


def window_id_of(session: Session, window_no: int | None, hall_id: int | None) -> int | None:
    """The id of window ``window_no`` of the hall (None for no window)."""
    if window_no is None:
        return None
    window = window_by_number(session, window_no, hall_id)
    if window is None:
        raise UserError(f"窗口 {window_no} 不存在", field="window")
    return window.id


def manages_hall(actor: Actor, hall_id: int | None) -> bool:
    """Whether ``actor`` manages hall ``hall_id`` (its accounts, settings, seal): an admin of a hall
    its own hall only; an account of no hall (a city/province admin), the database owner and the
    PC's own user every hall. The one rule, on SQLite as ``counter_private.manages_hall`` decides it on
    PostgreSQL."""
    return actor.user_id is None or actor.hall_id is None or hall_id == actor.hall_id


def out_of_reach(session: Session, actor: Actor, code: str, what: str) -> UserError:
    """The refusal when ``actor`` would ``what`` in another hall (code ``code``), naming its own."""
    own = session.get(Hall, actor.hall_id) if actor.hall_id is not None else None
    mine = f"本营业厅（{own.name}，{own.code}）" if own is not None else "本营业厅"
    return UserError(f"营业厅 {code} 不在您的管理范围内：您只能为{mine}{what}", field="hall")


def hall_for_new_account(session: Session, actor: Actor, hall_id: int | None) -> int | None:
    """The hall of an account ``actor`` creates or moves: the one asked for, else the actor's own
    (``manages_hall``: an admin of a hall keeps to its own, on SQLite as on PostgreSQL)."""
    if hall_id is None:
        return actor.hall_id if actor.hall_id is not None else only_hall_id(session)
    found = session.get(Hall, hall_id)
    if found is None:
        raise UserError("该营业厅不存在", field="hall")
    if not manages_hall(actor, hall_id):
        raise out_of_reach(session, actor, found.code, "新建账号")
    return hall_id


def managed_hall(session: Session, actor: Actor, hall_id: int | None = None) -> Hall:
    """The hall whose settings, seal or customer screen ``actor`` reads or changes: ``hall_id`` (one
    it manages and sees), else its own, else the first it sees (a city or province admin)."""
    if hall_id is not None and not manages_hall(actor, hall_id):
        found = session.get(Hall, hall_id)
        raise out_of_reach(session, actor, found.code if found else str(hall_id), "修改设置")
    return home_hall(session, actor, hall_id)


def managed_hall_choice(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """(hall id, name) of the halls whose settings ``actor`` may pick (``hall_choice`` among those it
    manages); empty for one hall."""
    shown = [(i, n) for i, n in hall_choice(session, actor) if manages_hall(actor, i)]
    return shown if len(shown) > 1 else []


def only_hall_id(session: Session) -> int | None:
    ids = session.scalars(select(Hall.id).order_by(Hall.id).limit(2)).all()
    return ids[0] if len(ids) == 1 else None


def get_setting(session: Session, key: str, hall_id: int | None = None) -> Any:
    if hall_id is not None:
        return _settings(session, hall_id).get(key)
    stmt = select(HallSetting.value).where(HallSetting.key == key)
    if hall_id is not None:
        stmt = stmt.where(HallSetting.hall_id == hall_id)
    value = session.scalar(stmt.limit(1))
    if value is None:
        return DEFAULT_SETTINGS.get(key)
    return value


def _settings(session: Session, hall_id: int) -> dict[str, Any]:
    """The hall's settings (defaults filled in), read once per unit of work: a save asked for five
    of them, a query each. ``set_setting`` forgets them."""
    memo = session.info.setdefault("hall_settings", {})
    if hall_id not in memo:
        memo[hall_id] = _with_defaults(session.execute(_setting_rows(hall_id)))
    return memo[hall_id]


def _setting_rows(hall_id: int):
    return select(HallSetting.key, HallSetting.value).where(HallSetting.hall_id == hall_id)


def _with_defaults(rows) -> dict[str, Any]:
    return {**DEFAULT_SETTINGS, **{key: value for key, value in rows}}


def all_settings(session: Session, hall_id: int) -> dict[str, Any]:
    return dict(_settings(session, hall_id))


def set_setting(session: Session, actor: Actor, hall_id: int, key: str, value: Any) -> None:
    row = session.scalar(select(HallSetting).where(HallSetting.hall_id == hall_id, HallSetting.key == key))
    session.info.pop("hall_settings", None)  # read again after this change
    old = row.value if row else DEFAULT_SETTINGS.get(key)
    if row is None:
        row = HallSetting(hall_id=hall_id, key=key, value=value, updated_at=clock.now(), updated_by_id=actor.user_id)
        session.add(row)
    else:
        row.value = value
        row.updated_at = clock.now()
        row.updated_by_id = actor.user_id
    audit.record(session, actor, "settings_change", "setting", key, detail={"old": old, "new": value})


def stage_limit(session: Session, hall_id: int, business_type: str, stage: str) -> int:
    """Working days of ``stage``: the hall's override, else the catalog's."""
    overrides = get_setting(session, "stage_limits", hall_id) or {}
    value = overrides.get(business_type, {}).get(stage)
    if value is not None:
        return int(value)
    return catalog.load().business_type(business_type).stage(stage).limit_days


def calendar_overrides(session: Session, hall_id: int) -> dict:
    known = session.info.get("calendar_overrides", {}).get(hall_id)
    rows = known if known is not None else session.execute(_overrides(hall_id))
    return {day: workday for day, workday in rows}


def _overrides(hall_id: int):
    return select(CalendarOverride.day, CalendarOverride.is_workday).where(CalendarOverride.hall_id == hall_id)


def context_statements(hall_id: int) -> list:
    """What ``get_setting``, ``stage_limit`` and ``work_calendar`` read for a hall, as statements a unit
    can send together with its other reads (``infra.batched``); hand their rows to ``keep_context``."""
    return [_setting_rows(hall_id), _overrides(hall_id)]


def keep_context(session: Session, hall_id: int, settings_rows, override_rows) -> None:
    """The rows of ``context_statements``, kept for the rest of the unit of work like the settings
    read by ``_settings`` (``set_setting`` forgets the settings)."""
    session.info.setdefault("hall_settings", {})[hall_id] = _with_defaults(settings_rows)
    session.info.setdefault("calendar_overrides", {})[hall_id] = [(r.day, r.is_workday) for r in override_rows]


def halls_context_statements(hall_ids) -> list:
    """``context_statements`` of several halls in two statements, however many halls (a city or
    province view); hand their rows to ``keep_halls_context``."""
    ids = sorted(set(hall_ids))
    return [select(HallSetting.hall_id, HallSetting.key, HallSetting.value).where(HallSetting.hall_id.in_(ids)),
            select(CalendarOverride.hall_id, CalendarOverride.day, CalendarOverride.is_workday)
            .where(CalendarOverride.hall_id.in_(ids))]


def keep_halls_context(session: Session, hall_ids, settings_rows, override_rows) -> None:
    """The rows of ``halls_context_statements``, kept per hall as ``keep_context`` keeps one hall's."""
    settings: dict[int, list] = {one: [] for one in hall_ids}
    overrides: dict[int, list] = {one: [] for one in hall_ids}
    for row in settings_rows:
        settings[row.hall_id].append((row.key, row.value))
    for row in override_rows:
        overrides[row.hall_id].append((row.day, row.is_workday))
    kept_settings = session.info.setdefault("hall_settings", {})
    kept_overrides = session.info.setdefault("calendar_overrides", {})
    for one in hall_ids:
        kept_settings[one] = _with_defaults(settings[one])
        kept_overrides[one] = overrides[one]


def work_calendar(session: Session, hall_id: int):
    from counter_app.hall.workdays import WorkCalendar

    confirmed = get_setting(session, "calendar_confirmed_years", hall_id) or []
    return WorkCalendar(calendar_overrides(session, hall_id), confirmed_years=confirmed)
