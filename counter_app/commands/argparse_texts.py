"""argparse's own texts (usage, help headings, its error messages) in Chinese, like everything else
the command line says: argparse looks each one up through the module's gettext ``_`` at the moment
it prints, so one table serves every parser."""

from __future__ import annotations

import argparse

TEXTS = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "one of the arguments %s is required": "须给出以下参数之一：%s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "多余的参数值 %r",
    "expected one argument": "须跟一个值",
    "expected at most one argument": "最多跟一个值",
    "expected at least one argument": "至少跟一个值",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "unexpected option string: %s": "意外的选项：%s",
    "invalid %(type)s value: %(value)r": "取值无效（应为 %(type)s）：%(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择：%(value)r（可选：%(choices)s）",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "未知的子命令 %(parser_name)r（可选：%(choices)s）",
    "can't open '%(filename)s': %(error)s": "无法打开“%(filename)s”：%(error)s",
}
PLURALS = {"expected %s argument": "须跟 %s 个值"}


def _text(message: str) -> str:
    return TEXTS.get(message, message)


def _plural(singular: str, plural: str, n: int) -> str:
    if singular in PLURALS:
        return PLURALS[singular]
    return singular if n == 1 else plural


def install() -> None:
    argparse._ = _text
    argparse.ngettext = _plural
