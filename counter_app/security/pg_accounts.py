"""Account administration on PostgreSQL, where every account is a database login: the owner's
functions in ``db_logins`` create, change, disable and reset them (the caller's own connection; the
database refuses anyone but an admin), so the app never writes ``user_account`` rows or password
hashes itself there. ``accounts`` checks the permission and dispatches here; the rules a person
can fix at the field (name, role, window, password policy) are checked first, with the same texts
as on SQLite."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from counter_app.hall import hall
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import NotFound, UserError
from counter_app.models import CounterWindow, Hall, User
from counter_app.security import credentials
from counter_app.security.db_sign_in import database_name

# every column the users page shows; never password_hash (no counter role may read it)
_COLUMNS = (User.id, User.username, User.name, User.role, User.window_id, User.active,
            User.must_change_password, User.locked_until, User.last_login_at, User.created_at, User.hall_id)


def _logins(session: Session) -> set[str]:
    """Existing login roles (pg_roles is readable by everyone; no password column in it)."""
    return set(session.scalars(text("SELECT rolname FROM pg_roles WHERE rolcanlogin")))


def _rows(session: Session, *where):
    from counter_app.security.accounts import Account
    from counter_app.security.db_logins import login_name

    database = database_name(session.get_bind().url)
    numbers = dict(session.execute(select(CounterWindow.id, CounterWindow.number)).all())
    codes = dict(session.execute(select(Hall.id, Hall.code)).all())
    logins = _logins(session)
    result = []
    for row in session.execute(select(*_COLUMNS).where(*where).order_by(User.role, User.username)):
        login = login_name(row.username, database)
        result.append(Account(row.id, row.username, row.name, row.role, numbers.get(row.window_id), row.active,
                              row.must_change_password, row.locked_until, row.last_login_at, row.created_at,
                              login=login if login in logins else "", hall_code=codes.get(row.hall_id, "")))
    return result


def list_accounts(db: Database):
    with db.read() as session:
        return _rows(session)


def get_account(db: Database, username: str):
    with db.read() as session:
        found = _rows(session, User.username == username)
    if not found:
        raise NotFound(f"用户 {username} 不存在")
    return found[0]


def create_account(db: Database, username: str, *, role: str, name: str, password: str,
                   window_no: int | None = None, hall_code: str | None = None, actor: Actor | None = None):
    """In the hall ``hall_code`` (default: the admin's own; the database refuses another hall's)."""
    from counter_app.security import db_logins

    username = username.strip()
    credentials.validate_new_user(username, role, name, password)
    with db.write() as session:
        hall_id = hall.hall_by_code(session, hall_code).id if hall_code else (actor.hall_id if actor else None)
        hall_id = hall_id if hall_id is not None else hall.only_hall_id(session)
        db_logins.create_account(session, username=username, name=name.strip(), role=role,
                                 window_id=hall.window_id_of(session, window_no, hall_id), password=password,
                                 hall_id=hall_id)
    return get_account(db, username)


def update_account(db: Database, username: str, *, name: str, role: str, window_no: int | None):
    from counter_app.security import db_logins

    with db.write() as session:
        hall_id = session.scalar(select(User.hall_id).where(User.username == username))
        db_logins.update_account(session, username=username, name=name.strip(), role=role,
                                 window_id=hall.window_id_of(session, window_no, hall_id))
    return get_account(db, username)


def set_active(db: Database, actor_username: str, username: str, active: bool):
    from counter_app.security import db_logins

    account = get_account(db, username)
    if not active and username == actor_username:
        raise UserError("不能停用自己正在使用的账号")
    if account.active == active:
        raise UserError(f"用户 {username} 已经是{'启用' if active else '停用'}状态")
    with db.write() as session:
        db_logins.set_active(session, username, active)
    return get_account(db, username)


def unlock(db: Database, username: str):
    from counter_app.security import db_logins

    get_account(db, username)
    with db.write() as session:
        db_logins.unlock(session, username)
    return get_account(db, username)


def reset_password(db: Database, username: str, password: str) -> None:
    from counter_app.security import db_logins

    get_account(db, username)
    problem = credentials.password_problem(password, username)
    if problem:
        raise UserError(problem, field="password")
    with db.write() as session:
        db_logins.reset_password(session, username, password)


def create_missing_logins(db: Database) -> dict[str, str]:
    """The owner's upgrade step: a login with a temporary password for every account without one."""
    from counter_app.security import db_logins

    return dict(db_logins.create_missing_logins(db.engine, database=database_name(db.engine.url)))


def set_login_passwords(db: Database, usernames: list[str], password: str) -> None:
    """The owner gives these accounts' logins one known password that need not be changed (the demo
    hall's staff, so it signs in like a real hall). The verifier is made client-side
    (``db_logins.scram_verifier``): the plain password never reaches the server or its log."""
    from psycopg import sql

    from counter_app.security import db_logins

    if not usernames:
        return
    database = database_name(db.engine.url)
    db_logins.create_missing_logins(db.engine, database=database)
    with db.engine.begin() as conn:
        raw = conn.connection.driver_connection
        for username in usernames:
            login = db_logins.login_name(username, database)
            verifier = db_logins.scram_verifier(conn, login, password)
            raw.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(login), sql.Literal(verifier)))
        conn.execute(User.__table__.update().where(User.username.in_(usernames)).values(must_change_password=False))
