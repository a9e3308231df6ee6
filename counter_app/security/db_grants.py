"""``counter-app db grant``: the owner (re)applies the database's security model (``db_policy``):
group roles "<database>:clerk" …, grants, masked views, triggers. Migration 0009 applies the same; run
it again after restoring a hall onto another server (roles are cluster-wide and not in a dump of one
database) or to take every privilege from the shared application role of the old set-up.

Only the database owner may run it: anyone else is refused with a Chinese message (no partial grants).
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from counter_app.infra.db import refused_by_database
from counter_app.infra.errors import PermissionDenied, UserError
from counter_app.security import db_policy
from counter_app.security.db_logins import is_owner

_ROLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def legacy_revoke_statements(role: str) -> list[str]:
    """Take everything from the shared application role of the old set-up (one password on every PC)."""
    if not _ROLE.fullmatch(role or ""):
        raise UserError("角色名只能由小写字母、数字和下划线组成，并以字母或下划线开头（如 counter_app）")
    r = f'"{role}"'
    return [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {r}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {r}",
    ]


def grant(engine: Engine, *, revoke_legacy: str | None = None) -> list[str]:
    """Apply the security model as the connected role, which must own the database."""
    if engine.dialect.name != "postgresql":
        raise UserError("只有 PostgreSQL 数据库需要授权；SQLite 文件只属于本机当前用户")
    legacy = legacy_revoke_statements(revoke_legacy) if revoke_legacy else []
    try:
        with engine.begin() as conn:
            who = conn.execute(text("SELECT session_user")).scalar_one()
            if not is_owner(conn):
                raise PermissionDenied(f"只有数据库所有者可以运行 counter-app db grant；当前登录 {who} 不是本库所有者，"
                                       "未做任何授权")
            if revoke_legacy and not conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                                                  {"r": revoke_legacy}).first():
                raise UserError(f"数据库中没有角色 {revoke_legacy}")
            statements = db_policy.apply(conn)
            for statement in legacy:
                conn.exec_driver_sql(statement)
    except DBAPIError as exc:
        denied = refused_by_database(exc)
        if denied is None:
            raise
        raise PermissionDenied("授权失败：数据库所有者需要 CREATEROLE 权限才能创建柜台角色组"
                               f"（{denied}）") from exc
    return statements + legacy
