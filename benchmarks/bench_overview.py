"""(8) The supervisor's 总览: ``supervisor_overview.build`` (five charts: per day and window, counter
time, warnings by stage, 容缺 due, business mix) for the last 30 and 90 days, in a database of N
applications, on SQLite and PostgreSQL. Baseline: ``overview.counter_figures``, the status bar's
figures the main window reads every minute."""

from __future__ import annotations

import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (
    Result,
    actor,
    build_database,
    fresh_pg_database,
    percentile,
    pg_available,
    shared_sqlite,
)

SAMPLES = 10


def _timed(fn) -> tuple[float, float]:
    fn()  # warm: the first read brings the indexes into the file cache
    times = []
    for _ in range(SAMPLES):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return percentile(times, 50), percentile(times, 95)


def measure(url: str) -> dict[str, tuple[float, float]]:
    from counter_app.infra.db import Database
    from counter_app.reporting import overview, supervisor_overview

    db = Database.from_url(url)
    boss, clerk = actor(db, "super1"), actor(db, "clerk1")
    figures = {"baseline": _timed(lambda: overview.counter_figures(db, clerk))}
    for days in (30, 90):
        figures[f"{days} days"] = _timed(lambda d=days: supervisor_overview.build(db, boss, days=d))
    db.dispose()
    return figures


def _results(backend: str, size: int, figures: dict) -> list[Result]:
    base50, base95 = figures.pop("baseline")
    out = []
    for period, (p50, p95) in figures.items():
        r = Result("8 overview", f"{backend}, {size:,} applications: 总览 of {period} (p50 {p50:.0f} ms)", p95,
                   "ms p95", base95, f"status-bar figures p95 (p50 {base50:.0f} ms)", "p95 ≤ 1,000 ms")
        r.met = p95 <= 1000
        out.append(r)
    return out


def run(full: bool) -> list[Result]:
    size = 1_000_000 if full else 100_000
    url, _seconds = shared_sqlite(size)
    results = _results("SQLite", size, measure(url))
    if pg_available():
        with fresh_pg_database("bench_overview") as pg:
            build_database(pg, size)
            results += _results("PostgreSQL", size, measure(pg))
    return results


if __name__ == "__main__":
    # python benchmarks/bench_overview.py URL SIZE: an existing database (e.g. the lookup benchmark's)
    url, size = sys.argv[1], int(sys.argv[2])
    for r in _results(url.split(":")[0], size, measure(url)):
        print(f"{r.what}: p95 {r.value:.0f} ms, baseline {r.baseline:.0f} ms")
