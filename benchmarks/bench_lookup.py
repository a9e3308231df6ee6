"""(3) Lookup at the counter (application_search.search: the one search box) by application number,
certificate number, mobile, fixed line, name prefix, name with a phone's last 4 and an ID's last 6, in a database of N applications, on SQLite
and PostgreSQL. Baseline: a primary-key read of one application in the same database."""

from __future__ import annotations

import random
import re
import sys
import tempfile
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

SAMPLES = 60


def _queries(db, rng: random.Random) -> dict[str, list[str]]:
    from sqlalchemy import func, select

    from counter_app.models import Application, Certificate, Customer

    with db.read() as s:
        top = s.scalar(select(func.max(Application.id)))
        ids = [rng.randrange(1, top + 1) for _ in range(SAMPLES)]
        rows = s.execute(
            select(Application.number, Certificate.number, Application.contact_mobile, Customer.name)
            .join(Certificate, Certificate.id == Application.certificate_id)
            .join(Customer, Customer.id == Application.customer_id)
            .where(Application.id.in_(ids))
        ).all()
        phones = s.scalars(select(Application.contact_phone).where(Application.contact_phone != "")
                           .where(Application.id.in_([i - i % 10 for i in ids]))).all()
    return {
        "number": [r[0] for r in rows],
        "certificate": [r[1] for r in rows],
        "mobile": [r[2] for r in rows if r[2]],
        "fixed line": list(phones),
        "name prefix": [r[3][:2] for r in rows],  # two characters: ~1/480 of the customers
        "full name": [r[3] for r in rows],
        "name part + phone last 4": [f"{r[3][-1:]} {r[2][-4:]}" for r in rows if r[2]],
        "ID last 6": [r[1][-6:] for r in rows if re.fullmatch(r"\d{5}[\dX]", r[1][-6:])],
        "_ids": ids,
    }


def measure(url: str) -> dict[str, tuple[float, float]]:
    """{kind: (p50 ms, p95 ms)} for each kind of query and the primary-key baseline."""
    from counter_app.infra.db import Database
    from counter_app.models import Application
    from counter_app.tracking import application_search

    db = Database.from_url(url)
    clerk = actor(db, "clerk1")
    queries = _queries(db, random.Random(11))
    # steady state of a hall's PC: one pass of *other* random lookups first, so the indexes' upper
    # pages are in the file cache as after a morning at the counter (not the measured leaf pages)
    for kind, values in _queries(db, random.Random(12)).items():
        if kind != "_ids":
            for q in values:
                application_search.search(db, clerk, q)
    figures = {}
    ids = queries.pop("_ids")
    times = []
    for i in ids:
        t = time.perf_counter()
        with db.read() as s:
            s.get(Application, i)
        times.append((time.perf_counter() - t) * 1000)
    figures["primary key (baseline)"] = (percentile(times, 50), percentile(times, 95))
    for kind, values in queries.items():
        times = []
        for q in values:
            t = time.perf_counter()
            result = application_search.search(db, clerk, q)
            times.append((time.perf_counter() - t) * 1000)
            assert result.rows, (kind, q)
        figures[kind] = (percentile(times, 50), percentile(times, 95))
    db.dispose()
    return figures


def _results(backend: str, size: int, figures: dict) -> list[Result]:
    base50, base95 = figures.pop("primary key (baseline)")
    out = []
    for kind, (p50, p95) in figures.items():
        r = Result("3 lookup", f"{backend}, {size:,} applications: {kind} (p50 {p50:.1f} ms)", p95, "ms p95",
                   base95, f"primary-key read p95 (p50 {base50:.2f} ms)", "p95 ≤ 20 ms")
        r.met = p95 <= 20
        out.append(r)
    return out


def run(full: bool) -> list[Result]:
    size = 1_000_000 if full else 100_000
    results = []
    url, seconds = shared_sqlite(size)
    print(f"  prepared SQLite with {size:,} applications in {seconds:.0f} s", flush=True)
    results += _results("SQLite", size, measure(url))
    if pg_available():
        with fresh_pg_database("bench_lookup") as pg:
            print(f"  prepared PostgreSQL with {size:,} applications in {build_database(pg, size):.0f} s", flush=True)
            results += _results("PostgreSQL", size, measure(pg))
    else:
        results.append(Result("3 lookup", "PostgreSQL not reachable: not measured", float("nan"), ""))
    return results


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    backend = sys.argv[2] if len(sys.argv) > 2 else "both"
    tmp = Path(tempfile.mkdtemp(prefix="bench_lookup_"))
    if backend in ("both", "sqlite"):
        url = f"sqlite:///{tmp / 'hall.sqlite3'}"
        print(f"prepared in {build_database(url, size):.0f} s")
        for r in _results("SQLite", size, measure(url)):
            print(f"{r.what}: p95 {r.value:.1f} ms, baseline {r.baseline:.2f} ms")
    if backend in ("both", "pg"):
        with fresh_pg_database("bench_lookup") as pg:
            print(f"prepared in {build_database(pg, size):.0f} s")
            for r in _results("PostgreSQL", size, measure(pg)):
                print(f"{r.what}: p95 {r.value:.1f} ms, baseline {r.baseline:.2f} ms")
