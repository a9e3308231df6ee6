"""The audit trail to Excel (supervisors, admins): the filtered entries through the one Excel writer,
written to a temporary file and moved into place when complete, then recorded as an export (an
export that cannot be recorded does not stay behind)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from counter_app.hall import hall
from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.printing.excel import Column, SheetSpec, write_xlsx
from counter_app.reporting.exports import ExportResult, check_target
from counter_app.reporting.recorded_export import write_recorded
from counter_app.security import audit_trail
from counter_app.security.permissions import ROLES, Perm, require

KIND = "audit"
TITLE = "审计日志"
COLUMNS = (
    Column("序号", "int", width=7), Column("时间", "datetime", width=17), Column("用户名", width=12),
    Column("姓名", width=9), Column("窗口", width=6), Column("电脑", width=14), Column("操作", width=13),
    Column("对象类型", width=9), Column("对象编号", width=20), Column("结果", width=7),
    Column("详情", width=48, wrap=True),
)


def default_filename(flt: audit_trail.AuditFilter) -> str:
    start = f"{flt.since:%Y%m%d}" if flt.since else "最早"
    end = f"{flt.until - dt.timedelta(seconds=1):%Y%m%d}" if flt.until else f"{clock.today():%Y%m%d}"
    return f"{TITLE}_{start}-{end}.xlsx"


def describe(flt: audit_trail.AuditFilter) -> str:
    parts = []
    if flt.since or flt.until:
        start = f"{flt.since:%Y-%m-%d}" if flt.since else "最早"
        end = f"{flt.until - dt.timedelta(seconds=1):%Y-%m-%d}" if flt.until else "至今"
        parts.append(f"日期 {start} 至 {end}")
    if flt.username:
        parts.append(f"用户 {flt.username}")
    if flt.action:
        parts.append(f"操作 {audit_trail.ACTION_LABELS.get(flt.action, flt.action)}")
    if flt.window_no is not None:
        parts.append(f"{flt.window_no}号窗口")
    if flt.outcome:
        parts.append(f"结果 {audit_trail.OUTCOME_LABELS.get(flt.outcome, flt.outcome)}")
    if flt.text:
        parts.append(f"关键字 {flt.text}")
    return "；".join(parts) or "全部"


def export_xlsx(
    db,
    actor: Actor,
    flt: audit_trail.AuditFilter,
    path: str | Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ExportResult:
    """Write the entries matching ``flt`` (oldest first) to ``path`` and record the export.
    Raises PermissionDenied without Perm.VIEW_AUDIT, UserError for a target that cannot be written,
    ``Cancelled`` when ``cancelled()`` turns true (then nothing is written or recorded)."""
    require(db, actor, Perm.VIEW_AUDIT, target_type="export", target_id=KIND)
    target = check_target(path)
    total = audit_trail.total(db, actor, flt)
    with db.brief() as session:  # the halls whose entries the export holds (audit_trail.hall_scope)
        in_view = hall.view_halls(session, actor)
        hall_name = hall.require_hall(session, actor, in_view[0]).name if len(in_view) == 1 else f"{len(in_view)}个营业厅"
    notes = [f"筛选条件：{describe(flt)}",
             f"导出：{actor.name}（{ROLES.get(actor.role, actor.role)}）{clock.now():%Y-%m-%d %H:%M}；{hall_name}；"
             "证件号码和手机号码已脱敏"]
    spec = SheetSpec(name=TITLE, title=f"{hall_name}{TITLE}", columns=COLUMNS,
                     rows=audit_trail.export_rows(db, actor, flt), notes=notes, header_note=TITLE)

    def write(temp: Path) -> int:
        if progress is not None:
            progress(0, total)
        report = (lambda n: progress(n, total)) if progress is not None else None
        [rows] = write_xlsx(temp, [spec], progress=report, cancelled=cancelled)
        return rows

    rows, record_id = write_recorded(db, actor, target, write, kind=KIND, filters=flt.describe())
    return ExportResult(target, rows, record_id, False)
