"""Registers at scale: open (count + first page) and export 100,000 rows, with time and peak memory.

    python benchmarks/export_registers.py [--rows 100000] [--db URL]

Without --db a throwaway SQLite database is filled with bulk test data. Figures are printed as
ratios against same-run baselines (openpyxl write-only writing the same number of plain rows), so
they compare across machines. The export runs in a child process to measure its own peak memory."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def prepare(url: str, rows: int) -> None:
    from counter_app import clock, schema
    from counter_app.db import Database, make_engine
    from tests.conftest import setup_hall
    from tests.factories import bulk_applications

    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    db = Database.from_url(url)
    clock.freeze(dt.datetime(2026, 11, 24, 9, 30))
    setup_hall(db)
    with db.write() as session:
        bulk_applications(session, rows, start=dt.datetime(2025, 11, 1), days=380)
    db.dispose()


def child(url: str, mode: str, out: str, rows: int) -> None:
    """Runs in its own process; prints JSON with seconds and peak RSS."""
    from counter_app import clock, exports, registers
    from counter_app.context import Actor
    from counter_app.db import Database

    clock.freeze(dt.datetime(2026, 11, 24, 9, 30))
    start = time.perf_counter()
    if mode == "baseline":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("baseline")
        row = ["FZGL01-20261124-0001", dt.datetime(2026, 11, 24, 9, 30), "1号窗口", "王小明", "张三", "居民身份证",
               "350102********0012", "低压居民新装", "居民生活", 8, "kW", "220V", "鼓楼区五四路1号", "138****5678",
               "归档", dt.date(2026, 11, 30), "否", "", "", "已办结"]
        for _ in range(rows):
            ws.append(row)
        wb.save(out)
        result = {"rows": rows}
    else:
        db = Database.from_url(url)
        actor = Actor(4, "super1", "赵班长", "supervisor", hall_id=1)
        if mode == "open":
            result = {}
            for kind in registers.REGISTERS:
                t = time.perf_counter()
                count = registers.count(db, actor, kind, registers.RegisterFilter())
                registers.fetch(db, actor, kind, registers.RegisterFilter(), 0, 200)
                registers.fetch(db, actor, kind, registers.RegisterFilter(), max(count - 200, 0), 200)
                result[kind] = {"rows": count, "seconds": round(time.perf_counter() - t, 3)}
        else:
            r = exports.export(db, actor, exports.ExportRequest(mode), out)
            result = {"rows": r.rows, "bytes": Path(out).stat().st_size}
    result["seconds_total"] = round(time.perf_counter() - start, 2)
    result["peak_mb"] = peak_rss_mb()
    print(json.dumps(result, ensure_ascii=False))


def peak_rss_mb() -> float:
    """This process's peak resident memory. (ru_maxrss would include the parent's peak on Linux:
    it survives exec; VmHWM belongs to the new address space.)"""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_child(url: str, mode: str, out: str, rows: int) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", mode, "--db", url, "--out", out, "--rows", str(rows)],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db")
    parser.add_argument("--child")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    if args.child:
        child(args.db, args.child, args.out, args.rows)
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench_registers_"))
    url = args.db or f"sqlite:///{tmp / 'hall.sqlite3'}"
    if not args.db:
        t = time.perf_counter()
        prepare(url, args.rows)
        print(f"prepared {args.rows:,} applications in {time.perf_counter() - t:.1f} s")
    baseline = run_child(url, "baseline", str(tmp / "baseline.xlsx"), args.rows)
    print(f"baseline openpyxl write-only, {args.rows:,} plain rows × 20: {baseline['seconds_total']} s, "
          f"peak {baseline['peak_mb']} MB")
    opened = run_child(url, "open", "", args.rows)
    for kind, figures in opened.items():
        if isinstance(figures, dict):
            print(f"open {kind}: {figures['rows']:,} rows, count + first and last page in {figures['seconds']} s")
    for kind in ("register", "deferred", "commitments", "warnings", "workload"):
        r = run_child(url, kind, str(tmp / f"{kind}.xlsx"), args.rows)
        print(f"export {kind}: {r['rows']:,} rows in {r['seconds_total']} s "
              f"({r['seconds_total'] / baseline['seconds_total']:.2f}× baseline), "
              f"peak {r['peak_mb']} MB ({r['peak_mb'] / baseline['peak_mb']:.2f}× baseline)")
    if not args.db:
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    main()
