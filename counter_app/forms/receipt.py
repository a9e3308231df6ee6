"""受理回执: the customer's proof of acceptance, with a QR code and what happens next.

The QR code holds the progress link of the hall's ``progress_url_template`` setting (the number
filled in) and its caption says so; without a template it holds the number and the caption says
that instead. A reprint lists only the items still to be handed in and flags an overdue one; a
terminated case's receipt says 已终止 and announces nothing more.

The receipt leaves the counter in the customer's pocket, so the certificate number and phone are
masked on it: the customer's own copies of the form and letters carry them in full."""

from __future__ import annotations

from counter_app.forms.common import APPOINTMENT_MODE_LABELS, SLOT_LABELS, cn_date, cn_datetime, join_address
from counter_app.forms.letters import material_name
from counter_app.forms.models import DeferredLine, Field, Receipt
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
    if s.is_terminated:
        when = cn_date(s.terminated_at) if s.terminated_at else ""
        reason = f"（原因：{s.terminated_reason}）" if s.terminated_reason else ""
        return (f"本申请已于{when}终止办理{reason}，后续环节不再进行。",
                "如仍需办理，请携带有效证件重新提出申请。")
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
    if s.still_deferred:
        steps.append("请在“容缺资料”表所列日期前将资料补交至营业厅，逾期未补交的业务将被终止办理。")
    if s.due_date:
        estimated = "（预估）" if s.due_estimated else ""
        when = f"承诺办结日期：{cn_date(s.due_date)}{estimated}"
        if s.external_works is not None and s.total_limit_external and s.external_days:
            found = "需要外线工程" if s.external_works else "无需外线工程"
            steps.append(f"{when}（经现场勘查{found}，全过程不超过{s.promised_limit}个工作日）。")
        else:
            external = ""
            if s.total_limit_external and s.external_days:
                external = f"；需要外线工程的不超过{s.total_limit_external}个工作日，现场勘查后告知您"
            steps.append(f"{when}（全过程不超过{s.total_limit}个工作日{external}）。")
    return tuple(steps)


def _received(s: AppSnapshot) -> tuple[str, ...]:
    marks = {"on_file": "（在档）", "supplied": "（已补交）"}
    return tuple(
        material_name(s, m.code, m.name) + marks.get(m.state, "")
        for m in s.materials
        if m.state in ("received", "on_file", "supplied")
    )


def still_due(s: AppSnapshot) -> tuple[DeferredLine, ...]:
    """Deferred items not handed in yet; the one past its date is flagged (a reprint shows it)."""
    today = s.generated_at.date()
    return tuple(
        DeferredLine(i, item.name, cn_date(item.due_date) + ("（预估）" if item.estimated else "")
                     + ("（已逾期，请尽快补交）" if item.due_date and item.due_date < today else ""))
        for i, item in enumerate(s.still_deferred, start=1)
    )


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
    link = hall.progress_link(s.number)
    facts = [
        Field("申请编号", s.number),
        Field("业务类型", s.business_name),
        Field("客户名称", s.customer_name),
        Field("证件号码", mask_id(s.cert_number)),
        Field("联系电话", mask_phone(phone)),
        Field("受理时间", cn_datetime(s.accepted_at)),
        Field("用电地址", join_address(s.address_district, s.address_detail), wide=True),
    ]
    status_note = ""
    if s.is_terminated:
        facts.insert(2, Field("办理状态", "已终止"))
        status_note = f"本申请已终止办理（{cn_date(s.terminated_at)}）" if s.terminated_at else "本申请已终止办理"
    return Receipt(
        header=s.header("receipt"),
        qr_payload=link or s.number,
        qr_caption="扫码查询办理进度" if link else "二维码内容为申请编号，可凭此编号查询办理进度",
        status_note=status_note,
        facts=tuple(facts),
        received=_received(s),
        deferred=() if s.is_terminated else still_due(s),
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
