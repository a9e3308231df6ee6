"""counter-app user add USERNAME --role ROLE --name 姓名 [--window N] [--password-stdin]"""

from __future__ import annotations

import getpass
import sys

from counter_app import users
from counter_app.commands.common import open_database, positive_int
from counter_app.context import system_actor
from counter_app.errors import UserError
from counter_app.permissions import ROLES


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
