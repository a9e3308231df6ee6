"""办理进度单: what the customer takes home when asking “where is my application?” at the counter.

Built from ``progress.Progress`` (the same view the counter sees); no certificate number or phone is
printed. A due date in a year the official calendar does not know yet is printed with “（预估）” and
explained below the table."""

from __future__ import annotations

from dataclasses import dataclass

from counter_app.infra import clock
from counter_app.forms.common import cn_date, cn_datetime
from counter_app.forms.models import DocHeader, Field
from counter_app.hall.workdays import Deadline

TITLE = "用电业务办理进度单"
ESTIMATE_NOTE = ("标注“预估”的日期所在年度的国家节假日安排尚未公布（或本厅尚未录入），暂按周末推算，"
                 "以实际公布的安排为准。")


@dataclass(frozen=True)
class SlipRow:
    stage: str
    started: str
    ended: str
    handler: str
    due: str
    state: str


@dataclass(frozen=True)
class SlipItem:
    name: str
    due: str
    state: str


@dataclass(frozen=True)
class ProgressSlip:
    header: DocHeader
    facts: tuple[Field, ...]
    rows: tuple[SlipRow, ...]
    deferred: tuple[SlipItem, ...]
    notes: tuple[str, ...]
    contact_lines: tuple[str, ...]
    printed_by: str


def deadline_text(deadline: Deadline | None, prefix: str = "") -> str:
    if deadline is None:
        return ""
    return f"{prefix}{cn_date(deadline.day)}" + ("（预估）" if deadline.estimated else "")


def build(p, *, printed_by: str = "") -> ProgressSlip:
    """``p`` is a ``progress.Progress``."""
    status = p.status_label + (f"（{p.terminated_reason}）" if p.terminated_reason else "")
    facts = [
        Field("户名", p.customer_name),
        Field("业务类型", p.business_name),
        Field("用电地址", p.address, wide=True),
        Field("受理时间", cn_datetime(p.accepted_at)),
        Field("办理状态", status),
        Field("当前环节", p.current_stage_name if p.status == "active" else "—"),
        Field("当前处理人", p.current_handler if p.status == "active" else "—"),
        Field("本环节期限", deadline_text(p.stage_due) + ("（已超期）" if p.overdue else "")),
        Field("承诺办结日期", deadline_text(p.promised)),
        Field("预计办结日期", deadline_text(p.expected)),
    ]
    if p.green_channel:
        facts.append(Field("绿色通道", f"是，客户经理：{p.green_manager}" if p.green_manager else "是"))
    rows = tuple(
        SlipRow(
            stage=r.stage_name + (f"（{r.action_label}）" if r.action_label == "退回" else ""),
            started=cn_datetime(r.started_at), ended=cn_datetime(r.ended_at), handler=r.handler,
            due=deadline_text(r.due, "约" if r.state == "planned" else ""), state=r.state_label,
        )
        for r in p.timeline
    )
    deferred = tuple(
        SlipItem(d.name, deadline_text(d.due), d.state_label + (f"（{cn_date(d.supplied_at)}）" if d.supplied_at else ""))
        for d in p.deferred
    )
    estimated = any(x is not None and x.estimated for x in (p.stage_due, p.promised, p.expected)) or any(
        r.due is not None and r.due.estimated for r in p.timeline)
    notes = ["期限均按工作日计算（含国家法定节假日调休安排）。"]
    if estimated:
        notes.append(ESTIMATE_NOTE)
    if any(d.overdue for d in p.deferred):
        notes.append("您有容缺资料已超过承诺补交期限，请尽快到营业厅补交，逾期未补交的申请可能被终止办理。")
    contacts = [line for line in (p.query_text, f"服务监督电话：{p.supervision_phone}" if p.supervision_phone else "")
                if line]
    header = DocHeader(code="progress_slip", title=TITLE, hall_name=p.hall_name, number=p.number,
                       customer_name=p.customer_name, generated_at=clock.now())
    return ProgressSlip(header=header, facts=tuple(facts), rows=rows, deferred=deferred, notes=tuple(notes),
                        contact_lines=tuple(contacts), printed_by=printed_by)
