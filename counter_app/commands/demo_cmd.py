"""counter-app demo --applications N [--seed S] [--today YYYY-MM-DD] [--password P]"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from counter_app.commands import identity
from counter_app.commands.common import parse_date
from counter_app.demo.generator import DEFAULT_PASSWORD, DemoOptions, DemoReport, generate
from counter_app.hall import catalog
from counter_app.infra import clock
from counter_app.infra import schema_upgrade as schema
from counter_app.infra.atomic_files import write_problem
from counter_app.infra.db import is_sqlite
from counter_app.infra.errors import UserError
from counter_app.security import credentials as users
from counter_app.security.permissions import ROLES
from counter_app.tracking.stages import status_label

# the moment of the demo day that counts as "now" when --today is given (same data on every run)
DEMO_TIME = dt.time(16, 30)

TABLE_LABELS = {
    "hall": "营业厅", "counter_window": "窗口", "user_account": "用户", "customer": "客户", "certificate": "证件",
    "material_on_file": "在档资料", "application": "申请", "material": "申请资料", "commitment": "承诺书",
    "stage_event": "环节记录", "survey_appointment": "勘查预约", "handover_batch": "交接批次",
    "handover_line": "交接明细", "print_record": "打印记录", "audit_entry": "审计日志", "blacklist_entry": "失信名单",
    "number_counter": "编号计数器",
}


def register(sub) -> None:
    parser = sub.add_parser(
        "demo", help="生成演示数据（营业厅、窗口、人员、客户、各类业务各环节的申请）",
        description="在数据库中生成一个确定性的演示营业厅：相同的 --seed 和 --today 生成相同的数据。",
    )
    parser.add_argument("--applications", type=_count, required=True, metavar="N", help="申请数量（如 2000）")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="随机种子（默认 1）")
    parser.add_argument("--today", type=parse_date, metavar="YYYY-MM-DD",
                        help=f"以该日 {DEMO_TIME:%H:%M} 为“现在”（默认今天的当前时刻）")
    parser.add_argument("--password", default=DEFAULT_PASSWORD,
                        help=f"演示账号的密码（默认 {DEFAULT_PASSWORD}）")
    parser.add_argument("--quiet", action="store_true", help="不显示进度")
    parser.set_defaults(handler=_demo)


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} 不是整数") from None
    if not 0 <= number <= 2_000_000:
        raise argparse.ArgumentTypeError(f"{value} 应在 0 到 2000000 之间")
    return number


def _demo(args) -> int:
    problem = users.password_problem(args.password)
    if problem:
        raise UserError(f"演示账号密码不符合要求：{problem}")
    now = dt.datetime.combine(args.today, DEMO_TIME) if args.today else clock.now()
    # PostgreSQL: the owner (it creates the demo staff's database logins); SQLite: the OS user
    db, _actor = identity.open_as(args, identity.OWNER, what="demo")
    show_progress = not args.quiet and args.applications >= 20_000

    def progress(done: int, total: int) -> None:
        print(f"\r已生成 {done}/{total} 条申请", end="", file=sys.stderr, flush=True)

    try:
        if not is_sqlite(db.engine):
            schema.upgrade(db.engine)  # the owner may; SQLite was brought to head when opened
        report = generate(db, DemoOptions(applications=args.applications, seed=args.seed, now=now,
                                          password=args.password),
                          progress if show_progress else None)
        if not is_sqlite(db.engine):
            from counter_app.security import pg_accounts

            pg_accounts.set_login_passwords(db, [u for u, _n, _r, _w, created in report.logins if created],
                                            args.password)
        from counter_app.demo import signing as demo_signing
        from counter_app.demo.generator import _frozen_clock

        with _frozen_clock(report.now):  # signed and scanned at the demo's "now", like the rest of it
            try:
                signing = demo_signing.add(db) if args.applications else None
            except (UserError, OSError) as exc:
                # the hall is committed by then: say so, rather than "nothing was saved"
                reason = exc.message if isinstance(exc, UserError) else write_problem(Path(exc.filename or "."), exc)
                raise UserError(f"演示营业厅和 {args.applications} 条申请已生成并保存，"
                                f"但电子签名与扫描件演示未完成：{reason}") from exc
    finally:
        if show_progress:
            print(file=sys.stderr)
        db.dispose()
    print(format_report(report, db.url))
    if signing and signing.signed_cases:
        print(f"电子签名与扫描件演示：签章证书 {signing.certificate}"
              + ("（本次新建的试用证书）" if signing.created_certificate else ""))
        print(f"  已签署单据 {signing.signed_documents} 份、扫描件 {signing.scanned_pages} 页，申请："
              + "、".join(signing.signed_cases))
        print(f"  试一试：counter-app archive {signing.signed_cases[0]} -o 案卷.pdf && counter-app verify 案卷.pdf")
    return 0


def format_report(report: DemoReport, url: str) -> str:
    cat = catalog.load()
    lines = [
        f"演示数据已生成：{url}",
        f"  营业厅 {report.hall_code} {report.hall_name}（{'新建' if report.hall_created else '已有，数据追加到该营业厅'}）",
        f"  当前时刻 {report.now:%Y-%m-%d %H:%M}，随机种子 {report.seed}，用时 {report.seconds:.1f} 秒",
        "各表新增行数：",
    ]
    for table, label in TABLE_LABELS.items():
        if report.rows.get(table):
            lines.append(f"  {label}（{table}）：{report.rows[table]}")
    lines.append("按业务类型：")
    for code, bt in cat.business_types.items():
        lines.append(f"  {bt.name}：{report.by_type.get(code, 0)}")
    lines.append("按状态：" + "，".join(f"{status_label(s)} {n}" for s, n in sorted(report.by_status.items())))
    lines.append("办理中申请按当前环节：" + "，".join(
        f"{cat.stage_name(code)} {report.by_stage[code]}" for code in cat.stage_names if report.by_stage.get(code)))
    lines.append(f"逾期未补交的容缺资料：{report.overdue_deferred} 项")
    if report.uncovered:
        shown = "、".join(f"{cat.business_name(t)}/{cat.stage_name(s) if s != 'terminated' else '终止'}"
                         for t, s in report.uncovered[:8])
        more = f" 等 {len(report.uncovered)} 种" if len(report.uncovered) > 8 else ""
        lines.append(f"注意：申请数量较少，未覆盖：{shown}{more}（约 {_min_for_coverage()} 条以上可覆盖全部业务类型和环节）")
    lines.append(f"登录账号（密码 {report.password}，无需首次改密）：")
    for username, name, role, window, created in report.logins:
        where = f"，{window}号窗口" if window else ""
        note = "" if created else "（已存在，沿用原密码）"
        lines.append(f"  {username:<8} {name}（{ROLES.get(role, role)}{where}）{note}")
    return "\n".join(lines)


def _min_for_coverage() -> int:
    cat = catalog.load()
    return sum(len(bt.stages) + 1 for bt in cat.business_types.values())
