"""A set-up hall copied per test: ``setup_hall`` hashes five passwords with argon2 (seconds on a busy
machine), so it runs once per session and each test gets a fresh copy of that SQLite file.

Use with ``pytest_plugins = ["tests.hall_fixtures"]`` in a test module; ``hall_db`` is
``(Database, actors)`` like ``db`` + ``actors`` of conftest, on SQLite only."""

from __future__ import annotations

import shutil

import pytest

from counter_app.infra.db import Database
from tests.conftest import _drain_background_work, setup_hall


@pytest.fixture(scope="session")
def _hall_sqlite_file(tmp_path_factory, _sqlite_template):
    path = tmp_path_factory.mktemp("hall") / "hall.sqlite3"
    shutil.copyfile(_sqlite_template, path)
    database = Database.from_url(f"sqlite:///{path}")
    actors = setup_hall(database)
    database.dispose()
    return path, actors


@pytest.fixture
def hall_db(tmp_path, _hall_sqlite_file):
    """(Database, actors) on a fresh copy of a SQLite database with the hall of ``setup_hall``."""
    source, actors = _hall_sqlite_file
    target = tmp_path / "hall.sqlite3"
    shutil.copyfile(source, target)
    database = Database.from_url(f"sqlite:///{target}")
    yield database, actors
    _drain_background_work()
    database.dispose()
