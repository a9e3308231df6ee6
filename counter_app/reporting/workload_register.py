"""窗口工作量统计 (one row per window and clerk): acceptances, counter time and ratings. Each
acceptance is timed against its own hall's standard (``counter_standard_minutes``, a hall setting):
a view over several halls whose standards differ counts "within the standard" hall by hall and says
so in the header. ``registers`` lists the register and serves it like the others."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from counter_app.hall import hall as hall_mod
from counter_app.models import Application, HallSetting
from counter_app.printing.columns import Column
from counter_app.reporting import rating_registers as _rating_registers
from counter_app.reporting.register_filter import RegisterContext, RegisterFilter, application_filters
from counter_app.tracking.time_limits import overdue_condition

SETTING = "counter_standard_minutes"


def standards(session: Session, hall_ids) -> dict[int, int]:
    """hall id -> its counter-time standard in minutes, in one query however many halls."""
    found = dict(session.execute(select(HallSetting.hall_id, HallSetting.value)
                                 .where(HallSetting.key == SETTING, HallSetting.hall_id.in_(list(hall_ids)))).all())
    return {one: int(found.get(one, hall_mod.DEFAULT_SETTINGS[SETTING])) for one in hall_ids}


def standard_text(minutes) -> str:
    """"20分钟" when the halls in view share one standard, else "本厅标准用时" (each hall's own)."""
    distinct = set(minutes)
    return f"{distinct.pop()}分钟" if len(distinct) == 1 else "本厅标准用时"


class WorkloadRegister:
    kind, title, sheet = "workload", "窗口工作量统计", "窗口工作量"
    freeze_columns = 0
    totals = True

    @property
    def columns(self):  # the standard is a hall setting; the header names it
        return self.columns_named(standard_text([hall_mod.DEFAULT_SETTINGS[SETTING]]))

    @staticmethod
    def columns_named(standard: str) -> tuple[Column, ...]:
        return (
            Column("窗口", width=10), Column("受理人", width=10), Column("受理件数", "int", width=9),
            Column("计时件数", "int", width=9), Column("平均窗口用时（分钟）", "decimal1", width=12),
            Column("最长用时（分钟）", "decimal1", width=10),
            Column(f"{standard}内办结件数", "int", width=12 + 2 * max(0, len(standard) - 4)),
            Column(f"{standard}内占比", "percent", width=11 + 2 * max(0, len(standard) - 4)),
            *_rating_registers.WORKLOAD_COLUMNS,
        )

    def columns_for(self, ctx: RegisterContext) -> tuple[Column, ...]:
        return self.columns_named(standard_text(r.standard_minutes for r in ctx.reckonings.values()))

    def statement(self, flt: RegisterFilter, ctx: RegisterContext, *, grouped: bool = True):
        seconds = {one: r.standard_minutes * 60 for one, r in ctx.reckonings.items()}
        if len(set(seconds.values())) == 1:
            limit = next(iter(seconds.values()))
        else:  # each acceptance against its own hall's standard
            limit = case(seconds, value=Application.hall_id)
        within = func.sum(case((Application.counter_seconds <= limit, 1), else_=0))
        stmt = (
            select(
                Application.window_id, Application.clerk_id, func.count(Application.id),
                func.count(Application.counter_seconds), func.avg(Application.counter_seconds),
                func.max(Application.counter_seconds), within, *_rating_registers.workload_columns(),
            )
            .where(*application_filters(flt, ctx))
        )
        stmt = _rating_registers.workload_join(stmt)
        if grouped:
            stmt = stmt.group_by(Application.window_id, Application.clerk_id)
        else:  # one row over everything: the totals
            stmt = stmt.with_only_columns(*stmt.selected_columns[2:])
        if flt.overdue_only:
            stmt = stmt.where(overdue_condition(ctx.today))
        return stmt

    @staticmethod
    def _figures(count, timed, avg, longest, within, rated, satisfied, bad) -> tuple:
        within = int(within or 0)
        return (
            int(count), int(timed), round(float(avg) / 60, 1) if avg is not None else None,
            round(longest / 60, 1) if longest is not None else None, within, (within / timed) if timed else None,
            *_rating_registers.workload_figures(count, rated, satisfied, bad),
        )

    def build(self, rows, ctx: RegisterContext):
        ordered = sorted(rows, key=lambda r: (ctx.windows[r[0]].number if r[0] in ctx.windows else 0,
                                              ctx.users.get(r[1], "")))
        return [(ctx.window_label(window_id), ctx.users.get(clerk_id, ""), *self._figures(*figures))
                for window_id, clerk_id, *figures in ordered]

    def totals_for(self, session: Session, flt: RegisterFilter, ctx: RegisterContext, people: int) -> tuple:
        """Over all acceptances (the mean is not a mean of the per-clerk means)."""
        figures = session.execute(self.statement(flt, ctx, grouped=False)).one()
        return ("合计", f"{people} 人", *self._figures(*figures))
