"""用电申请表: one universal form; the catalog says which fields this business type requires.

Every field of the universal form is printed; required ones for this type carry "*", fields the
type does not use and that are empty print "/" (the usual mark for "not applicable" on paper forms).
"""

from __future__ import annotations

from counter_app.forms.common import (
    MATERIAL_STATE_LABELS,
    NOT_APPLICABLE,
    capacity,
    cn_date,
    cn_datetime,
    join_address,
    wording,
)
from counter_app.forms.letters import PROXY_MATERIAL, material_name
from counter_app.forms.models import ApplicationForm, Field, MaterialCheck, Section, SignatureLine
from counter_app.forms.snapshot import AppSnapshot
from counter_app.hall.catalog import FIELD_LABELS

ALWAYS = "always"  # fields every application has (number, name, certificate)


class _Fields:
    def __init__(self, snapshot: AppSnapshot) -> None:
        self.required = set(snapshot.required_fields)
        self.optional = set(snapshot.optional_fields)

    def make(self, code: str, label: str, value: str, *, wide: bool = False, applies: bool | None = None) -> Field:
        required = code == ALWAYS or code in self.required
        used = required or code in self.optional if applies is None else applies
        if not value and not used:
            value = NOT_APPLICABLE
        return Field(("*" if required else "") + label, value, required=required, wide=wide)


def sections(snapshot: AppSnapshot) -> tuple[Section, ...]:
    f = _Fields(snapshot)
    s = snapshot
    org = s.is_organisation
    agent_cert = f"{s.agent_cert_label} {s.agent_cert_number}".strip() if s.has_agent else ""
    result = [
        Section("申请信息", (
            f.make(ALWAYS, "申请编号", s.number),
            f.make(ALWAYS, "业务类型", s.business_name),
            f.make(ALWAYS, "受理日期", cn_date(s.accepted_at)),
            f.make("account_number", FIELD_LABELS["account_number"], s.account_number),
        )),
        Section("客户信息", (
            *((f.make("previous_holder_name", "原户名", s.previous_holder_name, wide=True),) if s.is_transfer else ()),
            f.make(ALWAYS, "新户名" if s.is_transfer else "户名/单位名称", s.customer_name, wide=True),
            f.make(ALWAYS, "证件类型", s.cert_label),
            f.make(ALWAYS, "证件号码", s.cert_number),
            f.make("legal_rep_name", "法定代表人", s.legal_rep_name, applies=org or "legal_rep_name" in f.required),
            f.make("legal_rep_name", "法定代表人身份证号", s.legal_rep_id_number,
                   applies=org or "legal_rep_name" in f.required),
            f.make("agent", "经办人", s.agent_name, applies=s.has_agent),
            f.make("agent", "经办人证件", agent_cert, applies=s.has_agent),
            f.make("agent", "经办人电话", s.agent_mobile, applies=s.has_agent),
            f.make("contact_name", "联系人", s.contact_name),
            f.make("contact_mobile", "移动电话", s.contact_mobile),
            f.make("contact_phone", "固定电话", s.contact_phone),
            f.make("address_detail", "用电地址", join_address(s.address_district, s.address_detail), wide=True),
            f.make("mailing_address", "通信地址", s.mailing_address, wide=True),
        )),
        Section("用电需求", (
            f.make("usage_category", "用电类别", s.usage_category, applies=bool(s.usage_category) or None),
            f.make("industry", "行业分类", s.industry),
            f.make("existing_capacity", "原有容量", capacity(s.existing_capacity, s.capacity_unit)),
            f.make("applied_capacity", "申请容量", capacity(s.applied_capacity, s.capacity_unit)),
            f.make("total_capacity", "合计容量", capacity(s.total_capacity, s.capacity_unit),
                   applies="applied_capacity" in f.required),
            f.make("supply_voltage", "供电电压", s.supply_voltage, applies="applied_capacity" in f.required),
            f.make("load_importance", "负荷重要性", s.load_importance),
            f.make("wanted_date", FIELD_LABELS["wanted_date"], cn_date(s.wanted_date)),
            f.make("project_name", "项目名称", s.project_name, wide=True),
        )),
    ]
    if s.is_high_voltage:
        result.append(Section("高压供电需求", (
            f.make("supply_mode", "电源数/供电方式", s.supply_mode),
            f.make("security_load", "保安负荷", s.security_load),
            f.make("main_equipment", "主要用电设备及变压器", s.main_equipment, wide=True),
            f.make("planned_load", "计划负荷及投运时间", s.planned_load, wide=True),
        )))
    vat_used = "vat" in f.required or "vat" in f.optional
    if org or vat_used or s.vat_taxpayer_number:
        result.append(Section("增值税发票信息（企业客户）", (
            f.make("vat", "纳税人识别号", s.vat_taxpayer_number),
            f.make("vat", "开户银行", s.vat_bank),
            f.make("vat", "银行账号", s.vat_account),
            f.make("vat", "注册电话", s.vat_phone),
            f.make("vat", "注册地址", s.vat_address, wide=True),
        )))
    # a section this business type does not use at all (用电需求 of a 过户/更名) is left off the form
    result = [sec for sec in result if any(f.value != NOT_APPLICABLE for f in sec.fields)]
    result.append(Section("其他", (
        f.make("remarks", "备注", s.remarks + ("（绿色通道）" if s.green_channel and "绿色通道" not in s.remarks else ""),
               wide=True),
    )))
    return tuple(result)


def material_checks(snapshot: AppSnapshot) -> tuple[MaterialCheck, ...]:
    by_code = {m.code: m for m in snapshot.materials}
    ordered = [by_code.get(code) for code, *_ in snapshot.catalog_materials]
    names = {code: name for code, name, *_ in snapshot.catalog_materials}
    catalog_codes = set(names)
    checks = []
    for (code, *_), line in zip(snapshot.catalog_materials, ordered, strict=True):
        checks.append(_check(names[code], line))
    checks += [_check(material_name(snapshot, m.code, m.name), m, renamed=m.code == PROXY_MATERIAL)
               for m in snapshot.materials if m.code not in catalog_codes]
    if snapshot.has_agent:
        checks.append(MaterialCheck("授权委托书", False, "本套单据打印，委托人现场签署后归档"))
    return tuple(checks)


def _check(name: str, line, *, renamed: bool = False) -> MaterialCheck:
    if line is None:
        return MaterialCheck(name, False, "未收")
    if line.state == "deferred":
        return MaterialCheck(name, False, f"容缺，{cn_date(line.due_date)}前补交" if line.due_date else "容缺")
    if line.state == "missing":
        return MaterialCheck(name, False, "未收")
    note = MATERIAL_STATE_LABELS.get(line.state, line.state)
    if line.copies and line.copies > 1:
        note += f"，{line.copies}份"
    return MaterialCheck(name if renamed else (line.name or name), True, note)


def build(snapshot: AppSnapshot) -> ApplicationForm:
    s = snapshot
    signatures = [SignatureLine("新户主（签字/盖章）" if s.is_transfer else "申请人（签字/盖章）")]
    if s.is_transfer:
        signatures.append(SignatureLine("原户主（签字/盖章）"))
    if s.has_agent:
        signatures.append(SignatureLine("经办人（签字）"))
    return ApplicationForm(
        header=s.header("form"),
        business_name=s.business_name,
        legend="带 * 的为本业务必填项，“/”表示本业务不涉及。本表由受理人员根据客户提供的证件和资料录入，客户核对无误后签字确认。",
        sections=sections(s),
        declaration=wording(s.hall.text("form_declaration"), s.is_organisation),
        signatures=tuple(signatures),
        materials=material_checks(s),
        office=(
            Field("受理人", s.clerk_name),
            Field("受理营业厅", s.hall.name),
            Field("受理窗口", s.window_name),
            Field("受理时间", cn_datetime(s.accepted_at)),
        ),
        office_opinion="□ 资料齐全，同意受理\n□ 容缺受理（见承诺书）",
        office_signatures=(SignatureLine("受理人签字"), SignatureLine("单位盖章")),
    )
