"""Account administration and the first start.

Everything here but ``first_start`` and ``change_own_password`` needs Perm.MANAGE_USERS (checked
here, not only in the window). Accounts are never deleted: the audit trail refers to them; an admin
disables them instead. Every change is an audit entry."""

from __future__ import annotations

import datetime as dt
import secrets
import string
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.hall import hall
from counter_app.infra import clock, text_checks
from counter_app.infra.context import Actor, this_pc
from counter_app.infra.db import Database
from counter_app.infra.errors import NotFound, UserError, ValidationFailed
from counter_app.models import CounterWindow, Hall, HallGrant, User
from counter_app.security import audit
from counter_app.security import credentials as users
from counter_app.security.db_functions import LAST_ADMIN, LAST_ADMIN_NO_HALL
from counter_app.security.permissions import ROLES, Perm, require

MAX_WINDOWS = hall.MAX_WINDOWS


@dataclass(frozen=True)
class Account:
    """One account as the users page and ``counter-app user list`` show it."""

    id: int
    username: str
    name: str
    role: str
    window_no: int | None
    active: bool
    must_change_password: bool
    locked_until: dt.datetime | None
    last_login_at: dt.datetime | None
    created_at: dt.datetime
    login: str = ""  # PostgreSQL: the account's database login ("" while it has none); SQLite: ""
    hall_code: str = ""  # the hall the account works in ("" for a city/province account)

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    def is_locked(self, now: dt.datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or clock.now())

    def status_label(self, now: dt.datetime | None = None) -> str:
        if not self.active:
            return "已停用"
        if self.is_locked(now):
            return f"已锁定（至 {self.locked_until:%H:%M}）"
        if self.must_change_password:
            return "待修改初始密码"
        return "正常"


def _account(session: Session, user: User) -> Account:
    window_no = None
    if user.window_id is not None:
        window_no = session.scalar(select(CounterWindow.number).where(CounterWindow.id == user.window_id))
    hall_code = session.scalar(select(Hall.code).where(Hall.id == user.hall_id)) if user.hall_id else ""
    return Account(user.id, user.username, user.name, user.role, window_no, user.active,
                   user.must_change_password, users.locked_until(session, user.id), user.last_login_at,
                   user.created_at, hall_code=hall_code or "")


def in_reach(actor: Actor):
    """The accounts ``actor`` manages: those of its hall (every account for an actor without a hall)."""
    return User.hall_id == actor.hall_id if actor.hall_id is not None else sa.true()


def _user(session: Session, username: str, actor: Actor) -> User:
    user = session.scalar(select(User).where(User.username == users.normal_username(username), in_reach(actor)))
    if user is None:
        raise NotFound(f"用户 {username} 不存在")
    return user


def _same_hall(hall_id: int | None):
    return User.hall_id == hall_id if hall_id is not None else User.hall_id.is_(None)


def _active_admins(session: Session, hall_id: int | None) -> int:
    """Active admins of hall ``hall_id`` (None: of no hall, the city/province admins)."""
    return session.scalar(
        select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True), _same_hall(hall_id))
    ) or 0


def _check_not_last_admin(session: Session, user: User, what: str, field: str | None = None) -> None:
    """Each hall keeps an active admin (and the admins of no hall keep one among them): the same rule
    as ``counter_private.active_admins`` on PostgreSQL, with the same text."""
    if user.role != "admin" or not user.active or _active_admins(session, user.hall_id) > 1:
        return
    h = session.get(Hall, user.hall_id) if user.hall_id is not None else None
    message = (LAST_ADMIN.format(hall=h.name, code=h.code, what=what) if h is not None
               else LAST_ADMIN_NO_HALL.format(what=what))
    raise UserError(message, field=field)


def _manage(db: Database, actor: Actor, username: str = "") -> None:
    require(db, actor, Perm.MANAGE_USERS, target_type="user", target_id=username)


require_manage_users = _manage  # account_admin checks the same permission before the database's logins


def check_account_change(name: str, role: str) -> None:
    errors = {}
    problem = users.name_problem(name)
    if problem:
        errors["name"] = problem
    if role not in ROLES:
        errors["role"] = "请选择角色"
    if errors:
        raise ValidationFailed(errors)


# --- listing --------------------------------------------------------------------------------------


def list_accounts(db: Database, actor: Actor) -> list[Account]:
    _manage(db, actor)
    with db.read() as session:
        return [_account(session, u) for u in
                session.scalars(select(User).where(in_reach(actor)).order_by(User.role, User.username))]


def get_account(db: Database, actor: Actor, username: str) -> Account:
    _manage(db, actor, username)
    with db.read() as session:
        return _account(session, _user(session, username, actor))


# --- changes --------------------------------------------------------------------------------------


def create_account(
    db: Database, actor: Actor, username: str, *, role: str, name: str, password: str,
    window_no: int | None = None, hall_code: str | None = None, temporary: bool = True,
) -> Account:
    """A new account whose initial password must be changed at the first sign-in (``temporary``):
    whoever set it knows it. Not temporary only for the first admin of an empty SQLite database,
    who typed their own (``counter-app user add`` with no account yet). In the hall ``hall_code``
    (default: the admin's own)."""
    _manage(db, actor, username)
    with db.write() as session:
        hall_id = hall.hall_by_code(session, hall_code).id if hall_code else None
        user = users.create_user(session, actor, username.strip(), role=role, name=name, password=password,
                                 window_no=window_no, must_change_password=temporary, hall_id=hall_id)
        return _account(session, user)


def update_account(
    db: Database, actor: Actor, username: str, *, name: str, role: str, window_no: int | None
) -> Account:
    """Change name, role and default window; the last active admin keeps the admin role."""
    _manage(db, actor, username)
    check_account_change(name, role)
    with db.write() as session:
        user = _user(session, username, actor)
        if role != "admin":
            _check_not_last_admin(session, user, "改为其他角色", field="role")
        window_id = hall.window_id_of(session, window_no, user.hall_id)
        old = {"name": user.name, "role": user.role, "window_id": user.window_id}
        user.name, user.role, user.window_id = text_checks.cleaned(name), role, window_id
        new = {"name": user.name, "role": user.role, "window_id": user.window_id}
        changed = {k: {"old": old[k], "new": new[k]} for k in old if old[k] != new[k]}
        if changed:
            audit.record(session, actor, "user_change", "user", user.id, detail={"username": username, **changed})
        return _account(session, user)


def disable_account(db: Database, actor: Actor, username: str) -> Account:
    """The account can no longer sign in; its history stays. Not oneself, not the last admin."""
    _manage(db, actor, username)
    with db.write() as session:
        user = _user(session, username, actor)
        if user.id == actor.user_id:
            raise UserError("不能停用自己正在使用的账号")
        if not user.active:
            raise UserError(f"用户 {username} 已经是停用状态")
        _check_not_last_admin(session, user, "停用")
        user.active = False
        audit.record(session, actor, "user_disable", "user", user.id, detail={"username": username})
        return _account(session, user)


def enable_account(db: Database, actor: Actor, username: str) -> Account:
    _manage(db, actor, username)
    with db.write() as session:
        user = _user(session, username, actor)
        if user.active:
            raise UserError(f"用户 {username} 已经是启用状态")
        user.active = True
        users.clear_locks(session, user.id)
        audit.record(session, actor, "user_enable", "user", user.id, detail={"username": username})
        return _account(session, user)


def unlock_account(db: Database, actor: Actor, username: str) -> Account:
    """Lift a lock-out after too many wrong passwords (on every PC) before it runs out by itself:
    a stranger typing wrong passwords cannot keep an admin out while another admin is there."""
    _manage(db, actor, username)
    with db.write() as session:
        user = _user(session, username, actor)
        if users.locked_until(session, user.id) is None:
            raise UserError(f"用户 {username} 没有被锁定")
        users.clear_locks(session, user.id)
        audit.record(session, actor, "user_unlock", "user", user.id, detail={"username": username})
        return _account(session, user)


def generate_password(length: int = 10) -> str:
    """A temporary password that meets the policy and is easy to read out (no 0/O, 1/l/I)."""
    letters = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
    digits = "23456789"
    while True:
        chars = [secrets.choice(letters) for _ in range(length - 3)] + [secrets.choice(digits) for _ in range(3)]
        secrets.SystemRandom().shuffle(chars)
        candidate = "".join(chars)
        if users.password_problem(candidate) is None and any(c in string.ascii_letters for c in candidate):
            return candidate


def reset_password(db: Database, actor: Actor, username: str, password: str | None = None) -> str:
    """Set a temporary password (generated when none is given) that must be changed at the next
    sign-in; also lifts a lock-out. Returns the temporary password to hand to the user."""
    _manage(db, actor, username)
    password = password or generate_password()
    with db.write() as session:
        user = _user(session, username, actor)
        problem = users.password_problem(password, user.username)
        if problem:
            raise UserError(problem, field="password")
        user.password_hash = users.hash_password(password)
        user.must_change_password = True
        users.clear_locks(session, user.id)
        audit.record(session, actor, "user_reset", "user", user.id, detail={"username": username})
    return password


def change_own_password(db: Database, actor: Actor, old: str, new: str, repeat: str | None = None) -> None:
    """The signed-in user changes the own password (forced after an initial or reset one).
    A refusal is recorded too."""
    if repeat is not None and new != repeat:
        raise UserError("两次输入的新密码不一致", field="repeat_password")
    refused: UserError | None = None
    with db.write() as session:
        user = session.get(User, actor.user_id)
        if user is None or not user.active:
            raise UserError("当前账号已不存在或已停用，请重新登录")
        try:
            with session.begin_nested():
                users.change_password(session, actor, user, old, new)
        except UserError as exc:
            refused = exc
            audit.record(session, actor, "password_change", "user", user.id, detail=exc.field or "",
                         outcome="refused")
    if refused is not None:
        raise refused


def must_change_password(db: Database, actor: Actor) -> bool:
    with db.read() as session:
        user = session.get(User, actor.user_id)
        return bool(user and user.must_change_password)


# --- first start ----------------------------------------------------------------------------------


def first_start(
    db: Database,
    *,
    hall_code: str,
    hall_name: str,
    supervision_phone: str,
    address: str = "",
    phone: str = "",
    windows: int = 4,
    admin_username: str,
    admin_name: str,
    password: str,
    password_repeat: str,
    pc: str = "",
) -> Account:
    """An empty database becomes a hall: the hall, its windows and the first admin, in one
    transaction. The admin chose the password here, so it need not be changed at the first sign-in.
    Field names of ValidationFailed match the parameters."""
    errors: dict[str, str] = {}
    try:
        hall.validate_setup(hall_code, hall_name, supervision_phone)
    except ValidationFailed as exc:
        mapping = {"code": "hall_code", "name": "hall_name", "supervision_phone": "supervision_phone"}
        errors.update({mapping.get(k, k): v for k, v in exc.errors.items()})
    if not 1 <= int(windows) <= MAX_WINDOWS:
        errors["windows"] = f"窗口数量应在1至{MAX_WINDOWS}之间"
    try:
        users.validate_new_user(admin_username, "admin", admin_name, password)
    except ValidationFailed as exc:
        mapping = {"username": "admin_username", "name": "admin_name", "password": "password"}
        errors.update({mapping.get(k, k): v for k, v in exc.errors.items()})
    if "password" not in errors and password != password_repeat:
        errors["password_repeat"] = "两次输入的密码不一致"
    if errors:
        raise ValidationFailed(errors)
    with db.write() as session:
        if hall.is_set_up(session) or hall.get_hall(session) is not None:
            raise UserError("该数据库已经完成首次设置（可能另一台电脑刚刚完成），请直接登录")
        setup_actor = Actor(None, "setup", "首次设置", "admin", pc=pc or this_pc())
        created = hall.create_hall(session, setup_actor, code=hall_code.strip(), name=hall_name,
                                   supervision_phone=supervision_phone, address=address.strip(),
                                   phone=phone.strip(), windows=int(windows))
        setup_actor = Actor(None, "setup", "首次设置", "admin", hall_id=created.id, pc=setup_actor.pc)
        user = users.create_user(session, setup_actor, admin_username.strip(), role="admin", name=admin_name,
                                 password=password, must_change_password=False)
        return _account(session, user)


# --- what the start-up screens need --------------------------------------------------------------


@dataclass(frozen=True)
class StartInfo:
    """What the start of day needs before anyone is signed in (no personal data)."""

    set_up: bool
    hall_id: int | None
    hall_code: str
    hall_name: str
    windows: list[tuple[int, str]]  # (number, name) of active windows
    idle_lock_minutes: int
    has_users: bool


def start_info(db: Database) -> StartInfo:
    """Before anyone signs in: the first hall's (one PC, usually one hall; the signed-in account then
    works at the window of that number in its own hall, ``actor_at``)."""
    with db.read() as session:
        h = hall.get_hall(session)
        has_users = bool(session.scalar(select(func.count()).select_from(User)))
        if h is None:
            return StartInfo(False, None, "", "", [], int(hall.DEFAULT_SETTINGS["idle_lock_minutes"]), has_users)
        windows = [(w.number, w.name) for w in hall.windows(session, h.id) if w.active]
        idle = hall.get_setting(session, "idle_lock_minutes", h.id)
        return StartInfo(has_users, h.id, h.code, h.name, windows, int(idle or 0), has_users)


def hall_windows(db: Database, actor: Actor) -> list[tuple[int, str]]:
    """(number, name) of the active windows of the actor's hall, for an account's default window."""
    with db.read() as session:
        hall_id = actor.hall_id if actor.hall_id is not None else hall.only_hall_id(session)
        return [(w.number, w.name) for w in hall.windows(session, hall_id) if w.active] if hall_id else []


@dataclass(frozen=True)
class HallOption:
    """A hall whose staff an admin manages, as the account dialog offers it."""

    code: str
    name: str
    windows: tuple[tuple[int, str], ...]  # (number, name) of its active windows

    @property
    def label(self) -> str:
        return f"{self.name}（{self.code}）"


def account_halls(db: Database, actor: Actor) -> list[HallOption]:
    """The halls whose accounts ``actor`` manages (``in_reach``), with their windows: its own hall for
    an admin of a hall; every hall for an admin of none (a city/province admin). More than one: the
    users page offers a choice of hall."""
    with db.read() as session:
        own = actor.hall_id if actor.hall_id is not None else hall.only_hall_id(session)
        halls = [session.get(Hall, own)] if own is not None else hall.all_halls(session)
        ids = [h.id for h in halls if h is not None]
        windows: dict[int, list[tuple[int, str]]] = {i: [] for i in ids}
        for w in session.scalars(select(CounterWindow).where(CounterWindow.hall_id.in_(ids),
                                                             CounterWindow.active.is_(True))
                                 .order_by(CounterWindow.hall_id, CounterWindow.number)):
            windows[w.hall_id].append((w.number, w.name))
        return [HallOption(h.code, h.name, tuple(windows[h.id])) for h in halls if h is not None]


def check_hall_in_reach(db: Database, actor: Actor, hall_code: str | None) -> None:
    """An admin of a hall creates accounts in that hall only (``hall.manages_hall``; on PostgreSQL the
    database refuses the others too, ``counter_private.manages_hall``; this says so by name before
    asking it)."""
    code = (hall_code or "").strip().upper()
    if not code or actor.hall_id is None:
        return
    with db.read() as session:
        wanted = session.scalar(select(Hall.id).where(Hall.code == code))
        if wanted is None or not hall.manages_hall(actor, wanted):
            raise hall.out_of_reach(session, actor, code, "新建账号")


def actor_at(db: Database, user: User, *, window_no: int | None, pc: str) -> Actor:
    """The signed-in user at this PC's window of the user's hall (falling back to the user's default
    window). An account without a hall in a one-hall database works in that hall."""
    with db.read() as session:
        hall_id = user.hall_id
        if hall_id is None:
            hall_id = hall.only_hall_id(session)
        window = hall.window_by_number(session, window_no, hall_id) if window_no is not None else None
        if window is None and user.window_id is not None:
            window = session.get(CounterWindow, user.window_id)
        grants = tuple(session.scalars(select(HallGrant.hall_id).where(HallGrant.user_id == user.id)
                                       .order_by(HallGrant.hall_id)))
        return users.actor_for(user, hall_id=hall_id, window=window, pc=pc, hall_grants=grants)
