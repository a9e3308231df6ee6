"""counter-app export KIND [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--window N] … -o FILE.xlsx

For scheduled exports on the server. Personal data is masked unless ``--unmasked --reason "…"``;
every export is recorded (export record + audit entry) like one made in the window."""

from __future__ import annotations

import sys

from sqlalchemy import select

from counter_app.commands import identity
from counter_app.commands.common import parse_date, positive_int
from counter_app.hall import catalog
from counter_app.infra.errors import UserError
from counter_app.models import User
from counter_app.reporting import exports
from counter_app.reporting.register_filter import DEFERRAL_STATES, RegisterFilter
from counter_app.security.credentials import normal_username
from counter_app.tracking import handover
from counter_app.tracking.stages import STATUS_LABELS

KINDS = ["register", "deferred", "commitments", "warnings", "workload", "ratings", "handover", "cards"]


def register(sub) -> None:
    parser = sub.add_parser(
        "export", help="导出台账或交接清单（Excel）",
        description="导出台账（register 业扩受理台账、deferred 容缺台账、commitments 承诺书台账、"
                    "warnings 时限预警清单、workload 窗口工作量、ratings 评价台账）、交接清单（handover，需 --batch）"
                    "或红黄牌登记表（cards，按 --from/--to 的红黄牌日期，每月公示用）。"
                    "证件号码和电话默认脱敏。",
    )
    parser.add_argument("kind", choices=KINDS, metavar="KIND", help="、".join(KINDS))
    parser.add_argument("--from", dest="date_from", type=parse_date, metavar="YYYY-MM-DD", help="受理日期自")
    parser.add_argument("--to", dest="date_to", type=parse_date, metavar="YYYY-MM-DD", help="受理日期至（含）")
    parser.add_argument("--window", type=positive_int, metavar="N", help="窗口号")
    parser.add_argument("--clerk", metavar="USERNAME", help="受理人用户名")
    parser.add_argument("--type", dest="business_type", metavar="CODE", help="业务类型代码（如 lv_res_new）")
    parser.add_argument("--stage", metavar="CODE", help="当前环节代码（如 survey）")
    parser.add_argument("--status", choices=sorted(STATUS_LABELS), help="办理状态")
    parser.add_argument("--overdue", action="store_true", help="只导出超期的")
    parser.add_argument("--deferral-state", choices=sorted(DEFERRAL_STATES), help="容缺台账：未到期/已超期/已补交")
    parser.add_argument("--batch", metavar="ID", help="交接批次的编号或批次号（KIND 为 handover 时必填）")
    parser.add_argument("-o", "--output", required=True, metavar="FILE.xlsx", help="输出文件")
    parser.add_argument("--unmasked", action="store_true", help="导出完整证件号码和电话（须同时给出 --reason）")
    parser.add_argument("--reason", default="", help="导出未脱敏数据的原因（记录在审计日志中）")
    parser.set_defaults(handler=_export)


def _export(args) -> int:
    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise UserError(f"--from {args.date_from} 晚于 --to {args.date_to}，请检查日期")
    if args.unmasked and not args.reason.strip():
        raise UserError("导出未脱敏数据须用 --reason 写明原因")
    if args.reason and not args.unmasked:
        raise UserError("--reason 只与 --unmasked 一起使用")
    if args.kind == "handover" and not args.batch:
        raise UserError("导出交接清单须用 --batch 指定批次（批次编号或 JJ- 开头的批次号）")
    if args.business_type and args.business_type not in catalog.load().business_types:
        raise UserError(f"未知的业务类型：{args.business_type}（可选：{'、'.join(catalog.load().business_types)}）")
    exports.check_target(args.output)  # before connecting: a locked file fails at once
    if args.kind == "cards":
        return _export_cards(args)

    db, actor = identity.open_as(args)
    try:
        with db.read() as session:
            clerk_id = None
            if args.clerk:
                clerk_id = session.scalar(select(User.id).where(User.username == normal_username(args.clerk)))
                if clerk_id is None:
                    raise UserError(f"没有用户名为 {args.clerk} 的用户")
        flt = RegisterFilter(
            date_from=args.date_from, date_to=args.date_to, window_no=args.window, clerk_id=clerk_id,
            business_type=args.business_type, stage=args.stage, status=args.status,
            overdue_only=args.overdue, deferral_state=args.deferral_state,
        )
        batch_id = handover.find_batch(db, actor, args.batch) if args.kind == "handover" else None
        request = exports.ExportRequest(args.kind, flt, batch_id=batch_id, unmasked=args.unmasked,
                                        reason=args.reason)
        result = exports.export(db, actor, request, args.output)
    finally:
        db.dispose()
    note = "（未脱敏，已记录原因）" if result.unmasked else "（证件号码和电话已脱敏）"
    print(f"已导出{exports.KIND_TITLES[args.kind]} {result.rows} 行到 {result.path}{note}", file=sys.stdout)
    return 0


def _export_cards(args) -> int:
    """The 红黄牌 register of a period (a month, for the monthly publication)."""
    from counter_app.tracking import quality_cards

    if not (args.date_from and args.date_to):
        raise UserError("导出红黄牌登记表须用 --from 和 --to 指定期间（如 --from 2026-11-01 --to 2026-11-30）")
    db, actor = identity.open_as(args)
    try:
        path = quality_cards.export_register(db, actor, args.date_from, args.date_to, args.output)
    finally:
        db.dispose()
    print(f"已导出红黄牌登记表（{args.date_from} 至 {args.date_to}）到 {path}", file=sys.stdout)
    return 0
