"""A test's own database on the shared PostgreSQL server leaves nothing in the cluster once dropped:
its group roles and its accounts' logins are cluster-wide and would pile up run after run."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from counter_app.infra import schema_upgrade as schema
from counter_app.infra.db import make_engine
from tests import pg_databases

pytestmark = pytest.mark.pg


def test_dropping_a_hall_database_drops_its_groups_and_logins():
    url, drop = pg_databases.create("counter_app_roles")
    engine = make_engine(url)
    try:
        schema.upgrade(engine)  # the group roles "<db>:clerk" …
        name = engine.url.database
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE ROLE "clerk9@{name}" LOGIN IN ROLE "{name}:clerk"')
            conn.exec_driver_sql(f'GRANT CONNECT ON DATABASE "{name}" TO "clerk9@{name}"')
            conn.commit()
            made = pg_databases.roles_of(conn, name)
        assert f"clerk9@{name}" in made and f"{name}:clerk" in made and f"{name}:staff" in made
    finally:
        engine.dispose()
        drop()  # asserts that none of them is left
    server = make_engine(pg_databases.pg_base_url())
    with server.connect() as conn:
        assert pg_databases.roles_of(conn, name) == []
        assert conn.execute(text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": name}).scalar() == 0
    server.dispose()
