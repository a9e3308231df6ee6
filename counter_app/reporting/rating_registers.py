"""评价台账 (one row per case: the customer's confirmation and 好差评) and the rating figures of the
窗口工作量 register. ``registers`` imports this module and lists the register, which offers what
``registers.Register`` offers; the filters are the registers' own (``register_filter``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from counter_app.customer import confirmation, ratings
from counter_app.models import (
    Application,
    Customer,
    CustomerConfirmation,
    HallSetting,
    RatingFollowUp,
    ServiceRating,
)
from counter_app.printing.columns import Column
from counter_app.reporting.register_filter import application_filters
from counter_app.tracking.time_limits import overdue_condition

# the workload register's rating figures, after its timing figures
WORKLOAD_COLUMNS = (
    Column("已评价件数", "int", width=9), Column("满意率", "percent", width=9),
    Column("差评件数", "int", width=8), Column("未评价件数", "int", width=9),
)


def workload_columns():
    """Aggregates per (window, clerk) group over an outer join of ``service_rating``: rated,
    satisfied (非常满意, 满意, 基本满意), 差评."""
    rated = func.sum(case((ServiceRating.level.in_(tuple(ratings.LEVELS)), 1), else_=0))
    satisfied = func.sum(case((ServiceRating.level.in_(ratings.SATISFIED), 1), else_=0))
    bad = func.sum(case((ServiceRating.level.in_(ratings.BAD), 1), else_=0))
    return rated, satisfied, bad


def workload_join(stmt):
    return stmt.outerjoin(ServiceRating, ServiceRating.application_id == Application.id)


def workload_figures(count, rated, satisfied, bad) -> tuple:
    """已评价, 满意率 (of the rated; 未评价 is not counted as satisfied), 差评, 未评价."""
    rated, satisfied, bad = int(rated or 0), int(satisfied or 0), int(bad or 0)
    return rated, (satisfied / rated) if rated else None, bad, int(count) - rated


def _confirmations(session: Session, app_ids: Sequence[int]) -> dict[int, CustomerConfirmation]:
    """The last confirmation (not correction) of each application."""
    out: dict[int, CustomerConfirmation] = {}
    if not app_ids:
        return out
    stmt = (select(CustomerConfirmation)
            .where(CustomerConfirmation.application_id.in_(list(app_ids)), CustomerConfirmation.outcome == "confirmed")
            .order_by(CustomerConfirmation.at, CustomerConfirmation.id))
    for row in session.scalars(stmt):
        out[row.application_id] = row
    return out


def _corrections(session: Session, app_ids: Sequence[int]) -> dict[int, int]:
    if not app_ids:
        return {}
    stmt = (select(CustomerConfirmation.application_id, func.count())
            .where(CustomerConfirmation.application_id.in_(list(app_ids)), CustomerConfirmation.outcome == "correction")
            .group_by(CustomerConfirmation.application_id))
    return dict(session.execute(stmt).all())


class RatingRegister:
    kind, title, sheet = "ratings", "评价台账", "评价台账"
    totals = True
    freeze_columns = 1
    columns = (
        Column("申请编号", width=20.5), Column("受理时间", "datetime", width=15.5), Column("窗口", width=8),
        Column("受理人", width=7), Column("户名", width=14, wrap=True), Column("业务类型", width=12.5, wrap=True),
        Column("客户核对确认", width=16, wrap=True), Column("更正次数", "int", width=8),
        Column("评价", width=9), Column("评价时间", "datetime", width=15.5), Column("不满意原因", width=18, wrap=True),
        Column("意见建议", width=20, wrap=True), Column("整改期限", "date", width=11), Column("整改状态", width=11),
        Column("外部评价系统", width=14, wrap=True),
    )

    @staticmethod
    def key_column():
        return Application.id

    def page_statement(self, flt, ctx, offset: int, limit: int):
        keys = self.key_statement(flt, ctx).offset(offset).limit(limit).subquery()
        return self.statement(flt, ctx).where(Application.id.in_(select(keys.c[0])))

    def totals_row(self, ctx, flt):
        return None

    def _where(self, flt, ctx) -> list:
        where = application_filters(flt, ctx)
        if flt.overdue_only:
            where.append(overdue_condition(ctx.today))
        return where

    def statement(self, flt, ctx):
        return (
            select(
                Application.id, Application.number, Application.accepted_at, Application.window_id,
                Application.clerk_id, Customer.name, Application.business_type, ServiceRating.level,
                ServiceRating.rated_at, ServiceRating.reasons, ServiceRating.comment, ServiceRating.window_id,
                ServiceRating.clerk_id, ServiceRating.external_system, ServiceRating.external_ref,
                ServiceRating.external_error, RatingFollowUp.due_date, RatingFollowUp.rectified_at,
                RatingFollowUp.visited_at, ServiceRating.source, ServiceRating.comment_by_clerk,
            )
            .join(Customer, Customer.id == Application.customer_id)
            .outerjoin(ServiceRating, ServiceRating.application_id == Application.id)
            .outerjoin(RatingFollowUp, RatingFollowUp.rating_id == ServiceRating.id)
            .where(*self._where(flt, ctx))
            .order_by(Application.accepted_at, Application.id)
        )

    def key_statement(self, flt, ctx):
        return select(Application.id).where(*self._where(flt, ctx)).order_by(Application.accepted_at, Application.id)

    def count_statement(self, flt, ctx):
        return select(func.count(Application.id)).where(*self._where(flt, ctx))

    def build(self, rows, ctx):
        ids = [r[0] for r in rows]
        confirmed = _confirmations(ctx.session, ids)
        rule = ctx.session.execute(select(HallSetting.value, HallSetting.updated_at).where(
            HallSetting.hall_id == ctx.hall_id, HallSetting.key == "customer_confirmation")).first()
        rule_since = rule.updated_at if rule and rule.value else None
        corrections = _corrections(ctx.session, ids)
        out = []
        for (app_id, number, accepted_at, window_id, clerk_id, name, bt, level, rated_at, reasons, comment,
             rating_window, rating_clerk, ext_system, ext_ref, ext_error, due, rectified_at, visited_at,
             source, comment_by_clerk) in rows:
            conf = confirmed.get(app_id)
            if conf:
                conf_text = f"{confirmation.METHODS[conf.method]} {conf.at:%m-%d %H:%M}"
            elif rule_since is not None and accepted_at >= rule_since:
                conf_text = "未确认"
            else:  # accepted while the hall did not ask for it
                conf_text = "未要求"
            if due is None:
                state = ""
            elif visited_at:
                state = "已回访"
            elif rectified_at:
                state = "已整改待回访"
            else:
                state = "待整改" + ("（已超期）" if due < ctx.today else "")
            external = ""
            if ext_system:
                external = f"{ext_system} {ext_ref}" if ext_ref else f"{ext_system} 发送失败：{ext_error}"
            out.append((
                number, accepted_at, ctx.window_label(rating_window or window_id),
                ctx.users.get(rating_clerk or clerk_id, ""), name, ctx.catalog.business_name(bt), conf_text,
                corrections.get(app_id, 0),
                ratings.LEVEL_LABELS.get(level or ratings.NOT_RATED, level) + ("（受理员代录）" if source == "clerk" else ""),
                rated_at, ratings.reasons_text(reasons or ()),
                (comment or "") + ("（受理员代录客户原话）" if comment and comment_by_clerk else ""), due, state, external,
            ))
        return out
