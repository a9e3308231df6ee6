"""Shared fixtures: a migrated database per test on SQLite, and on PostgreSQL when
COUNTER_APP_TEST_PG_URL is set (CI sets it; there the PostgreSQL tests must run, not skip)."""

from __future__ import annotations

import contextlib
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import datetime as dt
import shutil
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

from counter_app.hall import hall
from counter_app.infra import clock
from counter_app.infra import schema_upgrade as schema
from counter_app.infra.context import Actor, system_actor
from counter_app.infra.db import Database, make_engine
from counter_app.security import credentials as users
from tests import pg_databases
from tests.startup_support import app_state, flows, pc_settings  # noqa: F401  (fixtures for every module)

FROZEN_NOW = dt.datetime(2026, 11, 24, 9, 30, 0)


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory, monkeypatch):
    """Keep every test's drafts, backups and config out of the real user data dir."""
    monkeypatch.setenv("COUNTER_APP_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.delenv("COUNTER_APP_DATABASE_URL", raising=False)


CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@contextlib.contextmanager
def cheap_password_hashing():
    """argon2 at production cost takes ~0.35 s per hash and dominates set-up. Inside this block the
    hashes are still real argon2id and verify the same way (the parameters travel inside each hash),
    only cheap to make. Fixtures wider than one test (module, session) use it directly."""
    saved, users._hasher = users._hasher, CHEAP_HASHER
    try:
        yield
    finally:
        users._hasher = saved


@pytest.fixture(autouse=True)
def _cheap_password_hashing(request):
    """Every test hashes cheaply; tests marked ``real_hash`` keep the production parameters."""
    if "real_hash" in request.keywords:
        yield
        return
    with cheap_password_hashing():
        yield


def _qt_running() -> bool:
    if "PySide6.QtWidgets" not in sys.modules:
        return False
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() is not None


def _drain_background_work() -> None:
    """A background task still running against a database must finish before the database goes."""
    if _qt_running():
        from tests import qt_hygiene

        qt_hygiene.drain_background()


@pytest.fixture(autouse=True)
def _qt_objects_die_with_their_test(request, qapp):
    """See tests/qt_hygiene.py: the test's background work, modal pollers and widgets end with it.
    Python's cycle collector runs on the GUI thread only (counter_app.ui.kit.gui_gc), as in the app."""
    from counter_app.ui.kit import gui_gc

    gui_gc.install(qapp)
    yield
    if _qt_running():
        from tests import qt_hygiene

        problems = qt_hygiene.settle()
        if problems:
            pytest.fail(f"{request.node.nodeid} left Qt work behind: {'; '.join(problems)}", pytrace=False)


@pytest.fixture(autouse=True)
def _clock_not_left_frozen(request):
    """A test that freezes ``counter_app.infra.clock`` must unfreeze it: a frozen clock leaking into the
    next test makes that test pass or fail by the order the tests run in. Module- and class-scoped
    freezes are checked when their scope ends (``pytest_runtest_teardown`` below)."""
    before = clock._frozen
    yield
    after = clock._frozen
    if after != before:
        clock.freeze(before)
        pytest.fail(f"{request.node.nodeid} left counter_app.infra.clock frozen at {after} (was {before}): "
                    "unfreeze with clock.freeze(None) or use the frozen_now fixture", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    result = yield
    if nextitem is None or nextitem.module is not item.module:
        if clock._frozen is not None:
            moment = clock._frozen
            clock.freeze(None)
            raise AssertionError(f"module {item.module.__name__} left counter_app.infra.clock frozen at {moment}")
    return result


@pytest.fixture
def frozen_now():
    previous = clock._frozen  # a module may run in a frozen world of its own (tests/test_demo.py)
    clock.freeze(FROZEN_NOW)
    yield FROZEN_NOW
    clock.freeze(previous)


# --- SQLite ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def sqlite_url(tmp_path, _sqlite_template) -> str:
    path = tmp_path / "hall.sqlite3"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


# --- PostgreSQL -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _pg_database():
    """A throwaway database (migrated once) on the server named by COUNTER_APP_TEST_PG_URL; dropped at
    the end with its group roles and logins."""
    test_url, drop = pg_databases.create("counter_app_test")
    engine = make_engine(test_url)
    schema.upgrade(engine)
    engine.dispose()
    yield test_url
    drop()


@pytest.fixture
def pg_url(_pg_database) -> str:
    engine = create_engine(_pg_database)
    with engine.begin() as conn:
        tables = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'")
        ).scalars().all()
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()
    return _pg_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request) -> str:
    """Runs the test on SQLite and on PostgreSQL."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


def _opened(url: str):
    """The database for one test; its background work ends before the connections close."""
    database = Database.from_url(url)
    yield database
    _drain_background_work()
    database.dispose()


@pytest.fixture
def db(db_url):
    yield from _opened(db_url)


@pytest.fixture
def sqlite_db(sqlite_url):
    yield from _opened(sqlite_url)


# --- a set-up hall with one user per role ---------------------------------------------------------

PASSWORD = "Passw0rd1"


def setup_hall(database: Database) -> dict[str, Actor]:
    """Hall FZGL01 with 4 windows and users clerk1 (window 1), clerk2 (window 2), back1, super1, admin1."""
    with database.write() as session:
        h = hall.create_hall(session, system_actor(), code="FZGL01", name="福州鼓楼供电营业厅",
                             supervision_phone="0591-87654321", address="福州市鼓楼区五四路100号",
                             phone="0591-87000000")
        win = {w.number: w for w in hall.windows(session)}
        spec = [("clerk1", "clerk", "王小明", 1), ("clerk2", "clerk", "李芳", 2),
                ("back1", "backoffice", "陈后台", None), ("super1", "supervisor", "赵班长", None),
                ("admin1", "admin", "管理员", None)]
        actors = {}
        for username, role, name, window_no in spec:
            user = users.create_user(session, system_actor(h.id), username, role=role, name=name,
                                     password=PASSWORD, window_no=window_no, must_change_password=False)
            window = win.get(window_no) if window_no else win[1]
            actors[username] = users.actor_for(user, hall_id=h.id, window=window, pc="test-pc")
    return actors


@pytest.fixture
def actors(db) -> dict[str, Actor]:
    return setup_hall(db)


@pytest.fixture(scope="session")
def _hall_sqlite_file(tmp_path_factory, _sqlite_template):
    """The hall of ``setup_hall`` once per session; each ``hall_db`` gets a copy of the file."""
    path = tmp_path_factory.mktemp("hall") / "hall.sqlite3"
    shutil.copyfile(_sqlite_template, path)
    database = Database.from_url(f"sqlite:///{path}")
    with cheap_password_hashing():  # session scope: set up before any test's autouse fixture
        actors = setup_hall(database)
    database.dispose()
    return path, actors


def hall_copy(hall_file: tuple[Path, dict[str, Actor]], folder: Path) -> tuple[Database, dict[str, Actor]]:
    """A database on a copy of the session's hall file (``_hall_sqlite_file``) in ``folder``, and its actors."""
    source, actors = hall_file
    target = folder / "hall.sqlite3"
    shutil.copyfile(source, target)
    return Database.from_url(f"sqlite:///{target}"), actors


@pytest.fixture
def hall_db(tmp_path, _hall_sqlite_file):
    """(Database, actors) on a fresh copy of a SQLite database with the hall of ``setup_hall``: the
    ``db`` + ``actors`` pair without PostgreSQL, for tests that need a hall and nothing else."""
    database, actors = hall_copy(_hall_sqlite_file, tmp_path)
    yield database, actors
    _drain_background_work()
    database.dispose()
