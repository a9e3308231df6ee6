"""A hall on a scram-checking PostgreSQL cluster, reached through the counting proxy: the owner sets it
up (schema, hall, accounts), then a clerk and a supervisor sign in the way the app does
(``db_sign_in.connect_as``: their own logins, masked views, the app's engine options) with the
proxy between them and the server. Shared by tests/test_pg_round_trips.py and
benchmarks/bench_slow_link.py."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from counter_app.hall import hall as halls
from counter_app.infra import schema_upgrade as schema
from counter_app.infra.context import Actor, system_actor
from counter_app.infra.db import Database
from counter_app.security import db_logins
from counter_app.security.db_sign_in import connect_as
from tests.pg_wire_proxy import WireProxy

DB = "hall_trips"
OWNER, OWNER_PW = "trips_owner", "Own3r-Secret-pw9"
PW = "Passw0rd1x"
STAFF = [("clerk1", "clerk", "王小明", 1), ("super1", "supervisor", "赵班长", None)]


@dataclass
class Hall:
    owner: Database
    proxy: WireProxy
    hall_id: int
    windows: dict[int, int]
    ids: dict[str, int]
    database: str = DB

    def sign_in(self, username: str) -> Database:
        """The person's own Database through the proxy, as the app's sign-in makes it."""
        url = URL.create("postgresql+psycopg", host="127.0.0.1", port=self.proxy.port, database=self.database)
        return connect_as(url, f"{username}@{self.database}", PW)

    def actor(self, username: str) -> Actor:
        role = dict((u, r) for u, r, _n, _w in STAFF)[username]
        window = 1 if role == "clerk" else 3
        return Actor(self.ids[username], username, username, role, hall_id=self.hall_id,
                     window_id=self.windows[window], window_no=window, pc="trips-pc")


def owner_url(host: str, port: int, user: str = OWNER, password: str = OWNER_PW, database: str = DB) -> URL:
    return URL.create("postgresql+psycopg", username=user, password=password, host=host, port=port,
                      database=database)


def set_up(superuser_url: str, host: str, port: int, proxy: WireProxy, database: str = DB) -> Hall:
    """Create the owner, the database, the hall and the staff's logins (on a cluster of the caller's;
    on the shared trusting server the benchmark passes a database name of its own)."""
    su = create_engine(superuser_url, isolation_level="AUTOCOMMIT")
    with su.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {database}")
        for username, *_ in STAFF + [("admin1",)]:
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{username}@{database}"')
        conn.exec_driver_sql(f"DROP ROLE IF EXISTS {OWNER}")
        conn.exec_driver_sql(f"CREATE ROLE {OWNER} LOGIN CREATEROLE PASSWORD '{OWNER_PW}'")
        conn.exec_driver_sql(f"CREATE DATABASE {database} OWNER {OWNER}")
        conn.exec_driver_sql(f"GRANT pg_signal_backend TO {OWNER}")
    su.dispose()
    owner = Database(create_engine(owner_url(host, port, database=database)))
    schema.upgrade(owner.engine)
    with owner.write() as session:
        h = halls.create_hall(session, system_actor(), code="FZGL01", name="福州鼓楼供电营业厅",
                              supervision_phone="0591-87654321", address="福州市鼓楼区五四路100号",
                              phone="0591-87000000")
        windows = {w.number: w.id for w in halls.windows(session)}
        db_logins.create_account(session, username="admin1", name="管理员", role="admin", window_id=None,
                                 password=PW)
    admin = Database(create_engine(owner_url(host, port, f"admin1@{database}", PW, database)))
    ids = {}
    try:
        with admin.write() as session:
            for username, role, name, window_no in STAFF:
                ids[username] = db_logins.create_account(session, username=username, name=name, role=role,
                                                         window_id=windows.get(window_no), password=PW)
    finally:
        admin.dispose()
    return Hall(owner, proxy, h.id, windows, ids, database)


def tear_down(superuser_url: str, database: str) -> None:
    """Drop the database and the roles made for it (logins, groups, the owner)."""
    su = create_engine(superuser_url, isolation_level="AUTOCOMMIT")
    with su.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        roles = conn.exec_driver_sql(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE %(login)s OR rolname LIKE %(group)s",
            {"login": f"%@{database}", "group": f"{database}:%"}).scalars().all()
        for role in [r for r in roles if "@" in r] + [r for r in roles if "@" not in r]:
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        conn.exec_driver_sql(f"DROP ROLE IF EXISTS {OWNER}")
    su.dispose()
