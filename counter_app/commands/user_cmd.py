"""counter-app user add | list | disable | enable | unlock | reset

Run by an administrator on the server (the system actor, audited as ``system``); the same account
service as the users page of the window (counter_app.security.accounts)."""

from __future__ import annotations

import getpass
import sys

from counter_app.security import accounts, credentials as users
from counter_app.commands.common import open_database, positive_int
from counter_app.infra.context import system_actor
from counter_app.infra.errors import UserError
from counter_app.security.permissions import ROLES


def register(sub) -> None:
    parser = sub.add_parser("user", help="用户管理")
    actions = parser.add_subparsers(dest="user_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="新建用户")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=sorted(ROLES))
    add.add_argument("--name", required=True, help="姓名")
    add.add_argument("--window", type=positive_int, help="默认窗口号")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    add.set_defaults(handler=_add)

    listing = actions.add_parser("list", help="列出所有用户及其状态")
    listing.set_defaults(handler=_list)
    for name, help_text, handler in (
        ("disable", "停用用户（不能再登录，历史记录保留）", _disable),
        ("enable", "重新启用已停用的用户", _enable),
        ("unlock", "解除因密码错误次数过多造成的锁定", _unlock),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("username")
        action.set_defaults(handler=handler)
    reset = actions.add_parser("reset", help="重置密码为临时密码（下次登录须修改），同时解除锁定")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true",
                       help="从标准输入读取临时密码（不指定则自动生成并显示）")
    reset.set_defaults(handler=_reset)


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
    db = open_database(args)
    with db.write() as session:
        user = users.create_user(
            session, system_actor(), args.username, role=args.role, name=args.name,
            password=password, window_no=args.window, must_change_password=True,
        )
    print(f"已创建用户 {user.username}（{user.name}，{ROLES[user.role]}），首次登录须修改密码")
    return 0


def _list(args) -> int:
    db = open_database(args)
    rows = accounts.list_accounts(db, system_actor())
    if not rows:
        print("（没有用户）")
        return 0
    widths = (16, 10, 12, 6, 20)
    print("".join(_cell(h, w) for h, w in zip(("用户名", "姓名", "角色", "窗口", "状态"), widths, strict=True)) + "最近登录")
    for a in rows:
        cells = (a.username, a.name, a.role_label, str(a.window_no or "-"), a.status_label())
        last = f"{a.last_login_at:%Y-%m-%d %H:%M}" if a.last_login_at else "-"
        print("".join(_cell(c, w) for c, w in zip(cells, widths, strict=True)) + last)
    return 0


def _cell(text: str, width: int) -> str:
    """Pad to ``width`` terminal columns (a CJK character takes two)."""
    columns = sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)
    return text + " " * max(width - columns, 1)


def _disable(args) -> int:
    account = accounts.disable_account(open_database(args), system_actor(), args.username)
    print(f"已停用用户 {account.username}（{account.name}）")
    return 0


def _enable(args) -> int:
    account = accounts.enable_account(open_database(args), system_actor(), args.username)
    print(f"已启用用户 {account.username}（{account.name}）")
    return 0


def _unlock(args) -> int:
    account = accounts.unlock_account(open_database(args), system_actor(), args.username)
    print(f"已解除用户 {account.username}（{account.name}）的锁定")
    return 0


def _reset(args) -> int:
    chosen = read_password(True) if args.password_stdin else None
    db = open_database(args)
    password = accounts.reset_password(db, system_actor(), args.username, chosen)
    if chosen:
        print(f"已重置用户 {args.username} 的密码，下次登录须修改")
    else:
        print(f"已重置用户 {args.username} 的密码，临时密码：{password}（下次登录须修改）")
    return 0
