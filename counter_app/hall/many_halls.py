"""Several halls on one database (issue 20): listing them and adding one, for ``counter-app hall`` and
the 营业厅管理 dialog of the window.

Who may add a hall: on SQLite (one PC) an admin; on PostgreSQL the database owner or an admin who
belongs to no hall (a city/province admin), through the owner-defined ``counter_api.add_hall``
(``security.db_hall_functions``), because no counter group may write the hall tables itself. A new
hall gets its windows and the default settings (``hall.DEFAULT_SETTINGS``, read when a hall has no
row of its own); its staff are added with ``counter-app user add … --hall CODE``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text

from counter_app.hall import hall as hall_mod
from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database, is_sqlite
from counter_app.infra.errors import PermissionDenied, UserError
from counter_app.models import CounterWindow, Hall, HallGrant, User
from counter_app.security import audit

NOT_ALLOWED = "只有数据库所有者或不属于任何营业厅的（市、省级）系统管理员可以新增营业厅"


@dataclass(frozen=True)
class HallRow:
    id: int
    code: str
    name: str
    supervision_phone: str
    windows: int
    staff: int


def may_add_halls(db: Database, actor: Actor) -> bool:
    """Whether the 营业厅管理 dialog lets ``actor`` add a hall (the database decides again on PostgreSQL)."""
    if actor.is_system or (actor.user_id is None and actor.role == "admin"):
        return True  # the PC's own user on SQLite, the database owner on PostgreSQL
    return actor.role == "admin" and (is_sqlite(db.engine) or actor.hall_id is None)


def list_halls(db: Database, actor: Actor) -> list[HallRow]:
    """The halls ``actor`` sees (all of them for whoever may add halls), with how many windows and
    active staff each has."""
    manager = may_add_halls(db, actor)
    with db.read() as session:
        visible = set(hall_mod.visible_hall_ids(session, actor)) if not manager else None
        windows = dict(session.execute(select(CounterWindow.hall_id, func.count()).group_by(CounterWindow.hall_id)).all())
        staff = dict(session.execute(select(User.hall_id, func.count()).where(User.active.is_(True))
                                     .group_by(User.hall_id)).all())
        return [HallRow(h.id, h.code, h.name, h.supervision_phone, windows.get(h.id, 0), staff.get(h.id, 0))
                for h in hall_mod.all_halls(session) if visible is None or h.id in visible]


def hall_choices(db: Database, actor: Actor) -> list[tuple[int, str]]:
    """``hall.hall_choice`` in a unit of work of its own (the warnings and overview pages)."""
    with db.read() as session:
        return hall_mod.hall_choice(session, actor)


def managed_hall_choices(db: Database, actor: Actor) -> list[tuple[int, str]]:
    """``hall.managed_hall_choice`` in a unit of work of its own (the seal page)."""
    with db.read() as session:
        return hall_mod.managed_hall_choice(session, actor)


def add_hall(db: Database, actor: Actor, *, code: str, name: str, supervision_phone: str, address: str = "",
             phone: str = "", windows: int = 4) -> HallRow:
    """A new hall with its windows; the code is upper-cased (it starts every application number)."""
    code = (code or "").strip().upper()
    hall_mod.validate_setup(code, name, supervision_phone)
    if not may_add_halls(db, actor):
        raise PermissionDenied(NOT_ALLOWED)
    with db.write() as session:
        if is_sqlite(db.engine) or actor.user_id is None:
            created = hall_mod.create_hall(session, actor, code=code, name=name, supervision_phone=supervision_phone,
                                           address=address.strip(), phone=phone.strip(), windows=int(windows))
            hall_id = created.id
        else:  # an admin's own login: the owner's function writes the hall (SECURITY DEFINER)
            hall_mod.check_new_hall(session, code, int(windows))
            hall_id = session.execute(text("SELECT counter_api.add_hall(:c, :n, :s, :a, :p, :w)"), {
                "c": code, "n": name.strip(), "s": supervision_phone.strip(), "a": address.strip(),
                "p": phone.strip(), "w": int(windows)}).scalar_one()
            audit.record(session, actor, "hall_add", "hall", hall_id, detail={"code": code, "name": name.strip()})
    return HallRow(hall_id, code, name.strip(), supervision_phone.strip(), int(windows), 0)


GRANT_NOT_ALLOWED = "只有数据库所有者（单机版：系统管理员）可以授予跨营业厅查看的权限"


def grant_halls(db: Database, actor: Actor, username: str, codes: list[str]) -> list[str]:
    """Give account ``username`` (a city or province supervisor) the registers and warnings of the
    halls ``codes`` besides its own; returns the codes it holds now. On PostgreSQL only the owner may
    write ``hall_grant`` (no counter group has INSERT on it)."""
    if not (actor.user_id is None or (is_sqlite(db.engine) and actor.role == "admin")):
        raise PermissionDenied(GRANT_NOT_ALLOWED)
    with db.write() as session:
        user = session.scalar(select(User).where(User.username == username.strip().lower()))
        if user is None:
            raise UserError(f"用户 {username} 不存在", field="username")
        held = set(session.scalars(select(HallGrant.hall_id).where(HallGrant.user_id == user.id)))
        for code in codes:
            hall = hall_mod.hall_by_code(session, code)
            if hall.id not in held:
                session.add(HallGrant(user_id=user.id, hall_id=hall.id, granted_at=clock.now()))
                held.add(hall.id)
        audit.record(session, actor, "hall_grant", "user", user.id,
                     detail={"username": user.username, "halls": [c.strip().upper() for c in codes]})
        session.flush()
        return sorted(session.scalars(select(Hall.code).where(Hall.id.in_(held | {user.hall_id}))))
