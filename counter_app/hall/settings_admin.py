"""Hall settings an admin edits in the window: hall data, supervision phones, stage time limits,
warning threshold, deferral days, texts printed on the notice, holiday/workday overrides.

Every change is audited. Changes take effect for new applications: a stored due date is never
recomputed, and a stage entered later by an application accepted before a change of the time limits
keeps the limits in force when it was accepted (``stage_limit_at`` reads the change history).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.hall import catalog, hall
from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import NotFound, ValidationFailed
from counter_app.models import CalendarOverride, Hall
from counter_app.security import audit
from counter_app.security.permissions import Perm, require

MAX_STAGE_DAYS = 120
MAX_IDLE_LOCK_MINUTES = 240
HISTORY_KEY = "stage_limits_history"


@dataclass(frozen=True)
class StageLimitRow:
    business_type: str
    business_name: str
    stage: str
    stage_name: str
    default_days: int  # from the catalog
    days: int  # in force for new applications


@dataclass(frozen=True)
class OverrideRow:
    id: int
    day: dt.date
    is_workday: bool
    note: str

    @property
    def kind_label(self) -> str:
        return "工作日（调休上班）" if self.is_workday else "休息日（节假日）"


@dataclass(frozen=True)
class HallSettings:
    hall_id: int
    hall_code: str
    name: str
    address: str
    phone: str
    supervision_phone: str
    service_phone: str
    yellow_percent: int
    deferral_days: int
    fees_text: str
    service_commitments: tuple[str, ...]
    progress_query_text: str
    stage_limits: tuple[StageLimitRow, ...]
    overrides: tuple[OverrideRow, ...]
    confirmed_years: tuple[int, ...]
    idle_lock_minutes: int = 10  # the window locks after this long without input; 0 = never
    # 告知书 texts per business group as the hall words them: {group: {"fees": str, "commitments": [str]}}
    business_texts: dict = field(default_factory=dict)
    progress_url_template: str = ""
    timestamp_url: str = ""
    # (hall id, name) of the halls an admin over several halls may pick (``hall.managed_hall_choice``)
    hall_choices: tuple[tuple[int, str], ...] = ()


@dataclass
class SettingsUpdate:
    """What the settings dialog sends back; ``None`` leaves a value as it is."""

    name: str | None = None
    address: str | None = None
    phone: str | None = None
    supervision_phone: str | None = None
    service_phone: str | None = None
    yellow_percent: int | None = None
    deferral_days: int | None = None
    fees_text: str | None = None
    service_commitments: list[str] | None = None
    progress_query_text: str | None = None
    stage_limits: dict[tuple[str, str], int] | None = None  # (business type, stage) -> days
    add_overrides: list[tuple[dt.date, bool, str]] = field(default_factory=list)
    remove_override_ids: list[int] = field(default_factory=list)
    confirmed_years: list[int] | None = None
    idle_lock_minutes: int | None = None
    business_texts: dict[str, dict] | None = None
    progress_url_template: str | None = None
    timestamp_url: str | None = None
    hall_id: int | None = None  # the hall these settings are of (None: the admin's own)


# --- reading --------------------------------------------------------------------------------------


def stage_limit_rows(session: Session, hall_id: int) -> list[StageLimitRow]:
    overrides = hall.get_setting(session, "stage_limits", hall_id) or {}
    rows = []
    for bt in catalog.load().business_types.values():
        for stage in bt.stages:
            if stage.code == "archive":
                continue  # archiving closes the case the moment it is reached
            days = overrides.get(bt.code, {}).get(stage.code, stage.limit_days)
            rows.append(StageLimitRow(bt.code, bt.name, stage.code, stage.name, stage.limit_days, int(days)))
    return rows


def business_texts(values: dict) -> dict[str, dict]:
    """收费标准 and 服务承诺 per business group: the hall's wording, else the catalog's (unfilled, so
    {total_limit} stays a placeholder the admin sees and keeps)."""
    cat = catalog.load()
    saved = values.get("business_texts") or {}
    result = {}
    for group, (fees, commitments) in cat.texts.items():
        own = saved.get(group) or {}
        result[group] = {"fees": str(own.get("fees") or fees),
                         "commitments": [str(c) for c in (own.get("commitments") or commitments)]}
    return result


def overrides(session: Session, hall_id: int) -> list[OverrideRow]:
    rows = session.scalars(
        select(CalendarOverride).where(CalendarOverride.hall_id == hall_id).order_by(CalendarOverride.day)
    )
    return [OverrideRow(r.id, r.day, r.is_workday, r.note) for r in rows]


def load(db: Database, actor: Actor, hall_id: int | None = None) -> HallSettings:
    """The settings of hall ``hall_id`` (default: the admin's own; an admin of no hall: the first of
    the halls it manages, with the others to pick from)."""
    require(db, actor, Perm.MANAGE_SETTINGS, target_type="settings")
    with db.read() as session:
        h = hall.managed_hall(session, actor, hall_id)
        values = hall.all_settings(session, h.id)
        return HallSettings(
            hall_id=h.id,
            hall_code=h.code,
            name=h.name,
            address=h.address,
            phone=h.phone,
            supervision_phone=h.supervision_phone,
            service_phone=str(values.get("service_phone") or ""),
            yellow_percent=round(float(values["warning_yellow_ratio"]) * 100),
            deferral_days=int(values["deferral_working_days"]),
            fees_text=str(values.get("fees_text") or ""),
            service_commitments=tuple(values.get("service_commitments") or ()),
            progress_query_text=str(values.get("progress_query_text") or ""),
            stage_limits=tuple(stage_limit_rows(session, h.id)),
            overrides=tuple(overrides(session, h.id)),
            confirmed_years=tuple(sorted(int(y) for y in values.get("calendar_confirmed_years") or ())),
            idle_lock_minutes=int(values.get("idle_lock_minutes") or 0),
            business_texts=business_texts(values),
            progress_url_template=str(values.get("progress_url_template") or ""),
            timestamp_url=str(values.get("timestamp_url") or ""),
            hall_choices=tuple(hall.managed_hall_choice(session, actor)),
        )


def stage_limit_at(session: Session, hall_id: int, business_type: str, stage: str,
                   accepted_at: dt.datetime | None) -> int:
    """The stage limit in force when an application was accepted (later changes apply to new ones)."""
    current = hall.get_setting(session, "stage_limits", hall_id) or {}
    in_force = current
    if accepted_at is not None:
        history = hall.get_setting(session, HISTORY_KEY, hall_id) or []
        for entry in sorted(history, key=lambda e: e["until"]):
            if accepted_at < dt.datetime.fromisoformat(entry["until"]):
                in_force = entry.get("value") or {}
                break
    value = in_force.get(business_type, {}).get(stage)
    if value is not None:
        return int(value)
    return catalog.load().business_type(business_type).stage(stage).limit_days


def yellow_ratio(session: Session, hall_id: int) -> float:
    value = hall.get_setting(session, "warning_yellow_ratio", hall_id)
    return float(value if value is not None else hall.DEFAULT_SETTINGS["warning_yellow_ratio"])


# --- validating and saving ------------------------------------------------------------------------

_PHONE = re.compile(r"[0-9][0-9-]{2,19}")


def validate(update: SettingsUpdate, known_days: set[dt.date]) -> None:
    errors: dict[str, str] = {}
    if update.name is not None and not update.name.strip():
        errors["name"] = "请填写营业厅名称"
    if update.supervision_phone is not None:
        phones = [p for p in re.split(r"[、,，;；\s]+", update.supervision_phone.strip()) if p]
        if not phones or not all(_PHONE.fullmatch(p) for p in phones):
            errors["supervision_phone"] = "监督电话只能包含数字和横线，多个号码用顿号或逗号分隔（如 0591-87654321、95598）"
    if update.service_phone is not None and not _PHONE.fullmatch(update.service_phone.strip()):
        errors["service_phone"] = "服务热线只能包含数字和横线（如 95598）"
    if update.phone is not None and update.phone.strip() and not _PHONE.fullmatch(update.phone.strip()):
        errors["phone"] = "营业厅电话只能包含数字和横线（如 0591-87000000）"
    if update.yellow_percent is not None and not 10 <= update.yellow_percent <= 99:
        errors["yellow_percent"] = "黄色预警比例应在10%至99%之间（默认80%）"
    if update.idle_lock_minutes is not None and not 0 <= update.idle_lock_minutes <= MAX_IDLE_LOCK_MINUTES:
        errors["idle_lock_minutes"] = f"无操作锁屏时间应为0至{MAX_IDLE_LOCK_MINUTES}分钟（0表示不自动锁屏）"
    if update.deferral_days is not None and not 1 <= update.deferral_days <= 30:
        errors["deferral_days"] = "容缺补交期限应为1至30个工作日（默认3个工作日）"
    if update.stage_limits is not None:
        types = catalog.load().business_types
        for (bt, stage), days in update.stage_limits.items():
            if bt not in types or stage not in {s.code for s in types[bt].stages}:
                errors["stage_limits"] = f"未知的业务类型或环节：{bt}/{stage}"
                break
            if not 0 <= int(days) <= MAX_STAGE_DAYS:
                errors["stage_limits"] = (f"{types[bt].name}“{types[bt].stage(stage).name}”的时限应为0至"
                                          f"{MAX_STAGE_DAYS}个工作日")
                break
    if update.stage_limits is not None and "stage_limits" not in errors:
        for bt in catalog.load().business_types.values():
            wanted = {stage: int(days) for (code, stage), days in update.stage_limits.items() if code == bt.code}
            problem = bt.overrun(wanted) if wanted else None
            if problem:
                errors["stage_limits"] = problem + "，请调低环节时限"
                break
    url = (update.progress_url_template or "").strip()
    if url and not (re.match(r"https?://\S+$", url) and "{number}" in url):
        errors["progress_url_template"] = ("进度查询网址应以 http:// 或 https:// 开头，并含 {number}"
                                           "（打印时替换为申请编号），如 https://example.cn/progress?no={number}")
    tsa = (update.timestamp_url or "").strip()
    if tsa and not re.match(r"https?://[^\s/]+\S*$", tsa):
        errors["timestamp_url"] = "时间戳服务地址应以 http:// 或 https:// 开头（RFC 3161 时间戳服务），不使用请留空"
    for texts in (update.business_texts or {}).values():
        if not str(texts.get("fees") or "").strip() or not any(str(c).strip() for c in texts.get("commitments") or ()):
            errors["business_texts"] = "每类业务的收费标准和服务承诺都要填写（至少一条承诺）"
            break
    if update.service_commitments is not None and not any(c.strip() for c in update.service_commitments):
        errors["service_commitments"] = "请至少填写一条服务承诺"
    seen = set(known_days)
    for day, _workday, _note in update.add_overrides:
        if day in seen:
            errors["overrides"] = f"{day:%Y-%m-%d} 已有调整记录，请先删除原记录"
            break
        seen.add(day)
    if update.confirmed_years is not None:
        for year in update.confirmed_years:
            if not 2000 <= int(year) <= 2100:
                errors["confirmed_years"] = f"年份 {year} 不正确"
                break
    if errors:
        raise ValidationFailed(errors)


def save(db: Database, actor: Actor, update: SettingsUpdate) -> list[str]:
    """Apply the update in one transaction; returns what changed, in Chinese, for the status line."""
    require(db, actor, Perm.MANAGE_SETTINGS, target_type="settings")

    def work(session: Session) -> list[str]:
        h = hall.managed_hall(session, actor, update.hall_id)
        existing = {row.day for row in overrides(session, h.id)
                    if row.id not in set(update.remove_override_ids)}
        validate(update, existing)
        old_calendar = hall.work_calendar(session, h.id)
        changed: list[str] = []
        changed += _save_hall_data(session, actor, h, update)
        changed += _save_values(session, actor, h.id, update)
        if update.stage_limits is not None:
            changed += _save_stage_limits(session, actor, h.id, update.stage_limits)
        changed += _save_overrides(session, actor, h.id, update)
        changed += _after_calendar_change(session, actor, h.id, old_calendar)
        return changed

    return db.run_write(work)


def _save_hall_data(session: Session, actor: Actor, h: Hall, update: SettingsUpdate) -> list[str]:
    labels = {"name": "营业厅名称", "address": "营业厅地址", "phone": "营业厅电话", "supervision_phone": "监督电话"}
    changed = []
    for attr, label in labels.items():
        value = getattr(update, attr)
        if value is None:
            continue
        value = value.strip()
        old = getattr(h, attr)
        if value != old:
            setattr(h, attr, value)
            audit.record(session, actor, "settings_change", "hall", h.id,
                         detail={"field": attr, "old": old, "new": value})
            changed.append(label)
    return changed


def _save_values(session: Session, actor: Actor, hall_id: int, update: SettingsUpdate) -> list[str]:
    current = hall.all_settings(session, hall_id)
    wanted: dict[str, tuple[str, Any]] = {}
    if update.service_phone is not None:
        wanted["service_phone"] = ("服务热线", update.service_phone.strip())
    if update.yellow_percent is not None:
        wanted["warning_yellow_ratio"] = ("黄色预警比例", round(update.yellow_percent / 100, 2))
    if update.deferral_days is not None:
        wanted["deferral_working_days"] = ("容缺补交期限", int(update.deferral_days))
    if update.fees_text is not None:
        wanted["fees_text"] = ("收费说明", update.fees_text.strip())
    if update.service_commitments is not None:
        wanted["service_commitments"] = ("服务承诺", [c.strip() for c in update.service_commitments if c.strip()])
    if update.progress_query_text is not None:
        wanted["progress_query_text"] = ("进度查询说明", update.progress_query_text.strip())
    if update.progress_url_template is not None:
        wanted["progress_url_template"] = ("进度查询网址", update.progress_url_template.strip())
    if update.timestamp_url is not None:
        wanted["timestamp_url"] = ("时间戳服务地址", update.timestamp_url.strip())
    if update.business_texts is not None:
        cleaned = {group: {"fees": str(t.get("fees") or "").strip(),
                           "commitments": [str(c).strip() for c in t.get("commitments") or () if str(c).strip()]}
                   for group, t in update.business_texts.items()}
        if business_texts({"business_texts": cleaned}) != business_texts(current):
            wanted["business_texts"] = ("告知书收费标准及服务承诺", cleaned)
    if update.idle_lock_minutes is not None:
        wanted["idle_lock_minutes"] = ("无操作锁屏时间", int(update.idle_lock_minutes))
    if update.confirmed_years is not None:
        wanted["calendar_confirmed_years"] = ("已确认的年度节假日", sorted({int(y) for y in update.confirmed_years}))
    changed = []
    for key, (label, value) in wanted.items():
        if current.get(key) != value:
            hall.set_setting(session, actor, hall_id, key, value)
            changed.append(label)
    return changed


def _save_stage_limits(session: Session, actor: Actor, hall_id: int,
                       limits: dict[tuple[str, str], int]) -> list[str]:
    old = hall.get_setting(session, "stage_limits", hall_id) or {}
    new = {bt: dict(stages) for bt, stages in old.items()}
    types = catalog.load().business_types
    for (bt, stage), days in limits.items():
        default = types[bt].stage(stage).limit_days
        if int(days) == default:
            new.get(bt, {}).pop(stage, None)
        else:
            new.setdefault(bt, {})[stage] = int(days)
    new = {bt: stages for bt, stages in new.items() if stages}
    if new == old:
        return []
    # remember what applied until now: applications accepted before keep those limits
    history = list(hall.get_setting(session, HISTORY_KEY, hall_id) or [])
    history.append({"until": clock.now().isoformat(), "value": old})
    hall.set_setting(session, actor, hall_id, HISTORY_KEY, history)
    hall.set_setting(session, actor, hall_id, "stage_limits", new)
    return ["环节时限"]


def _save_overrides(session: Session, actor: Actor, hall_id: int, update: SettingsUpdate) -> list[str]:
    changed = []
    for override_id in update.remove_override_ids:
        row = session.get(CalendarOverride, override_id)
        if row is None or row.hall_id != hall_id:
            raise NotFound("要删除的节假日调整记录不存在（可能已被他人删除），请重新打开设置")
        audit.record(session, actor, "settings_change", "calendar_override", row.id,
                     detail={"removed": row.day.isoformat(), "is_workday": row.is_workday, "note": row.note})
        session.delete(row)
        changed.append(f"删除调整 {row.day:%Y-%m-%d}")
    session.flush()
    for day, is_workday, note in update.add_overrides:
        row = CalendarOverride(hall_id=hall_id, day=day, is_workday=bool(is_workday), note=(note or "").strip()[:100],
                               created_by_id=actor.user_id, created_at=clock.now())
        session.add(row)
        session.flush()
        audit.record(session, actor, "settings_change", "calendar_override", row.id,
                     detail={"added": day.isoformat(), "is_workday": bool(is_workday), "note": row.note})
        changed.append(f"{day:%Y-%m-%d} 设为{'工作日' if is_workday else '休息日'}")
    return changed


def _after_calendar_change(session: Session, actor: Actor, hall_id: int, old_calendar) -> list[str]:
    """A year confirmed needs its holidays entered; estimated deadlines are counted again."""
    from counter_app.tracking.deadline_recompute import recompute_estimated

    new_calendar = hall.work_calendar(session, hall_id)
    if (new_calendar.overrides, new_calendar.confirmed_years) == (old_calendar.overrides,
                                                                   old_calendar.confirmed_years):
        return []
    for year in sorted(new_calendar.confirmed_years - old_calendar.confirmed_years):
        if official_kind(dt.date(year, 6, 1)) == UNKNOWN_YEAR and not any(
                day.year == year for day in new_calendar.overrides):
            raise ValidationFailed({"confirmed_years": f"{year}年尚未录入任何节假日或调休上班日，请先录入或导入"
                                                       "国务院办公厅的放假通知，再确认该年度"})
    changes = recompute_estimated(session, actor, hall_id, old_calendar, new_calendar)
    return [f"重算预估期限 {len(changes)} 项"] if changes else []


UNKNOWN_YEAR = "官方日历未收录该年度"


def official_last_year() -> int:
    """The newest year the built-in calendar (chinesecalendar) knows."""
    import chinese_calendar

    year = clock.today().year + 1
    while year > 2004:
        try:
            chinese_calendar.is_workday(dt.date(year, 6, 1))
            return year
        except NotImplementedError:
            year -= 1
    return year


def official_kind(day: dt.date) -> str:
    """What the official calendar says of a day (for the override editor)."""
    import chinese_calendar

    try:
        workday = chinese_calendar.is_workday(day)
    except NotImplementedError:
        return UNKNOWN_YEAR
    try:
        _holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        name = None
    if workday:
        return "官方：工作日" + ("（调休上班）" if day.weekday() >= 5 else "")
    return "官方：休息日" + (f"（{_HOLIDAY_NAMES.get(str(name), '')}）" if name else "")


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}

