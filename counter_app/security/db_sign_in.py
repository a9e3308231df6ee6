"""Signing in to PostgreSQL as the person: the database checks the password (scram-sha-256) and every
connection of the app is then that person's login, so the database's own grants, policies and audit
stamping apply to whatever the client does.

A counter PC's database URL names host, port and database only (``counter_url_problem``): a URL
with a user or password would be the shared credential a counter PC must not hold. The person's
password lives in memory only, in the engine's ``do_connect`` hook (never in the URL, so it cannot
show up in ``Database.url`` or a traceback), because the pool must be able to reconnect after the
server restarts.

On SQLite (one PC) nothing here applies: ``credentials`` keeps the app's own argon2 path; the
dispatchers below (``unlock_screen``, ``change_own_password``, ``must_change_password``) pick the
path by the database's kind, so the window calls one function either way."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from counter_app.infra import clock
from counter_app.infra import schema_upgrade as schema
from counter_app.infra.context import Actor
from counter_app.infra.db import Database, application_name, driver_reason, is_sqlite, make_engine
from counter_app.infra.errors import DatabaseUnavailable, PermissionDenied, UserError
from counter_app.security import credentials

# One text for a wrong password, an unknown name, a disabled or a locked account: which of them it
# was is nobody's business at the counter (the server log and the admin's users page tell). Not the
# SQLite text (credentials.SIGN_IN_REFUSED): PostgreSQL has no lock-out after wrong passwords.
SIGN_IN_REFUSED = "用户名或密码不正确，或该账号当前不能登录；如忘记密码或账号被停用、锁定，请联系管理员"

# libpq's answers to a refused authentication: wrong password or unknown role (28P01, the server
# does not tell them apart), NOLOGIN / no pg_hba line (28000)
_AUTH_SQLSTATES = {"28P01", "28000"}
_AUTH_WORDS = ("password authentication failed", "not permitted to log in", "no pg_hba.conf entry",
               "pg_hba.conf rejects connection",
               "no password supplied")


class SignInRefused(UserError):
    """The database did not let this name and password in (or the account may not sign in now)."""


def is_postgres(url: str) -> bool:
    try:
        return make_url(url).get_backend_name() == "postgresql"
    except (ArgumentError, ValueError):  # malformed (a port that is not a number): make_engine says so
        return False


def counter_url_problem(url: str) -> str | None:
    """Why this URL must not be used at a counter PC, or None. A PostgreSQL URL there names host,
    port and database only: each person signs in with their own login."""
    if not is_postgres(url):
        return None
    parsed = make_url(url)
    if parsed.username or parsed.password:
        return ("柜台电脑的数据库地址只应写主机、端口和库名（如 postgresql://"
                f"{where(parsed)}），不应包含数据库用户名或密码：每个人用自己的账号登录。"
                "请管理员从 config.toml 或环境变量 COUNTER_APP_DATABASE_URL 中删去用户名和密码。")
    if not parsed.database:
        return "数据库地址缺少库名（如 postgresql://服务器/营业厅库名）"
    return None


def where(url: str | URL) -> str:
    """host:port/database, for messages (never a user or password)."""
    parsed = make_url(url) if isinstance(url, str) else url
    return f"{parsed.host or 'localhost'}{f':{parsed.port}' if parsed.port else ''}/{parsed.database}"


def database_name(url: str | URL) -> str:
    parsed = make_url(url) if isinstance(url, str) else url
    return parsed.database or ""


def login_for(url: str | URL, username: str) -> str:
    from counter_app.security import db_logins

    return db_logins.login_name(username, database_name(url))


# --- connections as a person ---------------------------------------------------------------------


class _Secret:
    """The signed-in person's password for the pool's reconnects; replaced after a password change."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:  # never the password, whatever prints this
        return "_Secret(***)"


_SECRETS: weakref.WeakKeyDictionary[Engine, _Secret] = weakref.WeakKeyDictionary()


def connect_as(url: str | URL, login: str, password: str, *, app_name: str | None = None) -> Database:
    """A Database whose every connection is ``login`` with ``password``, after the server accepted
    them once. SignInRefused when it did not, DatabaseUnavailable when the server cannot be reached."""
    parsed = make_url(url) if isinstance(url, str) else url
    parsed = parsed.set(username=login, password=None)
    secret = _Secret(password)
    engine = make_engine(parsed.render_as_string(hide_password=False), app_name=app_name)

    @event.listens_for(engine, "do_connect")
    def _password(_dialect, _record, _cargs, cparams) -> None:
        cparams["password"] = secret.value

    _SECRETS[engine] = secret
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, DBAPIError) as exc:
        engine.dispose()
        if _is_auth_failure(exc):
            raise SignInRefused(SIGN_IN_REFUSED) from None
        raise DatabaseUnavailable(f"无法连接数据库 {where(parsed)}：{driver_reason(exc)}") from None
    return Database(engine)


def _is_auth_failure(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) in _AUTH_SQLSTATES:
        return True
    message = str(orig).lower()
    return any(word in message for word in _AUTH_WORDS)


def login_of(db: Database) -> str:
    return db.engine.url.username or ""


def reauthenticate(db: Database, password: str) -> None:
    """Check ``password`` for the login ``db`` is signed in as, by connecting with it once."""
    check = connect_as(db.engine.url, login_of(db), password)
    check.dispose()


# --- the sign-in ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """The signed-in account as ``whoami`` returns it (what ``accounts.actor_at`` needs)."""

    id: int
    username: str
    name: str
    role: str
    window_id: int | None
    must_change_password: bool
    hall_id: int | None = None  # None: a city/province account (revision 0014)

    @classmethod
    def of(cls, me: dict) -> Person:
        return cls(int(me["id"]), me["username"], me["name"], me["role"], me.get("window_id"),
                   bool(me.get("must_change_password")), me.get("hall_id"))


@dataclass
class SignedIn:
    db: Database  # the person's own connections: hand it to the main window, dispose at logout
    user: Person
    actor: Actor


def check_schema(db: Database) -> None:
    """A person cannot upgrade the schema (only the owner can): say who must, instead of failing later."""
    current = schema.check_not_newer(db.engine)
    head = schema.head_revision()
    if current != head:
        raise UserError(f"数据库结构版本为 {current or '空库'}，本程序需要 {head}：请数据库所有者在服务器上运行 "
                        "counter-app db upgrade（README“升级营业厅”），然后再登录。")


def whoami(db: Database) -> Person:
    from counter_app.security import db_logins

    with db.read() as session:
        try:
            me = db_logins.whoami(session)
        except (PermissionDenied, UserError):
            raise SignInRefused(SIGN_IN_REFUSED) from None
    return Person.of(me)


def _may_sign_in(me: dict) -> bool:
    locked = me.get("locked_until")
    return bool(me.get("active")) and not (locked is not None and locked > clock.now())


def sign_in(url: str, username: str, password: str, *, pc: str = "", window_no: int | None = None,
            app_name: str | None = None) -> SignedIn:
    """Connect as ``username`` (login ``username@database``) and make that the session of the app.
    Every refusal by the database or by the account's state is the same SignInRefused."""
    from counter_app.security import accounts, db_logins

    username = username.strip()
    if not username or not password:
        raise SignInRefused(SIGN_IN_REFUSED)
    db = connect_as(url, login_for(url, username), password, app_name=app_name or application_name())
    try:
        check_schema(db)
        with db.write() as session:
            try:
                me = db_logins.whoami(session)
            except (PermissionDenied, UserError):
                raise SignInRefused(SIGN_IN_REFUSED) from None
            if not _may_sign_in(me):
                raise SignInRefused(SIGN_IN_REFUSED)
            db_logins.record_sign_in(session, pc)
        person = Person.of(me)
        actor = accounts.actor_at(db, person, window_no=window_no, pc=pc)
    except BaseException:
        db.dispose()
        raise
    return SignedIn(db, person, actor)


# --- what the signed-in window does, on either kind of database ----------------------------------


def unlock_screen(db: Database, actor: Actor, password: str) -> None:
    """The idle lock's password check: SQLite counts failures in the app (credentials); PostgreSQL
    checks the password itself by a fresh connection as the signed-in login."""
    if is_sqlite(db.engine):
        credentials.unlock_screen(db, actor, password)
        return
    reauthenticate(db, password)
    credentials.record_session_event(db, actor, "unlock")


def change_own_password(db: Database, actor: Actor, old: str, new: str, repeat: str | None = None) -> None:
    """The signed-in person's own password: SQLite through ``accounts`` (argon2), PostgreSQL as a
    new scram verifier for the own login (the old password checked by the server first)."""
    from counter_app.security import accounts, db_logins

    if is_sqlite(db.engine):
        accounts.change_own_password(db, actor, old, new, repeat)
        return
    if repeat is not None and new != repeat:
        raise UserError("两次输入的新密码不一致", field="repeat_password")
    try:
        reauthenticate(db, old)
    except SignInRefused:
        raise UserError("原密码不正确", field="old_password") from None
    problem = credentials.password_problem(new, actor.username)
    if problem:
        raise UserError(problem, field="new_password")
    if new == old:
        raise UserError("新密码不能与原密码相同", field="new_password")
    with db.write() as session:
        db_logins.change_own_password(session, new)
    secret = _SECRETS.get(db.engine)
    if secret is not None:
        secret.value = new  # the pool's next connection signs in with the new password


def must_change_password(db: Database, actor: Actor) -> bool:
    from counter_app.security import accounts

    if is_sqlite(db.engine):
        return accounts.must_change_password(db, actor)
    return whoami(db).must_change_password
