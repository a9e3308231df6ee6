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
import itertools
import json
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import JSON, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from counter_app.demo import data
from counter_app.demo.workday_table import WorkdayTable
from counter_app.forms.models import APPLICATION_DOCS, DOC_TITLES
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

DEFAULT_PASSWORD = "Demo1234"
HISTORY_DAYS = 90
DEMO_HALL = {
    "code": "FZGL01",
    "name": "国网福州供电公司鼓楼供电营业厅",
    "address": "福州市鼓楼区湖东路263号",
    "phone": "0591-87161234",
    "supervision_phone": "0591-87165598",
}
# username, name, role, window
STAFF = (
    ("clerk1", "林晓燕", "clerk", 1),
    ("clerk2", "陈志强", "clerk", 2),
    ("clerk3", "黄丽娟", "clerk", 3),
    ("clerk4", "郑伟", "clerk", 4),
    ("back1", "吴建华", "backoffice", None),
    ("super1", "赵敏", "supervisor", None),
    ("admin1", "刘洋", "admin", None),
)
# relative frequency of business types at a city hall
TYPE_WEIGHTS = {
    "lv_res_new": 30, "lv_res_increase": 12, "lv_biz_new": 12, "lv_biz_increase": 6, "hv_new": 4,
    "hv_increase": 3, "rename": 8, "transfer": 8, "close": 4, "reclass": 3, "reduce": 3, "suspend": 4,
    "resume": 3,
}
STAGE_HANDLERS = {
    "survey": ("城区勘查一班 李建国", "城区勘查二班 陈立新", "郊区勘查班 黄德明"),
    "plan_reply": ("客户经理 吴建华", "客户经理 林海", "客户经理 陈思琪"),
    "design_review": ("设计审核组 王工", "设计审核组 郑工"),
    "mid_check": ("中间检查组 刘工", "中间检查组 杨工"),
    "completion_check": ("竣工检验组 许工", "竣工检验组 蔡工"),
    "connect": ("装表接电班 何志勇", "装表接电班 邱晓东", "装表接电班 罗文斌"),
    "review": ("业务审核岗 苏丽", "业务审核岗 叶青"),
    "settle": ("电费核算班 方敏", "电费核算班 卢晓丽"),
    "archive": ("资料室 游静",),
}
SURVEY_TEAMS_URBAN = ("城区勘查一班", "城区勘查二班")
SURVEY_TEAM_RURAL = "郊区勘查班"
SURVEY_TEAM_HV = "高压客户经理班"
GREEN_REASONS = (
    "省重点建设项目", "市重点招商引资项目", "民生保障工程（保障性住房）", "新能源汽车充电基础设施项目",
    "重点产业园区配套项目", "防汛抗旱应急保障项目",
)
GREEN_MANAGERS = ("吴建华", "林海", "陈思琪")
TERMINATION_REASONS = (
    "客户申请撤销用电申请", "现场不具备供电条件，经与客户沟通同意终止", "客户超过30日未配合现场勘查",
    "客户改变用电计划，申请撤回",
)
OVERDUE_REASON = "容缺资料逾期未补交，经营业厅主任审核终止办理"
REMARKS = ("", "", "", "", "", "", "客户要求上午勘查", "请提前电话联系", "小区物业已同意施工", "老人独居，请耐心沟通")
# line remarks a receiver writes when confirming a batch (handover.REMARKS)
LINE_REMARKS = (("缺件", "缺少产权证明复印件第2页，已电话通知客户补交"), ("缺件", "身份证复印件未签字，已退窗口补签"),
                ("退回", "申请表客户签名处漏签，退回窗口补签后重新移交"))
PRINTERS = {1: "HP LaserJet Pro M404dn（1号窗口）", 2: "HP LaserJet Pro M404dn（2号窗口）",
            3: "Brother HL-5595DN（3号窗口）", 4: "Lenovo LJ2605D（4号窗口）"}
# materials a customer keeps on file and need not hand in again
ON_FILE_CODES = ("holder_id", "subject_cert", "legal_rep_id")
DEFER_SHARE = {"low_residential": 0.35, "low_non_residential": 0.3, "high_voltage": 0.4, "change": 0.25}
REUSE_SHARE = {"low_residential": 0.12, "low_non_residential": 0.2, "high_voltage": 0.25, "change": 0.3}
RECENT_PRINT_DAYS = 10  # print records are kept for the acceptances of the last working days

AM = (8 * 3600 + 30 * 60, 12 * 3600)
PM = (14 * 3600 + 30 * 60, 17 * 3600 + 30 * 60)
ACCEPT_PERIODS = (AM, (PM[0], 17 * 3600))  # handover batches are made from 17:05
OPEN_PERIODS = (AM, PM)


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


@dataclass(slots=True)
class Plan:
    """One application to generate, before its rows exist."""

    day: int  # index of the acceptance day in the workday table
    at: dt.datetime
    bt: str
    window: int = 0
    forced: bool = False
    subject: str | None = None
    important: bool | None = None
    durations: list[int] | None = None  # working days per stage after acceptance (forced paths)
    terminate: str | None = None  # None | "random" | "overdue"
    number: str = ""
    app_id: int = 0


@dataclass(slots=True)
class Batch:
    id: int
    number: str
    window: int
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    lines: int = 0


class CustomerInfo:
    __slots__ = ("account", "blacklisted", "cert_id", "cert_type", "cert_valid_until", "detail", "district", "id",
                 "individual", "industry", "kind", "legal_rep_id", "legal_rep_name", "mobile", "name", "new_in_demo",
                 "number", "on_file", "phone", "urban")


@dataclass
class Event:
    stage: str
    action: str
    start: dt.datetime
    end: dt.datetime | None
    due: dt.date | None
    estimated: bool
    handler: str
    actor_id: int | None
    note: str = ""


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


class _Generator:
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

    # --- planning -----------------------------------------------------------------------------------

    def _plan(self) -> list[Plan]:
        rng = random.Random(f"{self.options.seed}/plan")
        forced = self._forced_plans(rng)
        n = self.options.applications
        if n < len(forced):
            forced = forced[:n]
        rest = n - len(forced)
        day_range = range(self.first_idx, self.last_idx + 1)
        weights = []
        for idx in day_range:
            day = self.days[idx]
            weight = rng.uniform(0.75, 1.25) * (1.25 if day.weekday() == 0 else 1.0)
            if idx > 0 and (day - self.days[idx - 1]).days > 3:  # first day after a holiday
                weight *= 1.4
            if day == self.today:
                weight *= self._share_of_day_elapsed()
            weights.append(weight)
        counts = _apportion(rest, weights)
        types = list(TYPE_WEIGHTS)
        type_weights = [TYPE_WEIGHTS[t] for t in types]
        plans = list(forced)
        for idx, count in zip(day_range, counts, strict=True):
            for _ in range(count):
                bt = rng.choices(types, type_weights)[0]
                plans.append(Plan(day=idx, at=self._accept_time(rng, idx), bt=bt))
        for plan in plans:
            if not plan.forced:
                plan.terminate = "random" if (plan.day < self.last_idx - 1 and rng.random() < 0.02) else None
            plan.window = self._window_for(plan.bt, rng)
        plans.sort(key=lambda p: (p.at, p.window))
        return plans

    def _share_of_day_elapsed(self) -> float:
        seconds = self.now.hour * 3600 + self.now.minute * 60
        total = sum(b - a for a, b in ACCEPT_PERIODS)
        done = sum(max(0, min(b, seconds) - a) for a, b in ACCEPT_PERIODS)
        return max(done / total, 0.0)

    def _forced_plans(self, rng: random.Random) -> list[Plan]:
        """Every business type in every stage (and terminated), whatever N and the dice say."""
        by_stage: dict[int, list[Plan]] = defaultdict(list)
        for bt in self.catalog.business_types.values():
            for position, stage in enumerate(bt.stages):
                important = stage.code in bt.important_only or None
                by_stage[position].append(self._forced_path(bt, stage.code, bool(important), rng))
            deferrable = any(m.deferrable and m.when == "later" for m in bt.materials)
            a = rng.randint(max(self.first_idx, self.last_idx - 40), max(self.first_idx, self.last_idx - 12))
            by_stage[99].append(Plan(day=a, at=self._accept_time(rng, a), bt=bt.code, forced=True,
                                     durations=[8] * 8, terminate="overdue" if deferrable else "random"))
        # round-robin over stages so that a small N still spreads over types and stages
        ordered, queues = [], [by_stage[k] for k in sorted(by_stage)]
        while any(queues):
            ordered.extend(queue.pop(0) for queue in queues if queue)
        return ordered

    def _forced_path(self, bt: catalog.BusinessType, target: str, important: bool, rng) -> Plan:
        stages = [s.code for s in bt.stages_for(important)]
        k = stages.index(target)
        if k == 0:
            return Plan(day=self.last_idx, at=self._accept_time(rng, self.last_idx), bt=bt.code, forced=True,
                        important=important)
        before = stages[1:k] if target != "archive" else stages[1:-1]
        durations = [max(1, rng.randint(1, max(1, self.limits[bt.code, s]))) for s in before]
        if target == "archive":
            elapsed = rng.randint(1, 20)
        else:
            elapsed = rng.randint(0, self.limits[bt.code, target] + 1)
        start_current = self.last_idx - elapsed
        a = min(start_current - 1 - sum(durations), self.last_idx - 2)
        a = max(a, 0)
        if target != "archive":
            start_current = a + 1 + sum(durations)
            durations.append(self.last_idx - start_current + 1 + rng.randint(0, 2))
        return Plan(day=a, at=self._accept_time(rng, a), bt=bt.code, forced=True, important=important,
                    durations=durations)

    def _accept_time(self, rng: random.Random, idx: int) -> dt.datetime:
        # a few minutes before "now" at the latest, so the documents printed after saving are past too
        return self._moment(rng, idx, periods=ACCEPT_PERIODS, cap=True, margin=300)

    def _moment(self, rng: random.Random, idx: int, *, after: dt.datetime | None = None,
                periods=OPEN_PERIODS, cap: bool = False, margin: int = 60) -> dt.datetime:
        """A time on working day ``idx`` in opening hours, after ``after``; ``margin`` seconds before
        "now" at the latest when ``cap``."""
        day = self.days[idx]
        lo = 0
        if after is not None and after.date() == day:
            lo = after.hour * 3600 + after.minute * 60 + after.second + 60
        hi = 86400
        if cap and day == self.today:
            hi = self.now.hour * 3600 + self.now.minute * 60 + self.now.second - margin
        spans = [(max(a, lo), min(b, hi)) for a, b in periods if min(b, hi) > max(a, lo)]
        if spans:
            offset = rng.randrange(sum(b - a for a, b in spans))
            for a, b in spans:
                if offset < b - a:
                    second = a + offset
                    break
                offset -= b - a
        else:  # no opening hours left: just after the previous moment (or before "now")
            second = max(lo, min(hi, PM[1])) if after is not None else max(AM[0], min(hi, PM[1]))
        return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=second)

    def _window_for(self, bt: str, rng: random.Random) -> int:
        group = self.catalog.business_type(bt).group
        if group == "high_voltage":
            return 4 if rng.random() < 0.85 else 3
        if group == "low_non_residential":
            return rng.choice((3, 4, 4))
        if group == "low_residential":
            return rng.choice((1, 1, 2, 2, 3))
        return rng.choice((1, 2, 3, 4))

    def _number(self, plans: list[Plan]) -> None:
        app_id = self.next_id[Application]
        for plan in plans:
            prefix = f"{self.hall.code}-{self.days[plan.day]:%Y%m%d}"
            self.serials[prefix] = self.serials.get(prefix, 0) + 1
            plan.number = f"{prefix}-{self.serials[prefix]:04d}"
            plan.app_id = app_id
            app_id += 1
        self.next_id[Application] = app_id

    def _make_batches(self, plans: list[Plan]) -> None:
        """One handover batch per window and day before today; confirmed the next working morning."""
        rng = random.Random(f"{self.options.seed}/handover")
        self.batches: dict[tuple[int, int], Batch] = {}
        members: dict[tuple[int, int], list[Plan]] = defaultdict(list)
        for plan in plans:
            if self.days[plan.day] < self.today:
                members[plan.day, plan.window].append(plan)
        self.line_remarks: dict[int, tuple[str, str]] = {}
        for (day, window), batch_plans in sorted(members.items()):
            prefix = f"JJ-{self.hall.code}-{window:02d}-{self.days[day]:%Y%m%d}"
            self.serials[prefix] = self.serials.get(prefix, 0) + 1
            created = dt.datetime.combine(self.days[day], dt.time(17, 5)) + dt.timedelta(seconds=rng.randrange(1200))
            confirmed = self._moment(rng, day + 1, periods=((8 * 3600 + 35 * 60, 9 * 3600 + 30 * 60),))
            if confirmed > self.now or (day == self.prev_idx and window == 4):
                confirmed = None
            batch = Batch(self._take_id(HandoverBatch), f"{prefix}-{self.serials[prefix]:02d}", window, created,
                          confirmed)
            self.batches[day, window] = batch
            clerk = self.clerks[window]
            self._add(HandoverBatch, {
                "id": batch.id, "number": batch.number, "window_id": self.windows[window].id, "shift": "全天",
                "created_by_id": clerk.id, "created_at": created,
                "status": "confirmed" if confirmed else "open",
                "receiver_name": self.back.name if confirmed else "",
                "confirmed_by_id": self.back.id if confirmed else None, "confirmed_at": confirmed, "version": 1,
            })
            self._audit(created, clerk, window, "handover_create", "handover_batch", batch.number,
                        {"shift": "全天", "applications": [p.number for p in batch_plans]})
            self._print(rng, "handover", created + dt.timedelta(seconds=30), clerk, window, batch_id=batch.id,
                        number=batch.number)
            if confirmed:
                remarks = {}
                for plan in batch_plans:
                    if rng.random() < 0.01:
                        self.line_remarks[plan.app_id] = mark = rng.choice(LINE_REMARKS)
                        remarks[plan.number] = f"{mark[0]}：{mark[1]}"
                self._audit(confirmed, self.back, None, "handover_confirm", "handover_batch", batch.number,
                            {"receiver": self.back.name, "lines": len(batch_plans), "remarks": remarks})

    # --- one application ----------------------------------------------------------------------------

    def _build(self, plan: Plan, rng: random.Random) -> None:
        bt = self.catalog.business_type(plan.bt)
        customer = self._customer_for(plan, bt, rng)
        important = plan.important
        if important is None:
            important = bt.is_high_voltage and rng.random() < 0.3
        events, status = self._timeline(plan, bt, important, rng)
        terminated_at = reason = None
        deferral_due_idx = plan.day + self.deferral_days
        if plan.terminate:
            events, status, terminated_at, reason = self._terminate(plan, events, deferral_due_idx, rng)
        completed_at = events[-1].start if status == "completed" else None
        clerk = self.clerks[plan.window]
        app_id = plan.app_id
        seconds = self._counter_seconds(bt, rng)
        agent = (customer.kind == "organisation" and rng.random() < 0.65) or rng.random() < 0.04
        materials, deferred, copies = self._materials(plan, bt, customer, agent, status, completed_at,
                                                      terminated_at, reason == OVERDUE_REASON, rng)
        current = events[-2] if status == "terminated" else events[-1]
        app = self._application_fields(plan, bt, customer, important, agent, rng)
        last = events[-1]
        app.update({
            "id": app_id, "number": plan.number, "hall_id": self.hall.id, "window_id": self.windows[plan.window].id,
            "clerk_id": clerk.id, "customer_id": customer.id, "certificate_id": customer.cert_id,
            "business_type": bt.code, "status": status, "current_stage": current.stage,
            "current_handler": current.handler, "stage_due_date": current.due,
            "cert_entered_at": plan.at - dt.timedelta(seconds=seconds), "accepted_at": plan.at,
            "counter_seconds": seconds, "completed_at": completed_at, "terminated_at": terminated_at,
            "terminated_reason": reason or "", "terminated_by_id": self.supervisor.id if terminated_at else None,
            "updated_at": last.end or last.start, "updated_by_id": last.actor_id, "version": 1,
        })
        total_limit = bt.total_limit_for(important)
        app["due_date"], app["due_estimated"] = self.table.add(plan.at.date(), total_limit)
        self._add(Application, app)
        for event in events:
            self._add(StageEvent, {
                "id": self._take_id(StageEvent), "application_id": app_id, "stage": event.stage,
                "action": event.action, "started_at": event.start, "ended_at": event.end, "due_date": event.due,
                "due_estimated": event.estimated, "handler": event.handler, "actor_id": event.actor_id,
                "note": event.note, "source": "app", "external_key": None,
            })
        self._add_materials(plan, app_id, materials)
        self._commitments(plan, app_id, deferred, materials)
        self._appointment(plan, bt, customer, app_id, rng)
        self._handover_line(plan, app_id, copies, deferred)
        self._acceptance_records(plan, app_id, clerk, agent, deferred, rng)
        self._stage_audits(plan, app_id, events)
        if terminated_at and reason == OVERDUE_REASON and len(self.blacklist_cases) < 3:
            self.blacklist_cases.append((customer, plan, terminated_at))
            customer.blacklisted = True
        if customer.new_in_demo:
            self._record_on_file(customer, app_id, plan, materials)
        self.report.by_type[bt.code] += 1
        self.report.by_status[status] += 1
        if status == "active":
            self.report.by_stage[current.stage] += 1
        self.covered.add((bt.code, "terminated" if status == "terminated" else current.stage))

    def _timeline(self, plan: Plan, bt, important: bool, rng) -> tuple[list[Event], str]:
        now, clerk = self.now, self.clerks[plan.window]
        due, estimated = self.table.add(plan.at.date(), self.limits[bt.code, "accept"])
        accept = Event("accept", "enter", plan.at, None, due, estimated, clerk.name, clerk.id)
        events = [accept]
        batch = self.batches.get((plan.day, plan.window))
        if batch is None or batch.confirmed_at is None:
            return events, "active"
        # the accept stage ends when the back office confirms the paper file
        accept.end = start = max(batch.confirmed_at, plan.at + dt.timedelta(minutes=1))
        start_idx = plan.day + 1
        forced = plan.durations or []
        handler_pick = rng.random()
        for k, stage in enumerate(bt.stages_for(important)[1:]):
            if stage.code == "archive":
                events.append(Event("archive", "complete", start, start, start.date(), False,
                                    STAGE_HANDLERS["archive"][0], self.back.id))
                return events, "completed"
            limit = self.limits[bt.code, stage.code]
            due, estimated = self.table.add(start.date(), limit)
            handlers = STAGE_HANDLERS[stage.code]
            event = Event(stage.code, "enter", start, None, due, estimated,
                          handlers[int(handler_pick * len(handlers))], self.back.id)
            events.append(event)
            duration = forced[k] if k < len(forced) else _duration(rng, limit)
            end_idx = start_idx + duration
            # forced paths: stages before the target must end before "now" (the target's end lies
            # after the last acceptance day and stays in the future)
            end = self._moment(rng, end_idx, after=start, cap=plan.forced and end_idx <= self.last_idx)
            if end > now:
                return events, "active"
            event.end = start = end
            start_idx = end_idx
        raise AssertionError(f"{bt.code}: stages do not end in archive")

    def _terminate(self, plan: Plan, events: list[Event], due_idx: int, rng):
        """Stop the application inside one of its reached stages (supervisor's decision)."""
        if plan.terminate == "overdue":
            at_idx = min(due_idx + rng.randint(1, 2), self.last_idx)
            moment = self._moment(rng, at_idx, after=plan.at, cap=True)
            reason = OVERDUE_REASON
        else:
            candidates = [e for e in events if e.stage != "archive"]
            event = candidates[min(int(rng.random() ** 2 * len(candidates)), len(candidates) - 1)]
            end = event.end or self.now
            span = max(60, int((end - event.start).total_seconds()) - 60)
            moment = event.start + dt.timedelta(seconds=rng.randrange(60, span + 1) if span > 60 else 30)
            reason = rng.choice(TERMINATION_REASONS)
        kept = [e for e in events if e.start < moment and e.stage != "archive"]
        if not kept:
            kept = events[:1]
        last = kept[-1]
        last.end = moment
        kept.append(Event(last.stage, "terminate", moment, moment, None, False, self.supervisor.name,
                          self.supervisor.id, reason))
        return kept, "terminated", moment, reason

    def _counter_seconds(self, bt, rng: random.Random) -> int:
        mean = {"low_residential": 8.5, "low_non_residential": 12.0, "high_voltage": 19.0, "change": 7.0}[bt.group]
        minutes = rng.lognormvariate(0, 0.45) * mean  # residential: about 3 % over 20 minutes
        return int(min(max(minutes, 3.0), 60.0) * 60)

    # --- customers ----------------------------------------------------------------------------------

    def _customer_for(self, plan: Plan, bt, rng: random.Random) -> CustomerInfo:
        kind = plan.subject
        if kind is None:
            if bt.group == "low_residential":
                kind = "person"
            elif bt.group == "change":
                kind = "person" if rng.random() < 0.7 else "organisation"
            else:
                kind = "organisation" if rng.random() < 0.85 else "person"
        pool = self.persons if kind == "person" else self.orgs
        if pool and not plan.forced and rng.random() < REUSE_SHARE[bt.group]:
            customer = pool[rng.randrange(len(pool))]
            if not customer.blacklisted:
                return customer
        customer = self._new_customer(kind, plan, bt, rng)
        pool.append(customer)
        return customer

    def _unique_number(self, cert_type: str, make: Callable[[], str]) -> str:
        for _ in range(1000):
            number = make()
            key = f"{cert_type}:{number}"
            if key not in self._customers_seen_ids:
                self._customers_seen_ids.add(key)
                return number
        raise UserError("无法生成不重复的证件号码，请换一个随机种子")

    def _new_customer(self, kind: str, plan: Plan, bt, rng: random.Random) -> CustomerInfo:
        self.customers_created += 1
        c = CustomerInfo()
        c.id = self._take_id(Customer)
        c.kind, c.on_file, c.blacklisted, c.new_in_demo, c.individual = kind, {}, False, True, False
        c.mobile, c.phone, c.account = data.mobile(rng), "", ""
        created = plan.at
        cert = {"id": self._take_id(Certificate), "customer_id": c.id, "sex": "", "birth_date": None,
                "verified_by_id": self.clerks[plan.window].id, "verified_at": created, "created_at": created}
        if kind == "person":
            # some names with rare characters, at least two even in a small demo
            c.name, sex = data.person_name(rng, rare_ratio=1.0 if self.customers_created in (3, 11) else 0.005)
            c.district, c.detail, c.urban = data.residential_address(rng)
            roll = rng.random()
            if roll < 0.97:
                c.cert_type = "id_card"
                holder = {}

                def make():
                    number, birth = data.resident_id(rng, sex=sex, today=self.today)
                    holder["birth"] = birth
                    return number

                c.number = self._unique_number("id_card", make)
                birth = holder["birth"]
                c.cert_valid_until = data.id_card_valid_until(rng, birth, self.today)
                cert.update(sex=sex, birth_date=birth, issuer=data.POLICE.get(c.number[:6], "公安局"))
            else:
                c.cert_type = "taiwan" if roll < 0.99 else "hk_macau"
                maker = data.taiwan_permit if c.cert_type == "taiwan" else data.hk_macau_permit
                c.number = self._unique_number(c.cert_type, lambda: maker(rng))
                c.cert_valid_until = self.today + dt.timedelta(days=rng.randrange(200, 3650))
                cert.update(sex=sex, issuer="公安部出入境管理局")
            c.legal_rep_name = c.legal_rep_id = ""
            c.industry = "城乡居民生活"
            address = f"{c.district}{c.detail}"
        else:
            area = rng.choice(("350102", "350102", "350103", "350104", "350111", "350105", "350121"))
            org = data.organisation(rng, area)
            c.name, c.cert_type, c.industry = org["name"], org["cert_type"], org["industry"]
            c.individual = bool(org.get("individual"))
            c.number = self._unique_number(c.cert_type, lambda: data.credit_code(
                rng, org["number"][0], org["number"][1], org["number"][2:8]))
            c.district, c.detail, c.urban = data.business_address(rng)
            c.legal_rep_name, rep_sex = data.person_name(rng)
            c.legal_rep_id, _birth = data.resident_id(rng, sex=rep_sex, today=self.today, min_age=25, max_age=70)
            c.phone = data.fixed_phone(rng) if rng.random() < 0.7 else ""
            c.cert_valid_until = None
            address = f"{c.district}{c.detail}"
            cert.update(issuer=f"福州市{data.DISTRICT_NAMES.get(area, '')}市场监督管理局")
        c.cert_id = cert["id"]
        cert.update(cert_type=c.cert_type, number=c.number, holder_name=c.name, address=address,
                    valid_until=c.cert_valid_until)
        # a few flagged customers (欠费, 违约用电), at least one of each even in a small demo
        owes = rng.random() < 0.02 or self.customers_created == 7
        arrears = Decimal(rng.randrange(3000, 500000)) / 100 if owes else Decimal(0)
        violation = ""
        if rng.random() < 0.004 or self.customers_created == 13:
            violation = (f"{(plan.at - dt.timedelta(days=rng.randrange(20, 200))):%Y-%m-%d} 查处违约用电"
                         f"（{rng.choice(('私自增容', '私自转供电', '擅自改变用电类别'))}），"
                         f"案号 WY{plan.at.year}-{rng.randrange(1, 400):03d}，待处理")
        self._add(Customer, {
            "id": c.id, "kind": kind, "name": c.name, "legal_rep_name": c.legal_rep_name,
            "legal_rep_id_number": c.legal_rep_id, "mobile": c.mobile, "phone": c.phone,
            "mailing_address": address, "arrears_amount": arrears, "violation_case": violation,
            "blacklisted": False, "created_at": created, "updated_at": created,
        })
        self._add(Certificate, cert)
        if bt.group == "change" or bt.code.endswith("increase"):
            # an existing account: the customer's certificate has been on file since the connection
            c.account = f"35{rng.randrange(10**8):08d}"
            if rng.random() < 0.6:
                code = "holder_id" if kind == "person" else "subject_cert"
                recorded = created - dt.timedelta(days=rng.randrange(400, 3000))
                valid = c.cert_valid_until
                if valid is None or valid > plan.at.date():
                    self._on_file(c, code, valid, None, recorded)
        return c

    def _on_file(self, customer: CustomerInfo, code: str, valid_until, source_app: int | None, at) -> None:
        if code in customer.on_file:
            return
        customer.on_file[code] = valid_until
        self._add(MaterialOnFile, {
            "id": self._take_id(MaterialOnFile), "customer_id": customer.id, "code": code,
            "name": self.catalog.materials[code].name, "valid_until": valid_until,
            "source_application_id": source_app, "recorded_at": at,
        })

    def _record_on_file(self, customer: CustomerInfo, app_id: int, plan: Plan, materials: list[dict]) -> None:
        for row in materials:
            if row["code"] in ON_FILE_CODES and row["state"] == "received":
                valid = customer.cert_valid_until if row["code"] == "holder_id" else None
                self._on_file(customer, row["code"], valid, app_id, plan.at)

    # --- materials, commitments, appointments -------------------------------------------------------

    def _materials(self, plan: Plan, bt, customer: CustomerInfo, agent: bool, status: str,
                   completed_at, terminated_at, keep_overdue: bool, rng: random.Random):
        defs = [m for m in bt.materials if not (m.code == "legal_rep_id" and customer.kind == "person")]
        if agent:
            defs.append(self.catalog.materials["proxy"])
        accepted = plan.at.date()
        due, due_estimated = self.table.add(accepted, self.deferral_days)
        due_idx = plan.day + self.deferral_days
        rows, deferred, copies = [], [], 0
        force_one = keep_overdue
        for seq, m in enumerate(defs, start=1):
            row = {"id": self._take_id(Material), "application_id": plan.app_id, "seq": seq, "code": m.code,
                   "name": m.name, "state": "received", "copies": 1, "due_date": None, "due_estimated": False,
                   "supplied_at": None, "supplied_by_id": None}
            on_file_until = customer.on_file.get(m.code, False)
            if on_file_until is not False and (on_file_until is None or on_file_until >= accepted):
                row.update(state="on_file", copies=0)
            elif (m.deferrable and m.when == "later" and not customer.blacklisted
                  and (force_one or rng.random() < DEFER_SHARE[bt.group])):
                force_one = False
                row.update(state="deferred", copies=0, due_date=due, due_estimated=due_estimated)
                deferred.append(row)
                if not keep_overdue:
                    self._maybe_supplied(plan, row, due_idx, status, completed_at, terminated_at, rng)
            else:
                row["copies"] = rng.choice((1, 1, 1, 2, 3)) if m.code in ("property_proof", "land_proof") else 1
                copies += row["copies"]
            rows.append(row)
        for row in deferred:
            if row["state"] == "deferred" and due < self.today:
                self.report.overdue_deferred += 1
        return rows, deferred, copies

    def _maybe_supplied(self, plan: Plan, row: dict, due_idx: int, status: str, completed_at,
                        terminated_at, rng: random.Random) -> None:
        limit = completed_at or terminated_at or self.now
        chance = 1.0 if status == "completed" else (0.8 if self.days[due_idx] < self.today else 0.35)
        if rng.random() >= chance:
            return
        late = rng.random() < 0.08
        last_idx = min(due_idx + (rng.randint(1, 3) if late else 0), self.table.count_upto(limit.date()) - 1,
                       self.last_idx)
        day = rng.randint(plan.day, max(plan.day, last_idx))
        moment = self._moment(rng, day, after=plan.at, cap=True)
        if moment >= limit:
            if status != "completed":
                return
            moment = limit - dt.timedelta(minutes=5)
        at_counter = rng.random() < 0.8
        who = self.clerks[plan.window] if at_counter else self.back
        row.update(state="supplied", supplied_at=moment, supplied_by_id=who.id, copies=1)
        self._audit(moment, who, plan.window if at_counter else None, "material_supplied", "application",
                    plan.number, {"code": row["code"], "name": row["name"]})

    def _add_materials(self, plan: Plan, app_id: int, rows: list[dict]) -> None:
        for row in rows:
            self._add(Material, row)

    def _commitments(self, plan: Plan, app_id: int, deferred: list[dict], materials: list[dict]) -> None:
        self._add(Commitment, {"id": self._take_id(Commitment), "application_id": app_id, "kind": "authenticity",
                               "signed_at": plan.at, "due_date": None, "items": [], "fulfilled_at": None})
        if not deferred:
            return
        due = deferred[0]["due_date"]
        items = [{"code": r["code"], "name": r["name"], "due_date": f"{due:%Y-%m-%d}"} for r in deferred]
        supplied = [r["supplied_at"] for r in deferred]
        fulfilled = max(supplied) if all(supplied) else None
        self._add(Commitment, {"id": self._take_id(Commitment), "application_id": app_id, "kind": "deferral",
                               "signed_at": plan.at, "due_date": due, "items": items, "fulfilled_at": fulfilled})

    def _appointment(self, plan: Plan, bt, customer: CustomerInfo, app_id: int, rng: random.Random) -> None:
        if "survey" not in {s.code for s in bt.stages} or rng.random() > 0.92:
            return
        roll = rng.random()
        if roll < 0.6:
            mode, slot = "fixed", rng.choice(("09:00", "09:30", "10:00", "10:30", "14:30", "15:00", "15:30", "16:00"))
        elif roll < 0.9:
            mode, slot = "halfday", rng.choice(("am", "pm"))
        else:
            mode, slot = "by_date", ""
        offset = 2 if mode == "by_date" else rng.randint(1, 2)
        if bt.is_high_voltage:
            team = SURVEY_TEAM_HV
        else:
            team = rng.choice(SURVEY_TEAMS_URBAN) if customer.urban else SURVEY_TEAM_RURAL
        note = "" if rng.random() < 0.8 else rng.choice(("客户白天上班，请提前一小时电话联系", "需物业陪同进入配电间"))
        self._add(SurveyAppointment, {
            "id": self._take_id(SurveyAppointment), "application_id": app_id, "mode": mode, "team": team,
            "day": self.days[plan.day + offset], "slot": slot, "note": note,
            "booked_by_id": self.clerks[plan.window].id, "created_at": plan.at,
        })

    def _handover_line(self, plan: Plan, app_id: int, copies: int, deferred: list[dict]) -> None:
        batch = self.batches.get((plan.day, plan.window))
        if batch is None:
            return
        batch.lines += 1
        remark, note = self.line_remarks.get(app_id, ("", ""))
        self._add(HandoverLine, {
            "id": self._take_id(HandoverLine), "batch_id": batch.id, "application_id": app_id, "seq": batch.lines,
            "copies": copies, "remark": remark, "remark_note": note,
        })

    def _acceptance_records(self, plan: Plan, app_id: int, clerk: User, agent: bool, deferred: list[dict],
                            rng: random.Random) -> None:
        self._audit(plan.at, clerk, plan.window, "accept", "application", plan.number,
                    {"business_type": plan.bt})
        if plan.day < self.last_idx - RECENT_PRINT_DAYS:
            return
        skip = {"deferral"} if not deferred else set()
        if not agent:
            skip.add("proxy")
        documents = [doc for doc in APPLICATION_DOCS if doc not in skip]
        for offset, document in enumerate(documents, start=1):
            at = plan.at + dt.timedelta(seconds=20 * offset)
            self._print(rng, document, at, clerk, plan.window, application_id=app_id, number=plan.number)
        if rng.random() < 0.03:
            at = plan.at + dt.timedelta(minutes=rng.randrange(5, 90))
            if at < self.now:
                self._print(rng, "receipt", at, clerk, plan.window, application_id=app_id, number=plan.number,
                            action="reprint")

    def _stage_audits(self, plan: Plan, app_id: int, events: list[Event]) -> None:
        for previous, event in itertools.pairwise(events):
            if event.action == "terminate":
                self._audit(event.start, self.supervisor, None, "terminate", "application", plan.number,
                            {"stage": event.stage, "reason": event.note})
            else:
                self._audit(event.start, self.back, None, "stage_move", "application", plan.number,
                            {"from": previous.stage, "to": event.stage, "handler": event.handler})

    def _application_fields(self, plan: Plan, bt, c: CustomerInfo, important: bool, agent: bool,
                            rng: random.Random) -> dict:
        person = c.kind == "person"
        usage = bt.usage_default or ("居民生活" if person else "一般工商业")
        industry = c.industry if not person else ("城乡居民生活" if usage == "居民生活" else "批发和零售业")
        unit, existing, applied, voltage = "kW", Decimal(0), Decimal(0), ""
        project, load = "", ""
        if bt.group == "low_residential":
            applied = Decimal(rng.choice((4, 6, 8, 8, 10, 12, 16, 20)))
            if bt.code.endswith("increase"):
                existing = Decimal(rng.choice((4, 6, 8)))
        elif bt.group == "low_non_residential":
            applied = Decimal(rng.choice((10, 15, 20, 30, 40, 50, 60, 80, 100)))
            if bt.code.endswith("increase"):
                existing = Decimal(rng.choice((10, 20, 30)))
                applied = min(applied, Decimal(100) - existing)
            if industry == "农、林、牧、渔业":
                usage = "农业生产"
        elif bt.is_high_voltage:
            unit = "kVA"
            applied = Decimal(rng.choice((315, 400, 500, 630, 800, 1000, 1250, 1600, 2000, 2500, 3150)))
            if bt.code.endswith("increase"):
                existing = Decimal(rng.choice((315, 400, 630, 800)))
            voltage = "10kV"
            usage = "大工业" if applied + existing >= 315 else "一般工商业"
            project = f"{c.name}{rng.choice(('厂房', '办公楼', '生产线', '充电站', '冷库', '综合体'))}用电工程"
            load = rng.choice(("重要", "重要", "特级重要")) if important else "普通"
        else:  # changes of an existing account
            existing = Decimal(rng.choice((4, 6, 8, 10)) if person else rng.choice((30, 50, 100, 315, 630)))
            unit = "kVA" if existing >= 315 else "kW"
            if bt.code in ("reduce", "suspend"):
                applied = (existing / 2).quantize(Decimal(1))
            elif bt.code == "resume":
                applied = existing
            if bt.code == "reclass":
                usage = rng.choice(("一般工商业", "居民生活", "农业生产"))
        total = existing - applied if bt.code in ("reduce", "suspend") else existing + applied
        if bt.code in ("close", "resume", "rename", "transfer", "reclass"):
            total = existing
        if not voltage:
            voltage = "10kV" if unit == "kVA" else self.catalog.suggest_voltage(
                float(total), single_phase_only=person and float(total) < 10) or "220V"
        wanted = None
        if "wanted_date" in bt.required or rng.random() < 0.3:
            wanted = self.days[min(plan.day + rng.randint(3, 15), len(self.days) - 1)]
        green = bool(not person and ((bt.is_high_voltage and rng.random() < 0.25)
                                     or (bt.group == "low_non_residential" and rng.random() < 0.04)))
        if plan.forced and bt.is_high_voltage and not person:
            green = True
        contact_name, contact_mobile = c.name, c.mobile
        agent_name = agent_number = agent_mobile = agent_address = ""
        if agent:
            agent_name, agent_sex = data.person_name(rng, rare_ratio=0.01)
            agent_number, _ = data.resident_id(rng, sex=agent_sex, today=self.today, min_age=20, max_age=60)
            agent_mobile = data.mobile(rng)
            # its own random stream: the rest of the demo stays what it was for a given seed
            district, detail, _urban = data.residential_address(random.Random(f"{self.options.seed}/agent/{agent_number}"))
            agent_address = f"{district}{detail}"
        if not person:
            contact_name, contact_mobile = (agent_name, agent_mobile) if agent else (c.legal_rep_name, c.mobile)
        vat = not person and not c.individual and c.cert_type == "business_licence" and rng.random() < 0.6
        address = f"{c.district}{c.detail}"
        return {
            "account_number": c.account if (bt.group == "change" or bt.code.endswith("increase")) else "",
            "usage_category": usage, "industry": industry, "existing_capacity": existing,
            "applied_capacity": applied, "total_capacity": total, "capacity_unit": unit, "supply_voltage": voltage,
            "load_importance": load, "wanted_date": wanted, "project_name": project,
            "address_district": c.district, "address_detail": c.detail,
            "mailing_address": address if rng.random() < 0.85 else data.residential_address(rng)[0] + "邮政信箱",
            "contact_name": contact_name, "contact_mobile": contact_mobile,
            "contact_phone": c.phone,
            "legal_rep_name": c.legal_rep_name, "legal_rep_id_number": c.legal_rep_id,
            "agent_name": agent_name, "agent_cert_type": "id_card" if agent else "", "agent_cert_number": agent_number,
            "agent_mobile": agent_mobile, "agent_address": agent_address,
            "vat_taxpayer_number": c.number if vat else "", "vat_bank": rng.choice(data.BANKS) if vat else "",
            "vat_account": data.bank_account(rng) if vat else "", "vat_address": address if vat else "",
            "vat_phone": (c.phone or data.fixed_phone(rng)) if vat else "",
            "green_channel": green, "green_reason": rng.choice(GREEN_REASONS) if green else "",
            "green_manager": rng.choice(GREEN_MANAGERS) if green else "",
            "remarks": rng.choice(REMARKS),
            "previous_holder_name": self._previous_holder(bt.code, c),
        }

    def _previous_holder(self, code: str, c: CustomerInfo) -> str:
        """原户名 of a 过户 (another holder) or 更名 (the same holder's former name); its own random
        stream, so the rest of the demo stays what it was for a given seed."""
        if code not in ("transfer", "rename"):
            return ""
        rng = random.Random(f"{self.options.seed}/previous-holder/{c.id}/{code}")
        if c.kind == "person":
            other, _sex = data.person_name(rng, rare_ratio=0.02)
            return other if code == "transfer" else c.name[:1] + other[1:]
        return data.organisation(rng, "350102")["name"]

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

    # --- row plumbing -------------------------------------------------------------------------------

    def _take_id(self, model) -> int:
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value

    def _add(self, model, row: dict) -> None:
        self.buffers[model].append(row)

    def _audit(self, at: dt.datetime, user: User, window: int | None, action: str, target_type: str,
               target_id, detail) -> None:
        self._add(AuditEntry, {
            "id": self._take_id(AuditEntry), "at": at, "user_id": user.id, "username": user.username,
            "window_no": window, "pc": f"{self.hall.code}-W{window}" if window else f"{self.hall.code}-BACK",
            "action": action, "target_type": target_type, "target_id": str(target_id), "outcome": "ok",
            "detail": detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False),
        })

    def _print(self, rng: random.Random, document: str, at: dt.datetime, clerk: User, window: int, *,
               number: str, application_id: int | None = None, batch_id: int | None = None,
               action: str = "print") -> None:
        """A print record and its audit entry, shaped as documents.record writes them."""
        sha256 = f"{rng.getrandbits(256):064x}"
        self._add(PrintRecord, {
            "id": self._take_id(PrintRecord), "document": document, "action": action,
            "application_id": application_id, "batch_id": batch_id, "user_id": clerk.id,
            "window_id": self.windows[window].id, "pc": f"{self.hall.code}-W{window}", "printer": PRINTERS[window],
            "path": "", "sha256": sha256, "outcome": "ok", "at": at,
        })
        self._audit(at, clerk, window, action, "application" if application_id else "handover_batch", number,
                    {"document": document, "title": DOC_TITLES[document], "format": "pdf", "sha256": sha256,
                     "printer": PRINTERS[window]})

    def _flush(self) -> None:
        """Write the buffered rows, parents before children (foreign keys are checked at once).

        SQLite: one executemany per table with the column types' own bind processors applied here
        (the ORM bulk path splits rows into groups by which values are None; Core ``insert()`` spends
        more time building per-row parameter dicts than SQLite spends inserting). PostgreSQL: COPY
        in the same transaction, as psycopg's executemany sends one statement per row."""
        for model in _INSERT_ORDER:
            rows = self.buffers.pop(model, None)
            if not rows:
                continue
            if self.dialect == "postgresql":
                self._copy(model.__table__, rows)
            else:
                self._executemany(model.__table__, rows)

    def _executemany(self, table, rows: list[dict]) -> None:
        connection = self.session.connection()
        dialect = connection.dialect
        columns = list(rows[0])
        processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
        converted = [(i, p) for i, p in enumerate(processors) if p is not None]
        names = ", ".join(f'"{name}"' for name in columns)
        sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))})'
        params = []
        for row in rows:
            values = [row[name] for name in columns]
            for i, process in converted:
                values[i] = process(values[i])
            params.append(tuple(values))
        connection.exec_driver_sql(sql, params)

    def _copy(self, table, rows: list[dict]) -> None:
        columns = list(rows[0])
        json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
        names = ", ".join(f'"{name}"' for name in columns)
        raw = self.session.connection().connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c], ensure_ascii=False) if c in json_columns else row[c]
                                for c in columns])


_INSERT_ORDER = (
    HandoverBatch, Customer, Certificate, Application, MaterialOnFile, Material, Commitment, StageEvent,
    SurveyAppointment, HandoverLine, PrintRecord, AuditEntry, BlacklistEntry,
)


def _duration(rng: random.Random, limit: int) -> int:
    """Working days a stage takes: mostly within its limit, skewed short; some run over."""
    if limit <= 0:
        return 1
    if rng.random() < 0.07:
        return limit + rng.randint(1, 3)
    return max(1, min(rng.randint(1, limit), rng.randint(1, limit)))


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainders), summing exactly to total."""
    if not weights:
        return []
    scale = sum(weights) or 1.0
    raw = [total * w / scale for w in weights]
    counts = [int(r) for r in raw]
    short = total - sum(counts)
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - counts[i], -i), reverse=True)
    for i in order[:short]:
        counts[i] += 1
    return counts


__all__ = ["DEFAULT_PASSWORD", "DemoOptions", "DemoReport", "generate", "table_counts"]
