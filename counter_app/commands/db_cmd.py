"""counter-app db upgrade | current | grant"""

from __future__ import annotations

from counter_app.commands import identity
from counter_app.commands.common import open_database
from counter_app.infra import config
from counter_app.infra import schema_upgrade as schema
from counter_app.infra.db import Database
from counter_app.security import db_sign_in


def register(sub) -> None:
    parser = sub.add_parser("db", help="数据库结构（迁移）")
    actions = parser.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    up = actions.add_parser("upgrade", help="升级数据库结构到最新版本（SQLite 先自动备份）")
    up.set_defaults(handler=_upgrade)
    cur = actions.add_parser("current", help="显示数据库结构版本")
    cur.set_defaults(handler=_current)
    grant = actions.add_parser(
        "grant", help="（PostgreSQL，以数据库所有者运行）重新应用各角色组的权限、脱敏视图和审计触发器")
    grant.add_argument("--revoke-legacy", metavar="ROLE",
                       help="同时收回旧版共用应用账号（如 counter_app）的全部权限")
    grant.set_defaults(handler=_grant)


def _owner_database(args, what: str) -> Database:
    """PostgreSQL: the owner only (the role in the URL on the server; an account's --user is refused,
    and meets an older schema with a line saying who must upgrade). SQLite: the file, as the OS user."""
    if not db_sign_in.is_postgres(config.database_url(getattr(args, "db", None))):
        return open_database(args, upgrade=False)
    db, _owner = identity.open_as(args, identity.OWNER, what=what)
    return db


def _upgrade(args) -> int:
    db = _owner_database(args, "db upgrade")
    before, after, backup = schema.upgrade(db.engine)
    if before == after:
        print(f"数据库已是最新版本 {after}（{db.url}）")
    else:
        print(f"数据库已从 {before or '空库'} 升级到 {after}（{db.url}）")
        if backup:
            print(f"升级前备份：{backup}")
    return 0


def _current(args) -> int:
    db = identity.open_any_schema(args)  # any person may ask, whatever the version
    try:
        current = schema.check_not_newer(db.engine)
    finally:
        db.dispose()
    head = schema.head_revision()
    state = "最新" if current == head else f"需要升级到 {head}"
    print(f"{current or '空库（未初始化）'}（{state}）")
    return 0


def _grant(args) -> int:
    from counter_app.security import db_grants as db_access

    db = _owner_database(args, "db grant")
    try:
        statements = db_access.grant(db.engine, revoke_legacy=args.revoke_legacy)
    finally:
        db.dispose()
    database = db.engine.url.database
    print(f"已应用 {len(statements)} 条授权：角色组 {database}:clerk、{database}:backoffice、{database}:supervisor、"
          f"{database}:admin、{database}:exchange（柜台人员各用自己的数据库登录）")
    if args.revoke_legacy:
        print(f"已收回旧共用账号 {args.revoke_legacy} 的全部权限")
    return 0
