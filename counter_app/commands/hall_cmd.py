"""counter-app hall add CODE --name N --supervision-phone P [--windows 4] | list | grant USER CODE…

Several halls on one database (issue 20). ``add`` on PostgreSQL is run by the database owner (the
URL names it) or by a city/province admin without a hall (``--user``); on SQLite by an admin with
name and password, like the account commands. Staff then join a hall with
``counter-app user add … --hall CODE``; ``grant`` (the owner) gives a city or province supervisor
the registers and warnings of several halls (``hall_grant``)."""

from __future__ import annotations

from counter_app.commands import identity
from counter_app.commands.common import positive_int
from counter_app.commands.user_cmd import cell
from counter_app.hall import many_halls
from counter_app.infra.errors import UserError, ValidationFailed


def register(sub) -> None:
    parser = sub.add_parser("hall", help="营业厅管理（一个数据库中的多个营业厅）")
    actions = parser.add_subparsers(dest="hall_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="新增营业厅（含窗口和默认设置）")
    add.add_argument("code", help="营业厅编码，2至12位大写字母或数字，如 FZCS02（申请编号的开头）")
    add.add_argument("--name", required=True, help="营业厅名称")
    add.add_argument("--supervision-phone", required=True, help="监督电话")
    add.add_argument("--address", default="", help="营业厅地址")
    add.add_argument("--phone", default="", help="营业厅电话")
    add.add_argument("--windows", type=positive_int, default=4, help="窗口数量（默认 4）")
    add.set_defaults(handler=_add)
    listing = actions.add_parser("list", help="列出营业厅")
    listing.set_defaults(handler=_list)
    grant = actions.add_parser("grant", help="（数据库所有者运行）让市、省级班长/主任查看所列营业厅的台账和预警")
    grant.add_argument("username", help="该账号的用户名")
    grant.add_argument("codes", nargs="+", metavar="CODE", help="营业厅编码")
    grant.set_defaults(handler=_grant)


def _add(args) -> int:
    db, actor = identity.open_as(args, identity.ADMIN, what="hall add")
    try:
        row = many_halls.add_hall(db, actor, code=args.code, name=args.name,
                                  supervision_phone=args.supervision_phone, address=args.address,
                                  phone=args.phone, windows=args.windows)
    except ValidationFailed as exc:
        raise UserError("；".join(exc.errors.values())) from None
    finally:
        db.dispose()
    print(f"已新增营业厅 {row.code} {row.name}，{row.windows} 个窗口；"
          f"添加人员：counter-app user add 用户名 --role 角色 --name 姓名 --hall {row.code}")
    return 0


def _grant(args) -> int:
    db, actor = identity.open_as(args, identity.ADMIN, what="hall grant")
    try:
        held = many_halls.grant_halls(db, actor, args.username, args.codes)
    finally:
        db.dispose()
    print(f"用户 {args.username} 现可查看以下营业厅的台账和预警：{'、'.join(held)}")
    return 0


def _list(args) -> int:
    db, actor = identity.open_as(args, identity.PERSON)
    try:
        rows = many_halls.list_halls(db, actor)
    finally:
        db.dispose()
    if not rows:
        print("（没有营业厅：请先运行 counter-app setup）")
        return 0
    print(cell("编码", 14) + cell("名称", 30) + cell("监督电话", 16) + cell("窗口", 6) + "在用账号")
    for row in rows:
        print(cell(row.code, 14) + cell(row.name, 30) + cell(row.supervision_phone, 16)
              + cell(str(row.windows), 6) + str(row.staff))
    return 0
