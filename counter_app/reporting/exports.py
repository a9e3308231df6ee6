"""Exports to Excel: kind + filters → .xlsx, with permission checks, masking and a record of each.

Kinds: the registers of :mod:`counter_app.reporting.registers` and ``handover`` (one batch). Personal data
(ID numbers, phones) is masked unless an unmasked export is asked for with a reason by a role that
may (``Perm.EXPORT_UNMASKED``; the command line run on the server counts as such). The file is
written to a temporary file next to the target and moved into place only when complete, so a
cancelled or failed export leaves nothing half-written, and the target's lock (open in Excel) is
detected before any work. Every finished export is recorded (ExportRecord + audit entry) in one
transaction; if that fails the file is removed again: no unrecorded export leaves the system.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from counter_app.hall import hall as hall_mod
from counter_app.infra import clock
from counter_app.infra.atomic_files import refuse_read_only, write_problem
from counter_app.infra.context import Actor
from counter_app.infra.errors import UserError, ValidationFailed
from counter_app.models import HandoverBatch
from counter_app.printing.excel import Cancelled, Column, SheetSpec, write_xlsx
from counter_app.reporting import registers
from counter_app.reporting.recorded_export import write_recorded
from counter_app.reporting.workload_register import standard_text
from counter_app.security import privacy
from counter_app.security.permissions import ROLES, Perm, allowed, refuse, require
from counter_app.tracking import handover

KIND_TITLES = {**registers.REGISTER_TITLES, "handover": "交接清单"}
SIGNATURE_LINE = ("移交人（签字）：______________　　日期：______________　　　　"
                  "接收人（签字）：______________　　日期：______________")

ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class ExportRequest:
    kind: str
    filters: registers.RegisterFilter = field(default_factory=registers.RegisterFilter)
    batch_id: int | None = None  # handover only
    unmasked: bool = False
    reason: str = ""


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    record_id: int
    unmasked: bool


def default_filename(kind: str, flt: registers.RegisterFilter | None = None, batch_number: str = "") -> str:
    title = KIND_TITLES.get(kind, kind)
    if kind == "handover":
        return f"{title}_{batch_number}.xlsx" if batch_number else f"{title}_{clock.today():%Y%m%d}.xlsx"
    if flt and (flt.date_from or flt.date_to):
        start = f"{flt.date_from:%Y%m%d}" if flt.date_from else "最早"
        end = f"{flt.date_to:%Y%m%d}" if flt.date_to else f"{clock.today():%Y%m%d}"
        return f"{title}_{start}-{end}.xlsx"
    return f"{title}_{clock.today():%Y%m%d}.xlsx"


# --- the target file ------------------------------------------------------------------------------


def check_target(path: str | Path) -> Path:
    """Refuse at once a target that cannot be written, with a message saying what to do."""
    target = Path(path).expanduser()
    if target.suffix.lower() != ".xlsx":
        raise ValidationFailed({"path": f"导出文件名应以 .xlsx 结尾：{target.name}"})
    if target.is_dir():
        raise ValidationFailed({"path": f"{target} 是一个文件夹，请输入文件名（如 台账.xlsx）"})
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise ValidationFailed({"path": f"无法写入 {target}：文件夹 {parent} 不存在，请先创建或另选位置"})
    if target.exists():
        try:
            refuse_read_only(target)
            with open(target, "r+b"):
                pass
        except OSError as exc:
            raise UserError(write_problem(target, exc), field="path") from None
    probe = parent / f".{target.name}.{uuid.uuid4().hex[:8]}.probe"
    try:
        with open(probe, "wb"):
            pass
    except OSError as exc:
        raise UserError(write_problem(target, exc), field="path") from None
    finally:
        probe.unlink(missing_ok=True)
    return target


# --- the export -----------------------------------------------------------------------------------


def _check(db, actor: Actor, request: ExportRequest) -> None:
    if request.kind not in KIND_TITLES:
        raise UserError(f"未知的导出类型：{request.kind}（可选：{'、'.join(KIND_TITLES)}）")
    if request.kind == "handover":
        if request.batch_id is None:
            raise ValidationFailed({"batch": "导出交接清单需指定交接批次（--batch 批次号）"})
        if not (allowed(actor, Perm.HANDOVER) or allowed(actor, Perm.RECEIVE_HANDOVER)
                or allowed(actor, Perm.EXPORT_REGISTERS) or actor.is_system):
            require(db, actor, Perm.HANDOVER, target_type="export", target_id=request.kind)
    elif not actor.is_system:
        require(db, actor, Perm.EXPORT_REGISTERS, target_type="export", target_id=request.kind)
    if request.unmasked:  # the one policy for unmasked exports: permission, then a recorded reason
        privacy.export_masking(db, actor, unmasked=True, reason=request.reason, kind=request.kind)
    request.filters.validate()


def _who(actor: Actor) -> str:
    return f"{actor.name}（{ROLES.get(actor.role, actor.role)}）"


def _masking_note(request: ExportRequest) -> str:
    if request.unmasked:
        return f"本表含完整证件号码和联系电话（未脱敏，原因：{request.reason.strip()}），请妥善保管，勿外传"
    return "证件号码和联系电话已脱敏"


def _register_sheet(session, actor: Actor, request: ExportRequest) -> tuple[SheetSpec, int]:
    data = registers.stream(session, actor, request.kind, request.filters, masked=not request.unmasked)
    hall_ids = hall_mod.view_halls(session, actor, request.filters.hall_id)
    hall = hall_mod.home_hall(session, actor, request.filters.hall_id, hall_ids)
    hall_name = hall.name if len(hall_ids) == 1 else f"{len(hall_ids)}个营业厅"
    notes = [f"筛选条件：{data.filter_text}",
             f"导出：{_who(actor)} {clock.now():%Y-%m-%d %H:%M}；{hall_name}；{_masking_note(request)}"]
    # each hall's rows are reckoned with its own settings (kept in the unit by registers.stream)
    settings = [hall_mod.all_settings(session, one) for one in hall_ids]
    if request.kind == "warnings":
        ratios = {float(s["warning_yellow_ratio"]) for s in settings}
        share = f"{ratios.pop():.0%} " if len(ratios) == 1 else "各营业厅设置的比例"
        notes.append(f"预警规则：环节时限（工作日）已用 {share}及以上为黄色预警，"
                     "超过环节或全流程时限为红色超期；各营业厅按本厅的节假日和环节时限计算；绿色通道优先列出")
    elif request.kind == "workload":
        standard = standard_text(int(s["counter_standard_minutes"]) for s in settings)
        notes.append(f"窗口用时：从录入证件到保存受理的时长；标准为{standard}以内；未计时的受理不计入平均")
    spec = SheetSpec(
        name=data.register.sheet, title=f"{hall_name}{data.register.title}", columns=data.columns,
        rows=data.rows, notes=notes, totals=data.totals, freeze_columns=data.register.freeze_columns,
        header_note=data.register.title,
    )
    return spec, data.total


HANDOVER_COLUMNS = (
    Column("序号", "int", width=5), Column("申请编号", width=20.5), Column("户名", width=16, wrap=True),
    Column("业务类型", width=12.5, wrap=True), Column("用电地址", width=24, wrap=True), Column("联系电话", width=13),
    Column("受理时间", "datetime"), Column("受理人", width=8), Column("资料份数", "int", width=6, total="sum"),
    Column("容缺资料及补交期限", width=24, wrap=True), Column("备注", width=16, wrap=True),
)


def _handover_sheet(session, actor: Actor, request: ExportRequest) -> tuple[SheetSpec, int]:
    batch = session.get(HandoverBatch, request.batch_id)
    if batch is None:
        raise UserError("交接批次不存在（可能已被撤销），请刷新后重试")
    if (not allowed(actor, Perm.RECEIVE_HANDOVER) and not allowed(actor, Perm.EXPORT_REGISTERS)
            and not actor.is_system and batch.window_id != actor.window_id):
        raise refuse(actor, "只能导出本窗口的交接清单", target_type="handover_batch", target_id=batch.number)
    detail = handover.load_detail(session, batch, masked=not request.unmasked)
    b = detail.batch
    rows = [
        (item.seq, item.number, item.customer_name, item.business_type, item.address, item.phone,
         item.accepted_at, item.clerk, item.copies, item.deferred, item.remark_label)
        for item in detail.items
    ]
    notes = [f"营业厅：{detail.hall_name}　窗口：{b.window_name}　批次号：{b.number}　"
             f"日期：{b.created_at:%Y-%m-%d}　班次：{b.shift}　移交人：{b.created_by}"]
    if b.locked:
        notes.append(f"状态：已确认接收（接收人：{b.receiver_name}，{b.confirmed_at:%Y-%m-%d %H:%M}）")
    else:
        notes.append("状态：待接收")
    notes.append(f"导出：{_who(actor)} {clock.now():%Y-%m-%d %H:%M}；{_masking_note(request)}")
    spec = SheetSpec(
        name="交接清单", title="业扩报装资料交接清单", columns=HANDOVER_COLUMNS, rows=rows, notes=notes,
        totals=True, total_label="合计", footer_lines=[SIGNATURE_LINE], header_note=b.number,
    )
    return spec, len(rows)


def export(
    db,
    actor: Actor,
    request: ExportRequest,
    path: str | Path,
    *,
    progress: ProgressFn | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ExportResult:
    """Write the export to ``path`` (.xlsx) and record it. Raises :class:`Cancelled` when
    ``cancelled()`` turns true (nothing is written or recorded then)."""
    _check(db, actor, request)
    target = check_target(path)
    batch_number = ""

    def write(temp: Path) -> int:
        nonlocal batch_number
        with db.read() as session:
            if request.unmasked:
                privacy.full_values_in_database(session, actor, kind=request.kind, reason=request.reason)
            if request.kind == "handover":
                spec, total = _handover_sheet(session, actor, request)
                batch_number = session.get(HandoverBatch, request.batch_id).number
            else:
                spec, total = _register_sheet(session, actor, request)
            report = (lambda n: progress(n, total)) if progress is not None else None
            if progress is not None:
                progress(0, total)
            [rows] = write_xlsx(temp, [spec], progress=report, cancelled=cancelled)
        return rows

    def filters() -> dict:  # the handover list names the batch it turned out to be
        if request.kind == "handover":
            return {"batch_id": request.batch_id, "batch": batch_number}
        return request.filters.as_dict()

    rows, record_id = write_recorded(db, actor, target, write, kind=request.kind, filters=filters,
                                     unmasked=request.unmasked, reason=request.reason)
    return ExportResult(target, rows, record_id, request.unmasked)


__all__ = [
    "KIND_TITLES",
    "Cancelled",
    "ExportRequest",
    "ExportResult",
    "check_target",
    "default_filename",
    "export",
]
