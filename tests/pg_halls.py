"""Several halls in one database of the throwaway scram-sha-256 cluster (tests/pg_cluster), as the
PostgreSQL tests of issue 20 set them up: a login's URL, a plain psycopg connection as a person, and
the owner's database upgraded with the halls made."""

from __future__ import annotations

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from counter_app.hall import hall as halls
from counter_app.infra import schema_upgrade as schema
from counter_app.infra.context import system_actor
from counter_app.infra.db import Database


def url(cluster, database: str, user: str | None = None, password: str | None = None) -> URL:
    return URL.create("postgresql+psycopg", username=user, password=password, host="127.0.0.1",
                      port=cluster.port, database=database)


def connect(cluster, database: str, username: str, password: str) -> psycopg.Connection:
    """Plain psycopg as the person's own login ``username@database``."""
    return psycopg.connect(host="127.0.0.1", port=cluster.port, dbname=database, user=f"{username}@{database}",
                           password=password, autocommit=True, connect_timeout=5)


def owner_with_halls(cluster, database: str, owner: str, owner_password: str, codes: dict[str, str],
                     windows: int = 2) -> tuple[Database, dict[str, int], dict[str, dict[int, int]]]:
    """(the owner's Database, hall id by key, {key: {window number: window id}}) of a new database
    owned by ``owner``, at the current schema, with a hall for each code of ``codes`` (key -> code)."""
    cluster.owned_database(database, owner, owner_password)
    db = Database(create_engine(url(cluster, database, owner, owner_password)))
    schema.upgrade(db.engine)
    hall_ids, window_ids = {}, {}
    with db.write() as session:
        for key, code in codes.items():
            h = halls.create_hall(session, system_actor(), code=code, name=f"{code}营业厅",
                                  supervision_phone="0591-87654321", windows=windows)
            hall_ids[key] = h.id
            window_ids[key] = {w.number: w.id for w in halls.windows(session, h.id)}
    return db, hall_ids, window_ids
