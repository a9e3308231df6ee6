"""(4) Window start: from launching the process to the main window shown (offscreen), for a demo
database; baseline: a bare QMainWindow launched the same way. And the register view opened over
100,000 applications (RegistersPage: query over the whole period, first screen painted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import ROOT, Result, build_database, median, shared_sqlite

REPEATS = 5


def child(mode: str, url: str, launched: float) -> dict:
    """Runs in the launched process: builds the window and reports when it is on screen."""
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication.instance() or QApplication([])
    if mode == "bare":
        win = QMainWindow()
        win.resize(1366, 740)
        win.show()
        app.processEvents()
        return {"seconds": time.time() - launched}
    from benchmarks.common import actor
    from counter_app.infra.db import Database

    db = Database.from_url(url)
    if mode == "main":
        from counter_app.ui.main_window import MainWindow

        win = MainWindow(db, actor(db, "clerk1"))
        win.show()
        app.processEvents()
        return {"seconds": time.time() - launched}
    from PySide6.QtCore import QDate

    from counter_app.ui.registers_page import RegistersPage

    page = RegistersPage(db, actor(db, "super1"))
    page.resize(1366, 740)
    page.show()
    app.processEvents()
    page.date_from.setDate(QDate(2024, 1, 1))
    t = time.perf_counter()
    page.query()
    page.grab()  # paints the first screen: the model fetches the rows it shows
    app.processEvents()
    return {"seconds": time.perf_counter() - t, "rows": page.model.rowCount()}


def _launch(mode: str, url: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    launched = time.time()
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", mode, url, repr(launched)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(full: bool) -> list[Result]:
    tmp = Path(tempfile.mkdtemp(prefix="bench_window_"))
    demo_url = f"sqlite:///{tmp / 'demo.sqlite3'}"
    build_database(demo_url, 1000)
    _launch("bare", demo_url), _launch("main", demo_url)  # warm the file cache
    bare = median([_launch("bare", demo_url)["seconds"] for _ in range(REPEATS)])
    main = median([_launch("main", demo_url)["seconds"] for _ in range(REPEATS)])
    r = Result("4 window start", f"process start → MainWindow shown (clerk, demo hall), median of {REPEATS}",
               main, "s", bare, "process start → bare QMainWindow shown", "≤ 1.5 s")
    r.met = main <= 1.5
    results = [r]
    size = 100_000
    big_url, _seconds = shared_sqlite(size)
    opened = _launch("registers", big_url)
    results.append(Result("4b register view", f"RegistersPage: query {opened['rows']:,} rows + first screen painted",
                          opened["seconds"] * 1000, "ms", target="opens at once (< 1 s)",
                          met=opened["seconds"] < 1.0))
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], sys.argv[3], float(sys.argv[4]))))
    else:
        for r in run(False):
            print(r)
