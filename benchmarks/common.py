"""Shared pieces of the benchmarks: databases of a given size, actors, timing and memory figures."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

NOW = dt.datetime(2026, 11, 24, 9, 30)
PG_SERVER = os.environ.get("COUNTER_APP_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DEMO_APPLICATIONS = 1000  # the demo hall's own variety; bulk rows top it up to the wanted size


@dataclass
class Result:
    """One line of the results table: a figure, its same-run baseline and the target on the ratio."""

    bench: str
    what: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_what: str = ""
    target: str = ""  # e.g. "≤ 1.5×" or "≤ 20 ms"
    met: bool | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if not self.baseline:
            return None
        return self.value / self.baseline


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values)


class PeakPrivateMemory:
    """Peak private (anonymous) resident memory of this process, sampled every 20 ms while in the
    ``with`` block. VmHWM would also count the database file's pages that SQLite reads through a
    memory map (infra/db.py): those are the operating system's file cache, not memory the export holds."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def _anon_kb() -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
        return 0

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak_kb = max(self.peak_kb, self._anon_kb())

    def __enter__(self) -> PeakPrivateMemory:
        self.peak_kb = self._anon_kb()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kb = max(self.peak_kb, self._anon_kb())

    @property
    def mb(self) -> float:
        return round(self.peak_kb / 1024, 1)


def run_json(args: list[str], env: dict | None = None, timeout: float = 3600) -> dict:
    """Run a child Python process; its last stdout line is JSON."""
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", **(env or {}))
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, env=full_env,
                          timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{args} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- databases -----------------------------------------------------------------------------------


def pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(_libpq(PG_SERVER), connect_timeout=3):
            return True
    except Exception:
        return False


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@contextlib.contextmanager
def fresh_pg_database(prefix: str = "bench"):
    """A new database on the local server for this benchmark, dropped afterwards."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    server = _libpq(PG_SERVER)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_SERVER.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        # the database's group roles and logins (made by db grant) are the cluster's: they go too
        from sqlalchemy import create_engine

        from tests import pg_databases

        engine = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
        try:
            pg_databases.drop(engine, name)
        finally:
            engine.dispose()


def build_database(url: str, applications: int) -> float:
    """Migrate ``url`` and fill it: the demo hall (staff, calendar, ~1,000 varied applications) plus
    bulk residential applications up to ``applications``. Returns the seconds it took."""
    from counter_app.demo import generator as demo
    from counter_app.infra import clock
    from counter_app.infra import schema_upgrade as schema
    from counter_app.infra.db import Database, make_engine
    from tests.factories import bulk_applications

    started = time.perf_counter()
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    db = Database.from_url(url)
    demo_n = min(DEMO_APPLICATIONS, applications)
    demo.generate(db, demo.DemoOptions(applications=demo_n, seed=1, now=NOW.replace(hour=16, minute=30)))
    clock.freeze(NOW)
    rest = applications - demo_n
    if rest:
        # one call: its per-day serials must not start again (numbers are unique)
        with db.write() as session:
            bulk_applications(session, rest, start=dt.datetime(2025, 11, 1), days=380, seed=7)
    with db.write() as session:
        from sqlalchemy import text

        # fixed lines for one application in ten, so the fixed-line lookup has something to find
        session.execute(text("UPDATE application SET contact_phone = '0591-' || CAST(80000000 + id AS TEXT) "
                             "WHERE id % 10 = 0 AND contact_phone = ''"))
    if db.engine.dialect.name == "postgresql":
        # the steady state of a hall's database: autovacuum has set the visibility map by then
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    # SQLite: no ANALYZE, as in a hall's file (the app never runs it); the plans must hold without it
    db.dispose()
    clock.freeze(None)
    return time.perf_counter() - started


_shared_dir: Path | None = None


def shared_sqlite(applications: int) -> tuple[str, float]:
    """(url, seconds to build) of a SQLite hall of ``applications`` shared by the benchmarks of one
    run: built once (1,000,000 rows take minutes), removed when the run ends. Users only read it
    and add audit rows."""
    global _shared_dir
    if _shared_dir is None:
        import atexit
        import shutil
        import tempfile

        _shared_dir = Path(tempfile.mkdtemp(prefix="bench_shared_db_"))
        atexit.register(shutil.rmtree, _shared_dir, True)
    path = _shared_dir / f"hall{applications}.sqlite3"
    url = f"sqlite:///{path}"
    if path.exists():
        return url, 0.0
    return url, build_database(url, applications)


def actor(db, username: str):
    """The Actor of a user of the demo hall (clerk1…4, back1, super1, admin1)."""
    from sqlalchemy import select

    from counter_app.models import CounterWindow, Hall, User
    from counter_app.security import credentials as users

    with db.read() as session:
        user = session.scalar(select(User).where(User.username == username))
        window = session.get(CounterWindow, user.window_id) if user.window_id else None
        hall_id = window.hall_id if window else session.scalar(select(Hall.id).order_by(Hall.id))
        return users.actor_for(user, hall_id=hall_id, window=window, pc="bench-pc")


def machine() -> str:
    import platform

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.1f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (f"{platform.system()} {platform.release()}, {cpu or platform.machine()}, {os.cpu_count()} cores{mem}, "
            f"Python {platform.python_version()}")
