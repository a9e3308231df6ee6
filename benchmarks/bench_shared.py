"""(5) Shared database: P processes (counter windows) each saving K acceptances through the
acceptance service on PostgreSQL at once: throughput, p95 latency, and every number unique and
present. Baseline: one process saving K acceptances alone."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import ROOT, Result, build_database, fresh_pg_database, percentile, pg_available


def child(url: str, worker: int, count: int, start_at: float) -> dict:
    from benchmarks.common import actor
    from counter_app.acceptance import service as acceptance
    from counter_app.acceptance.clerk_input import AcceptanceInput
    from counter_app.infra.db import Database
    from tests.factories import resident_id

    db = Database.from_url(url)
    clerk = actor(db, f"clerk{worker % 4 + 1}")
    while time.time() < start_at:  # all windows start together
        time.sleep(0.005)
    latencies, numbers = [], []
    t0 = time.perf_counter()
    for i in range(count):
        seed = 1000 + worker * count + i
        inp = AcceptanceInput(
            cert_type="id_card", cert_number=resident_id(seed, birth=dt.date(1960, 1, 1) + dt.timedelta(days=seed // 1000)),
            holder_name="陈静", cert_valid_until="2036-01-01", business_type="lv_res_new",
            address_district="福州市鼓楼区", address_detail=f"东街{seed}号", contact_name="陈静",
            contact_mobile="13700000000", applied_capacity="8", materials={"property_proof": "deferred"},
        )
        t = time.perf_counter()
        numbers.append(acceptance.save(db, clerk, inp).number)
        latencies.append(time.perf_counter() - t)
    return {"numbers": numbers, "latencies": latencies, "seconds": time.perf_counter() - t0}


def _start(url: str, worker: int, count: int, start_at: float) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child", url, str(worker), str(count),
                             repr(start_at)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env=env)


def _collect(procs) -> list[dict]:
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=3600)
        if p.returncode != 0:
            raise RuntimeError(stderr[-3000:])
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


def _verify(url: str, numbers: list[str]) -> tuple[int, int, int]:
    """(applications saved by this run in the database, duplicate numbers, numbers missing)."""
    from sqlalchemy import select

    from counter_app.infra.db import Database
    from counter_app.models import Application

    db = Database.from_url(url)
    with db.read() as s:
        stored = s.scalars(select(Application.number).where(Application.number.in_(numbers))).all()
    db.dispose()
    return len(stored), len(numbers) - len(set(numbers)), len(set(numbers) - set(stored))


def run(full: bool) -> list[Result]:
    processes, each = (16, 500) if full else (16, 50)
    if not pg_available():
        return [Result("5 shared database", "PostgreSQL not reachable: not measured", float("nan"), "")]
    with fresh_pg_database("bench_shared") as url:
        build_database(url, 200)
        [single] = _collect([_start(url, 99, each, time.time() + 1)])
        start_at = time.time() + 3
        procs = [_start(url, w, each, start_at) for w in range(processes)]
        results = _collect(procs)
        numbers = [n for r in results for n in r["numbers"]]
        latencies = [x for r in results for x in r["latencies"]]
        elapsed = max(r["seconds"] for r in results)
        stored, duplicates, missing = _verify(url, numbers + single["numbers"])
    total = processes * each
    throughput = total / elapsed
    single_throughput = each / single["seconds"]
    p95, single_p95 = percentile(latencies, 95) * 1000, percentile(single["latencies"], 95) * 1000
    ok = duplicates == 0 and missing == 0 and stored == total + each
    return [
        Result("5 shared database", f"{processes} processes × {each} acceptances on PostgreSQL: throughput",
               throughput, "saves/s", single_throughput, "one process alone", "—",
               notes=[f"{total:,} saved in {elapsed:.1f} s"]),
        Result("5 shared database", f"{processes} × {each}: p95 latency of one save", p95, "ms", single_p95,
               "p95 of one process alone", "—"),
        Result("5 shared database", f"numbers: {stored:,} stored of {total + each:,} saved, {duplicates} duplicate, "
               f"{missing} lost", float(duplicates + missing), "errors", target="0", met=ok),
    ]


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))))
    else:
        for r in run(False):
            print(r)
