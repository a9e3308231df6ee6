"""``counter-app [--db URL] [SUB-COMMAND …]``: no sub-command starts the window.

Sub-commands live in ``counter_app/commands/`` (one module each, with ``register(subparsers)``);
every user-facing failure ends as one line on stderr and a non-zero exit code."""

from __future__ import annotations

import argparse
import errno
import logging
import sys
from collections.abc import Sequence

from counter_app.infra.errors import DatabaseUnavailable, PermissionDenied, SchemaTooNew, UserError

EXIT_USAGE = 2
EXIT_DATABASE = 3
EXIT_FAILED = 1


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not the usage block
        self.exit(EXIT_USAGE, f"{self.prog}: 参数错误：{message}（用 --help 查看用法）\n")


class _VersionAction(argparse.Action):
    """``--version``: program and schema version, worked out only when asked (Alembic reads the scripts)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        from counter_app.version_info import version_text

        print(version_text())
        parser.exit(0)


def build_parser() -> argparse.ArgumentParser:
    from counter_app.commands import COMMAND_MODULES, argparse_texts, identity

    argparse_texts.install()
    parser = _Parser(prog="counter-app", description="营业厅业扩报装窗口受理系统")
    parser.add_argument("--db", metavar="URL", help="数据库地址（SQLAlchemy URL），默认为用户数据目录中的 SQLite 文件")
    identity.add_arguments(parser)
    parser.add_argument("--version", action=_VersionAction, help="显示程序版本和数据库结构版本")
    parser.add_argument("-v", "--verbose", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="SUB-COMMAND", parser_class=_Parser)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    if not args.command:
        from counter_app.ui.app import run

        return run(args.db)
    try:
        return int(args.handler(args) or 0)
    except DatabaseUnavailable as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_DATABASE
    except (SchemaTooNew, PermissionDenied, UserError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("已取消", file=sys.stderr)
        return 130
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            print(f"错误：磁盘空间已满，未能写入 {exc.filename or ''}。请清理磁盘后重试", file=sys.stderr)
            return EXIT_FAILED
        print(f"错误：文件操作失败：{exc.strerror or exc}（{getattr(exc, 'filename', '') or ''}）", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # a fault no check foresaw: one line, and never a password from a URL
        import traceback

        from counter_app.infra.db import hide_password

        logging.getLogger(__name__).debug("%s", hide_password(traceback.format_exc()))
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        print(hide_password(f"错误：操作未完成（{type(exc).__name__}：{first}），请把这一行告诉管理员"), file=sys.stderr)
        return EXIT_FAILED
