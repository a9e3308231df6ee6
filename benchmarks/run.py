"""Run every benchmark and write benchmarks/README.md.

    .venv/bin/python benchmarks/run.py            small sizes (a few minutes)
    .venv/bin/python benchmarks/run.py --full     full sizes (1,000,000 rows; 16 × 500 saves)
    .venv/bin/python benchmarks/run.py --only 1,3 some of them

Each figure comes with a baseline measured in the same run, so the ratio compares across machines.
PostgreSQL figures use COUNTER_APP_BENCH_PG_URL (default the local server's "test" database); each
benchmark creates its own database there and drops it afterwards."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import math
import shlex
import sys
import time
import traceback
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import ROOT, Result, machine

SUITE = {
    "1": ("acceptance service + document set", "benchmarks.bench_acceptance"),
    "2": ("register export (and register open)", "benchmarks.export_registers"),
    "3": ("lookup", "benchmarks.bench_lookup"),
    "4": ("window start and register view", "benchmarks.bench_window"),
    "5": ("shared database", "benchmarks.bench_shared"),
    "6": ("counter time", "benchmarks.bench_counter"),
    "7": ("installed package: size and start", "benchmarks.bench_package"),
    "8": ("supervisor overview", "benchmarks.bench_overview"),
    "9": ("slow link: round trips to PostgreSQL", "benchmarks.bench_slow_link"),
    "10": ("province: 200 halls, 300,000 (--full: 3,000,000) applications on PostgreSQL", "benchmarks.bench_province"),
}
README = ROOT / "benchmarks" / "README.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def _fmt(x: float | None, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if abs(x) >= 100:
        text = f"{x:,.0f}"
    elif abs(x) >= 10:
        text = f"{x:.1f}"
    else:
        text = f"{x:.2f}"
    return f"{text} {unit}".strip()


def table(results: list[Result]) -> str:
    lines = ["| # | What | Figure | Baseline (same run) | Ratio | Target | Met |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "—"
        base = f"{_fmt(r.baseline, r.unit)} — {r.baseline_what}" if r.baseline is not None else "—"
        met = {True: "yes", False: "**no**", None: "—"}[r.met]
        what = r.what + ("; " + "; ".join(r.notes) if r.notes else "")
        lines.append(f"| {r.bench} | {what} | {_fmt(r.value, r.unit)} | {base} | {ratio} | {r.target or '—'} | {met} |")
    return "\n".join(lines)


def _bench_key(row: str) -> str:
    """"1", "4" … of a results row ("| 4b register view | …")."""
    return row.split("|")[1].strip().split(" ")[0].rstrip("ab")


def write_readme(results: list[Result], command: str, seconds: float, failures: list[str],
                 wanted: list[str]) -> None:
    """Replace the results block; a run of some benchmarks (--only) replaces only their rows and
    keeps the others with the line saying which run they came from."""
    text = README.read_text(encoding="utf-8") if README.exists() else ""
    old_block = text.split(BEGIN, 1)[1].split(END, 1)[0] if BEGIN in text and END in text else ""
    runs = [f"Run: {dt.datetime.now():%Y-%m-%d %H:%M} · `{command}` · {seconds / 60:.1f} min"
            + (f" (benchmarks {', '.join(wanted)})" if len(wanted) < len(SUITE) else "")]
    rows = table(results).splitlines()
    if len(wanted) < len(SUITE) and old_block:
        kept = [line for line in old_block.splitlines()
                if line.startswith("| ") and not line.startswith(("| # ", "|---")) and _bench_key(line) not in wanted]
        runs += [line for line in old_block.splitlines() if line.startswith(("Run: ", "Latest run: "))][:3]
        rows = rows[:2] + sorted(kept + rows[2:], key=lambda row: int(_bench_key(row)))  # stable: each benchmark's rows keep their order
    block = "\n".join([
        BEGIN,
        *runs,
        "",
        f"Machine: {machine()}",
        "",
        *rows,
        *(["", "Failed to run: " + "; ".join(failures)] if failures else []),
        END,
    ])
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + ("\n\n" if text else "") + block + "\n"
    README.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="full sizes")
    parser.add_argument("--only", default="", help="comma-separated benchmark numbers, e.g. 1,3")
    parser.add_argument("--no-readme", action="store_true", help="print only")
    args = parser.parse_args()
    wanted = [k for k in SUITE if not args.only or k in args.only.split(",")]
    started = time.perf_counter()
    results: list[Result] = []
    failures: list[str] = []
    for key in wanted:
        title, module = SUITE[key]
        print(f"[{key}] {title} …", flush=True)
        t = time.perf_counter()
        try:
            got = importlib.import_module(module).run(args.full)
        except Exception:
            traceback.print_exc()
            failures.append(f"{key} {title}")
            continue
        for r in got:
            ratio = f" ({r.ratio:.2f}× baseline)" if r.ratio is not None else ""
            print(f"    {r.what}: {_fmt(r.value, r.unit)}{ratio} target {r.target or '—'} met {r.met}", flush=True)
        print(f"    done in {time.perf_counter() - t:.0f} s", flush=True)
        results += got
    print()
    print(table(results))
    if not args.no_readme:
        command = ".venv/bin/python benchmarks/run.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        write_readme(results, command.strip(), time.perf_counter() - started, failures, wanted)
        print(f"\nwrote {README.relative_to(ROOT)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
