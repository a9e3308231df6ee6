"""Save a SQLite database of the current (released) schema into tests/schemas/, for the upgrade tests.

    PYTHONPATH=. python tools/save_schema_db.py

Run it once per release whose migrations changed the schema: the file is named after the head
revision and holds the demo hall (staff, calendar, a few dozen varied applications with prints,
handovers and stage events), so upgrading it exercises every table. Never regenerate an old file."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from counter_app.demo import generator as demo
from counter_app.infra import schema_upgrade as schema  # noqa: E402
from counter_app.infra.db import Database, make_engine  # noqa: E402

NOW = dt.datetime(2026, 11, 24, 16, 30)


def main() -> None:
    head = schema.head_revision()
    target = ROOT / "tests" / "schemas" / f"{head}.sqlite3"
    if target.exists():
        sys.exit(f"{target} exists: a released schema's database is never regenerated")
    target.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{target}"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    db = Database.from_url(url)
    demo.generate(db, demo.DemoOptions(applications=60, seed=3, now=NOW))
    db.dispose()
    with contextlib.closing(sqlite3.connect(target)) as conn:  # one self-contained, compact file in git
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("VACUUM")
    print(f"saved {target} ({target.stat().st_size // 1024} KB) at revision {head}")


if __name__ == "__main__":
    main()
