"""The customer's side of the demo hall: 好差评 of every level and 请核对 confirmations.

The story: the hall has had a rating device for the whole history (every case is rated, about one in
ten not answered in time: 未评价), and switched on its customer screens with confirm-before-print
``CONFIRMATION_DAYS`` ago: the cases accepted since then carry their confirmation (by touch, some
told to the clerk, a few after a correction). 差评 have follow-ups: the older ones rectified and
visited back, a few overdue, the recent ones still open. Deterministic for a seed like the rest."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session, selectinload

from counter_app.customer import confirmation, ratings
from counter_app.customer import view as customer_view
from counter_app.hall import hall as hall_mod
from counter_app.infra.context import system_actor
from counter_app.models import (
    Application,
    CustomerConfirmation,
    HallSetting,
    RatingFollowUp,
    ServiceRating,
    User,
)

CONFIRMATION_DAYS = 10
LEVEL_WEIGHTS = {"very_satisfied": 55, "satisfied": 22, "basic": 8, "dissatisfied": 3, "very_dissatisfied": 2,
                 ratings.NOT_RATED: 10}
PRAISE = ("", "", "", "服务热情周到，谢谢", "办理很快")
COMPLAINTS = ("", "希望缩短等候时间", "希望一次性告知所需材料", "排队太久")
RECTIFICATIONS = ("组织窗口人员业务培训，班长每日抽查受理质量", "增设导办员，高峰时段开放弹性窗口",
                  "修订一次性告知单，材料清单上墙公示", "约谈当事受理员，纳入月度考核")
CORRECTED = ("address", "contact_mobile", "capacity", "holder_name")
CHUNK = 2000


def add(session: Session, hall_id: int, now: dt.datetime, seed: int) -> dict[str, int]:
    """Ratings for every application of the hall, confirmations for the recent ones."""
    rng = random.Random(seed * 7919 + 17)
    since = now - dt.timedelta(days=CONFIRMATION_DAYS)
    hall_mod.set_setting(session, system_actor(hall_id), hall_id, "customer_confirmation", True)
    session.flush()
    setting = session.scalar(select(HallSetting).where(HallSetting.hall_id == hall_id,
                                                       HallSetting.key == "customer_confirmation"))
    setting.updated_at = since
    calendar = hall_mod.work_calendar(session, hall_id)
    supervisor = session.scalar(select(User.id).where(User.role == "supervisor").order_by(User.id).limit(1))
    apps = session.execute(
        select(Application.id, Application.window_id, Application.clerk_id, Application.accepted_at,
               Application.counter_seconds)
        .where(Application.hall_id == hall_id,
               ~select(ServiceRating.id).where(ServiceRating.application_id == Application.id).exists())
        .order_by(Application.accepted_at, Application.id)
    ).all()
    next_rating = (session.scalar(select(ServiceRating.id).order_by(ServiceRating.id.desc()).limit(1)) or 0) + 1
    next_follow = (session.scalar(select(RatingFollowUp.id).order_by(RatingFollowUp.id.desc()).limit(1)) or 0) + 1
    levels, weights = list(LEVEL_WEIGHTS), list(LEVEL_WEIGHTS.values())
    rating_rows, follow_rows = [], []
    for index, (app_id, window_id, clerk_id, accepted_at, seconds) in enumerate(apps):
        # the newest cases show every level (and 未评价) whatever the sample size
        level = levels[len(apps) - 1 - index] if len(apps) - index <= len(levels) else rng.choices(levels, weights)[0]
        requested = accepted_at + dt.timedelta(seconds=(seconds or 600) + rng.randint(60, 300))
        rated = None if level == ratings.NOT_RATED else requested + dt.timedelta(seconds=rng.randint(5, 40))
        if rated and rated > now:
            rated = requested = now
        reasons = tuple(rng.sample(ratings.REASONS[:-1], rng.randint(1, 2))) if level in ratings.BAD else ()
        comment = "" if level == ratings.NOT_RATED else rng.choice(COMPLAINTS if level in ratings.BAD else PRAISE)
        rating_rows.append(dict(
            id=next_rating, application_id=app_id, clerk_id=clerk_id, window_id=window_id, level=level,
            reasons=list(reasons), comment=comment, source="timeout" if level == ratings.NOT_RATED else "screen",
            requested_at=requested, rated_at=rated, external_system="", external_ref="", external_error="",
        ))
        if level in ratings.BAD:
            due = calendar.add_workdays(rated, ratings.FOLLOW_UP_WORKING_DAYS).day
            row = dict(id=next_follow, rating_id=next_rating, created_at=rated, due_date=due, rectification="",
                       rectified_at=None, rectified_by_id=None, visit_result="", visit_note="", visited_at=None,
                       visited_by_id=None)
            overdue_left_open = due < now.date() and rng.random() < 0.2
            if not overdue_left_open and (due < now.date() or rng.random() < 0.4):
                fixed = min(rated + dt.timedelta(days=rng.randint(2, 12)), now)
                row.update(rectification=rng.choice(RECTIFICATIONS), rectified_at=fixed, rectified_by_id=supervisor)
                if due < now.date():
                    visited = min(fixed + dt.timedelta(days=rng.randint(1, 5)), now)
                    row.update(visit_result=rng.choice(("satisfied", "basic", "basic", "dissatisfied")),
                               visit_note="电话回访，已向客户说明整改情况", visited_at=visited, visited_by_id=supervisor)
            follow_rows.append(row)
            next_follow += 1
        next_rating += 1
    for start in range(0, len(rating_rows), CHUNK):
        session.execute(insert(ServiceRating), rating_rows[start:start + CHUNK])
    if follow_rows:
        session.execute(insert(RatingFollowUp), follow_rows)
    confirmations = _confirmations(session, [a for a in apps if a.accepted_at >= since], rng, now)
    if session.get_bind().dialect.name == "postgresql":
        for table in ("service_rating", "rating_follow_up"):
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"))
    return {"ratings": len(rating_rows), "follow_ups": len(follow_rows), "confirmations": confirmations}


def _confirmations(session: Session, recent, rng: random.Random, now: dt.datetime) -> int:
    """Confirmations hold the fingerprint of the stored sheet: these cases print as they are."""
    rows = []
    ids = [a.id for a in recent]
    for start in range(0, len(ids), 500):
        chunk = session.scalars(
            select(Application).where(Application.id.in_(ids[start:start + 500]))
            .options(selectinload(Application.materials), selectinload(Application.appointments),
                     selectinload(Application.certificate))
        ).all()
        for application in chunk:
            sheet = confirmation.stored_sheet(session, application)
            at = min(application.accepted_at + dt.timedelta(seconds=(application.counter_seconds or 600) + 30),
                     max(application.accepted_at, now))
            common = dict(application_id=application.id, user_id=application.clerk_id,
                          window_id=application.window_id, pc=f"demo-window-{application.window_id}")
            if rng.random() < 0.08:
                rows.append(dict(common, outcome="correction", method="screen", field=rng.choice(CORRECTED),
                                 fingerprint="", at=at - dt.timedelta(seconds=90)))
            method = "clerk_key" if rng.random() < 0.15 else "screen"
            rows.append(dict(common, outcome="confirmed", method=method, field="",
                             fingerprint=customer_view.fingerprint(sheet), at=at))
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(CustomerConfirmation), rows[start:start + CHUNK])
    return sum(1 for r in rows if r["outcome"] == "confirmed")
