"""A province on one PostgreSQL database for benchmark 10: H halls × 4 windows with their staff,
customers and certificates shared by all halls, and N applications over ~3 years with their
materials, commitments and stage events, as acceptance leaves them.

Fast because PostgreSQL makes the rows itself: customers and certificates are COPYed from a Python
generator (names, mobiles and ID numbers as the demo makes them), the applications and their parts
are ``INSERT … SELECT`` from ``generate_series`` joined to small tables computed here once:
- the working days with their deadlines (``acceptance.accepted.deadlines``, the hall's calendar and
  limits), so every due date is the one the service would have set;
- the material rows and commitments of a residential 新装 as ``accepted.material_rows`` /
  ``commitment_rows`` build them (with and without the 容缺 item);
- the columns' own defaults from the models, for whatever the rows leave out.
Numbers are hall code + day + serial (``hall.numbering``), serials counted per hall and day in
acceptance order; ``number_counter`` ends at the last serial of each prefix. Status and stage follow
``tests.factories.bulk_applications``: most completed, some terminated, the last weeks' in progress.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time

from sqlalchemy import insert, select, text

from benchmarks.common import NOW

BUSINESS_TYPE = "lv_res_new"
HISTORY_DAYS = 3 * 365
REPEAT_SHARE = 0.2  # applications by a customer who applied before, somewhere in the province
IN_PROGRESS_WORKDAYS = 20  # applications of the last weeks are still under way
PASSWORD = "Passw0rd1x"
_DUE = dt.date(1900, 1, 1)  # a placeholder date, replaced per row by the deferral's due day


def hall_code(number: int) -> str:
    return f"FJ{number:03d}"


def clerk_name(code: str, window: int) -> str:
    return f"{code.lower()}c{window}"


def supervisor_name(code: str) -> str:
    return f"{code.lower()}s"


def _defaults(table, given) -> dict:
    """The models' scalar defaults of the columns a bulk row leaves out (what the ORM would add)."""
    return {c.name: c.default.arg for c in table.columns
            if c.name not in given and c.default is not None and c.default.is_scalar}


def _insert_select(session, table, exprs: dict[str, str], source: str, params: dict | None = None) -> int:
    """INSERT INTO table (exprs' columns + defaulted ones) SELECT exprs FROM source."""
    defaults = _defaults(table, exprs)
    columns = [*exprs, *defaults]
    values = [*exprs.values(), *(f":d_{name}" for name in defaults)]
    sql = (f'INSERT INTO "{table.name}" ({", ".join(columns)}) SELECT {", ".join(values)} FROM {source}')
    bound = {**(params or {}), **{f"d_{k}": v for k, v in defaults.items()}}
    return session.execute(text(sql), bound).rowcount


def _copy(session, table, rows, columns: list[str]) -> None:
    defaults = _defaults(table, columns)
    names = ", ".join([*columns, *defaults])
    extra = list(defaults.values())
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([*row, *extra])


def _halls_and_staff(session, halls: int) -> None:
    from counter_app.hall import hall as hall_mod
    from counter_app.infra.context import system_actor
    from counter_app.models import User
    from counter_app.security import credentials

    for number in range(1, halls + 1):
        hall_mod.create_hall(session, system_actor(), code=hall_code(number), name=f"福建第{number}供电营业厅",
                             supervision_phone="0591-87654321", windows=4)
    session.flush()
    password_hash = credentials.hash_password(PASSWORD)  # once: argon2 per account would take minutes
    at = NOW - dt.timedelta(days=HISTORY_DAYS + 30)
    rows = []
    for hall_id, code, window_id, window in session.execute(text(
            "SELECT h.id, h.code, w.id, w.number FROM hall h JOIN counter_window w ON w.hall_id = h.id ORDER BY 1, 4")):
        rows.append(dict(username=clerk_name(code, window), name=f"{code}窗口{window}", role="clerk",
                         window_id=window_id, hall_id=hall_id))
        if window == 1:
            rows += [dict(username=supervisor_name(code), name=f"{code}班长", role="supervisor", window_id=None,
                          hall_id=hall_id),
                     dict(username=f"{code.lower()}b", name=f"{code}后台", role="backoffice", window_id=None,
                          hall_id=hall_id)]
    session.execute(insert(User), [dict(r, password_hash=password_hash, must_change_password=False, created_at=at,
                                        password_changed_at=at) for r in rows])


def _days(session, today: dt.date) -> int:
    """bench_day: each working day of the history with the deadlines of an application accepted then."""
    from counter_app.acceptance import accepted
    from counter_app.demo.workday_table import WorkdayTable
    from counter_app.hall import catalog
    from counter_app.hall import hall as hall_mod

    hall_id = session.scalar(text("SELECT min(id) FROM hall"))  # every hall has the default calendar and limits
    bt = catalog.load().business_type(BUSINESS_TYPE)
    first = today - dt.timedelta(days=HISTORY_DAYS)
    table = WorkdayTable(hall_mod.work_calendar(session, hall_id), first, today + dt.timedelta(days=400))
    accept_limit = hall_mod.stage_limit(session, hall_id, bt.code, "accept")
    deferral_days = int(hall_mod.get_setting(session, "deferral_working_days", hall_id))
    rows = []
    for day in (d for d in table.days if d < today):
        limits = accepted.deadlines(table.add, dt.datetime.combine(day, dt.time(9)), bt, "", accept_limit)
        defer_due, defer_est = table.add(day, deferral_days)
        rows.append((len(rows), day, limits.stage_due, limits.stage_estimated, limits.due_date, limits.due_estimated,
                     defer_due, defer_est))
    session.execute(text("CREATE TEMP TABLE bench_day (idx int PRIMARY KEY, day date, stage_due date, stage_est bool, "
                         "due date, due_est bool, defer_due date, defer_est bool) ON COMMIT DROP"))
    session.execute(text("INSERT INTO bench_day VALUES (:i, :d, :sd, :se, :du, :de, :fd, :fe)"),
                    [dict(zip(("i", "d", "sd", "se", "du", "de", "fd", "fe"), r)) for r in rows])
    return len(rows)


def _material_shapes(session) -> str:
    """bench_material (both variants of the checklist) and the deferral commitment's items as JSON
    with a placeholder due day, from the acceptance builder."""
    from counter_app.acceptance import accepted
    from counter_app.acceptance.clerk_input import material_plan

    plan = [(item.code, item.name) for item in material_plan(BUSINESS_TYPE, important=False)]
    session.execute(text("CREATE TEMP TABLE bench_material (deferred bool, seq int, code text, name text, "
                         "state text, copies int, due bool) ON COMMIT DROP"))
    items = "[]"
    for deferred in (False, True):
        rows = accepted.material_rows([(c, n, "deferred" if deferred and c == "property_proof" else "received")
                                       for c, n in plan], (_DUE, False))
        session.execute(text("INSERT INTO bench_material VALUES (:v, :seq, :code, :name, :state, :copies, :due)"),
                        [dict(v=deferred, due=r["due_date"] is not None, **r) for r in rows])
        if deferred:
            [_, deferral] = accepted.commitment_rows(NOW, rows)
            items = json.dumps(deferral["items"], ensure_ascii=False)
    return items


def _people(session, customers: int, seed: int) -> None:
    """Customers, each with one resident ID (unique: birth day by position, sequence by round)."""
    from stdnum.cn import ric

    from counter_app.demo import data
    from counter_app.models import Certificate, Customer

    rng = random.Random(seed)
    created = dt.datetime.combine(NOW.date() - dt.timedelta(days=HISTORY_DAYS + 1), dt.time(9))
    born = dt.date(1940, 1, 1)
    people = []
    for i in range(customers):
        name, sex = data.person_name(rng)
        birth = born + dt.timedelta(days=i % 25_000)
        area = rng.choices(data._AREA_LIST, data._AREA_WEIGHTS)[0]
        body = f"{area}{birth:%Y%m%d}{(i // 25_000) * 2 + (sex == '男'):03d}"
        people.append((i + 1, name, sex, birth, body + ric.calc_check_digit(body + "0"), data.mobile(rng)))
    _copy(session, Customer.__table__, ((i, "person", n, m, created, created) for i, n, _s, _b, _c, m in people),
          ["id", "kind", "name", "mobile", "created_at", "updated_at"])
    _copy(session, Certificate.__table__, ((i, i, "id_card", c, n, s, b, created) for i, n, s, b, c, _m in people),
          ["id", "customer_id", "cert_type", "number", "holder_name", "sex", "birth_date", "created_at"])


def _applications(session, n: int, halls: int, customers: int, days: int, items: str) -> None:
    from counter_app.models import Application, Commitment, Material, StageEvent

    session.execute(text("SELECT setseed(0.5)"))
    # one row per application: hall, day, time, customer, window, what became of it; ids in acceptance
    # order (as the app hands them out), serials per hall and day in the same order
    session.execute(text("""
        CREATE TEMP TABLE bench_app ON COMMIT DROP AS
        WITH drawn AS (
            SELECT g, 1 + floor(random() * :halls)::int AS hall_no, floor(random() * :days)::int AS day_idx,
                   make_interval(secs => 8.5 * 3600 + floor(random() * 8.5 * 3600)) AS at,
                   CASE WHEN g <= :customers THEN g ELSE 1 + floor(random() * :customers)::int END AS customer_id,
                   1 + floor(random() * 4)::int AS window_no, random() AS fate, random() < 0.2 AS deferred,
                   (ARRAY['accept', 'survey', 'connect'])[1 + floor(random() * 3)::int] AS stage
            FROM generate_series(1, :n) g),
        placed AS (
            SELECT d.*, b.day + d.at AS accepted_at, h.id AS hall_id, h.code
            FROM drawn d JOIN bench_day b ON b.idx = d.day_idx JOIN hall h ON h.code = 'FJ' || lpad(d.hall_no::text, 3, '0'))
        SELECT row_number() OVER (ORDER BY p.accepted_at, p.g) AS id,
               row_number() OVER (PARTITION BY p.hall_id, p.day_idx ORDER BY p.accepted_at, p.g) AS serial,
               p.*, u.id AS clerk_id, u.name AS clerk_name, w.id AS window_id,
               CASE WHEN p.fate < 0.03 THEN 'terminated' WHEN p.day_idx >= :days - :recent THEN 'active'
                    ELSE 'completed' END AS status
        FROM placed p JOIN counter_window w ON w.hall_id = p.hall_id AND w.number = p.window_no
        JOIN user_account u ON u.window_id = w.id AND u.role = 'clerk'
    """), dict(halls=halls, days=days, customers=customers, n=n, recent=IN_PROGRESS_WORKDAYS))
    session.execute(text("ALTER TABLE bench_app ADD COLUMN current_stage text"))
    session.execute(text("UPDATE bench_app SET current_stage = CASE status WHEN 'terminated' THEN 'accept' "
                         "WHEN 'completed' THEN 'archive' ELSE stage END"))
    session.execute(text("ANALYZE bench_app"))
    app = "bench_app a JOIN bench_day d ON d.idx = a.day_idx"
    _insert_select(session, Application.__table__, {
        "id": "a.id", "number": "a.code || '-' || to_char(d.day, 'YYYYMMDD') || '-' || "
                                "lpad(a.serial::text, greatest(4, length(a.serial::text)), '0')",
        "hall_id": "a.hall_id", "window_id": "a.window_id", "clerk_id": "a.clerk_id",
        "customer_id": "a.customer_id", "certificate_id": "a.customer_id", "business_type": ":bt",
        "usage_category": "'居民生活'", "applied_capacity": "8", "total_capacity": "8", "supply_voltage": "'220V'",
        "address_district": "'福州市鼓楼区'", "address_detail": "'五四路' || (1 + a.id % 300) || '号'",
        "contact_name": "c.name", "contact_mobile": "c.mobile",
        "contact_phone": "CASE WHEN a.id % 10 = 0 THEN '0591-' || (80000000 + a.id) ELSE '' END",
        "accepted_at": "a.accepted_at", "counter_seconds": "300 + a.id % 2100", "updated_at": "a.accepted_at",
        "status": "a.status", "current_stage": "a.current_stage",
        "current_handler": "CASE WHEN a.current_stage = 'accept' THEN a.clerk_name ELSE '后台' END",
        "stage_due_date": "d.stage_due", "due_date": "d.due", "due_estimated": "d.stage_est OR d.due_est",
        "completed_at": "CASE WHEN a.status = 'completed' THEN a.accepted_at + interval '4 days' END",
    }, f"{app} JOIN customer c ON c.id = a.customer_id ORDER BY a.id", dict(bt=BUSINESS_TYPE))
    supplied = "m.state = 'deferred' AND a.status = 'completed'"
    _insert_select(session, Material.__table__, {
        "application_id": "a.id", "seq": "m.seq", "code": "m.code", "name": "m.name",
        "state": f"CASE WHEN {supplied} THEN 'supplied' ELSE m.state END",
        "copies": f"CASE WHEN {supplied} THEN 1 ELSE m.copies END",
        "due_date": "CASE WHEN m.due THEN d.defer_due END", "due_estimated": "m.due AND d.defer_est",
        "supplied_at": f"CASE WHEN {supplied} THEN a.accepted_at + interval '1 day' END",
        "supplied_by_id": f"CASE WHEN {supplied} THEN a.clerk_id END",
    }, f"{app} JOIN bench_material m ON m.deferred = a.deferred ORDER BY a.id, m.seq")
    _insert_select(session, Commitment.__table__, {
        "application_id": "a.id", "kind": "k.kind", "signed_at": "a.accepted_at",
        "due_date": "CASE WHEN k.kind = 'deferral' THEN d.defer_due END",
        "items": "CASE WHEN k.kind = 'deferral' THEN replace(:items, :due, d.defer_due::text)::json ELSE '[]' END",
    }, f"{app} JOIN (VALUES ('authenticity'), ('deferral')) k(kind) ON k.kind = 'authenticity' OR a.deferred "
       "ORDER BY a.id", dict(items=items, due=_DUE.isoformat()))
    _insert_select(session, StageEvent.__table__, {  # the open event: 受理 (accept_event) or a later stage's
        "application_id": "a.id", "stage": "a.current_stage", "action": "'enter'", "started_at": "a.accepted_at",
        "due_date": "d.stage_due", "due_estimated": "a.current_stage = 'accept' AND d.stage_est",
        "handler": "CASE WHEN a.current_stage = 'accept' THEN a.clerk_name ELSE '后台' END",
        "actor_id": "CASE WHEN a.current_stage = 'accept' THEN a.clerk_id END",
    }, f"{app} ORDER BY a.id")
    session.execute(text("INSERT INTO number_counter (prefix, last) SELECT a.code || '-' || to_char(d.day, 'YYYYMMDD'), "
                         f"max(a.serial) FROM {app} GROUP BY 1"))
    for table in ("customer", "certificate", "application", "material", "commitment", "stage_event"):
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"))


def build(url: str, halls: int, applications: int, *, seed: int = 5, say=print) -> dict:
    """Migrate ``url`` and fill it with the province; returns timings, sizes and counts."""
    from counter_app.infra import clock
    from counter_app.infra import schema_upgrade as schema
    from counter_app.infra.db import Database, make_engine

    started = time.perf_counter()
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    db = Database.from_url(url)
    customers = max(1, round(applications * (1 - REPEAT_SHARE)))
    clock.freeze(NOW - dt.timedelta(days=HISTORY_DAYS + 30))
    try:
        with db.write() as session:
            _halls_and_staff(session, halls)
            days = _days(session, NOW.date())
            items = _material_shapes(session)
            t = time.perf_counter()
            _people(session, customers, seed)
            say(f"  {customers:,} customers and certificates in {time.perf_counter() - t:.0f} s")
            t = time.perf_counter()
            _applications(session, applications, halls, customers, days, items)
            say(f"  {applications:,} applications with their rows in {time.perf_counter() - t:.0f} s")
    finally:
        clock.freeze(None)
    generated = time.perf_counter() - started
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")  # the steady state: autovacuum has been by
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        counts = dict(conn.execute(text(
            "SELECT 'material', count(*) FROM material UNION ALL SELECT 'stage_event', count(*) FROM stage_event "
            "UNION ALL SELECT 'multi_hall_customers', count(*) FROM (SELECT customer_id FROM application "
            "GROUP BY customer_id HAVING count(DISTINCT hall_id) > 1) m")).all())
    db.dispose()
    return {"seconds": generated, "with_vacuum": time.perf_counter() - started, "bytes": size,
            "customers": customers, **counts}


def hall_sizes(session) -> dict[int, int]:
    from sqlalchemy import func

    from counter_app.models import Application

    return dict(session.execute(select(Application.hall_id, func.count()).group_by(Application.hall_id)).all())
