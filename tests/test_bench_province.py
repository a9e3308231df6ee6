"""Benchmark 10's province generator (benchmarks/province_data.py) at a tiny scale: the rows it makes
in bulk are the rows the app's save leaves — numbers, counters, deadlines, materials, commitments,
stage events, staff of the right hall — and the app saves on top of them without a clash."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from sqlalchemy import select

from benchmarks import province_data
from counter_app.acceptance import accepted
from counter_app.acceptance import service as acceptance
from counter_app.acceptance.clerk_input import AcceptanceInput, material_plan
from counter_app.hall import catalog
from counter_app.hall import hall as hall_mod
from counter_app.infra import clock
from counter_app.infra.db import Database
from counter_app.models import (
    Application,
    Commitment,
    CounterWindow,
    Hall,
    Material,
    NumberCounter,
    StageEvent,
    User,
)
from counter_app.security import credentials
from tests.factories import resident_id

pytestmark = pytest.mark.pg


@pytest.fixture
def province(pg_url):
    made = province_data.build(pg_url, 3, 600, say=lambda *_: None)
    db = Database.from_url(pg_url)
    yield db, made
    db.dispose()


def test_numbers_and_counters_agree_as_the_save_leaves_them(province):
    db, made = province
    with db.read() as s:
        apps = s.execute(select(Application.number, Application.accepted_at, Hall.code, Application.id)
                         .join(Hall, Hall.id == Application.hall_id).order_by(Application.accepted_at,
                                                                               Application.id)).all()
        counters = dict(s.execute(select(NumberCounter.prefix, NumberCounter.last)).all())
    assert len(apps) == 600 and made["customers"] == 480
    serials: dict[str, list[int]] = defaultdict(list)
    for number, at, code, _id in apps:
        prefix, serial = number.rsplit("-", 1)
        assert prefix == f"{code}-{at:%Y%m%d}" and len(serial) == 4
        serials[prefix].append(int(serial))
    # per hall and day: 1, 2, … in acceptance order, and the counter at the last one
    assert all(found == list(range(1, len(found) + 1)) for found in serials.values())
    assert counters == {prefix: len(found) for prefix, found in serials.items()}
    assert [i for *_, i in apps] == sorted(i for *_, i in apps)  # ids handed out in acceptance order
    assert made["multi_hall_customers"] > 0  # customers served in more than one hall (一证受理)


def test_rows_of_each_application_are_the_acceptance_builders(province):
    db, _made = province
    bt = catalog.load().business_type(province_data.BUSINESS_TYPE)
    plan = [item.code for item in material_plan(bt.code, important=False)]
    with db.read() as s:
        hall_id = s.scalar(select(Hall.id).order_by(Hall.id))
        calendar = hall_mod.work_calendar(s, hall_id)
        workdays = accepted.calendar_workdays(calendar)
        limit = hall_mod.stage_limit(s, hall_id, bt.code, "accept")
        deferral_days = int(hall_mod.get_setting(s, "deferral_working_days", hall_id))
        for app in s.scalars(select(Application).order_by(Application.id).limit(120)):
            limits = accepted.deadlines(workdays, app.accepted_at, bt, "", limit)
            assert (app.stage_due_date, app.due_date) == (limits.stage_due, limits.due_date)
            assert [m.code for m in app.materials] == plan
            deferred = [m for m in app.materials if m.due_date is not None]
            for m in deferred:
                assert m.due_date == workdays(app.accepted_at.date(), deferral_days)[0]
                assert m.state == ("supplied" if app.status == "completed" else "deferred")
            kinds = sorted(c.kind for c in app.commitments)
            assert kinds == (["authenticity", "deferral"] if deferred else ["authenticity"])
            [event] = app.stage_events
            assert event.stage == app.current_stage and event.ended_at is None
            clerk = s.get(User, app.clerk_id)
            window = s.get(CounterWindow, app.window_id)
            assert clerk.role == "clerk" and clerk.window_id == window.id
            assert clerk.hall_id == window.hall_id == app.hall_id
        assert s.query(Material).count() and s.query(Commitment).count() and s.query(StageEvent).count() == 600


def test_the_app_saves_on_top_of_the_generated_day(province):
    """A clerk saving on the last generated day gets that day's next serial: counter and numbers agree."""
    db, _made = province
    with db.read() as s:
        code = province_data.hall_code(1)
        prefix, last = s.execute(select(NumberCounter.prefix, NumberCounter.last)
                                 .where(NumberCounter.prefix.like(f"{code}-%"))
                                 .order_by(NumberCounter.prefix.desc()).limit(1)).one()
        user = s.scalar(select(User).where(User.username == province_data.clerk_name(code, 2)))
        clerk = credentials.actor_for(user, hall_id=user.hall_id, window=s.get(CounterWindow, user.window_id),
                                      pc="t")
    day = dt.datetime.strptime(prefix.rsplit("-", 1)[1], "%Y%m%d")
    clock.freeze(day.replace(hour=17, minute=30))
    try:
        saved = acceptance.save(db, clerk, AcceptanceInput(
            cert_type="id_card", cert_number=resident_id(7, birth=dt.date(1930, 5, 5)), holder_name="陈静",
            cert_valid_until="2036-01-01", business_type="lv_res_new", address_district="福州市鼓楼区",
            address_detail="东街1号", contact_name="陈静", contact_mobile="13700000000", applied_capacity="8"))
    finally:
        clock.freeze(None)
    assert saved.number == f"{prefix}-{last + 1:04d}"
