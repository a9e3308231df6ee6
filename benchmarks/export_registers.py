"""(2) Registers at scale: export the 受理台账 of N applications to xlsx, time and peak memory; and
(4b) open the register view (count + first and last page) over the same database.

    python benchmarks/export_registers.py [--rows 100000] [--db URL]     (standalone)
    python benchmarks/run.py                                             (part of the suite)

Baseline: raw openpyxl write-only writing the same values from memory (the rows are read from the
database before the clock starts). Every export runs in its own child process so its peak memory is
its own: private (anonymous) resident memory, sampled every 20 ms, since SQLite reads the database
file through a memory map whose pages RSS would count."""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import NOW, PeakPrivateMemory, Result, actor, run_json, shared_sqlite

BASELINE_MEMORY_ROWS = 100_000  # the baseline holds at most this many rows and repeats them


def child(url: str, mode: str, out: str, rows: int) -> dict:
    """Runs in its own process; returns seconds and peak private memory."""
    with PeakPrivateMemory() as memory:
        result = _child_work(url, mode, out, rows)
    result["peak_mb"] = memory.mb
    return result


def _child_work(url: str, mode: str, out: str, rows: int) -> dict:
    from counter_app.infra import clock
    from counter_app.reporting import exports, registers
    from counter_app.infra.db import Database

    clock.freeze(NOW)
    db = Database.from_url(url)
    boss = actor(db, "super1")
    result: dict = {}
    if mode == "baseline":
        from openpyxl import Workbook

        with db.read() as session:
            data = registers.stream(session, boss, "register", registers.RegisterFilter(), masked=True)
            columns = [c.title for c in data.columns]
            values = list(itertools.islice(data.rows, BASELINE_MEMORY_ROWS))
        start = time.perf_counter()
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("baseline")
        ws.append(columns)
        written = 0
        while written < rows:
            for row in values[: rows - written]:
                ws.append(row)
            written += min(len(values), rows - written)
        wb.save(out)
        result = {"rows": written, "seconds": time.perf_counter() - start, "columns": len(columns)}
    elif mode == "open":
        for kind in registers.REGISTERS:
            t = time.perf_counter()
            count = registers.count(db, boss, kind, registers.RegisterFilter())
            registers.fetch(db, boss, kind, registers.RegisterFilter(), 0, 200)
            first = time.perf_counter() - t
            registers.fetch(db, boss, kind, registers.RegisterFilter(), max(count - 200, 0), 200)
            result[kind] = {"rows": count, "first_page": first, "with_last_page": time.perf_counter() - t}
    else:
        start = time.perf_counter()
        r = exports.export(db, boss, exports.ExportRequest(mode), out)
        result = {"rows": r.rows, "bytes": Path(out).stat().st_size, "seconds": time.perf_counter() - start}
    return result


def _child(url: str, mode: str, out: str, rows: int) -> dict:
    return run_json([str(Path(__file__).resolve()), "--child", mode, "--db", url, "--out", out, "--rows", str(rows)])


def run(full: bool, sizes: list[int] | None = None) -> list[Result]:
    sizes = sizes or ([10_000, 100_000, 1_000_000] if full else [10_000, 100_000])
    timed = {100_000, 1_000_000} if full else {100_000}
    results: list[Result] = []
    memory: dict[int, float] = {}
    tmp = Path(tempfile.mkdtemp(prefix="bench_registers_"))
    for size in sizes:
        url, seconds = shared_sqlite(size)
        print(f"  prepared {size:,} applications in {seconds:.0f} s", flush=True)
        export = _child(url, "register", str(tmp / "register.xlsx"), size)
        memory[size] = export["peak_mb"]
        if size in timed:
            base = _child(url, "baseline", str(tmp / "baseline.xlsx"), export["rows"])
            r = Result("2 register export", f"受理台账 {export['rows']:,} rows × {base['columns']} columns → xlsx",
                       export["seconds"], "s", base["seconds"], "openpyxl write-only, same values from memory",
                       "≤ 1.3×")
            r.met = r.ratio <= 1.3
            results.append(r)
        if size == 100_000:
            opened = _child(url, "open", "", size)
            for kind in ("register", "deferred", "warnings"):
                f = opened[kind]
                results.append(Result("4b register view", f"{kind}: count + first page of {f['rows']:,} rows",
                                      f["first_page"] * 1000, "ms", target="opens at once",
                                      notes=[f"with the last page too: {f['with_last_page'] * 1000:.0f} ms"]))
    lo, hi = min(memory), max(memory)
    growth = memory[hi] / memory[lo]
    r = Result("2 export memory", "peak private memory (RssAnon) of the export process: " +
               ", ".join(f"{n:,} rows {mb:.0f} MB" for n, mb in sorted(memory.items())),
               memory[hi], "MB", memory[lo], f"same export of {lo:,} rows", "flat (≤ 1.3×)")
    r.met = growth <= 1.3
    results.append(r)
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db")
    parser.add_argument("--child")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.db, args.child, args.out, args.rows), ensure_ascii=False))
        return
    for r in run(False, sizes=sorted({10_000, args.rows})):
        print(r)


if __name__ == "__main__":
    main()
