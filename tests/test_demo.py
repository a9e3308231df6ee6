"""The demo hall: complete, consistent with the shared conventions, valid numbers, deterministic.

One demo (300 applications) is generated per backend for the module; the tests read it. Tests that
write (real number allocation) roll back."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shutil
from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select

from counter_app.acceptance import identity
from counter_app.demo.generator import DemoOptions, generate
from counter_app.forms.models import DOC_TITLES
from counter_app.hall import catalog, numbering
from counter_app.hall.workdays import WorkCalendar
from counter_app.infra import clock
from counter_app.infra import schema_upgrade as schema
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError
from counter_app.models import (
    Application,
    AuditEntry,
    BlacklistEntry,
    Certificate,
    Commitment,
    CounterWindow,
    Customer,
    Hall,
    HandoverBatch,
    HandoverLine,
    Material,
    MaterialOnFile,
    NumberCounter,
    PrintRecord,
    StageEvent,
    SurveyAppointment,
    User,
)
from tests import pg_databases
from tests.conftest import cheap_password_hashing

NOW = dt.datetime(2026, 11, 24, 16, 30)
TODAY = NOW.date()
N = 300
SEED = 11
NUMBER = re.compile(r"FZGL01-(\d{8})-(\d{4})")


class DemoRun:
    def __init__(self, db: Database, report, url: str) -> None:
        self.db, self.report, self.url = db, report, url


@pytest.fixture(scope="module", autouse=True)
def _cheap_hashing_for_the_module_demo():
    """The module-scoped demo is generated before any test's own fixtures run."""
    with cheap_password_hashing():
        yield


@pytest.fixture(scope="module", autouse=True)
def _demo_clock():
    """The demo hall lives at NOW: whatever the tests do in it (sign in, allocate numbers) happens then,
    not on the day the suite runs."""
    clock.freeze(NOW)
    yield
    clock.freeze(None)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def demo(request, tmp_path_factory, _sqlite_template):
    drop = None
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
        shutil.copyfile(_sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        url, drop = pg_databases.create("counter_app_demo")
    db = Database.from_url(url)
    schema.upgrade(db.engine)
    report = generate(db, DemoOptions(applications=N, seed=SEED, now=NOW))
    yield DemoRun(db, report, url)
    db.dispose()
    if drop:
        drop()


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


# --- what was created ----------------------------------------------------------------------------


def test_report_counts_match_the_database(demo):
    report = demo.report
    with demo.db.read() as s:
        assert count(s, Application) == N == report.rows["application"] == sum(report.by_type.values())
        assert count(s, Hall) == 1 and report.hall_created and report.hall_code == "FZGL01"
        assert count(s, CounterWindow) == 4
        assert {u.username: u.role for u in s.scalars(select(User))} == {
            "clerk1": "clerk", "clerk2": "clerk", "clerk3": "clerk", "clerk4": "clerk", "back1": "backoffice",
            "super1": "supervisor", "admin1": "admin"}
        assert not any(s.scalars(select(User.must_change_password)))
        for model in (Customer, Certificate, Material, Commitment, StageEvent, SurveyAppointment, HandoverBatch,
                      HandoverLine, PrintRecord, AuditEntry, BlacklistEntry, MaterialOnFile):
            assert count(s, model) == report.rows[model.__tablename__] > 0, model.__tablename__
        by_type = dict(s.execute(select(Application.business_type, func.count()).group_by(Application.business_type)).all())
        by_status = dict(s.execute(select(Application.status, func.count()).group_by(Application.status)).all())
    assert by_type == dict(report.by_type)
    assert by_status == dict(report.by_status)
    assert set(by_status) == {"active", "completed", "terminated"}


def test_every_business_type_in_every_stage_and_terminated(demo):
    cat = catalog.load()
    with demo.db.read() as s:
        rows = s.execute(select(Application.business_type, Application.status, Application.current_stage)).all()
    present = {(t, "terminated" if status == "terminated" else stage) for t, status, stage in rows}
    expected = {(bt.code, st.code) for bt in cat.business_types.values() for st in bt.stages}
    expected |= {(code, "terminated") for code in cat.business_types}
    assert expected <= present
    assert demo.report.uncovered == []


def test_transfers_and_renames_name_the_previous_holder_and_print_it(demo):
    """过户/更名 carry a 原户名 that is not the new holder's name (a renamed person keeps the surname);
    no other business has one; the printed form shows it."""
    from counter_app import forms

    with demo.db.read() as s:
        rows = s.execute(select(Application.id, Application.business_type, Application.previous_holder_name,
                                Customer.name, Customer.kind)
                         .join(Customer, Customer.id == Application.customer_id)).all()
        changes = [r for r in rows if r.business_type in ("transfer", "rename")]
        assert changes and all(r.previous_holder_name and r.previous_holder_name != r.name for r in changes)
        assert all(r.previous_holder_name[:1] == r.name[:1] for r in changes
                   if r.business_type == "rename" and r.kind == "person")
        assert not any(r.previous_holder_name for r in rows if r.business_type not in ("transfer", "rename"))
        form = forms.build(forms.collect(s, changes[0].id), "form")
    printed = {f.label.lstrip("*"): f.value for section in form.sections for f in section.fields}
    assert printed["原户名"] == changes[0].previous_holder_name


def test_demo_staff_can_sign_in(demo):
    from counter_app.security import credentials as users

    # the sign-in is audited at the demo's "now" (the module's frozen clock), so the demo stays in its past
    with demo.db.write() as s:
        assert users.authenticate(s, "clerk3", "Demo1234").window_id is not None


# --- people and certificates ---------------------------------------------------------------------


def test_every_certificate_and_id_number_passes_the_checks(demo):
    with demo.db.read() as s:
        certs = s.execute(select(Certificate.cert_type, Certificate.number, Certificate.birth_date)).all()
        reps = s.scalars(select(Customer.legal_rep_id_number).where(Customer.legal_rep_id_number != "")).all()
        agents = s.scalars(select(Application.agent_cert_number).where(Application.agent_cert_number != "")).all()
    checks = [(t, n, identity.check(t, n, today=TODAY)) for t, n, _b in certs]
    assert [(t, n, c.error) for t, n, c in checks if not c.ok] == []
    assert all(identity.check("id_card", n, today=TODAY).ok for n in [*reps, *agents])
    assert Counter(t for t, _n, _b in certs)["id_card"] > 100
    # birth dates stored on the certificate are the ones the numbers encode
    assert all(c.birth_date == b for (t, _n, b), (_t, _m, c) in zip(certs, checks, strict=True) if t == "id_card")
    credit = [n for t, n, _b in certs if t in identity.USCC_TYPES]
    assert len(credit) > 30
    assert any(n[0].isalpha() for n in credit), "some credit codes have a letter authority code"
    # the demo's area codes all exist (the hall's own districts): no warning, whatever the birth year
    warned = sum(bool(c.warnings) for t, _n, c in checks if t == "id_card")
    assert warned == 0
    assert any(n.startswith(("350102", "350103", "350104", "350111")) for _t, n, _b in certs)


def test_names_addresses_and_phones_look_real(demo):
    with demo.db.read() as s:
        apps = s.execute(select(Application.contact_mobile, Application.address_district, Application.address_detail,
                                Application.contact_name)).all()
        names = s.scalars(select(Customer.name)).all()
    assert all(identity.check_mobile(m) is None for m, *_ in apps)
    assert all(d.startswith("福州市") and det for _m, d, det, _c in apps)
    assert all(c for *_x, c in apps)
    # rare characters (outside GB2312) appear in some names and must survive the round trip
    assert [n for n in names if _outside_gb2312(n)], "expected a few names with rare characters"


def _outside_gb2312(text_: str) -> bool:
    try:
        text_.encode("gb2312")
    except UnicodeEncodeError:
        return True
    return False


# --- stages, deadlines, time ----------------------------------------------------------------------


def test_stage_events_follow_the_shared_conventions(demo):
    with demo.db.read() as s:
        apps = {a.id: a for a in s.scalars(select(Application))}
        events = defaultdict(list)
        for e in s.scalars(select(StageEvent).order_by(StageEvent.id)):
            events[e.application_id].append(e)
    for app_id, app in apps.items():
        evs = events[app_id]
        first = evs[0]
        assert (first.stage, first.action, first.started_at, first.actor_id) == (
            "accept", "enter", app.accepted_at, app.clerk_id)
        open_events = [e for e in evs if e.ended_at is None]
        if app.status == "active":
            assert [e.stage for e in open_events] == [app.current_stage]
            assert open_events[0].due_date == app.stage_due_date
            assert app.completed_at is None and app.terminated_at is None
        elif app.status == "completed":
            assert not open_events
            assert (evs[-1].stage, evs[-1].action, app.current_stage) == ("archive", "complete", "archive")
            assert app.completed_at == evs[-1].started_at
        else:
            assert not open_events
            assert evs[-1].action == "terminate" and evs[-1].note == app.terminated_reason != ""
            assert app.terminated_at == evs[-1].started_at and app.terminated_by_id
            assert app.current_stage == evs[-1].stage
        for before, after in itertools.pairwise(evs):
            assert before.ended_at is not None and before.started_at <= before.ended_at <= after.started_at


def test_deadlines_are_working_days_of_the_calendar(demo):
    cat = catalog.load()
    calendar = WorkCalendar()
    with demo.db.read() as s:
        apps = s.scalars(select(Application).order_by(Application.id).limit(120)).all()
        for app in apps:
            bt = cat.business_type(app.business_type)
            total = bt.total_limit_dual if (app.load_importance in ("重要", "特级重要") and bt.total_limit_dual) \
                else bt.total_limit
            deadline = calendar.add_workdays(app.accepted_at, total)
            assert (app.due_date, app.due_estimated) == (deadline.day, deadline.estimated)
            for event in app.stage_events:
                if event.action in ("enter",):
                    expected = calendar.add_workdays(event.started_at, bt.stage(event.stage).limit_days)
                    assert (event.due_date, event.due_estimated) == (expected.day, expected.estimated)


def test_acceptances_lie_on_working_days_in_opening_hours_before_now(demo):
    calendar = WorkCalendar()
    with demo.db.read() as s:
        rows = s.execute(select(Application.accepted_at, Application.counter_seconds, Application.cert_entered_at)).all()
        latest = [s.scalar(select(func.max(col))) for col in (
            StageEvent.started_at, StageEvent.ended_at, AuditEntry.at, PrintRecord.at, Material.supplied_at,
            HandoverBatch.confirmed_at)]
    assert all(moment <= NOW for moment in latest if moment)
    accepted = [a for a, _s, _c in rows]
    assert min(accepted) >= NOW - dt.timedelta(days=91)
    assert all(calendar.is_workday(a.date()) for a in accepted)
    assert all(dt.time(8, 30) <= a.time() < dt.time(12) or dt.time(14, 30) <= a.time() < dt.time(17) for a in accepted)
    assert any(a.date() == TODAY for a in accepted)
    assert all(c == a - dt.timedelta(seconds=sec) for a, sec, c in rows)
    seconds = [sec for _a, sec, _c in rows]
    within = sum(sec <= 20 * 60 for sec in seconds) / len(seconds)
    assert 0.8 < within < 1.0  # most within the 20-minute standard, some over


# --- materials, commitments, handover -------------------------------------------------------------


def test_materials_follow_the_catalog_and_deferrals_have_commitments(demo):
    cat = catalog.load()
    with demo.db.read() as s:
        apps = s.scalars(select(Application)).all()
        states = Counter()
        for app in apps:
            bt = cat.business_type(app.business_type)
            codes = [m.code for m in app.materials]
            # the acceptance service's checklist: approval documents only of important customers
            asked = bt.materials_for(catalog.is_important(app.load_importance))
            expected = [m.code for m in asked if not (m.code == "legal_rep_id" and app.customer.kind == "person")]
            assert codes[:len(expected)] == expected
            assert codes[len(expected):] == (["proxy"] if app.agent_name else [])
            kinds = {c.kind: c for c in app.commitments}
            assert "authenticity" in kinds
            deferred = [m for m in app.materials if m.state in ("deferred", "supplied")]
            if deferred:
                items = kinds["deferral"].items
                assert [i["code"] for i in items] == [m.code for m in deferred]
                assert all(i["due_date"] == f"{m.due_date:%Y-%m-%d}" for i, m in zip(items, deferred, strict=True))
                assert all(cat.materials[m.code].deferrable for m in deferred)
                due = calendar_due(app.accepted_at)
                assert all(m.due_date == due for m in deferred)
            else:
                assert "deferral" not in kinds
            for m in app.materials:
                states[m.state] += 1
                if m.state == "supplied":
                    assert app.accepted_at < m.supplied_at <= NOW and m.supplied_by_id
                if m.state == "on_file":
                    on_file = s.scalar(select(MaterialOnFile).where(
                        MaterialOnFile.customer_id == app.customer_id, MaterialOnFile.code == m.code))
                    assert on_file is not None
            if app.status == "completed":
                assert all(m.state != "deferred" for m in app.materials)
        overdue = count(s, Material, Material.state == "deferred", Material.due_date < TODAY)
        pending = count(s, Material, Material.state == "deferred", Material.due_date >= TODAY)
    assert {"received", "on_file", "deferred", "supplied"} <= set(states)
    assert overdue > 0 and pending > 0
    assert demo.report.overdue_deferred == overdue


def calendar_due(accepted: dt.datetime) -> dt.date:
    return WorkCalendar().add_workdays(accepted, 3).day


def test_handover_batches_hold_every_earlier_acceptance_once(demo):
    with demo.db.read() as s:
        apps = s.execute(select(Application.id, Application.accepted_at, Application.window_id,
                                Application.current_stage, Application.status)).all()
        lines = dict(s.execute(select(HandoverLine.application_id, HandoverLine.batch_id)).all())
        batches = {b.id: b for b in s.scalars(select(HandoverBatch))}
    for app_id, accepted, window_id, stage, status in apps:
        if accepted.date() == TODAY:
            assert app_id not in lines and stage == "accept"
            continue
        batch = batches[lines[app_id]]
        assert batch.window_id == window_id and batch.created_at.date() == accepted.date()
        assert batch.number.startswith(f"JJ-FZGL01-{_window_no(window_id)}")
        if batch.status == "open":
            assert stage == "accept" or status == "terminated"
    with demo.db.read() as s:
        for line in s.scalars(select(HandoverLine)):
            assert line.remark in ("", "缺件", "退回") and bool(line.remark) == bool(line.remark_note)
            paper = sum(m.copies for m in line.application.materials if m.state == "received")
            assert line.copies == paper
    statuses = Counter(b.status for b in batches.values())
    assert statuses["confirmed"] > 0
    assert all(b.confirmed_at and b.receiver_name for b in batches.values() if b.status == "confirmed")


def _window_no(window_id: int) -> str:
    return f"{window_id:02d}"  # the demo's windows are ids 1..4 numbered 1..4 in a fresh database


def test_green_channel_appointments_prints_and_audit(demo):
    with demo.db.read() as s:
        green = s.execute(select(Application.green_reason, Application.green_manager)
                          .where(Application.green_channel.is_(True))).all()
        assert green and all(reason and manager for reason, manager in green)
        assert count(s, SurveyAppointment) > 0
        assert set(s.scalars(select(SurveyAppointment.mode).distinct())) == {"fixed", "halfday", "by_date"}
        # the document codes of forms/documents: the counter set, the deferral letter when items are
        # deferred, the power of attorney when an agent applies, and the handover list
        assert set(s.scalars(select(PrintRecord.document).distinct())) == set(DOC_TITLES)
        deferral_prints = s.scalars(select(PrintRecord.application_id).where(PrintRecord.document == "deferral")).all()
        assert all(count(s, Commitment, Commitment.application_id == a, Commitment.kind == "deferral")
                   for a in deferral_prints)
        # audit targets are numbers, as documents and handover record them
        numbers = set(s.scalars(select(Application.number)))
        targets = s.scalars(select(AuditEntry.target_id).where(AuditEntry.target_type == "application")).all()
        assert targets and set(targets) <= numbers
        actions = set(s.scalars(select(AuditEntry.action).distinct()))
    assert {"accept", "print", "stage_move", "terminate", "handover_create", "handover_confirm", "login",
            "blacklist_add", "material_supplied", "demo"} <= actions


def test_customer_flags_and_blacklist_agree(demo):
    with demo.db.read() as s:
        assert count(s, Customer, Customer.arrears_amount > 0) > 0
        assert count(s, Customer, Customer.violation_case != "") > 0
        active = set(s.scalars(select(BlacklistEntry.customer_id).where(BlacklistEntry.removed_at.is_(None))))
        flagged = set(s.scalars(select(Customer.id).where(Customer.blacklisted.is_(True))))
        assert active and active == flagged
        assert all(e.removed_reason for e in s.scalars(select(BlacklistEntry).where(BlacklistEntry.removed_at.is_not(None))))
        # a blacklisted customer never defers after being listed
        for entry in s.scalars(select(BlacklistEntry).where(BlacklistEntry.removed_at.is_(None))):
            later = s.scalars(select(Application).where(Application.customer_id == entry.customer_id,
                                                        Application.accepted_at > entry.added_at)).all()
            assert all(m.state != "deferred" for a in later for m in a.materials)


# --- numbers --------------------------------------------------------------------------------------


def test_numbers_follow_numbering_and_the_counter_continues(demo):
    with demo.db.read() as s:
        numbers = s.scalars(select(Application.number)).all()
        counters = dict(s.execute(select(NumberCounter.prefix, NumberCounter.last)).all())
        per_day = defaultdict(list)
        for number in numbers:
            match = NUMBER.fullmatch(number)
            assert match, number
            per_day[match.group(1)].append(int(match.group(2)))
        for day, serials in per_day.items():
            assert sorted(serials) == list(range(1, len(serials) + 1))
            assert counters[f"FZGL01-{day}"] == len(serials)
        # a real acceptance today continues the serials (rolled back: the module's demo stays as it was)
        following = numbering.application_number(s, "FZGL01", TODAY)
        s.rollback()
    assert following == f"FZGL01-{TODAY:%Y%m%d}-{len(per_day[f'{TODAY:%Y%m%d}']) + 1:04d}"
    assert following not in numbers


# --- determinism and other inputs -----------------------------------------------------------------


def _snapshot(db: Database) -> dict:
    """Rows that must be equal for the same seed (password hashes are salted, so users are left out)."""
    def rows(model, order):
        columns = [c for c in model.__table__.columns]
        with db.read() as s:
            return [tuple(r) for r in s.execute(select(*columns).order_by(order))]

    return {
        "application": rows(Application, Application.id), "certificate": rows(Certificate, Certificate.id),
        "customer": rows(Customer, Customer.id), "stage_event": rows(StageEvent, StageEvent.id),
        "material": rows(Material, Material.id), "commitment": rows(Commitment, Commitment.id),
        "handover_line": rows(HandoverLine, HandoverLine.id), "audit": rows(AuditEntry, AuditEntry.id)[-200:],
    }


def _demo_snapshot(url: str, seed: int, n: int = 120) -> dict:
    db = Database.from_url(url)
    try:
        generate(db, DemoOptions(applications=n, seed=seed, now=NOW))
        return _snapshot(db)
    finally:
        db.dispose()


def test_same_seed_gives_the_same_rows_and_another_seed_does_not(tmp_path, _sqlite_template):
    urls = []
    for name in ("a", "b", "c"):
        path = tmp_path / f"{name}.sqlite3"
        shutil.copyfile(_sqlite_template, path)
        urls.append(f"sqlite:///{path}")
    first, second, other = _demo_snapshot(urls[0], 5), _demo_snapshot(urls[1], 5), _demo_snapshot(urls[2], 6)
    assert first == second
    assert first["application"] != other["application"]


@pytest.mark.pg
def test_sqlite_and_postgresql_get_the_same_demo(sqlite_url, pg_url):
    assert _demo_snapshot(sqlite_url, 9) == _demo_snapshot(pg_url, 9)


def test_demo_adds_to_an_existing_hall_and_numbers_never_collide(db, actors, frozen_now):
    from tests.factories import make_accepted_application, make_customer, resident_id

    clerk = actors["clerk1"]
    with db.write() as s:
        cert = make_customer(s, number="11010519491231002X")
        before = make_accepted_application(s, cert, window_id=clerk.window_id, clerk_id=clerk.user_id)
    report = generate(db, DemoOptions(applications=80, seed=3, now=frozen_now))
    assert not report.hall_created and report.hall_code == "FZGL01"
    created = {username for username, *_rest, new in report.logins if new}
    assert created == {"clerk3", "clerk4"}  # clerk1, clerk2, back1, super1, admin1 were there
    with db.write() as s:
        assert count(s, Hall) == 1 and count(s, CounterWindow) == 4 and count(s, User) == 7
        numbers = s.scalars(select(Application.number)).all()
        assert len(numbers) == len(set(numbers)) == 81 and before.number in numbers
        cert = make_customer(s, name="李四", number=resident_id(777))
        after = make_accepted_application(s, cert, window_id=clerk.window_id, clerk_id=clerk.user_id)
    today = [int(n.rsplit("-", 1)[1]) for n in numbers if n.startswith(f"FZGL01-{frozen_now:%Y%m%d}")]
    assert after.number == f"FZGL01-{frozen_now:%Y%m%d}-{max(today) + 1:04d}"
    with db.read() as s:  # the demo's ids do not block the sequences (PostgreSQL setval)
        assert s.scalar(select(func.max(Application.id))) == after.id


def test_tiny_demo_says_what_it_could_not_cover(sqlite_db):
    report = generate(sqlite_db, DemoOptions(applications=5, seed=1, now=NOW))
    assert report.rows["application"] == 5
    assert len(report.uncovered) > 50
    empty = generate(sqlite_db, DemoOptions(applications=0, seed=1, now=NOW))
    assert empty.rows.get("application", 0) == 0 and not empty.hall_created


def test_weak_password_and_conflicting_user_are_refused(sqlite_db):
    with pytest.raises(UserError, match="密码"):
        generate(sqlite_db, DemoOptions(applications=5, password="abc", now=NOW))
    from counter_app.infra.context import system_actor
    from counter_app.security import credentials as users

    with sqlite_db.write() as s:
        users.create_user(s, system_actor(), "clerk1", role="admin", name="某管理员", password="Passw0rd1")
    with pytest.raises(UserError, match="clerk1"):
        generate(sqlite_db, DemoOptions(applications=5, now=NOW))
    with sqlite_db.read() as s:  # nothing half-written
        assert count(s, Application) == 0 and count(s, Hall) == 0


@pytest.mark.parametrize("now", [
    dt.datetime(2026, 11, 23, 8, 10),  # Monday before opening: nothing accepted today yet
    dt.datetime(2026, 11, 28, 11, 0),  # Saturday
    dt.datetime(2026, 10, 3, 10, 0),  # National Day holiday
    dt.datetime(2026, 12, 31, 17, 45),  # after closing, deadlines run into 2027
    dt.datetime(2027, 3, 10, 10, 0),  # a year chinesecalendar does not know: weekends only, flagged
], ids=["before-opening", "saturday", "holiday", "year-end", "unknown-year"])
def test_any_now_gives_a_consistent_hall(tmp_path, _sqlite_template, now):
    path = tmp_path / "hall.sqlite3"
    shutil.copyfile(_sqlite_template, path)
    db = Database.from_url(f"sqlite:///{path}")
    try:
        report = generate(db, DemoOptions(applications=150, seed=2, now=now))
        assert report.uncovered == []
        with db.read() as s:
            latest = [s.scalar(select(func.max(col))) for col in (
                Application.accepted_at, StageEvent.started_at, StageEvent.ended_at, PrintRecord.at,
                Material.supplied_at, HandoverBatch.confirmed_at, HandoverBatch.created_at)]
            assert all(moment < now for moment in latest if moment)
            assert s.scalar(select(func.max(AuditEntry.at))) == now  # the demo's own entry
            open_per_app = dict(s.execute(select(StageEvent.application_id, func.count())
                                          .where(StageEvent.ended_at.is_(None))
                                          .group_by(StageEvent.application_id)).all())
            active = s.scalars(select(Application.id).where(Application.status == "active")).all()
            assert sorted(open_per_app) == sorted(active) and set(open_per_app.values()) == {1}
            today_apps = count(s, Application, Application.accepted_at >= dt.datetime.combine(now.date(), dt.time()))
            if now.year == 2027:
                in_2027 = Application.accepted_at >= dt.datetime(2027, 1, 1)
                assert count(s, Application, in_2027, Application.due_estimated.is_(True)) == count(s, Application, in_2027) > 0
        if now.hour < 8 or not WorkCalendar().is_workday(now.date()):
            assert today_apps == 0
    finally:
        db.dispose()
