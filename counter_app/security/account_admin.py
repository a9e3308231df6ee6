"""Account administration as the users page and ``counter-app user`` call it: the permission check
(Perm.MANAGE_USERS, in the app), then the app's own accounts on SQLite (``accounts``: argon2 hashes,
one PC) or the database's logins on PostgreSQL (``pg_accounts``: the owner's functions, which the
database lets nobody but an admin call). Same arguments, results and refusal texts either way."""

from __future__ import annotations

from counter_app.infra.context import Actor
from counter_app.infra.db import Database, is_sqlite
from counter_app.security import accounts, pg_accounts
from counter_app.security.accounts import Account


def _pg(db: Database) -> bool:
    return not is_sqlite(db.engine)


def list_accounts(db: Database, actor: Actor) -> list[Account]:
    if not _pg(db):
        return accounts.list_accounts(db, actor)
    accounts.require_manage_users(db, actor)
    return pg_accounts.list_accounts(db)


def get_account(db: Database, actor: Actor, username: str) -> Account:
    if not _pg(db):
        return accounts.get_account(db, actor, username)
    accounts.require_manage_users(db, actor, username)
    return pg_accounts.get_account(db, username)


def create_account(db: Database, actor: Actor, username: str, *, role: str, name: str, password: str,
                   window_no: int | None = None, hall_code: str | None = None) -> Account:
    """``hall_code``: the hall the account works in (default: the admin's own)."""
    if not _pg(db):
        return accounts.create_account(db, actor, username, role=role, name=name, password=password,
                                       window_no=window_no, hall_code=hall_code)
    accounts.require_manage_users(db, actor, username)
    accounts.check_hall_in_reach(db, actor, hall_code)
    return pg_accounts.create_account(db, username, role=role, name=name, password=password, window_no=window_no,
                                      hall_code=hall_code, actor=actor)


def update_account(db: Database, actor: Actor, username: str, *, name: str, role: str,
                   window_no: int | None) -> Account:
    if not _pg(db):
        return accounts.update_account(db, actor, username, name=name, role=role, window_no=window_no)
    accounts.require_manage_users(db, actor, username)
    accounts.check_account_change(name, role)
    return pg_accounts.update_account(db, username, name=name, role=role, window_no=window_no)


def disable_account(db: Database, actor: Actor, username: str) -> Account:
    if not _pg(db):
        return accounts.disable_account(db, actor, username)
    accounts.require_manage_users(db, actor, username)
    return pg_accounts.set_active(db, actor.username, username, False)


def enable_account(db: Database, actor: Actor, username: str) -> Account:
    if not _pg(db):
        return accounts.enable_account(db, actor, username)
    accounts.require_manage_users(db, actor, username)
    return pg_accounts.set_active(db, actor.username, username, True)


def unlock_account(db: Database, actor: Actor, username: str) -> Account:
    if not _pg(db):
        return accounts.unlock_account(db, actor, username)
    accounts.require_manage_users(db, actor, username)
    return pg_accounts.unlock(db, username)


def reset_password(db: Database, actor: Actor, username: str, password: str | None = None) -> str:
    """A temporary password (generated when none is given) that must be changed at the next sign-in."""
    if not _pg(db):
        return accounts.reset_password(db, actor, username, password)
    accounts.require_manage_users(db, actor, username)
    password = password or accounts.generate_password()
    pg_accounts.reset_password(db, username, password)
    return password
