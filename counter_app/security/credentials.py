"""Accounts: argon2 password hashes, password policy, sign-in with lock-out per account and PC."""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from counter_app.hall import hall as hall_mod
from counter_app.infra import clock, text_checks
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError, ValidationFailed
from counter_app.models import CounterWindow, SignInLock, User
from counter_app.security import audit, password_policy
from counter_app.security.permissions import ROLES

_hasher = PasswordHasher()

MAX_FAILED_ATTEMPTS = 5
LOCKOUT_MINUTES = 15
MIN_PASSWORD_LENGTH = 8
PC_NAME_LENGTH = 100  # sign_in_lock.pc


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, username: str = "") -> str | None:
    """The policy: 8+ characters, letters and digits, not the user name, not a common password or a
    trivial pattern (password_policy)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少需要{MIN_PASSWORD_LENGTH}位"
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return "密码需同时包含字母和数字"
    if username and username.lower() in password.lower():
        return "密码不能包含用户名"
    return password_policy.weakness(password)


def normal_username(username: str) -> str:
    """The one form of a user name, stored and looked up: user names are case-insensitive
    ("Admin1" is admin1), so a second account cannot pass for the first in the audit trail."""
    return (username or "").strip().lower()


def name_problem(name: str) -> str | None:
    """The rule for a person's name on an account (shared text check, length of ``User.name``)."""
    return text_checks.problem(text_checks.cleaned(name), "姓名", required=True,
                               max_length=text_checks.column_length(User.name))


def validate_new_user(username: str, role: str, name: str, password: str) -> None:
    errors = {}
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]{1,39}", username or ""):
        errors["username"] = "用户名应以字母开头，由2至40位字母、数字、下划线、点或横线组成"
    if role not in ROLES:
        errors["role"] = ("角色应为 clerk（受理员）、backoffice（后台）、supervisor（班长）、admin（管理员）"
                          "或 exchange（数据交换任务）之一")
    problem = name_problem(name)
    if problem:
        errors["name"] = problem
    problem = password_problem(password, username)
    if problem:
        errors["password"] = problem
    if errors:
        raise ValidationFailed(errors)


def create_user(
    session: Session,
    actor: Actor,
    username: str,
    *,
    role: str,
    name: str,
    password: str,
    window_no: int | None = None,
    must_change_password: bool = True,
    hall_id: int | None = None,
) -> User:
    """``hall_id``: the hall the account works in (default: the actor's own hall); an admin of a hall
    puts accounts in that hall only."""
    validate_new_user(username, role, name, password)
    hall_id = hall_mod.hall_for_new_account(session, actor, hall_id)
    username = normal_username(username)
    exists = session.scalar(select(func.count()).select_from(User).where(func.lower(User.username) == username))
    if exists:
        raise UserError(f"用户名 {username} 已存在（用户名不区分大小写），请换一个", field="username")
    window_id = hall_mod.window_id_of(session, window_no, hall_id)
    user = User(
        username=username,
        name=text_checks.cleaned(name),
        role=role,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
        window_id=window_id,
        hall_id=hall_id,
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user_add", "user", user.id, detail={"username": username, "role": role})
    return user


SIGN_IN_REFUSED = (
    f"用户名或密码不正确，或账号已停用、已锁定（同一台电脑连续输错 {MAX_FAILED_ATTEMPTS} 次，"
    f"该账号在本机暂停登录 {LOCKOUT_MINUTES} 分钟，管理员可提前解锁）"
)


@functools.cache
def _dummy_hash(params: tuple[int, int, int]) -> str:
    """A hash to verify against when there is no account to check: an unknown, disabled or locked
    account costs the same argon2 work as a wrong password, so timing does not tell them apart.
    Cached per cost ``params``: a hasher with other costs (the tests' fast one) gets its own."""
    return _hasher.hash(secrets.token_hex(16))


def _verify_or_pretend(password_hash: str | None, password: str) -> bool:
    """One argon2 verification whatever the case; True only for a real hash that matches."""
    if password_hash is None:
        verify_password(_dummy_hash((_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism)), password)
        return False
    return verify_password(password_hash, password)


def _count_attempt(session: Session, user_id: int, pc: str, now: dt.datetime) -> int:
    """Count one attempt for (account, PC) in a single statement and return the count so far.

    Counted before the password is checked, and atomically (INSERT … ON CONFLICT DO UPDATE …
    RETURNING; the row lock makes parallel attempts queue), so that 32 parallel wrong passwords get
    exactly MAX_FAILED_ATTEMPTS checks: the attempt that reaches the limit sets the lock at once
    (lifted again if that very attempt has the right password), later ones are refused unchecked.
    An expired lock starts the count afresh."""
    t = SignInLock.__table__
    until = sa.literal(now + dt.timedelta(minutes=LOCKOUT_MINUTES), t.c.locked_until.type)
    expired = sa.and_(t.c.locked_until.is_not(None), t.c.locked_until <= sa.literal(now, t.c.locked_until.type))
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    stmt = insert(t).values(user_id=user_id, pc=pc, failures=1, locked_until=None)
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.c.user_id, t.c.pc],
        set_={
            "failures": sa.case((expired, 1), else_=t.c.failures + 1),
            "locked_until": sa.case(
                (expired, None),
                (t.c.failures + 1 >= MAX_FAILED_ATTEMPTS, sa.func.coalesce(t.c.locked_until, until)),
                else_=None,
            ),
        },
    ).returning(t.c.failures)
    return session.execute(stmt).scalar_one()


def clear_locks(session: Session, user_id: int) -> int:
    """Lift the lock-outs and failure counts of an account on every PC; how many PCs had one."""
    return session.execute(sa.delete(SignInLock).where(SignInLock.user_id == user_id)).rowcount or 0


def locked_until(session: Session, user_id: int, now: dt.datetime | None = None) -> dt.datetime | None:
    """Until when the account is locked on at least one PC (the latest), or None."""
    return session.scalar(
        select(func.max(SignInLock.locked_until))
        .where(SignInLock.user_id == user_id, SignInLock.locked_until > (now or clock.now()))
    )


def authenticate(
    session: Session, username: str, password: str, *, pc: str = "", window_no: int | None = None
) -> User:
    """Check a sign-in; count failures per account and PC and lock it there for a while after too many.

    The failure counter and the audit entries are written to ``session`` before ``UserError`` is
    raised: the caller must commit them anyway (``sign_in`` does)."""
    return _check_password(session, username, password, pc=pc, window_no=window_no,
                           success="login", failure="login_failed")


def _check_password(
    session: Session, username: str, password: str, *, pc: str, window_no: int | None,
    success: str, failure: str,
) -> User:
    """Unknown, disabled, locked and wrong-password accounts get the same message after the same
    argon2 work; only the audit trail (for the admins) says which it was."""
    now = clock.now()
    pc = (pc or "")[:PC_NAME_LENGTH]
    user = session.scalar(select(User).where(User.username == username))
    refusal = "unknown user" if user is None else "disabled" if not user.active else ""
    if not refusal and _count_attempt(session, user.id, pc, now) > MAX_FAILED_ATTEMPTS:
        refusal = "locked"
    if not _verify_or_pretend(None if refusal else user.password_hash, password):
        if user is None:
            who = Actor(None, username, "", "", window_no=window_no, pc=pc)
        else:
            who = Actor(user.id, user.username, user.name, user.role, hall_id=user.hall_id, window_no=window_no, pc=pc)
        audit.record(session, who, failure, "user", user.id if user else "",
                     detail=refusal or "bad password", outcome="refused")
        raise UserError(SIGN_IN_REFUSED)
    session.execute(sa.delete(SignInLock).where(SignInLock.user_id == user.id, SignInLock.pc == pc))
    if success == "login":
        user.last_login_at = now
    # the entry belongs to the account's hall (its staff read it; on PostgreSQL record_sign_in does the same)
    who = Actor(user.id, user.username, user.name, user.role, hall_id=user.hall_id, window_no=window_no, pc=pc)
    audit.record(session, who, success, "user", user.id)
    return user


def sign_in(db: Database, username: str, password: str, *, pc: str = "", window_no: int | None = None) -> User:
    """``authenticate`` in its own transaction that is committed even when the sign-in is refused,
    so failed attempts count towards the lock-out and stay in the audit log."""
    return _committed_check(db, lambda s: authenticate(s, normal_username(username), password, pc=pc,
                                                       window_no=window_no))


def unlock_screen(db: Database, actor: Actor, password: str) -> User:
    """The idle-locked window asks the signed-in user's password again; failures count like a sign-in."""
    return _committed_check(db, lambda s: _check_password(
        s, actor.username, password, pc=actor.pc, window_no=actor.window_no,
        success="unlock", failure="unlock_failed"))


def _committed_check(db: Database, check) -> User:
    refused: UserError | None = None
    user = None
    with db.write() as session:
        try:
            user = check(session)
        except UserError as exc:  # keep the counter and the audit entry: commit, then refuse
            refused = exc
    if refused is not None:
        raise refused
    return user


def record_session_event(db: Database, actor: Actor, action: str, *, detail: str = "") -> None:
    """``logout`` or ``lock``: an audit entry of its own (the screen locks even if it cannot be written)."""
    with db.write() as session:
        audit.record(session, actor, action, "user", actor.user_id or "", detail=detail)


def change_password(session: Session, actor: Actor, user: User, old: str, new: str) -> None:
    if not verify_password(user.password_hash, old):
        raise UserError("原密码不正确", field="old_password")
    problem = password_problem(new, user.username)
    if problem:
        raise UserError(problem, field="new_password")
    if verify_password(user.password_hash, new):
        raise UserError("新密码不能与原密码相同", field="new_password")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_changed_at = clock.now()
    audit.record(session, actor, "password_change", "user", user.id)


def actor_for(user: User, *, hall_id: int | None, window: CounterWindow | None, pc: str,
              hall_grants: tuple[int, ...] = ()) -> Actor:
    return Actor(
        user.id, user.username, user.name, user.role, hall_id=hall_id,
        window_id=window.id if window else None, window_no=window.number if window else None, pc=pc,
        hall_grants=tuple(hall_grants),
    )
