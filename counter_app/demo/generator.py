"""A deterministic demo hall: staff, customers and applications of every business type in every stage.

``generate(db, DemoOptions(applications=N, seed=S, now=...))`` fills a database (schema at head) in one
transaction. The same seed and "now" give the same rows. Speed matters (N = 100,000 feeds the
benchmarks): rows are built as plain dicts and written with Core bulk inserts in chunks, primary keys
are assigned here so children need no flush, and working days come from a precomputed table.

How the data hangs together (the same conventions the acceptance and stage services follow):
- acceptances lie on working days, in opening hours, over the last ~90 days; numbers follow
  ``numbering`` (``{hall}-{YYYYMMDD}-{serial:04d}``) and ``number_counter`` ends at the last serial used;
- each window hands its day's files over in one batch at closing time; the back office confirms it
  the next working morning, which ends the ``accept`` stage; today's files are not handed over, and
  yesterday's batch of window 4 is still waiting for confirmation;
- later stages last a sampled number of working days (mostly within the limit, some over); the stage
  open at "now" is ``current_stage``; reaching ``archive`` completes the application (an archive event
  with action ``complete``); termination closes the open event and adds one with action ``terminate``;
- deferred materials are due ``deferral_working_days`` after acceptance; most are supplied, some are
  overdue; a few applications terminated for overdue items put their customer on the blacklist.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from counter_app.demo.applications import Applications
from counter_app.demo.bulk_rows import BulkRows
from counter_app.demo.customers import CustomerInfo, Customers
from counter_app.demo.hall_profile import DEFAULT_PASSWORD, DEMO_HALL, HISTORY_DAYS, STAFF
from counter_app.demo.schedule import Plan, Planning
from counter_app.demo.workday_table import WorkdayTable
from counter_app.hall import catalog, hall
from counter_app.infra import clock
from counter_app.infra.context import system_actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError
from counter_app.models import (
    Application,
    AuditEntry,
    Base,
    BlacklistEntry,
    Certificate,
    Commitment,
    CounterWindow,
    Customer,
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
from counter_app.security import audit
from counter_app.security import credentials as users


@dataclass
class DemoOptions:
    applications: int
    seed: int = 1
    now: dt.datetime | None = None  # default clock.now()
    password: str = DEFAULT_PASSWORD
    chunk: int = 2000


@dataclass
class DemoReport:
    hall_code: str
    hall_name: str
    hall_created: bool
    now: dt.datetime
    seed: int
    rows: Counter = field(default_factory=Counter)  # table -> rows inserted
    by_type: Counter = field(default_factory=Counter)  # business type code -> applications
    by_stage: Counter = field(default_factory=Counter)  # current stage code (active ones)
    by_status: Counter = field(default_factory=Counter)
    logins: list[tuple[str, str, str, int | None, bool]] = field(default_factory=list)  # +created?
    password: str = DEFAULT_PASSWORD
    uncovered: list[tuple[str, str]] = field(default_factory=list)  # (type, stage) not present
    overdue_deferred: int = 0
    seconds: float = 0.0


@contextlib.contextmanager
def _frozen_clock(moment: dt.datetime):
    """Services called here (hall set-up, users, audit) stamp rows with the demo's "now"."""
    previous = clock._frozen
    clock.freeze(moment)
    try:
        yield
    finally:
        clock.freeze(previous)


def generate(db: Database, options: DemoOptions,
             progress: Callable[[int, int], None] | None = None) -> DemoReport:
    """Fill ``db`` with the demo hall in one transaction and say what was created."""
    if options.applications < 0:
        raise UserError("申请数量不能为负数")
    problem = users.password_problem(options.password)
    if problem:
        raise UserError(f"演示账号密码不符合要求：{problem}")
    now = (options.now or clock.now()).replace(microsecond=0)
    started = time.perf_counter()
    with _frozen_clock(now), db.write() as session:
        before = table_counts(session)
        generator = _Generator(session, options, now)
        generator.run(progress)
        from counter_app.demo import ratings as demo_ratings  # the customer's side (issue 17)

        demo_ratings.add(session, generator.hall.id, now, options.seed)
        report = generator.report
        after = table_counts(session)
    report.rows = Counter({table: after[table] - before[table] for table in after if after[table] != before[table]})
    report.seconds = time.perf_counter() - started
    return report


def table_counts(session: Session) -> dict[str, int]:
    return {table.name: session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables}


class _Generator(Planning, Customers, Applications, BulkRows):
    """One run: the parts (planning, customers, applications, bulk rows) share this state; this
    class sets up the hall and staff and adds the records around the applications."""

    def __init__(self, session: Session, options: DemoOptions, now: dt.datetime) -> None:
        self.session = session
        self.options = options
        self.now = now
        self.today = now.date()
        self.catalog = catalog.load()
        self.dialect = session.get_bind().dialect.name
        self.report = DemoReport("", "", False, now, options.seed, password=options.password)
        self.buffers: dict[type, list[dict]] = defaultdict(list)
        self.next_id: dict[type, int] = {}
        self.serials: dict[str, int] = {}
        self._plans: dict[tuple, list] = {}  # material plans by kind of case

    # --- set-up -------------------------------------------------------------------------------------

    def run(self, progress) -> None:
        # the hall and its staff were set up before the history the demo fills in
        set_up = dt.datetime.combine(self.today - dt.timedelta(days=HISTORY_DAYS + 30), dt.time(9))
        with _frozen_clock(set_up):
            self._hall_and_staff()
        self._calendar()
        plans = self._plan()
        self._number(plans)
        self._make_batches(plans)
        self._customers_seen_ids: set[str] = {
            f"{t}:{n}" for t, n in self.session.execute(select(Certificate.cert_type, Certificate.number))
        }
        self.persons: list[CustomerInfo] = []
        self.orgs: list[CustomerInfo] = []
        self.blacklist_cases: list[tuple[CustomerInfo, Plan, dt.datetime]] = []
        self.covered: set[tuple[str, str]] = set()
        self.customers_created = 0
        rng = random.Random(f"{self.options.seed}/applications")
        total = len(plans)
        for start in range(0, total, self.options.chunk):
            for plan in plans[start:start + self.options.chunk]:
                self._build(plan, rng)
            self._flush()
            if progress:
                progress(min(start + self.options.chunk, total), total)
        self._staff_logins()
        self._blacklist(rng)
        self._flush()
        self._finish()

    def _hall_and_staff(self) -> None:
        session, sysactor = self.session, system_actor()
        h = hall.get_hall(session)
        if h is None:
            h = hall.create_hall(session, sysactor, windows=4, **DEMO_HALL)
            session.flush()
            self.report.hall_created = True
        self.hall = h
        self.report.hall_code, self.report.hall_name = h.code, h.name
        existing = {w.number: w for w in hall.windows(session)}
        for number in range(1, 5):
            if number not in existing:
                session.add(CounterWindow(hall_id=h.id, number=number, name=f"{number}号窗口"))
        session.flush()
        self.windows = {w.number: w for w in hall.windows(session)}
        self.staff: dict[str, User] = {}
        actor = system_actor(h.id)
        for username, name, role, window in STAFF:
            user = session.scalar(select(User).where(User.username == username))
            created = user is None
            if user is None:
                user = users.create_user(session, actor, username, role=role, name=name,
                                         password=self.options.password, window_no=window,
                                         must_change_password=False)
            elif user.role != role:
                raise UserError(f"数据库中已有用户 {username}，但角色不是{role}：请在空库或未使用这些用户名的库中生成演示数据")
            self.staff[username] = user
            self.report.logins.append((username, user.name, role, window, created))
        session.flush()
        self.clerks = {w: self.staff[f"clerk{w}"] for w in range(1, 5)}
        self.back = self.staff["back1"]
        self.supervisor = self.staff["super1"]
        self.deferral_days = int(hall.get_setting(session, "deferral_working_days", h.id))
        self.limits: dict[tuple[str, str], int] = {}
        for bt in self.catalog.business_types.values():
            for stage in bt.stages:
                self.limits[bt.code, stage.code] = hall.stage_limit(session, h.id, bt.code, stage.code)
        for model in (Customer, Certificate, Application, Material, Commitment, StageEvent,
                      SurveyAppointment, HandoverBatch, HandoverLine, PrintRecord, AuditEntry,
                      BlacklistEntry, MaterialOnFile):
            self.next_id[model] = (session.scalar(select(func.max(model.id))) or 0) + 1
        prefixes = session.execute(select(NumberCounter.prefix, NumberCounter.last))
        self.serials = {prefix: last for prefix, last in prefixes}

    def _calendar(self) -> None:
        calendar = hall.work_calendar(self.session, self.hall.id)
        self.table = WorkdayTable(calendar, self.today - dt.timedelta(days=HISTORY_DAYS + 300),
                                  self.today + dt.timedelta(days=400))
        days = self.table.days
        upto_today = self.table.count_upto(self.today)
        today_open = self.today in self.table.index and self.now.time() >= dt.time(8, 40)
        # last day acceptances can have happened: today once the hall has opened, else the last workday
        self.last_idx = upto_today - 1 if today_open else upto_today - 1 - (self.today in self.table.index)
        self.first_idx = self.table.count_upto(self.today - dt.timedelta(days=HISTORY_DAYS))
        # the last working day before today (its window-4 batch waits for confirmation)
        self.prev_idx = upto_today - 1 - (self.today in self.table.index)
        self.days = days

    # --- staff, blacklist, records ------------------------------------------------------------------

    def _staff_logins(self) -> None:
        rng = random.Random(f"{self.options.seed}/logins")
        for idx in range(self.first_idx, self.last_idx + 1):
            for window, clerk in self.clerks.items():
                at = self._moment(rng, idx, periods=((8 * 3600 + 15 * 60, 8 * 3600 + 29 * 60),), cap=True)
                if at < self.now:
                    self._audit(at, clerk, window, "login", "user", clerk.id, "")
            for user in (self.back, self.supervisor):
                at = self._moment(rng, idx, periods=((8 * 3600 + 20 * 60, 8 * 3600 + 40 * 60),), cap=True)
                if at < self.now:
                    self._audit(at, user, None, "login", "user", user.id, "")

    def _blacklist(self, rng: random.Random) -> None:
        """Customers whose application was terminated for overdue materials go on the blacklist; the
        last one was removed again after a review."""
        for position, (customer, plan, at) in enumerate(self.blacklist_cases):
            added = at + dt.timedelta(minutes=rng.randrange(5, 60))
            removed = None
            if position == 2:
                removed_idx = min(plan.day + self.deferral_days + 10, self.last_idx)
                removed = self._moment(rng, removed_idx, after=added, cap=True)
                if removed >= self.now or removed <= added:
                    removed = None
            entry_id = self._take_id(BlacklistEntry)
            self._add(BlacklistEntry, {
                "id": entry_id, "customer_id": customer.id, "application_id": plan.app_id,
                "reason": f"申请 {plan.number} 的容缺承诺逾期未履行（资料未补交），经营业厅主任审核列入失信名单",
                "added_by_id": self.supervisor.id, "added_at": added,
                "removed_reason": "客户已补齐全部资料并书面说明情况，经营业厅主任批准移出" if removed else "",
                "removed_by_id": self.supervisor.id if removed else None, "removed_at": removed,
            })
            self._audit(added, self.supervisor, None, "blacklist_add", "customer", customer.id,
                        {"application": plan.number})
            if removed:
                self._audit(removed, self.supervisor, None, "blacklist_remove", "customer", customer.id,
                            {"application": plan.number})
            customer.blacklisted = removed is None
        self._blacklisted_ids = [c.id for c, _p, _a in self.blacklist_cases if c.blacklisted]

    def _finish(self) -> None:
        session = self.session
        if self._blacklisted_ids:
            session.execute(update(Customer).where(Customer.id.in_(self._blacklisted_ids)).values(blacklisted=True))
        dialect_insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        for prefix, last in sorted(self.serials.items()):
            stmt = dialect_insert(NumberCounter).values(prefix=prefix, last=last)
            stmt = stmt.on_conflict_do_update(index_elements=["prefix"],
                                              set_={"last": func.max(stmt.excluded.last, NumberCounter.last)}
                                              if self.dialect == "sqlite" else
                                              {"last": func.greatest(stmt.excluded.last, NumberCounter.last)})
            session.execute(stmt)
        if self.dialect == "postgresql":
            for model in self.next_id:
                table = model.__tablename__
                session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"))
        self.report.uncovered = sorted(self._expected_combinations() - self.covered)
        actor = system_actor(self.hall.id)
        audit.record(session, actor, "demo", "hall", self.hall.id, detail={
            "applications": self.options.applications, "seed": self.options.seed, "now": str(self.now)})
        session.flush()

    def _expected_combinations(self) -> set[tuple[str, str]]:
        combos = set()
        for bt in self.catalog.business_types.values():
            combos |= {(bt.code, s.code) for s in bt.stages}
            combos.add((bt.code, "terminated"))
        return combos


__all__ = ["DEFAULT_PASSWORD", "DemoOptions", "DemoReport", "generate", "table_counts"]
