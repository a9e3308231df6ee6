"""(9) Across a slow link: a hall's PostgreSQL reached through a TCP proxy that adds 10 ms each way
(tests/pg_wire_proxy.py, in a process of its own; the kernel here has no netem), as a wide-area link between a counter PC and
a province's database server would. A clerk (and a supervisor for 台账 and 交接接收) signs in as the
app does (own login, masked views); timed: the acceptance save, the lookups (application number,
certificate, mobile, name + phone's last 4, the acceptance page's certificate lookup) and what each
main page reads when it opens; an edit at 受理 too. Baseline: one bare round trip through the same proxy (``SELECT 1``,
no transaction), median of the same run. The round trips each action made are counted at the wire
by the proxy and shown with it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
import sys
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import PG_SERVER, Result, pg_available

DELAY = 0.010  # seconds each way
SAMPLES = 25
CASES = 200  # applications saved before timing (the lookups find among them)


def _name(seed: int) -> str:
    return "陈" + "静敏伟芳"[seed % 4]


def _form(seed: int):
    from counter_app.acceptance.clerk_input import AcceptanceInput
    from tests.factories import resident_id

    return AcceptanceInput(
        cert_type="id_card", cert_number=resident_id(10_000 + seed), holder_name=_name(seed),
        business_type="lv_res_new", address_district="福州市鼓楼区", address_detail=f"东街{seed}号",
        contact_name="陈静", contact_mobile=f"137{seed:08d}", applied_capacity="8",
        materials={"property_proof": "deferred"})


def _timed(proxy, baseline, action) -> tuple[float, int, float, int]:
    """(median ms, round trips of one run counted at the wire, median ms of ``baseline`` run just
    before each run of ``action``, statements of that run): the load of the shared machine weighs
    on both alike."""
    proxy.delay = 0.0
    with proxy.counting() as tally:
        action()
    proxy.delay = DELAY
    times, base = [], []
    for _ in range(SAMPLES):
        if baseline is not None:
            t = time.perf_counter()
            baseline()
            base.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        action()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), tally.round_trips, statistics.median(base) if base else 0.0, tally.statements_sent


def measure() -> dict:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from counter_app.acceptance import service as acceptance
    from counter_app.acceptance.window_context import survey_day_load
    from counter_app.infra import clock
    from counter_app.reporting import registers
    from counter_app.reporting.register_filter import RegisterFilter
    from counter_app.tracking import application_search, handover
    from counter_app.tracking import warning_list as warnings
    from tests.factories import resident_id
    from tests.pg_round_trip_hall import set_up, tear_down
    from tests.pg_wire_proxy import ProxyProcess

    server = make_url(PG_SERVER)
    superuser = server.set(database="postgres").render_as_string(hide_password=False)
    database = f"bench_slow_{uuid.uuid4().hex[:8]}"
    clock.freeze(dt.datetime(2026, 11, 24, 9, 30))
    figures: dict[str, tuple[float, int, float, int]] = {}
    try:
        with ProxyProcess(server.host or "127.0.0.1", server.port or 5432) as proxy:
            h = set_up(superuser, server.host or "127.0.0.1", server.port or 5432, proxy, database)
            clerk_db, super_db = h.sign_in("clerk1"), h.sign_in("super1")
            clerk, boss = h.actor("clerk1"), h.actor("super1")
            saved = [acceptance.save(clerk_db, clerk, _form(i)) for i in range(CASES)]
            for db in (clerk_db, super_db):  # the pool warm: no connecting in the timings
                with db.engine.connect(), db.engine.connect(), db.engine.connect():
                    pass
            proxy.delay = DELAY
            bare = clerk_db.engine.execution_options(isolation_level="AUTOCOMMIT")

            def one_round_trip():
                with bare.connect() as conn:
                    conn.execute(text("SELECT 1"))

            figures["baseline"] = _timed(proxy, None, one_round_trip)

            seeds = iter(range(CASES, CASES + 10 * SAMPLES))
            figures["save"] = _timed(proxy, one_round_trip, lambda: acceptance.save(clerk_db, clerk, _form(next(seeds))))
            edited = {"version": saved[0].version, "n": 0}

            def edit_once():  # the clerk corrects the address of a case still at 受理
                edited["n"] += 1
                inp = dataclasses.replace(_form(0), address_detail=f"东街0号之{edited['n']}")
                edited["version"] = acceptance.update(clerk_db, clerk, saved[0].application_id,
                                                      edited["version"], inp).version

            figures["edit at 受理"] = _timed(proxy, one_round_trip, edit_once)
            target = saved[CASES // 2]
            for what, query in (("number", target.number), ("certificate", resident_id(10_000 + CASES // 2)),
                                ("mobile", f"137{CASES // 2:08d}"), ("name_phone", f"{_name(CASES // 2)} {CASES // 2:04d}")):
                figures[f"search {what}"] = _timed(
                    proxy, one_round_trip, lambda q=query: application_search.search(clerk_db, clerk, q))
            figures["certificate lookup"] = _timed(proxy, one_round_trip, lambda: acceptance.lookup_customer(
                clerk_db, clerk, "id_card", resident_id(10_000 + CASES // 2)))
            day = dt.date(2026, 11, 25)
            figures["page 受理"] = _timed(proxy, one_round_trip, lambda: (
                acceptance.form_defaults(clerk_db, clerk), survey_day_load(clerk_db, clerk, "城区勘查班", day)))
            figures["page 时限预警"] = _timed(proxy, one_round_trip, lambda: (
                warnings.window_choices(clerk_db), warnings.warning_list(clerk_db, clerk, window_id=clerk.window_id)))
            figures["page 交接清单"] = _timed(proxy, one_round_trip, lambda: (
                handover.pending(clerk_db, clerk), handover.batches(clerk_db, clerk)))
            today = clock.today()
            flt = RegisterFilter(date_from=today.replace(day=1), date_to=today)
            figures["page 台账"] = _timed(proxy, one_round_trip, lambda: (
                registers.filter_choices(super_db, boss), registers.first_page(super_db, boss, "register", flt, 200)))
            clerk_db.dispose()
            super_db.dispose()
            h.owner.dispose()
    finally:
        clock.freeze(None)
        tear_down(superuser, database)
    return figures


TARGETS = {"save": 5.0, "edit": 5.0, "search": 3.0, "certificate lookup": 3.0}


def run(full: bool = False) -> list[Result]:
    if not pg_available():
        print("PostgreSQL not reachable: benchmark 9 skipped")
        return []
    figures = measure()
    _base, base_trips, _, _ = figures.pop("baseline")
    out = []
    for what, (ms, trips, base, statements) in figures.items():
        limit = next((v for k, v in TARGETS.items() if what.startswith(k)), None)
        r = Result("9 slow link", f"PostgreSQL + 10 ms each way: {what} ({trips} round trip{'s' if trips != 1 else ''}, "
                   f"{statements} statement{'s' if statements != 1 else ''}), median of {SAMPLES}",
                   ms, "ms", base, f"one bare round trip (SELECT 1, {base_trips} round trip), run before each",
                   f"< {limit:g}×" if limit else "")
        if limit:
            r.met = ms / base < limit
        out.append(r)
    return out


if __name__ == "__main__":
    for result in run():
        ratio = f"{result.ratio:.2f}×" if result.ratio else ""
        print(f"{result.what}: {result.value:.1f} {result.unit} / {result.baseline:.1f} = {ratio} "
              f"{result.target} {'met' if result.met else ('' if result.met is None else 'NOT MET')}")
