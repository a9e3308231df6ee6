"""counter-app user add | list | disable | enable | unlock | reset | passwd | logins

Run as a person (counter_app.commands.identity): account changes need an admin (on PostgreSQL the
database refuses anyone else; the owner may create the first admin), ``logins`` needs the database
owner. The same account service as the users page of the window (counter_app.security.accounts)."""

from __future__ import annotations

import getpass
import sys

from counter_app.commands import identity
from counter_app.commands.common import positive_int
from counter_app.infra.db import is_sqlite
from counter_app.infra.errors import UserError
from counter_app.security import account_admin, accounts, db_sign_in
from counter_app.security import credentials as users
from counter_app.security.permissions import ROLES


def register(sub) -> None:
    parser = sub.add_parser("user", help="用户管理")
    actions = parser.add_subparsers(dest="user_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="新建用户")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=sorted(ROLES))
    add.add_argument("--name", required=True, help="姓名")
    add.add_argument("--window", type=positive_int, help="默认窗口号（所属营业厅的窗口）")
    add.add_argument("--hall", metavar="CODE", help="所属营业厅编码（默认：管理员本人的营业厅；见 counter-app hall list）")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    add.set_defaults(handler=_add)

    listing = actions.add_parser("list", help="列出所有用户及其状态")
    listing.set_defaults(handler=_list)
    for name, (help_text, _change, _done) in ACCOUNT_CHANGES.items():
        action = actions.add_parser(name, help=help_text)
        action.add_argument("username")
        action.set_defaults(handler=_change_account)
    reset = actions.add_parser("reset", help="重置密码为临时密码（下次登录须修改），同时解除锁定")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true",
                       help="从标准输入读取临时密码（不指定则自动生成并显示）")
    reset.set_defaults(handler=_reset)
    passwd = actions.add_parser("passwd", help="修改本人（--user）的密码")
    passwd.add_argument("--password-stdin", action="store_true", help="从标准输入读取新密码")
    passwd.set_defaults(handler=_passwd)
    logins = actions.add_parser(
        "logins", help="（PostgreSQL，数据库所有者运行）为还没有数据库登录账号的用户创建登录账号和临时密码（下次登录须修改）")
    logins.set_defaults(handler=_logins)


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UserError("没有终端可输入密码，请使用 --password-stdin")
    first = getpass.getpass("密码：")
    if getpass.getpass("再次输入密码：") != first:
        raise UserError("两次输入的密码不一致")
    return first


def _add(args) -> int:
    password = read_password(args.password_stdin)
    problem = users.password_problem(password, args.username)
    if problem:
        raise UserError(problem)
    db, actor = identity.open_as(args, identity.ADMIN)
    try:
        if actor.user_id is None and not actor.is_system:  # the owner on PostgreSQL: the first admin
            account = _owner_creates(db, args, password)
        elif actor.is_system:  # SQLite, empty database: the OS user, not yet anybody's admin
            # the first admin is whoever runs this and typed their own password; another account is
            # someone else's, whose password the OS user now knows
            account = accounts.create_account(db, actor, args.username, role=args.role, name=args.name,
                                              password=password, window_no=args.window, hall_code=args.hall,
                                              temporary=args.role != "admin")
        else:
            account = account_admin.create_account(db, actor, args.username, role=args.role, name=args.name,
                                                   password=password, window_no=args.window, hall_code=args.hall)
    finally:
        db.dispose()
    print(f"已创建用户 {account.username}（{account.name}，{ROLES[account.role]}"
          + (f"，营业厅 {account.hall_code}" if account.hall_code else "") + "）"
          + ("，首次登录须修改密码" if account.must_change_password else "")
          + (f"；数据库登录名 {account.login}" if account.login else ""))
    return 0


def _owner_creates(db, args, password: str) -> accounts.Account:
    """The database owner has no account of its own; it creates accounts (the hall's first admin)
    through the same owner-defined functions an admin uses."""
    from counter_app.security import pg_accounts

    return pg_accounts.create_account(db, args.username, role=args.role, name=args.name, password=password,
                                      window_no=args.window, hall_code=args.hall)


def _list(args) -> int:
    db, actor = identity.open_as(args, identity.ADMIN)
    try:
        owner = actor.user_id is None and not actor.is_system
        rows = _owner_list(db) if owner else account_admin.list_accounts(db, actor)
        on_sqlite = is_sqlite(db.engine)
    finally:
        db.dispose()
    if not rows:
        print("（没有用户）")
        return 0
    headers = ("用户名", "姓名", "角色", "营业厅", "窗口", "状态", "数据库登录名")
    widths = (16, 10, 12, 14, 6, 20, 28)
    if on_sqlite:  # one PC: accounts are the app's own, there are no database logins
        headers, widths = headers[:-1], widths[:-1]
    print("".join(cell(h, w) for h, w in zip(headers, widths, strict=True)) + "最近登录")
    for a in rows:
        cells = (a.username, a.name, a.role_label, a.hall_code or "-", str(a.window_no or "-"), a.status_label(),
                 a.login or "（未创建，见 user logins）")[:len(headers)]
        last = f"{a.last_login_at:%Y-%m-%d %H:%M}" if a.last_login_at else "-"
        print("".join(cell(c, w) for c, w in zip(cells, widths, strict=True)) + last)
    return 0


def _owner_list(db) -> list[accounts.Account]:
    from counter_app.security import pg_accounts

    return pg_accounts.list_accounts(db)


def cell(text: str, width: int) -> str:
    """Pad to ``width`` terminal columns (a CJK character takes two)."""
    columns = sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)
    return text + " " * max(width - columns, 1)


# user disable | enable | unlock NAME: help text, the account service, what is printed after it
ACCOUNT_CHANGES = {
    "disable": ("停用用户（不能再登录，历史记录保留）", account_admin.disable_account, "已停用用户 {username}（{name}）"),
    "enable": ("重新启用已停用的用户", account_admin.enable_account, "已启用用户 {username}（{name}）"),
    "unlock": ("解除因密码错误次数过多造成的锁定", account_admin.unlock_account, "已解除用户 {username}（{name}）的锁定"),
}


def _change_account(args) -> int:
    _help, change, done = ACCOUNT_CHANGES[args.user_action]
    db, actor = identity.open_as(args, identity.ADMIN)
    try:
        account = change(db, actor, args.username)
    finally:
        db.dispose()
    print(done.format(username=account.username, name=account.name))
    return 0


def _reset(args) -> int:
    chosen = read_password(True) if args.password_stdin else None
    db, actor = identity.open_as(args, identity.ADMIN)
    try:
        password = account_admin.reset_password(db, actor, args.username, chosen)
    finally:
        db.dispose()
    if chosen:
        print(f"已重置用户 {args.username} 的密码，下次登录须修改")
    else:
        print(f"已重置用户 {args.username} 的密码，临时密码：{password}（下次登录须修改）")
    return 0


def _passwd(args) -> int:
    if not args.user:
        raise UserError("请用 --user 用户名 指明要修改谁的密码（原密码取自环境变量 COUNTER_APP_PASSWORD，否则提示输入）")
    old = identity.read_password(f"{args.user} 的原密码：")
    db, actor = identity.open_as(args, identity.OWN_PASSWORD, password=old)
    try:
        new = read_password(args.password_stdin)
        db_sign_in.change_own_password(db, actor, old, new)
    finally:
        db.dispose()
    print(f"已修改用户 {args.user} 的密码")
    return 0


def _logins(args) -> int:
    from counter_app.security import pg_accounts

    db, _owner = identity.open_as(args, identity.OWNER, what="user logins")
    try:
        if is_sqlite(db.engine):
            raise UserError("SQLite（单机）没有数据库登录账号：用户名和密码由本程序自己核对，无需此命令")
        created = pg_accounts.create_missing_logins(db)
    finally:
        db.dispose()
    if not created:
        print("所有用户都已有数据库登录账号")
        return 0
    print(f"已为 {len(created)} 个用户创建数据库登录账号，临时密码如下（请当面告知本人，下次登录时须修改）：")
    for username, password in sorted(created.items()):
        print(f"  {username:<16} {password}")
    return 0
