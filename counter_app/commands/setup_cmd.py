"""counter-app setup --hall-code C --hall-name N --supervision-phone P [--windows 4] --admin NAME --admin-name N

The first start of a hall from the command line: the hall, its windows and the first admin. On
PostgreSQL this is the owner's step (a counter PC holds no credential that could do it, so the
window only points here); on SQLite the window's own set-up dialog does the same."""

from __future__ import annotations

from counter_app.commands import identity
from counter_app.commands.common import positive_int
from counter_app.commands.user_cmd import read_password
from counter_app.hall import hall
from counter_app.infra.db import is_sqlite
from counter_app.infra.errors import UserError, ValidationFailed
from counter_app.security import accounts, credentials


def register(sub) -> None:
    parser = sub.add_parser("setup", help="首次设置：营业厅、窗口和第一个管理员（PostgreSQL 由数据库所有者运行）")
    parser.add_argument("--hall-code", required=True, help="营业厅编码，2至12位大写字母或数字，如 FZGL01")
    parser.add_argument("--hall-name", required=True, help="营业厅名称")
    parser.add_argument("--supervision-phone", required=True, help="监督电话")
    parser.add_argument("--address", default="", help="营业厅地址")
    parser.add_argument("--phone", default="", help="营业厅电话")
    parser.add_argument("--windows", type=positive_int, default=4, help="窗口数量（默认 4）")
    parser.add_argument("--admin", required=True, metavar="USERNAME", help="第一个管理员的用户名")
    parser.add_argument("--admin-name", required=True, help="第一个管理员的姓名")
    parser.add_argument("--password-stdin", action="store_true", help="从标准输入读取管理员的初始密码")
    parser.set_defaults(handler=_setup)


def _setup(args) -> int:
    code = args.hall_code.strip().upper()
    hall.validate_setup(code, args.hall_name, args.supervision_phone)
    password = read_password(args.password_stdin)
    credentials.validate_new_user(args.admin, "admin", args.admin_name, password)
    db, actor = identity.open_as(args, identity.OWNER, what="setup")
    try:
        if is_sqlite(db.engine):
            account = accounts.first_start(
                db, hall_code=code, hall_name=args.hall_name, supervision_phone=args.supervision_phone,
                address=args.address, phone=args.phone, windows=args.windows, admin_username=args.admin,
                admin_name=args.admin_name, password=password, password_repeat=password, pc=actor.pc)
            note = "可直接用该密码登录"
        else:
            account = _postgres(db, actor, code, args, password)
            note = f"数据库登录名 {account.login}，首次登录须修改密码"
    except ValidationFailed as exc:
        raise UserError("；".join(exc.errors.values())) from None
    finally:
        db.dispose()
    print(f"已完成首次设置：营业厅 {code} {args.hall_name.strip()}，{args.windows} 个窗口；"
          f"管理员 {account.username}（{account.name}），{note}")
    return 0


def _postgres(db, owner, code: str, args, password: str) -> accounts.Account:
    from counter_app.security import pg_accounts

    with db.write() as session:
        if hall.get_hall(session) is not None:
            raise UserError("该数据库已经有营业厅，无需再次设置；新增人员请用 counter-app user add")
        hall.create_hall(session, owner, code=code, name=args.hall_name.strip(),
                         supervision_phone=args.supervision_phone.strip(), address=args.address.strip(),
                         phone=args.phone.strip(), windows=args.windows)
    return pg_accounts.create_account(db, args.admin, role="admin", name=args.admin_name, password=password)
