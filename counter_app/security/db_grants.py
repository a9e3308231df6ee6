"""PostgreSQL privileges for a shared hall: the counter PCs connect as a role that neither owns the
tables nor may rewrite the audit trail.

- The *owner* role (e.g. ``counter_owner``) owns the database, runs ``counter-app db upgrade`` and
  ``counter-app db grant ROLE``; nobody works at a counter with it.
- The *app* role (e.g. ``counter_app``) reads and writes the business tables, may only INSERT and
  SELECT on ``audit_entry`` (no UPDATE, DELETE, TRUNCATE) and cannot change the schema, drop the
  append-only triggers or tables.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

from counter_app.infra.errors import UserError

_ROLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def grant_statements(app_role: str) -> list[str]:
    """What the owner runs (once after the first upgrade; default privileges cover later tables)."""
    if not _ROLE.fullmatch(app_role or ""):
        raise UserError("角色名只能由小写字母、数字和下划线组成，并以字母或下划线开头（如 counter_app）")
    r = f'"{app_role}"'
    return [
        f"GRANT USAGE ON SCHEMA public TO {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_entry FROM {r}",
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {r}",
    ]


def grant_app_role(engine: Engine, app_role: str) -> list[str]:
    """Run ``grant_statements`` as the connected (owner) role; returns what was run."""
    if engine.dialect.name != "postgresql":
        raise UserError("只有 PostgreSQL 数据库需要授权应用账号；SQLite 文件只属于本机当前用户")
    statements = grant_statements(app_role)
    with engine.begin() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": app_role}).first()
        if not exists:
            raise UserError(f"数据库中没有角色 {app_role}：请先以超级用户执行 CREATE ROLE {app_role} LOGIN PASSWORD '…'")
        for statement in statements:
            conn.execute(text(statement))
    return statements
