"""Databases of a test's own on the shared PostgreSQL server named by COUNTER_APP_TEST_PG_URL, and
what a hall leaves in the cluster beside its database: the group roles ``<db>:clerk`` … (migration
0009) and the logins ``<name>@<db>`` (issue 14) are cluster-wide, so dropping the database alone
leaves them behind and the shared server collects them run after run. ``drop`` removes them too and
asserts that nothing of the database is left."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

PG_ENV = "COUNTER_APP_TEST_PG_URL"


def pg_base_url() -> str | None:
    return os.environ.get(PG_ENV) or None


def _server() -> Engine:
    base = pg_base_url()
    if not base:
        pytest.skip(f"{PG_ENV} not set: PostgreSQL tests skipped (CI sets it)")
    url = make_url(base)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def create(prefix: str, *, password: str | None = None) -> tuple[str, Callable[[], None]]:
    """A new empty database ``<prefix>_<random>``: its URL (``password`` put in, when given) and the
    function that drops it with its roles."""
    server = _server()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.url.set(database=name)
    if password is not None:
        url = url.set(password=password)

    def drop_it() -> None:
        try:
            drop(server, name)
        finally:
            server.dispose()

    return url.render_as_string(hide_password=False), drop_it


def roles_of(conn, name: str) -> list[str]:
    """The cluster's roles that belong to database ``name``: its groups and its accounts' logins."""
    return list(conn.execute(text(
        "SELECT rolname FROM pg_roles WHERE starts_with(rolname, :group) OR right(rolname, :n) = :login "
        "ORDER BY rolname"), {"group": f"{name}:", "login": f"@{name}", "n": len(name) + 1}).scalars())


def drop(server: Engine, name: str) -> None:
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        roles = roles_of(conn, name)
        if roles:  # the database is gone, so they own nothing and hold no grant; memberships go with them
            conn.exec_driver_sql("DROP ROLE IF EXISTS " + ", ".join(f'"{r}"' for r in roles))
        left = roles_of(conn, name)
    assert not left, f"roles of the dropped database {name} are still in the cluster: {left}"
