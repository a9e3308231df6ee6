"""What each counter group may do in a PostgreSQL hall database (issue 14), as grants, masked views and
triggers, applied by migration 0009 and again by ``counter-app db grant`` (idempotent, owner only).

It mirrors ``permissions.ROLE_PERMISSIONS`` table by table; the app's own checks still run first, the
database is the boundary behind them. What it guarantees whatever the client sends:
- ``user_account``: no counter group reads ``password_hash`` or writes the table; accounts change only
  through the ``counter_api`` functions (``db_functions``), admins only.
- ``audit_entry``, ``print_record``, ``export_record``: INSERT (and SELECT) only; who did it is stamped
  from ``session_user``.
- ``application``: no DELETE; its identity (number, hall, window, clerk, acceptance time) never
  rewritten.
- ``hall``, ``hall_setting``, windows, calendar, seal certificates: written by admins only.
- Full ID numbers and phones: the base columns are not readable by any counter group; the views of the
  same names in ``counter_api`` (first on a counter login's ``search_path``) mask them per row, except
  for a clerk's own case in hand and during an unmasked export with a recorded reason.
- Halls (issue 20): row-level security (``db_rows``) shows each login the rows of its own halls only;
  within them every role may find every case (search, progress, registers), and what differs per row
  is whether its numbers are shown in full, which the views decide.
Tables added later get nothing (no default grants) until they are added here, so nothing is silently
open; ``tests/test_pg_security_boundary.py`` fails for a table missing from ``TABLES``.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from counter_app.security import db_row_writes, db_rows
from counter_app.security.db_functions import API, API_GRANTS, COUNTER_ROLES, HELPERS, OBSOLETE, STAFF, VIEW_HELPERS
from counter_app.security.db_hall_functions import HALL_FUNCTIONS
from counter_app.security.db_logins import group_role as group

GROUPS = (STAFF, *COUNTER_ROLES)
INS, UPD, DEL = "INSERT", "UPDATE", "DELETE"
IU, IUD = (INS, UPD), (INS, UPD, DEL)

# table -> group -> privileges beyond the SELECT every counter group has (``staff``)
TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "alembic_version": {},
    "hall": {"admin": (UPD,)},
    "hall_grant": {},  # written by the owner only
    "hall_setting": {"admin": IUD},
    "counter_window": {"admin": IU},
    "counter_pc": {STAFF: IU},
    "user_account": {},  # read through counter_api.user_account, written through functions only
    "sign_in_lock": {},  # cleared by the account functions (unlock, reset, enable) only
    "calendar_override": {"admin": IUD},
    "seal_certificate": {"admin": IU},
    "stored_blob": {STAFF: (INS,)},
    "number_counter": {"clerk": IU, "backoffice": IU, "supervisor": IU, "exchange": IU},
    "customer": {"clerk": IU, "supervisor": (UPD,)},
    "certificate": {"clerk": IU},
    "material_on_file": {"clerk": IU, "backoffice": IU, "supervisor": IU},
    "application": {"clerk": IU, "backoffice": (UPD,), "supervisor": (UPD,), "exchange": (UPD,)},
    "material": {"clerk": IUD, "backoffice": IU, "supervisor": IU, "exchange": (UPD,)},
    "commitment": {"clerk": IUD, "backoffice": (UPD,), "supervisor": (UPD,), "exchange": (UPD,)},
    "stage_event": {"clerk": IU, "backoffice": IU, "supervisor": IU, "exchange": IU},  # closed with ended_at
    "survey_appointment": {"clerk": IUD, "backoffice": IUD, "supervisor": IU},
    "handover_batch": {"clerk": IU, "backoffice": (UPD,), "supervisor": (UPD,)},
    "handover_line": {"clerk": IUD, "backoffice": (UPD,), "supervisor": (UPD,)},
    "customer_confirmation": {"clerk": (INS,)},
    "service_rating": {"clerk": IU, "supervisor": (UPD,), "exchange": IU},
    "rating_follow_up": {"clerk": (INS,), "supervisor": IU, "exchange": (INS,)},  # a 差评 opens one at once
    "signed_document": {"clerk": (INS,)},
    "scan_page": {"clerk": IUD, "backoffice": (INS,), "supervisor": (INS,)},
    "blacklist_entry": {"supervisor": IU},
    "quality_card": {"supervisor": IU},  # 红黄牌: recorded, appealed and withdrawn by supervisors
    "print_record": {STAFF: (INS,)},
    "export_record": {STAFF: (INS,)},
    "audit_entry": {STAFF: (INS,)},
}

# columns holding full ID numbers / phones -> how they are masked
MASKED: dict[str, dict[str, str]] = {
    "customer": {"legal_rep_id_number": "id", "mobile": "phone", "phone": "phone"},
    "certificate": {"number": "id"},
    "application": {"contact_mobile": "phone", "contact_phone": "phone", "legal_rep_id_number": "id",
                    "agent_cert_number": "id", "agent_mobile": "phone"},
    "stored_blob": {"data": "blob"},  # scanned certificates, signed documents: no masking, no bytes
}
MASK_EXPRESSION = {"id": "counter_private.mask_id({})", "phone": "counter_private.mask_phone({})",
                   "blob": "'\\x'::bytea"}
# when a row is shown in full (t = the table's row, {unmasked} … = the caller's counter_private.viewer())
FULL_WHEN = {
    "customer": "{unmasked} OR ({clerk} AND counter_private.in_hand(t.id, {uid}, {window_id}))",
    "certificate": "{unmasked} OR ({clerk} AND counter_private.in_hand(t.customer_id, {uid}, {window_id}))",
    "application": "{unmasked} OR ({clerk} AND t.status = 'active' AND (t.clerk_id = {uid} OR t.window_id = {window_id}))",
    "stored_blob": "{unmasked} OR NOT counter_private.blob_of_a_case(t.id) "
                   "OR ({role} IN ('backoffice', 'supervisor') AND counter_private.blob_in_my_halls(t.id)) "
                   "OR counter_private.blob_open(t.id, {uid}, {window_id}, {clerk})",
}
# Each of the caller's fields as an uncorrelated subquery: the planner runs it once per query (an
# init plan) and leaves it out of the join search. Cross-joined as a function scan, the caller made
# every masked view one more relation to order: a search over four views planned 12-17 ms as a
# clerk's login against 1 ms as the owner (benchmark 10)
VIEWER = {f: f"(SELECT v.{f} FROM counter_private.viewer() AS v)"
          for f in ("unmasked", "clerk", "uid", "window_id", "role")}
# never rewritten once an application exists (the number: see counter_private.application_identity)
APPLICATION_IDENTITY = ("id", "hall_id", "window_id", "clerk_id", "accepted_at")
# stamped from session_user: table -> which identity columns it has
STAMPED = {"audit_entry": "username", "export_record": "username", "print_record": "user_id"}


def _run(conn: Connection, sql: str) -> None:
    """DDL as written (role names hold ':' which text() would take for a parameter)."""
    conn.exec_driver_sql(sql.replace("%", "%%"))


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(conn: Connection, table: str) -> list[str]:
    return list(conn.execute(text(
        "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum"), {"t": f"public.{table}"}).scalars())


def _defaults(conn: Connection, table: str) -> dict[str, str]:
    return dict(conn.execute(text(
        "SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a "
        "ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = CAST(:t AS regclass)"),
        {"t": f"public.{table}"}).all())


def ensure_roles(conn: Connection) -> None:
    """The group roles of this database (cluster-wide; created if missing, which needs CREATEROLE)."""
    database = conn.execute(text("SELECT current_database()")).scalar_one()
    existing = set(conn.execute(text("SELECT rolname FROM pg_roles WHERE rolname LIKE :p"),
                                {"p": database.replace("_", r"\_").replace("%", r"\%") + ":%"}).scalars())
    staff = group(STAFF, database)
    if staff not in existing:
        _run(conn, f"CREATE ROLE {_q(staff)} NOLOGIN")
    for role in COUNTER_ROLES:
        name = group(role, database)
        if name not in existing:
            _run(conn, f"CREATE ROLE {_q(name)} NOLOGIN IN ROLE {_q(staff)}")
        else:
            _run(conn, f"GRANT {_q(staff)} TO {_q(name)}")


def install_functions(conn: Connection) -> None:
    _run(conn, "CREATE SCHEMA IF NOT EXISTS counter_private")
    _run(conn, "CREATE SCHEMA IF NOT EXISTS counter_api")
    _run(conn,
        "CREATE TABLE IF NOT EXISTS counter_private.unmasked_grant (id bigserial PRIMARY KEY, xid xid8 NOT NULL, "
        "login text NOT NULL, kind text NOT NULL, reason text NOT NULL, at timestamp NOT NULL)")
    _run(conn, "CREATE INDEX IF NOT EXISTS ix_unmasked_grant_xid ON counter_private.unmasked_grant (xid)")
    for statement in OBSOLETE + HELPERS + HALL_FUNCTIONS + API + db_row_writes.FUNCTIONS:
        _run(conn, statement)


def _create_views(conn: Connection) -> None:
    for table, masked in MASKED.items():
        cols = _columns(conn, table)
        select = []
        for col in cols:
            kind = masked.get(col)
            if kind is None:
                select.append(f"t.{_q(col)}")
            else:
                masked_value = MASK_EXPRESSION[kind].format(f"t.{_q(col)}")
                select.append(f"CASE WHEN {FULL_WHEN[table].format(**VIEWER)} THEN t.{_q(col)} "
                              f"ELSE {masked_value} END::{_type(conn, table, col)} AS {_q(col)}")
        _run(conn, f"DROP VIEW IF EXISTS counter_api.{table}")
        _run(conn, f"CREATE VIEW counter_api.{table} AS SELECT {', '.join(select)} "
                          f"FROM public.{table} AS t{_hall_rows(table)}")
        for col, default in _defaults(conn, table).items():
            _run(conn, f"ALTER VIEW counter_api.{table} ALTER COLUMN {_q(col)} SET DEFAULT {default}")
        _run(conn,
            f"CREATE TRIGGER write_through INSTEAD OF INSERT OR UPDATE OR DELETE ON counter_api.{table} "
            f"FOR EACH ROW EXECUTE FUNCTION counter_private.write_through('public.{table}', "
            f"'{','.join(c for c, kind in masked.items() if kind != 'blob')}')")
    cols = _columns(conn, "user_account")
    select = ["NULL::varchar(200) AS password_hash" if c == "password_hash" else f"t.{_q(c)}" for c in cols]
    _run(conn, "DROP VIEW IF EXISTS counter_api.user_account")
    _run(conn, f"CREATE VIEW counter_api.user_account AS SELECT {', '.join(select)} FROM public.user_account t"
               f"{_hall_rows('user_account')}")


def _hall_rows(table: str) -> str:
    """The owner's views read past row-level security: they filter by hall themselves."""
    condition = db_rows.VIEW_CONDITION.get(table)
    return f" WHERE {condition}" if condition else ""


def _type(conn: Connection, table: str, col: str) -> str:
    return conn.execute(text(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) "
        "AND attname = :c"), {"t": f"public.{table}", "c": col}).scalar_one()


def _stamp_triggers(conn: Connection) -> None:
    for table, kind in STAMPED.items():
        _run(conn, f"DROP TRIGGER IF EXISTS stamp_identity ON public.{table}")
        _run(conn, f"CREATE TRIGGER stamp_identity BEFORE INSERT ON public.{table} FOR EACH ROW "
                          f"EXECUTE FUNCTION counter_private.stamp_identity('{kind}')")
    _run(conn, "DROP TRIGGER IF EXISTS application_identity ON public.application")
    _run(conn, "CREATE TRIGGER application_identity BEFORE UPDATE OF number ON public.application FOR EACH ROW "
               "EXECUTE FUNCTION counter_private.application_identity()")


def grant_statements(conn: Connection) -> list[str]:
    """The REVOKE/GRANT statements for this database's groups (run by the owner)."""
    database = conn.execute(text("SELECT current_database()")).scalar_one()
    g = {role: _q(group(role, database)) for role in GROUPS}
    everyone = ", ".join(g[r] for r in GROUPS)
    out = [
        f"REVOKE CONNECT, TEMPORARY ON DATABASE {_q(database)} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {_q(database)} TO {g[STAFF]}",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {everyone}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA counter_api FROM {everyone}",
        "REVOKE ALL ON ALL FUNCTIONS IN SCHEMA counter_api, counter_private FROM PUBLIC",
        "REVOKE ALL ON SCHEMA counter_private FROM PUBLIC",
        # functions created later are not callable by everyone by default (PostgreSQL's default is PUBLIC)
        "ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA public, counter_api TO {g[STAFF]}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {g[STAFF]}",
    ]
    for table, plan in TABLES.items():
        masked = MASKED.get(table, {})
        cols = _columns(conn, table)
        if table == "user_account":
            out.append(f"GRANT SELECT ON counter_api.user_account TO {g[STAFF]}")
            continue
        readable = ", ".join(_q(c) for c in cols if c not in masked)
        out.append(f"GRANT SELECT ({readable}) ON public.{table} TO {g[STAFF]}" if masked
                   else f"GRANT SELECT ON public.{table} TO {g[STAFF]}")
        if masked:
            out.append(f"GRANT SELECT ON counter_api.{table} TO {g[STAFF]}")
        for role, privileges in plan.items():
            for privilege in privileges:
                what = privilege
                if privilege == UPD and table == "application":
                    what = f"UPDATE ({', '.join(_q(c) for c in cols if c not in APPLICATION_IDENTITY)})"
                out.append(f"GRANT {what} ON public.{table} TO {g[role]}")
                if masked:
                    out.append(f"GRANT {what} ON counter_api.{table} TO {g[role]}")
    for role, functions in API_GRANTS.items():
        out.extend(f"GRANT EXECUTE ON FUNCTION counter_api.{f} TO {g[role]}" for f in functions)
    out.extend(f"GRANT EXECUTE ON FUNCTION counter_private.{f} TO {g[STAFF]}" for f in VIEW_HELPERS)
    out.extend(db_row_writes.grant_statements(g[STAFF]))
    return out


def apply(conn: Connection) -> list[str]:
    """Everything above, idempotently, as the owner: roles, functions, views, triggers, grants, and
    the database's own settings."""
    ensure_roles(conn)
    install_functions(conn)
    _create_views(conn)
    _stamp_triggers(conn)
    database = conn.execute(text("SELECT current_database()")).scalar_one()
    db_rows.apply(conn, _q(group(STAFF, database)))
    # the counter's statements are short: JIT compiling one whose estimate passed jit_above_cost (a
    # name search, by the planner's guess of how many customers a prefix matches) took 70 ms of a
    # 100 ms search at 3,000,000 applications; new sessions of this database start without it
    _run(conn, f"ALTER DATABASE {_q(database)} SET jit = off")
    statements = grant_statements(conn)
    for statement in statements:
        _run(conn, statement)
    return statements


def remove(conn: Connection) -> None:
    """Undo ``apply`` except the cluster-wide roles (logins may still belong to them)."""
    database = conn.execute(text("SELECT current_database()")).scalar_one()
    _run(conn, f"ALTER DATABASE {_q(database)} RESET jit")
    db_rows.remove(conn)
    for table in STAMPED:
        _run(conn, f"DROP TRIGGER IF EXISTS stamp_identity ON public.{table}")
    _run(conn, "DROP TRIGGER IF EXISTS application_identity ON public.application")
    _run(conn, "DROP SCHEMA IF EXISTS counter_api CASCADE")
    _run(conn, "DROP SCHEMA IF EXISTS counter_private CASCADE")
    existing = set(conn.execute(text("SELECT rolname FROM pg_roles")).scalars())
    for role in GROUPS:
        name = group(role, database)
        if name in existing:
            _run(conn, f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {_q(name)}")
            _run(conn, f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {_q(name)}")
            _run(conn, f"REVOKE ALL ON SCHEMA public FROM {_q(name)}")
            _run(conn, f"REVOKE ALL ON DATABASE {_q(database)} FROM {_q(name)}")
    _run(conn, f"GRANT CONNECT, TEMPORARY ON DATABASE {_q(database)} TO PUBLIC")
