"""总览 for supervisors: the figures behind the overview page's charts, each a small table of numbers
(categories × series) so the page draws it, saves it as a picture and exports its numbers to Excel.

The three charts of the period (per day, counter time, business mix) come from one grouped pass over
the acceptance-time range, the warnings and 容缺 from one grouped query each over their indexes.
No personal data leaves here, only counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import case, func, select

from counter_app.hall import catalog as catalog_mod
from counter_app.hall import hall as hall_mod
from counter_app.hall import settings_admin
from counter_app.infra import batched, clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError
from counter_app.models import Application, CounterWindow, Hall, Material
from counter_app.printing.columns import Column
from counter_app.security.permissions import Perm, require
from counter_app.tracking import time_limits

PERIODS = {7: "近7天", 30: "近30天", 90: "近90天"}
MIX_SLICES = 7
COUNTER_STANDARD_MINUTES = 20  # 窗口受理时间标准：一次办结不超过20分钟
MINUTE_BANDS = (("≤10分钟", 0, 10), ("10–20分钟", 10, 20), ("20–30分钟", 20, 30), (">30分钟", 30, None))


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    kind: str  # bar | stacked | pie
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float, ...]], ...]  # (name, one value per category)
    note: str = ""
    unit: str = "件"

    @property
    def total(self) -> float:
        return sum(sum(values) for _name, values in self.series)


@dataclass(frozen=True)
class Overview:
    hall_name: str
    date_from: dt.date
    date_to: dt.date
    charts: tuple[Chart, ...]

    @property
    def period_label(self) -> str:
        return f"{self.date_from:%Y-%m-%d} 至 {self.date_to:%Y-%m-%d}"

    def chart(self, key: str) -> Chart:
        return next(c for c in self.charts if c.key == key)


def build(db: Database, actor: Actor, *, days: int = 30, hall_id: int | None = None) -> Overview:
    """The overview of the last ``days`` days (today included) of the actor's hall, or of ``hall_id``
    (a supervisor over several halls picks one; by default the first of them)."""
    require(db, actor, Perm.VIEW_OVERVIEW, target_type="overview")
    if days not in PERIODS:
        raise UserError(f"统计期间只能选择{'、'.join(PERIODS.values())}", field="days")
    today = clock.today()
    first = today - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first, dt.time())
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time())
    cat = catalog_mod.load()
    # reads only, no transaction around them: the hall and its calendar, then the charts' four counts
    # in one statement (issue 20: two statements, two round trips on PostgreSQL; the counts' values are
    # dates, labels and numbers, which read_all's JSON brings back as the charts use them)
    with db.brief() as session:
        hall_id = hall_mod.home_hall_id(session, actor, hall_id)  # a hall's staff: no query
        hall, settings, overrides = batched.read_all(
            session, [select(Hall.name).where(Hall.id == hall_id), *hall_mod.context_statements(hall_id)])
        hall_mod.keep_context(session, hall_id, settings, overrides)
        in_period = (Application.hall_id == hall_id, Application.accepted_at >= start, Application.accepted_at < end)
        warnings = _warning_statements(session, hall_id, today)
        counts, *warned, deferred = batched.read_all(
            session, [_period_statement(in_period), *warnings.values(), _deferral_statement(hall_id, today)])
        counts = [(str(d)[:10], w, t, b, n) for d, w, t, b, n in counts]
        charts = (
            _per_day(counts, first, days),
            _warnings_by_stage(dict(zip(warnings, warned, strict=True)), cat),
            _counter_time(counts),
            _deferrals(deferred),
            _business_mix(counts, cat),
        )
    return Overview(hall[0].name if hall else "", first, today, charts)


def _period_statement(in_period):
    """(day, window, business type, counter-time band, count) of the period's applications: one pass
    over the acceptance-time range serves three charts (three passes took three times as long)."""
    day = func.date(Application.accepted_at)
    minutes = Application.counter_seconds / 60.0
    # bands include their upper end: exactly 20 minutes meets the standard
    band = case(*[((minutes <= high) if low == 0 else (minutes > low) if high is None
                   else ((minutes > low) & (minutes <= high)), label) for label, low, high in MINUTE_BANDS])
    return (select(day, CounterWindow.number, Application.business_type, band, func.count())
            .join(CounterWindow, CounterWindow.id == Application.window_id)
            .where(*in_period).group_by(day, CounterWindow.number, Application.business_type, band))


def _per_day(counts, first: dt.date, days: int) -> Chart:
    dates = [first + dt.timedelta(days=i) for i in range(days)]
    index = {d.isoformat(): i for i, d in enumerate(dates)}
    per_window: dict[int, list[float]] = {}
    for when, window_no, _type, _band, n in counts:
        per_window.setdefault(window_no, [0.0] * days)[index[when]] += n
    series = tuple((f"{no}号窗口", tuple(values)) for no, values in sorted(per_window.items()))
    total = sum(sum(v) for _n, v in series)
    return Chart("per_day", "每日受理量（按窗口）", "stacked", tuple(f"{d:%m-%d}" for d in dates), series,
                 f"合计受理 {total:.0f} 件，日均 {total / days:.1f} 件")


def _counter_time(counts) -> Chart:
    per_band: dict[str, int] = {}
    for _when, _window, _type, band, n in counts:
        if band is not None:  # no counter time recorded (imported cases)
            per_band[band] = per_band.get(band, 0) + n
    values = tuple(float(per_band.get(label, 0)) for label, _low, _high in MINUTE_BANDS)
    over = sum(v for (_label, low, _high), v in zip(MINUTE_BANDS, values, strict=True)
               if low >= COUNTER_STANDARD_MINUTES)
    total = sum(values)
    share = f"（{over / total:.0%}）" if total else ""
    return Chart("counter_time", f"窗口受理用时（标准 {COUNTER_STANDARD_MINUTES} 分钟）", "bar",
                 tuple(label for label, _l, _h in MINUTE_BANDS), (("申请件数", values),),
                 f"超过 {COUNTER_STANDARD_MINUTES} 分钟标准 {over:.0f} 件{share}")


def _warning_statements(session, hall_id: int, today: dt.date) -> dict:
    """level -> (stage, count) of the hall's active applications at that level (the hall's calendar,
    limits and yellow ratio read already)."""
    calendar = hall_mod.work_calendar(session, hall_id)
    limits = time_limits.stage_limits(session, hall_id)
    ratio = settings_admin.yellow_ratio(session, hall_id)
    return {level: select(Application.current_stage, func.count())
            .where(Application.hall_id == hall_id, time_limits.warning_condition(
                level, today=today, calendar=calendar, limits=limits, yellow_ratio=ratio))
            .group_by(Application.current_stage)
            for level in ("yellow", "red")}


def _warnings_by_stage(rows: dict, cat) -> Chart:
    counts: dict[str, dict[str, int]] = {}
    for level, found in rows.items():
        for stage, n in found:
            counts.setdefault(stage, {})[level] = n
    stages = sorted(counts, key=lambda s: (-sum(counts[s].values()), s))
    series = tuple((label, tuple(float(counts[s].get(level, 0)) for s in stages))
                   for level, label in (("yellow", "预警（黄）"), ("red", "超期（红）")))
    red = sum(c.get("red", 0) for c in counts.values())
    yellow = sum(c.get("yellow", 0) for c in counts.values())
    return Chart("warnings", "在办预警与超期（按环节）", "stacked", tuple(cat.stage_name(s) for s in stages), series,
                 f"当前预警 {yellow} 件，超期 {red} 件")


def _deferral_statement(hall_id: int, today: dt.date):
    soon = today + dt.timedelta(days=3)
    bucket = case((Material.due_date < today, "已逾期"), (Material.due_date == today, "今天到期"),
                  (Material.due_date <= soon, "3天内到期"), else_="以后到期")
    return (select(bucket, func.count())
            .join(Application, Application.id == Material.application_id)
            .where(Material.state == "deferred", Material.due_date.is_not(None), Application.hall_id == hall_id,
                   Application.status == "active")
            .group_by(bucket))


def _deferrals(found) -> Chart:
    rows = dict(found)
    labels = ("已逾期", "今天到期", "3天内到期", "以后到期")
    values = tuple(float(rows.get(label, 0)) for label in labels)
    return Chart("deferrals", "容缺资料补交", "bar", labels, (("资料项数", values),),
                 f"待补交 {sum(values):.0f} 项，其中已逾期 {values[0]:.0f} 项", unit="项")


def _business_mix(counts, cat) -> Chart:
    per_type: dict[str, int] = {}
    for _when, _window, business_type, _band, n in counts:
        per_type[business_type] = per_type.get(business_type, 0) + n
    rows = sorted(per_type.items(), key=lambda item: (-item[1], item[0]))
    # the seven largest and 其他: thirteen slices and their legend do not fit a counter screen
    named = [(cat.business_name(t), float(n)) for t, n in rows[:MIX_SLICES]]
    rest = sum(n for _t, n in rows[MIX_SLICES:])
    if rest:
        named.append(("其他", float(rest)))
    return Chart("business_mix", "业务类型构成", "pie", tuple(name for name, _n in named),
                 (("申请件数", tuple(n for _name, n in named)),), f"共 {sum(n for _t, n in rows)} 件")


# --- Excel -----------------------------------------------------------------------------------------


def export(db: Database, actor: Actor, overview: Overview, path: str | Path) -> Path:
    """The numbers of every chart, one sheet each, written to ``path`` and recorded as an export."""
    from counter_app.printing.excel import SheetSpec, write_xlsx
    from counter_app.reporting.exports import check_target
    from counter_app.reporting.recorded_export import write_recorded

    require(db, actor, Perm.VIEW_OVERVIEW, target_type="overview")
    target = check_target(path)
    sheets = []
    for chart in overview.charts:
        columns = [Column("项目", width=16)] + [Column(name, "int", total="sum") for name, _v in chart.series]
        rows = [(label, *(values[i] for _n, values in chart.series)) for i, label in enumerate(chart.categories)]
        sheets.append(SheetSpec(name=chart.title, title=f"{overview.hall_name} {chart.title}", columns=columns,
                                rows=rows, totals=True,
                                notes=[f"统计期间：{overview.period_label}", chart.note]))

    def write(temp: Path) -> int:
        write_xlsx(temp, sheets)
        return sum(len(c.categories) for c in overview.charts)

    write_recorded(db, actor, target, write, kind="overview",
                   filters={"from": overview.date_from.isoformat(), "to": overview.date_to.isoformat()})
    return target
