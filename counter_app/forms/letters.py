"""The letters the customer signs: 材料真实性承诺书, 容缺受理承诺书 and 授权委托书."""

from __future__ import annotations

from counter_app.infra.errors import UserError
from counter_app.forms.common import cn_date, join_address
from counter_app.forms.models import (
    DOC_TITLES,
    AuthenticityLetter,
    DeferralLetter,
    DeferredLine,
    DocHeader,
    Field,
    ProxyLetter,
    SignatureLine,
)
from counter_app.forms.snapshot import AppSnapshot


def _header(s: AppSnapshot, code: str) -> DocHeader:
    return DocHeader(code, DOC_TITLES[code], s.hall.name, s.number, customer_name=s.customer_name,
                     generated_at=s.generated_at)


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
        m.name + ("（在档资料）" if m.state == "on_file" else "")
        for m in s.materials
        if m.state in ("received", "on_file", "supplied")
    )
    return AuthenticityLetter(
        header=_header(s, "commitment"),
        addressee=f"{s.hall.name}：",
        facts=_facts(s),
        body=s.hall.text("authenticity_body", **values),
        materials=submitted,
        consequence=s.hall.text("authenticity_consequence"),
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
        body=s.hall.text("deferral_body", **values),
        items=deferral_lines(s),
        deadline=deadline,
        consequence=s.hall.text("deferral_consequence"),
        signatures=_customer_signatures(s),
    )


def proxy(s: AppSnapshot) -> ProxyLetter:
    if not s.has_agent:
        raise UserError(f"申请 {s.number} 没有经办人（代理人），无需授权委托书")
    principal = [
        Field("委托人（户名/单位名称）", s.customer_name, wide=True),
        Field(s.cert_label, s.cert_number, wide=True),
    ]
    if s.is_organisation:
        principal.append(Field("法定代表人", s.legal_rep_name))
        principal.append(Field("法定代表人身份证号", s.legal_rep_id_number))
    agent = (
        Field("受托人（代理人）", s.agent_name),
        Field("联系电话", s.agent_mobile),
        Field(s.agent_cert_label or "证件号码", s.agent_cert_number, wide=True),
    )
    body = s.hall.text("proxy_body", agent=s.agent_name, agent_cert=s.agent_cert_label or "证件",
                       agent_number=s.agent_cert_number)
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
