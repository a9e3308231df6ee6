"""``counter-app exchange export|import``: data exchange with the marketing system, for scheduled jobs.
On PostgreSQL the job signs in with its own account (role exchange): ``--user`` + COUNTER_APP_PASSWORD."""

from __future__ import annotations

import argparse
import sys

from counter_app.commands import identity
from counter_app.commands.common import parse_date
from counter_app.reporting import exchange


def register(subparsers) -> None:
    parser = subparsers.add_parser("exchange", help="与营销系统交换数据（导出申请、导入环节更新）",
                                   description="与营销系统的数据交换，文件格式见 README“与营销系统的数据交换”")
    sub = parser.add_subparsers(dest="exchange_command", metavar="ACTION", required=True)

    export = sub.add_parser("export", help="导出申请（JSON 或 CSV）")
    export.add_argument("--since", type=parse_date, metavar="YYYY-MM-DD",
                        help="只导出该日期及以后受理或有变动的申请")
    export.add_argument("--format", choices=("json", "csv"), help="文件格式，默认按输出文件扩展名判断（.csv 为 CSV，其余为 JSON）")
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="输出文件")
    export.add_argument("--hall", metavar="CODE", help="营业厅编码（一个数据库有多个营业厅、交换账号不属于某一营业厅时必填）")
    export.set_defaults(handler=_export)

    imp = sub.add_parser("import", help="导入营销系统的环节更新（CSV 或 xlsx），逐行报告结果")
    imp.add_argument("file", metavar="FILE.csv|FILE.xlsx")
    imp.set_defaults(handler=_import)


def _export(args: argparse.Namespace) -> int:
    db, actor = identity.open_as(args)
    try:
        result = exchange.export(db, actor, args.output, since=args.since, fmt=args.format,
                                 hall_code=args.hall)
    finally:
        db.dispose()
    print(result.message())
    return 0


def _import(args: argparse.Namespace) -> int:
    db, actor = identity.open_as(args)
    try:
        report = exchange.import_stage_updates(db, actor, args.file)
    finally:
        db.dispose()
    print(report.text())
    if report.refused:
        print(f"错误：有 {report.refused} 行未导入，请按上面的说明修改后重新导入（已导入的行不会重复处理）",
              file=sys.stderr)
        return 1
    return 0
