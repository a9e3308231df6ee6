"""The letters the customer signs: 材料真实性承诺书, 容缺受理承诺书 and 授权委托书."""

from __future__ import annotations

from counter_app.forms.common import cn_date, join_address, wording
from counter_app.forms.models import (
    AuthenticityLetter,
    DeferralLetter,
    DeferredLine,
    DocHeader,
    Field,
    ProxyLetter,
    SignatureLine,
)
from counter_app.forms.snapshot import AppSnapshot
from counter_app.infra.errors import UserError

PROXY_MATERIAL = "proxy"
AGENT_ID_NAME = "经办人身份证明"


def material_name(s: AppSnapshot, code: str, name: str) -> str:
    """The name a document gives a material. The 授权委托书 is printed in this set and signed at the
    counter, so what was collected of the proxy item is the agent's identity only (never both)."""
    if code == PROXY_MATERIAL and s.has_agent:
        return AGENT_ID_NAME
    return name


def _header(s: AppSnapshot, code: str) -> DocHeader:
    return s.header(code)


def _wording(text: str, s: AppSnapshot) -> str:
    return wording(text, s.is_organisation)


def _facts(s: AppSnapshot) -> tuple[Field, ...]:
    return (
        Field("申请编号", s.number),
        Field("业务类型", s.business_name),
        Field("承诺人", s.customer_name),
        Field(s.cert_label, s.cert_number),
        Field("用电地址", join_address(s.address_district, s.address_detail), wide=True),
    )


def _customer_signatures(s: AppSnapshot) -> tuple[SignatureLine, ...]:
    role = "承诺人（单位盖章）" if s.is_organisation else "承诺人（签字）"
    lines = [SignatureLine(role)]
    if s.is_organisation:
        lines.append(SignatureLine("法定代表人或经办人（签字）"))
    elif s.has_agent:
        lines.append(SignatureLine("经办人（签字）"))
    return tuple(lines)


def authenticity(s: AppSnapshot) -> AuthenticityLetter:
    values = {"hall": s.hall.name, "business": s.business_name, "number": s.number}
    submitted = tuple(
        material_name(s, m.code, m.name) + ("（在档资料）" if m.state == "on_file" else "")
        for m in s.materials
        if m.state in ("received", "on_file", "supplied")
    )
    return AuthenticityLetter(
        header=_header(s, "commitment"),
        addressee=f"{s.hall.name}：",
        facts=_facts(s),
        body=_wording(s.hall.text("authenticity_body", **values), s),
        materials=submitted,
        consequence=_wording(s.hall.text("authenticity_consequence"), s),
        signatures=_customer_signatures(s),
    )


def deferral_lines(s: AppSnapshot) -> tuple[DeferredLine, ...]:
    return tuple(
        DeferredLine(i, item.name, cn_date(item.due_date) + ("（预估）" if item.estimated else ""))
        for i, item in enumerate(s.deferred, start=1)
    )


def deferral(s: AppSnapshot) -> DeferralLetter:
    if not s.has_deferred:
        raise UserError(f"申请 {s.number} 没有容缺资料，无需容缺受理承诺书")
    values = {"hall": s.hall.name, "business": s.business_name, "number": s.number}
    due_dates = [item.due_date for item in s.deferred if item.due_date]
    deadline = cn_date(max(due_dates)) if due_dates else ""
    return DeferralLetter(
        header=_header(s, "deferral"),
        addressee=f"{s.hall.name}：",
        facts=_facts(s),
        body=_wording(s.hall.text("deferral_body", **values), s),
        items=deferral_lines(s),
        deadline=deadline,
        consequence=_wording(s.hall.text("deferral_consequence"), s),
        signatures=_customer_signatures(s),
        channels=s.hall.text("deferral_channels", hall=s.hall.name,
                             address=s.hall.address or s.hall.name, phone=s.hall.phone or s.hall.supervision_phones),
        copies_note=s.hall.text("deferral_copies"),
        office_signatures=(SignatureLine("供电企业受理人（签字）"), SignatureLine("供电企业（盖章）")),
    )


def proxy(s: AppSnapshot) -> ProxyLetter:
    if not s.has_agent:
        raise UserError(f"申请 {s.number} 没有经办人（代理人），无需授权委托书")
    principal = [
        Field("委托人（单位名称）" if s.is_organisation else "委托人（姓名）", s.customer_name, wide=True),
        Field(s.cert_label, s.cert_number, wide=True),
    ]
    if s.is_organisation:
        principal.append(Field("法定代表人", s.legal_rep_name))
        principal.append(Field("法定代表人身份证号", s.legal_rep_id_number))
    principal.append(Field("联系电话", s.contact_mobile or s.contact_phone))
    principal.append(Field("联系地址", s.mailing_address or join_address(s.address_district, s.address_detail),
                           wide=True))
    agent = (
        Field("受托人（代理人）", s.agent_name),
        Field("联系电话", s.agent_mobile),
        Field(s.agent_cert_label or "证件号码", s.agent_cert_number, wide=True),
        Field("联系地址", s.agent_address, wide=True),
    )
    body = _wording(s.hall.text("proxy_body", agent=s.agent_name, agent_cert=s.agent_cert_label or "证件",
                                agent_number=s.agent_cert_number), s)
    matters = (
        Field("委托事项", f"办理{s.business_name}业务（申请编号：{s.number}）", wide=True),
        Field("用电地址", join_address(s.address_district, s.address_detail), wide=True),
        Field("代理权限", s.hall.text("proxy_scope"), wide=True),
        Field("委托期限", s.hall.text("proxy_validity"), wide=True),
    )
    principal_role = "委托人（单位盖章）" if s.is_organisation else "委托人（签字）"
    signatures = (SignatureLine(principal_role),)
    if s.is_organisation:
        signatures += (SignatureLine("法定代表人（签字）"),)
    signatures += (SignatureLine("受托人（签字）"),)
    return ProxyLetter(
        header=_header(s, "proxy"),
        principal=tuple(principal),
        agent=agent,
        body=body,
        matters=matters,
        signatures=signatures,
    )
