"""Schema versions through Alembic: upgrade on start, back up SQLite first, refuse newer databases."""

from __future__ import annotations

import shutil
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from counter_app.infra import clock
from counter_app.infra.config import backups_dir
from counter_app.infra.context import system_actor
from counter_app.infra.db import Database, driver_reason, open_checked, owner_only
from counter_app.infra.errors import DatabaseUnavailable, SchemaTooNew, UserError

# counter_app/migrations stays at the top of the package: Alembic's script_location, shipped as package data
MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"


def alembic_config() -> Config:
    # No "sqlalchemy.url": migrations run on the connection handed over in ``cfg.attributes``. The
    # URL in Alembic's ini parser broke on a percent-encoded password ("%40") and the traceback
    # printed that password.
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check_not_newer(engine: Engine) -> str | None:
    """Return the database's revision; raise SchemaTooNew when this code does not know it."""
    current = current_revision(engine)
    if current is None:
        return None
    script = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    if current not in known:
        raise SchemaTooNew(
            f"数据库结构版本 {current} 比本程序新，请先将本程序升级到最新版本再打开此数据库。"
        )
    return current


def sqlite_file(engine: Engine) -> Path | None:
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(database)


def backup_sqlite(engine: Engine) -> Path | None:
    """Copy the SQLite file (consistently, via the backup API) before a migration touches it."""
    path = sqlite_file(engine)
    if path is None or not path.exists() or path.stat().st_size == 0:
        return None
    target = backups_dir() / f"{path.stem}-{clock.now():%Y%m%d-%H%M%S}-{current_revision(engine) or 'empty'}.sqlite3"
    import sqlite3

    src = sqlite3.connect(path)
    try:
        dst = sqlite3.connect(target)
        with dst:
            src.backup(dst)
        dst.close()
    finally:
        src.close()
    owner_only(target)  # a backup holds the same personal data as the database
    return target


def restore_sqlite(backup: Path, target: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(backup, target)


def upgrade(engine: Engine) -> tuple[str | None, str, Path | None]:
    """Bring the database to head. Returns (before, after, backup file or None)."""
    before = check_not_newer(engine)
    head = head_revision()
    backup = None
    if before != head:
        backup = backup_sqlite(engine) if before is not None else None
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            _reapply_security(conn)
    return before, head, backup


def _reapply_security(conn) -> None:
    """PostgreSQL: grants, masked views and triggers follow the tables a later migration added or
    changed (``db_policy``; revision 0009 installed it), in the upgrade's own transaction."""
    if conn.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    if conn.execute(text("SELECT to_regnamespace('counter_api') IS NOT NULL")).scalar():
        from counter_app.security import db_policy

        db_policy.apply(conn)


def needs_upgrade(engine: Engine) -> bool:
    return check_not_newer(engine) != head_revision()


def connect(url: str) -> Database:
    """Connect and bring the schema to head (SQLite backed up first), recording an upgrade in the
    audit trail. Raises DatabaseUnavailable, SchemaTooNew or UserError with a Chinese message; never
    a driver exception."""
    from counter_app.security import audit

    db = open_checked(url)
    try:
        before, after, backup = upgrade(db.engine)
    except (OperationalError, DBAPIError) as exc:
        db.dispose()
        if getattr(getattr(exc, "orig", None), "sqlstate", None) == "42501":  # insufficient privilege
            raise UserError(
                f"数据库需要升级到本程序的版本，但当前数据库账号 {db.engine.url.username} 无权修改表结构。"
                "请管理员用数据库所有者账号运行 counter-app db upgrade 后再启动。") from exc
        raise DatabaseUnavailable(f"无法升级数据库 {db.url}：{driver_reason(exc)}") from exc
    except BaseException:
        db.dispose()
        raise
    if before is not None and before != after:
        with db.write() as session:
            audit.record(session, system_actor(), "db_upgrade", "schema", after,
                         detail={"from": before, "to": after, "backup": str(backup or "")})
    return db
