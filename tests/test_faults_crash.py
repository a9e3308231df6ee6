"""The process killed (kill -9) in the middle of things: an acceptance being saved, and a SQLite file
being upgraded. Nothing half-written may remain, the draft is offered again, the backup restores."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from sqlalchemy import func, select, text

from counter_app.infra import schema_upgrade as schema
from counter_app.infra.db import Database, make_engine
from counter_app.acceptance.drafts import DraftStore
from counter_app.models import Application, Customer, Material
from tests.conftest import setup_hall
from tests.factories import resident_id
from tests.ui_acceptance_helpers import make_page, no_modal_questions, wait_idle  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]

# The child fills the acceptance page, lets the draft be written, then saves; the save's transaction
# has flushed its rows when the child reports "committing" and waits there: killed at that moment.
CHILD = textwrap.dedent(
    """
    import os, sys, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    from counter_app.security import credentials as users
    from counter_app.infra.db import Database
    from counter_app.models import CounterWindow, User
    from counter_app.ui.acceptance_page import AcceptancePage
    from tests.qt_helpers import type_text

    app = QApplication([])
    db = Database.from_url(sys.argv[1])
    with db.read() as s:
        user = s.query(User).filter_by(username="clerk1").one()
        window = s.get(CounterWindow, user.window_id)
        clerk = users.actor_for(user, hall_id=window.hall_id, window=window, pc="crash-pc")
    page = AcceptancePage(db, clerk)
    page.show()
    v, e = page.view, page.editors
    type_text(v.cert_number, sys.argv[2])
    type_text(v.holder_name, "郑䶮")
    type_text(e["address_district"], "福州市台江区")
    type_text(e["address_detail"], "江滨中大道368号")
    type_text(e["contact_mobile"], "13700002222")
    page.write_draft()
    assert page.drafts.list(), "no draft written"

    @event.listens_for(Session, "before_commit")
    def hang(session):
        print("committing", flush=True)
        time.sleep(60)

    print("draft", flush=True)
    page.save()
    while True:
        app.processEvents()
        time.sleep(0.01)
    """
)


def _counts(db: Database) -> tuple[int, int, int]:
    with db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Application, Customer, Material))


def test_killed_while_saving_leaves_no_rows_and_the_draft_is_offered(qtbot, sqlite_db, frozen_now, tmp_path):
    actors = setup_hall(sqlite_db)
    before = _counts(sqlite_db)
    url = str(sqlite_db.engine.url)
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen([sys.executable, "-c", CHILD, url, resident_id(77)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(60, proc.kill)  # a child stuck before "committing" must not hang the run
    watchdog.start()
    try:
        seen = []
        for line in proc.stdout:
            seen.append(line.strip())
            if line.strip() == "committing":
                break
        assert seen[-1:] == ["committing"], (seen, proc.stderr.read() if proc.poll() is not None else "")
    finally:
        watchdog.cancel()
        proc.send_signal(signal.SIGKILL)  # kill -9 in the middle of the save's transaction
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    # THEN the database has no trace of the half-done acceptance (SQLite rolls the journal back)
    sqlite_db.dispose()
    again_db = Database.from_url(url)
    assert _counts(again_db) == before
    with again_db.read() as s:
        assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"

    # AND the next start offers the draft (the dead process's lock is stale), and it saves fine
    page = make_page(qtbot, again_db, actors["clerk1"], drafts=DraftStore())
    banner = page.view.banner
    assert banner.kind == "warning" and "郑䶮" in banner.plain
    banner.button("恢复草稿").click()
    wait_idle(qtbot)
    assert page.view.holder_name.text() == "郑䶮" and page.editors["contact_mobile"].text() == "13700002222"
    page.save()
    qtbot.waitUntil(lambda: page.view.banner.kind == "success", timeout=10_000)
    assert _counts(again_db)[0] == before[0] + 1 and DraftStore().list() == []


UPGRADE_CHILD = textwrap.dedent(
    """
    import sys, time
    from alembic import command
    from counter_app.infra import schema_upgrade as schema
    from counter_app.infra.db import make_engine

    engine = make_engine(sys.argv[1])
    def slow_upgrade(cfg, rev):
        conn = cfg.attributes["connection"]
        conn.exec_driver_sql("CREATE TABLE half_done (x INTEGER)")
        conn.exec_driver_sql("DELETE FROM number_counter")
        print("upgrading", flush=True)
        time.sleep(60)
    schema.head_revision = lambda: "0002_pretend"
    schema.command.upgrade = slow_upgrade
    schema.upgrade(engine)
    """
)


def test_killed_during_a_sqlite_upgrade_the_backup_restores(tmp_path, monkeypatch):
    path = tmp_path / "hall.sqlite3"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    schema.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO number_counter(prefix, last) VALUES ('FZGL01-20261124', 41)"))
    engine.dispose()
    backups = schema.backups_dir()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", UPGRADE_CHILD, url], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(60, proc.kill)
    watchdog.start()
    try:
        line = proc.stdout.readline().strip()
        assert line == "upgrading", proc.stderr.read()
    finally:
        watchdog.cancel()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    (backup,) = sorted(backups.glob("hall-*.sqlite3"))

    # the killed upgrade left a hot journal or WAL; either way the backup holds the pre-upgrade data
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT last FROM number_counter").fetchall() == [(41,)]
    schema.restore_sqlite(backup, path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT last FROM number_counter").fetchall() == [(41,)]
        assert not conn.execute("SELECT name FROM sqlite_master WHERE name='half_done'").fetchall()
    engine = make_engine(url)
    assert schema.upgrade(engine)[0] == schema.head_revision()  # opens normally, already at head
    engine.dispose()
