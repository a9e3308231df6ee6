"""Who runs a command: the command line is a person too.

PostgreSQL: ``--user NAME`` signs in as the account NAME (login ``NAME@database``, password from
COUNTER_APP_PASSWORD or a prompt); the database's grants then decide what the command may do, and
its audit stamps that login. The owner, on the server, names the owner role in the URL instead
(``postgresql://counter_owner@localhost/hall_a``; password by libpq: .pgpass, PGPASSWORD, or
COUNTER_APP_PASSWORD). No command runs as an anonymous ``system``.

SQLite (one PC, the OS account is the boundary): commands that create or change accounts ask for an
admin's name and password (not for the very first admin of an empty database); the others run as
the operating-system user, and the audit trail names that user."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from counter_app.hall import hall
from counter_app.infra import config
from counter_app.infra import schema_upgrade as schema
from counter_app.infra.context import Actor, system_actor, this_pc
from counter_app.infra.db import Database, application_name, open_checked
from counter_app.infra.errors import PermissionDenied, UserError
from counter_app.models import User
from counter_app.security import db_sign_in

ENV_PASSWORD = "COUNTER_APP_PASSWORD"

PERSON = "person"  # any signed-in account (SQLite: the OS user unless --user is given)
ADMIN = "admin"  # creates or changes accounts (SQLite: an admin's name and password)
OWNER = "owner"  # PostgreSQL: the role that owns the database (schema, grants, logins)
# ``user passwd``: the one command an account with a temporary password may run. Whoever handed the
# temporary password out knows it too, so until the person has chosen their own it proves nothing
# about who runs a command (the window asks for the change before anything else, for the same reason).
OWN_PASSWORD = "own password"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", metavar="NAME",
                        help="以该账号登录后运行（PostgreSQL 必须；密码取自环境变量 COUNTER_APP_PASSWORD，否则提示输入）")


def read_password(prompt: str) -> str:
    env = os.environ.get(ENV_PASSWORD)
    if env:
        return env
    if not sys.stdin.isatty():
        raise UserError(f"没有终端可输入密码：请在环境变量 {ENV_PASSWORD} 中提供密码")
    return getpass.getpass(prompt)


def _ask_username() -> str:
    if not sys.stdin.isatty():
        raise UserError("该命令须由管理员运行：请用 --user 管理员用户名（密码取自环境变量 COUNTER_APP_PASSWORD）")
    name = input("管理员用户名：").strip()
    if not name:
        raise UserError("没有输入管理员用户名，已取消")
    return name


def open_as(args: argparse.Namespace, need: str = PERSON, *, what: str = "",
            password: str | None = None) -> tuple[Database, Actor]:
    """The database, signed in as whoever may run this command, and the actor services get.
    ``what`` names the sub-command in a refusal (e.g. "db upgrade"); ``password`` is the --user's, when already asked.
    A --user whose password is temporary runs nothing but ``need=OWN_PASSWORD`` (``user passwd``)."""
    url = config.database_url(getattr(args, "db", None))
    if db_sign_in.is_postgres(url):
        return _postgres(args, url, need, what, password)
    return _sqlite(args, url, need, password)


# --- PostgreSQL -----------------------------------------------------------------------------------


def _postgres(args, url: str, need: str, what: str, password: str | None) -> tuple[Database, Actor]:
    parsed = make_url(url)
    username = _person_or_owner(args, parsed)
    if username:
        db, actor = _sign_in(url, username, password, need)
    else:
        db, actor = _role(url, parsed, need, what)
    try:
        if need == OWNER:
            require_owner(db, what)
        return db, actor
    except BaseException:
        db.dispose()
        raise


def _person_or_owner(args, parsed) -> str | None:
    """The --user to sign in as, or None when the URL names a database role (the owner on the server);
    refused when neither or both: no command connects as nobody in particular."""
    username = getattr(args, "user", None)
    if username and parsed.username:
        raise UserError("--user 与数据库地址中的用户名只能用其一（账号用 --user，数据库所有者写在地址中）")
    if not username and not parsed.username:
        raise UserError("PostgreSQL 上的命令须以本人账号运行：--user 用户名（密码取自环境变量 COUNTER_APP_PASSWORD，"
                        "否则提示输入）；数据库所有者在服务器上运行时把所有者写进地址，"
                        "如 postgresql://counter_owner@localhost/库名")
    return username


def open_any_schema(args: argparse.Namespace) -> Database:
    """Like ``open_as`` but for a database of any schema version and without upgrading it: ``db current``
    tells a person which version a database has, also one too old for a person to sign in to. On
    PostgreSQL it is still a person (--user, temporary password refused) or the owner named in the URL."""
    url = config.database_url(getattr(args, "db", None))
    if not db_sign_in.is_postgres(url):
        return open_checked(url)
    parsed = make_url(url)
    username = _person_or_owner(args, parsed)
    if not username:
        db = _connect_role(url, parsed)
        if not is_owner(db):
            login = db_sign_in.login_of(db)
            db.dispose()
            raise UserError(_not_the_owner(login))
        return db
    password = read_password(f"{username} 的密码：")
    db = db_sign_in.connect_as(url, db_sign_in.login_for(url, username), password,
                               app_name=application_name(window="cli"))
    try:
        if schema.current_revision(db.engine) == schema.head_revision():  # older: no account functions yet
            person = db_sign_in.whoami(db)
            _refuse_temporary(person.username, person.must_change_password, PERSON)
    except BaseException:
        db.dispose()
        raise
    return db


def _sign_in(url: str, username: str, password: str | None, need: str) -> tuple[Database, Actor]:
    password = password or read_password(f"{username} 的密码：")
    signed = db_sign_in.sign_in(url, username, password, pc=this_pc(),
                                app_name=application_name(window="cli"))
    try:
        _refuse_temporary(signed.user.username, signed.user.must_change_password, need)
    except BaseException:
        signed.db.dispose()
        raise
    return signed.db, signed.actor


def _refuse_temporary(username: str, must_change: bool, need: str) -> None:
    if must_change and need != OWN_PASSWORD:
        raise UserError(f"用户 {username} 的密码是临时密码，须先修改：请先运行 counter-app --user {username} user passwd，"
                        "改好后再运行其他命令")


def _role(url: str, parsed, need: str, what: str) -> tuple[Database, Actor]:
    """A database role named in the URL (the owner on the server)."""
    db = _connect_role(url, parsed)
    login = db_sign_in.login_of(db)
    if not is_owner(db):
        db.dispose()
        if need == OWNER:
            raise PermissionDenied(_owner_only(what, login))
        raise UserError(_not_the_owner(login))
    with db.read() as session:  # the owner belongs to no hall; with one hall, it works in that one
        hall_id = hall.only_hall_id(session) if schema.current_revision(db.engine) else None
    return db, Actor(None, login, f"数据库所有者 {login}", "admin", hall_id=hall_id, pc=this_pc())


def _connect_role(url: str, parsed) -> Database:
    """libpq finds the role's password (.pgpass, PGPASSWORD) unless COUNTER_APP_PASSWORD gives it."""
    env = os.environ.get(ENV_PASSWORD)
    if parsed.password is None and env:
        return db_sign_in.connect_as(parsed, parsed.username, env)
    return open_checked(url)


def _not_the_owner(login: str) -> str:
    return (f"数据库角色 {login} 不是该库的所有者：柜台人员请用 --user 本人账号运行命令，"
            "数据库所有者请在地址中写所有者的名字")


def is_owner(db: Database) -> bool:
    from counter_app.security import db_logins

    with db.read() as session:
        return bool(db_logins.is_owner(session))


def require_owner(db: Database, what: str = "") -> None:
    if not is_owner(db):
        raise PermissionDenied(_owner_only(what, db_sign_in.login_of(db)))


def _owner_only(what: str, login: str) -> str:
    command = f"counter-app {what}" if what else "该命令"
    return f"只有数据库所有者可以运行 {command}：请在服务器上以数据库所有者运行（当前登录 {login} 不是该库的所有者）"


# --- SQLite ---------------------------------------------------------------------------------------


def _sqlite(args, url: str, need: str, password: str | None) -> tuple[Database, Actor]:
    from counter_app.security import accounts, credentials

    db = open_checked(url)
    try:
        schema.upgrade(db.engine)  # one PC: the OS user owns the file and upgrades it (backed up first)
        username = getattr(args, "user", None)
        if need == ADMIN and not username and _has_accounts(db):
            username = _ask_username()
        if not username:
            with db.read() as session:
                return db, system_actor(hall.only_hall_id(session))
        password = password or read_password(f"{username} 的密码：")
        user = credentials.sign_in(db, username, password, pc=this_pc())
        _refuse_temporary(user.username, user.must_change_password, need)
        return db, accounts.actor_at(db, user, window_no=None, pc=this_pc())
    except BaseException:
        db.dispose()
        raise


def _has_accounts(db: Database) -> bool:
    with db.read() as session:
        return bool(session.scalar(select(func.count()).select_from(User)))
