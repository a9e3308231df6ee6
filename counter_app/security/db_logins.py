"""Database logins of a PostgreSQL hall (issue 14): each person signs in to the database as
themselves, PostgreSQL checks the password (scram-sha-256), and accounts change only through the
owner-defined functions of ``counter_api`` (``db_functions``), which refuse anyone but an admin or the
owner and touch counter logins of this database only.

Names: the login of account ``clerk1`` in database ``hall_a`` is ``clerk1@hall_a``; its group role
``hall_a:clerk`` (``db_policy``). Passwords never leave this PC in plain text: the SCRAM verifier is
computed here by libpq (``PGconn.encrypt_password``, which applies SASLprep) and only the verifier is
sent, so it shows in no server log. Every call runs on the caller's own session or connection.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ARRAY, Engine, Select, String, bindparam, func, select, text, union
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from counter_app.infra.errors import PermissionDenied, UserError
from counter_app.security.db_functions import COUNTER_ROLES

ROLES_WITH_LOGINS = COUNTER_ROLES  # the groups an account's login may belong to


def login_name(username: str, database: str) -> str:
    return f"{username}@{database}"


def group_role(role: str, database: str) -> str:
    return f"{database}:{role}"


def _connection(session_or_conn: Session | Connection | Engine) -> Connection:
    if isinstance(session_or_conn, Session):
        return session_or_conn.connection()
    if isinstance(session_or_conn, Engine):
        raise TypeError("pass a Session or Connection, not an Engine")
    return session_or_conn


def _require_pg(session_or_conn) -> Connection:
    conn = _connection(session_or_conn)
    if conn.dialect.name != "postgresql":
        raise UserError("数据库登录只用于 PostgreSQL；SQLite 单机版仍用程序内的账号和密码")
    return conn


def scram_verifier(session_or_conn, login: str, password: str) -> str:
    """``SCRAM-SHA-256$…`` for ``login``/``password``, computed on this PC by libpq."""
    conn = _require_pg(session_or_conn)
    pgconn = conn.connection.driver_connection.pgconn
    return pgconn.encrypt_password(password.encode(), login.encode(), b"scram-sha-256").decode()


def _call(session_or_conn, sql: str, **params) -> Any:
    return _require_pg(session_or_conn).execute(text(sql), params)


def _database(conn: Connection) -> str:
    return conn.execute(text("SELECT current_database()")).scalar_one()


def whoami(session) -> dict:
    """The caller's account (id, username, name, role, window_id, active, must_change_password,
    locked_until); PermissionDenied for a login without an active account."""
    row = _call(session, "SELECT * FROM counter_api.whoami()").mappings().first()
    if row is None or not row["active"]:
        raise PermissionDenied("用户名或密码不正确，或账号已停用、已锁定")
    return dict(row)


def create_account(session, *, username: str, name: str, role: str, window_id: int | None, password: str,
                   hall_id: int | None = None) -> int:
    """A new account and its login (admins only; an admin of a hall in that hall only); the password
    must be changed at first sign-in. ``hall_id`` None: the admin's own hall (the owner: no hall)."""
    conn = _require_pg(session)
    verifier = scram_verifier(conn, login_name(username, _database(conn)), password)
    return _call(conn, "SELECT counter_api.create_account(:u, :n, :r, :w, :v, :h)",
                 u=username, n=name, r=role, w=window_id, v=verifier, h=hall_id).scalar_one()


def update_account(session, *, username: str, name: str, role: str, window_id: int | None) -> None:
    _call(session, "SELECT counter_api.update_account(:u, :n, :r, :w)", u=username, n=name, r=role, w=window_id)


def set_active(session, username: str, active: bool) -> None:
    _call(session, "SELECT counter_api.set_active(:u, :a)", u=username, a=bool(active))


def reset_password(session, username: str, password: str) -> None:
    conn = _require_pg(session)
    verifier = scram_verifier(conn, login_name(username, _database(conn)), password)
    _call(conn, "SELECT counter_api.reset_password(:u, :v)", u=username, v=verifier)


def change_own_password(session, new_password: str) -> None:
    conn = _require_pg(session)
    login = conn.execute(text("SELECT session_user")).scalar_one()
    _call(conn, "SELECT counter_api.change_own_password(:v)", v=scram_verifier(conn, login, new_password))


def unlock(session, username: str) -> None:
    _call(session, "SELECT counter_api.unlock(:u)", u=username)


def record_sign_in(session, pc: str) -> None:
    _call(session, "SELECT counter_api.record_sign_in(:pc)", pc=pc)


# what can be looked up by a full number -> (the id returned, the column compared); the SQL function
# counter_api.find_ids does the same on PostgreSQL without the caller reading the compared column
FINDS = {
    "certificate": ("certificate", "id", "number"),
    "customer_by_certificate": ("certificate", "customer_id", "number"),
    "customer_by_mobile": ("customer", "id", "mobile"),
    "customer_by_phone": ("customer", "id", "phone"),
    "application_by_contact_mobile": ("application", "id", "contact_mobile"),
    "application_by_contact_phone": ("application", "id", "contact_phone"),
}
# The same by the last characters people remember (ID number: 6, phones: 4), read from the tail
# indexes of revision 0012; on PostgreSQL a login's view shows these columns masked.
TAIL_FINDS = {
    "customer_by_certificate_tail": ("certificate", "customer_id", "number", 6),
    "customer_by_mobile_tail": ("customer", "id", "mobile", 4),
    "application_by_contact_mobile_tail": ("application", "id", "contact_mobile", 4),
    "application_by_contact_phone_tail": ("application", "id", "contact_phone", 4),
}
# applications (of a hall, when given) whose customer's mobile ends so: customer_by_mobile_tail's
# customers, and theirs
BY_CUSTOMER = {"application_by_customer_mobile_tail": "customer_by_mobile_tail"}


def find_ids(session, what: str, values, *, hall_id: int | None = None) -> Select:
    """Ids whose ``FINDS[what]`` column equals one of ``values`` exactly (``TAIL_FINDS``: ends so;
    ``BY_CUSTOMER``: applications of the customers found so), as a selectable for ``X.id.in_(...)``
    (applications: of ``hall_id`` only, when given). On PostgreSQL through a SECURITY DEFINER
    function, so searching by a full number works for a login that sees the column masked; on SQLite
    (one PC) it reads the column."""
    values = [v for v in values if v]
    if _dialect(session) == "postgresql":
        args = [what, bindparam(f"find_{what}", values, type_=ARRAY(String), unique=True)]
        if hall_id is not None:
            args.append(bindparam(f"find_{what}_hall", hall_id, unique=True))
        found = func.counter_api.find_ids(*args).table_valued("id").render_derived()
        return select(found.c.id)
    from counter_app.models import Base
    from counter_app.models.base import last_chars

    if what in BY_CUSTOMER:
        applications = Base.metadata.tables["application"]
        in_hall = (applications.c.hall_id == hall_id,) if hall_id is not None else ()
        return select(applications.c.id).where(
            applications.c.customer_id.in_(find_ids(session, BY_CUSTOMER[what], values)), *in_hall)
    table, returned, compared, tail = (*FINDS[what], 0) if what in FINDS else TAIL_FINDS[what]
    model = Base.metadata.tables[table]
    column = model.c[compared]
    compared_value = last_chars(column, tail) if tail else column
    in_hall = (model.c.hall_id == hall_id,) if hall_id is not None and table == "application" else ()
    return select(model.c[returned]).where(compared_value.in_(values or [""]), column != "", *in_hall)


def find_customer_ids(session, number: str, *, by: str = "any") -> Select:
    """Customers whose certificate number (``by="certificate"``), mobile or phone is exactly
    ``number``; see ``find_ids``."""
    kinds = {"certificate": ["customer_by_certificate"], "mobile": ["customer_by_mobile"],
             "phone": ["customer_by_phone"],
             "any": ["customer_by_certificate", "customer_by_mobile", "customer_by_phone"]}[by]
    selects = [find_ids(session, kind, [number]) for kind in kinds]
    return selects[0] if len(selects) == 1 else union(*selects)


def _dialect(session) -> str:
    return session.get_bind().dialect.name if isinstance(session, Session) else session.dialect.name


def allow_unmasked_export(session, *, kind: str, reason: str) -> None:
    """Full values for the rest of this transaction (supervisor or exchange job; reason recorded)."""
    _call(session, "SELECT counter_api.allow_unmasked_export(:k, :r)", k=kind, r=reason)


def is_owner(session) -> bool:
    conn = _connection(session)
    if conn.dialect.name != "postgresql":
        return True  # SQLite: whoever can open the file owns it
    return bool(conn.execute(text(
        "SELECT pg_has_role(session_user, d.datdba, 'MEMBER') FROM pg_database d "
        "WHERE d.datname = current_database()")).scalar())


def create_missing_logins(owner_engine: Engine, *, database: str) -> dict[str, str]:
    """A login with a temporary password for every account that has none (owner only); each must
    change it at the next sign-in. Returns username -> temporary password, to hand out."""
    from counter_app.security.accounts import generate_password

    created: dict[str, str] = {}
    with owner_engine.begin() as conn:
        _require_pg(conn)
        if _database(conn) != database:
            raise UserError(f"连接的数据库是 {_database(conn)}，不是 {database}")
        if not is_owner(conn):
            raise PermissionDenied("只有数据库所有者可以为现有账号创建数据库登录")
        logins = set(conn.execute(text("SELECT rolname FROM pg_roles")).scalars())
        rows = conn.execute(text("SELECT username FROM public.user_account ORDER BY id")).scalars().all()
        for username in rows:
            login = login_name(username, database)
            if login in logins:
                continue
            password = generate_password()
            conn.execute(text("SELECT counter_api.create_login(:u, :v)"),
                         {"u": username, "v": scram_verifier(conn, login, password)})
            created[username] = password
    return created


def login_exists(session, username: str) -> bool:
    conn = _require_pg(session)
    return conn.execute(text("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :r)"),
                        {"r": login_name(username, _database(conn))}).scalar_one()

