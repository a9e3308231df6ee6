"""受理回执: the customer's proof of acceptance, with a QR code of the number and what happens next.

The receipt leaves the counter in the customer's pocket, so the certificate number and phone are
masked on it: the customer's own copies of the form and letters carry them in full."""

from __future__ import annotations

from counter_app.forms.common import APPOINTMENT_MODE_LABELS, SLOT_LABELS, cn_date, cn_datetime, join_address
from counter_app.forms.letters import deferral_lines
from counter_app.forms.models import DOC_TITLES, DocHeader, Field, Receipt
from counter_app.forms.snapshot import AppSnapshot
from counter_app.security.redaction import mask_id, mask_phone


def _appointment_text(s: AppSnapshot) -> str:
    a = s.appointment
    if a is None:
        return ""
    mode = APPOINTMENT_MODE_LABELS.get(a.mode, a.mode)
    if a.mode == "by_date":
        when = f"{cn_date(a.day)}前"
    else:
        slot = SLOT_LABELS.get(a.slot, a.slot)
        when = f"{cn_date(a.day)} {slot}".strip()
    team = f"，由{a.team}上门" if a.team else ""
    note = f"（{a.note}）" if a.note else ""
    return f"现场勘查已预约（{mode}）：{when}{team}{note}，请保持电话畅通并安排人员在现场配合。"


def next_steps(s: AppSnapshot) -> tuple[str, ...]:
    steps = []
    stage_codes = [code for code, _name, _days in s.stages]
    appointment = _appointment_text(s)
    if appointment:
        steps.append(appointment)
    elif "survey" in stage_codes:
        days = next(d for code, _n, d in s.stages if code == "survey")
        steps.append(f"工作人员将在{days}个工作日内与您联系预约现场勘查时间，请保持电话畅通。")
    following = [name for code, name, _d in s.stages if code not in ("accept", "survey", "archive")]
    if following:
        steps.append("后续环节：" + " → ".join(following) + "。")
    if s.deferred:
        steps.append("请在下表所列日期前将容缺资料补交至营业厅，逾期未补交的业务将被终止办理。")
    if s.due_date:
        estimated = "（预估）" if s.due_estimated else ""
        steps.append(f"预计办结日期：{cn_date(s.due_date)}{estimated}（全过程不超过{s.total_limit}个工作日）。")
    return tuple(steps)


def build(s: AppSnapshot) -> Receipt:
    hall = s.hall
    phone = s.contact_mobile or s.contact_phone
    contact_lines = []
    if hall.address:
        contact_lines.append(f"营业厅地址：{hall.address}")
    if hall.phone:
        contact_lines.append(f"营业厅电话：{hall.phone}")
    if hall.supervision_phones:
        contact_lines.append(f"服务监督电话：{hall.supervision_phones}")
    return Receipt(
        header=DocHeader("receipt", DOC_TITLES["receipt"], hall.name, s.number,
                         customer_name=s.customer_name, generated_at=s.generated_at),
        qr_payload=s.number,
        facts=(
            Field("申请编号", s.number),
            Field("业务类型", s.business_name),
            Field("客户名称", s.customer_name),
            Field("证件号码", mask_id(s.cert_number)),
            Field("联系电话", mask_phone(phone)),
            Field("受理时间", cn_datetime(s.accepted_at)),
            Field("用电地址", join_address(s.address_district, s.address_detail), wide=True),
        ),
        received=tuple(
            m.name + ("（在档）" if m.state == "on_file" else "")
            for m in s.materials
            if m.state in ("received", "on_file", "supplied")
        ),
        deferred=deferral_lines(s),
        next_steps=next_steps(s),
        progress_query_text=hall.progress_query_text,
        contact_lines=tuple(contact_lines),
        note=hall.text("receipt_note"),
        office=(
            Field("受理人", s.clerk_name),
            Field("受理窗口", s.window_name),
            Field("受理营业厅", hall.name),
        ),
    )
