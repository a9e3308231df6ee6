"""What the clerk enters for one acceptance, the materials checklist, and the checks with a Chinese
message per field. Pure Python: the window checks as the clerk types, the service checks again
inside the saving transaction with the customer's record (materials on file, blacklist)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from counter_app.hall import catalog as catalog_mod
from counter_app.acceptance import identity, survey
from counter_app.hall.catalog import FIELD_LABELS, BusinessType

MATERIAL_STATES = {"received": "已收", "on_file": "在档", "deferred": "容缺"}
# identity papers the archive keeps and a later application may reuse (在档); address papers are
# tied to one address and are asked for again
REUSABLE_MATERIALS = ("holder_id", "subject_cert", "legal_rep_id")
AGENT_MATERIAL = "proxy"
PERMANENT = "长期"

LABELS: dict[str, str] = {
    **FIELD_LABELS,
    "cert_type": "证件类型",
    "cert_number": "证件号码",
    "holder_name": "客户名称",
    "cert_valid_until": "证件有效期至",
    "business_type": "业务类型",
    "capacity_unit": "容量单位",
    "legal_rep_id_number": "法定代表人身份证号",
    "agent_name": "经办人姓名",
    "agent_cert_type": "经办人证件类型",
    "agent_cert_number": "经办人证件号码",
    "agent_mobile": "经办人手机",
    "vat_taxpayer_number": "纳税人识别号",
    "vat_bank": "开户银行",
    "vat_account": "银行账号",
    "vat_address": "注册地址",
    "vat_phone": "注册电话",
    "green_reason": "绿色通道原因",
    "green_manager": "客户经理",
}

# column sizes of models.Application / Certificate, so nothing is cut when saved
MAX_LEN = {
    "holder_name": 120,
    "cert_address": 200,
    "cert_issuer": 100,
    "account_number": 30,
    "address_district": 100,
    "address_detail": 200,
    "mailing_address": 200,
    "contact_name": 60,
    "contact_phone": 30,
    "industry": 60,
    "project_name": 200,
    "legal_rep_name": 60,
    "legal_rep_id_number": 30,
    "agent_name": 60,
    "agent_cert_number": 40,
    "vat_taxpayer_number": 30,
    "vat_bank": 100,
    "vat_account": 40,
    "vat_address": 200,
    "vat_phone": 30,
    "green_reason": 200,
    "green_manager": 60,
    "remarks": 2000,
}

VAT_FIELDS = ("vat_taxpayer_number", "vat_bank", "vat_account", "vat_address", "vat_phone")
CAPACITY_FIELDS = ("existing_capacity", "applied_capacity", "total_capacity", "supply_voltage")
REDUCING_TYPES = {"reduce", "suspend"}  # applied capacity is taken off the existing one
MAX_CAPACITY = Decimal("9999999")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class AcceptanceInput:
    """The universal form. Text as typed; capacities and dates may be text or typed values."""

    cert_type: str = "id_card"
    cert_number: str = ""
    holder_name: str = ""
    cert_sex: str = ""
    cert_birth_date: dt.date | str | None = None
    cert_address: str = ""
    cert_valid_until: dt.date | str | None = None  # date, "长期" or empty
    cert_issuer: str = ""

    business_type: str = "lv_res_new"
    account_number: str = ""
    address_district: str = ""
    address_detail: str = ""
    mailing_address: str = ""
    contact_name: str = ""
    contact_mobile: str = ""
    contact_phone: str = ""
    usage_category: str = ""
    industry: str = ""
    existing_capacity: Decimal | str | int | float = ""
    applied_capacity: Decimal | str | int | float = ""
    supply_voltage: str = ""
    load_importance: str = ""
    wanted_date: dt.date | str | None = None
    project_name: str = ""

    legal_rep_name: str = ""
    legal_rep_id_number: str = ""
    has_agent: bool = False
    agent_name: str = ""
    agent_cert_type: str = "id_card"
    agent_cert_number: str = ""
    agent_mobile: str = ""

    vat_taxpayer_number: str = ""
    vat_bank: str = ""
    vat_account: str = ""
    vat_address: str = ""
    vat_phone: str = ""

    green_channel: bool = False
    green_reason: str = ""
    green_manager: str = ""
    remarks: str = ""

    materials: dict[str, str] = field(default_factory=dict)  # code -> received | on_file | deferred
    appointment: survey.AppointmentInput | None = None
    cert_entered_at: dt.datetime | None = None

    def to_dict(self) -> dict:
        """JSON-able (drafts)."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "appointment":
                value = value.to_dict() if value else None
            elif isinstance(value, dt.datetime | dt.date):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, dict):
                value = dict(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AcceptanceInput:
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["appointment"] = survey.AppointmentInput.from_dict(values.get("appointment"))
        entered = values.get("cert_entered_at")
        if isinstance(entered, str):
            try:
                values["cert_entered_at"] = dt.datetime.fromisoformat(entered)
            except ValueError:
                values["cert_entered_at"] = None
        values["materials"] = dict(values.get("materials") or {})
        return cls(**values)


@dataclass(frozen=True)
class PlanItem:
    """One line of the materials checklist of this business type for this customer."""

    code: str
    name: str
    when: str  # now | later
    deferrable: bool
    on_file: bool
    on_file_until: dt.date | None
    blacklisted: bool = False

    @property
    def states(self) -> tuple[str, ...]:
        states = ["received"]
        if self.on_file:
            states.append("on_file")
        if self.deferrable and not self.blacklisted:
            states.append("deferred")
        return tuple(states)

    @property
    def default_state(self) -> str:
        return "on_file" if self.on_file else "received"


def material_plan(
    business_type: str,
    *,
    has_agent: bool = False,
    on_file: Mapping[str, dt.date | None] | None = None,
    blacklisted: bool = False,
    today: dt.date | None = None,
    cat: catalog_mod.Catalog | None = None,
) -> list[PlanItem]:
    """The checklist: the catalog's materials of the type (+ power of attorney with an agent).

    ``on_file`` maps a material code to its valid-until date (None = no expiry); expired ones are
    asked for again."""
    cat = cat or catalog_mod.load()
    bt = cat.business_type(business_type)
    defs = list(bt.materials)
    if has_agent and AGENT_MATERIAL not in {m.code for m in defs}:
        defs.append(cat.materials[AGENT_MATERIAL])
    on_file = on_file or {}
    items = []
    for m in defs:
        valid = (
            m.code in on_file
            and m.code in REUSABLE_MATERIALS
            and (on_file[m.code] is None or today is None or on_file[m.code] >= today)
        )
        items.append(
            PlanItem(
                m.code,
                m.name,
                m.when,
                m.deferrable,
                valid,
                on_file.get(m.code) if valid else None,
                blacklisted,
            )
        )
    return items


def field_roles(bt: BusinessType) -> dict[str, str]:
    """field code -> "required" | "optional" for the universal form (others hidden)."""
    roles: dict[str, str] = {}
    for code in bt.optional:
        roles[code] = "optional"
    for code in bt.required:
        roles[code] = "required"
    if "vat" in roles:
        for name in VAT_FIELDS:
            roles[name] = roles["vat"]
    if "legal_rep_name" in roles:
        roles["legal_rep_id_number"] = "optional"
    if "applied_capacity" in roles:
        roles.setdefault("total_capacity", "computed")
        roles.setdefault("supply_voltage", "optional")
    roles.setdefault("remarks", "optional")
    return roles


def total_capacity(business_type: str, existing: Decimal, applied: Decimal) -> Decimal:
    if business_type in REDUCING_TYPES:
        return max(existing - applied, Decimal("0"))
    return existing + applied


def capacity_unit(bt: BusinessType) -> str:
    return "kVA" if bt.is_high_voltage else "kW"


def parse_decimal(value: Any) -> Decimal | None:
    """None when empty; raises ValueError when not a number."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        number = value
    else:
        # not identity.normalize: it drops "-" (certificate numbers), which made "-8" read as 8
        text = "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in str(value))
        text = text.replace("\u2212", "-").replace(" ", "").replace("\u3000", "").upper()
        text = text.replace(",", "").replace("，", "")
        text = text.removesuffix("KW").removesuffix("KVA")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(text) from None
    if not number.is_finite():
        raise ValueError(str(value))
    return number


def parse_date(value: Any) -> dt.date | None:
    """None when empty; raises ValueError when not YYYY-MM-DD (also YYYYMMDD, YYYY/MM/DD, YYYY.MM.DD)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = identity.normalize(str(value)).replace("/", "-").replace(".", "")
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return dt.date.fromisoformat(text)


@dataclass
class Checked:
    """The input after the checks: values ready to store, the checklist with states, warnings."""

    app: dict[str, Any]
    cert: dict[str, Any]
    materials: list[tuple[PlanItem, str]]
    appointment: survey.AppointmentInput | None
    warnings: list[str]
    kind: str  # person | organisation


HIGH_VOLTAGE_COUNTERPART = {"lv_res_new": "hv_new", "lv_biz_new": "hv_new",
                            "lv_res_increase": "hv_increase", "lv_biz_increase": "hv_increase"}


def is_high_voltage_supply(voltage: str) -> bool:
    """10kV and above (the catalog's voltages are 220V, 380V, 10kV …)."""
    return voltage.strip().lower().endswith("kv")


def high_voltage_counterpart(business_type: str) -> str | None:
    """The high-voltage type a low-voltage 新装/增容 becomes when its supply is high voltage."""
    return HIGH_VOLTAGE_COUNTERPART.get(business_type)


def validate(
    inp: AcceptanceInput,
    *,
    today: dt.date,
    on_file: Mapping[str, dt.date | None] | None = None,
    blacklisted: bool = False,
    calendar=None,
    team_names: list[str] | None = None,
    cat: catalog_mod.Catalog | None = None,
) -> Checked:
    """Check everything; raise ValidationFailed({field: message}) listing every field to fix."""
    from counter_app.infra.errors import ValidationFailed

    cat = cat or catalog_mod.load()
    errors: dict[str, str] = {}
    warnings: list[str] = []
    app: dict[str, Any] = {}
    cert: dict[str, Any] = {}

    def text(name: str, *, required: bool = False, multiline: bool = False) -> str:
        raw = getattr(inp, name) or ""
        value = str(raw).replace("\r\n", "\n").strip()
        label = LABELS.get(name, name)
        if not multiline:
            value = value.replace("\n", " ")
        if _CONTROL.search(value):
            errors[name] = f"{label}含有不可见的控制字符，请删除后重新输入"
        elif required and not value:
            errors[name] = f"请填写{label}"
        elif len(value) > MAX_LEN.get(name, 200):
            errors[name] = f"{label}不能超过{MAX_LEN.get(name, 200)}个字（当前{len(value)}个）"
        return value

    # --- certificate --------------------------------------------------------------------------
    kind = identity.PERSON
    if inp.cert_type not in identity.CERT_TYPES:
        errors["cert_type"] = "请选择证件类型"
    else:
        kind = identity.cert_kind(inp.cert_type)
        result = identity.check(inp.cert_type, inp.cert_number, today=today)
        if not result.ok:
            suggested = identity.suggest_cert_type(inp.cert_type, inp.cert_number, today=today)
            errors["cert_number"] = (identity.wrong_type_message(inp.cert_type, suggested) if suggested
                                     else result.error)
        warnings.extend(result.warnings)
        cert["number"] = result.number
        cert["cert_type"] = inp.cert_type
        cert["sex"] = result.sex or (inp.cert_sex or "").strip()[:4]
        cert["birth_date"] = result.birth_date
        if result.birth_date is None and inp.cert_birth_date:
            try:
                cert["birth_date"] = parse_date(inp.cert_birth_date)
            except ValueError:
                cert["birth_date"] = None
    cert["holder_name"] = text("holder_name", required=True)
    if "holder_name" not in errors and kind == identity.PERSON and re.search(r"\d", cert["holder_name"]):
        errors["holder_name"] = "客户姓名不应含有数字，请核对证件上的姓名"
    cert["address"] = text("cert_address")
    cert["issuer"] = text("cert_issuer")
    cert["valid_until"] = None
    valid = inp.cert_valid_until
    if isinstance(valid, str) and valid.strip() in {PERMANENT, ""}:
        valid = None
    try:
        cert["valid_until"] = parse_date(valid)
    except ValueError:
        errors["cert_valid_until"] = "证件有效期请按 2035-06-30 的格式填写，长期有效填“长期”"
    if cert["valid_until"] and cert["valid_until"] < today:
        errors["cert_valid_until"] = f"证件已于 {cert['valid_until']:%Y-%m-%d} 过期，请客户出示有效期内的证件"

    # --- business type and its fields ---------------------------------------------------------
    try:
        bt = cat.business_type(inp.business_type)
    except Exception:
        errors["business_type"] = "请选择业务类型"
        raise ValidationFailed(errors) from None
    if inp.cert_type in identity.CERT_TYPES and kind not in bt.subjects:
        who = "个人" if kind == identity.PERSON else "单位"
        errors["business_type"] = (
            f"{bt.name}不能由{who}客户办理，请核对业务类型（居民业务只受理个人，"
            "单位客户请选择非居民或高压业务）"
        )
    roles = field_roles(bt)

    def used(name: str) -> bool:
        return name in roles

    def req(name: str) -> bool:
        return roles.get(name) == "required"

    for name in (
        "account_number",
        "address_district",
        "address_detail",
        "mailing_address",
        "contact_name",
        "project_name",
        "legal_rep_name",
        *VAT_FIELDS,
    ):
        app[name] = text(name, required=req(name)) if used(name) else ""
    app["remarks"] = text("remarks", multiline=True)

    if used("account_number") and app["account_number"] and "account_number" not in errors:
        if not re.fullmatch(r"\d{5,20}", app["account_number"]):
            errors["account_number"] = "用电户号应为5至20位数字，请核对电费单上的户号"

    mobile = identity.normalize_mobile(inp.contact_mobile or "")
    if req("contact_mobile") or mobile:
        problem = identity.check_mobile(mobile) if mobile else "请填写移动电话"
        if problem:
            errors["contact_mobile"] = problem
    app["contact_mobile"] = mobile
    phone = (inp.contact_phone or "").strip().replace(" ", "")
    if phone:
        problem = identity.check_fixed_phone(phone)
        if problem:
            errors["contact_phone"] = problem
    app["contact_phone"] = phone if used("contact_phone") else ""

    usage = (inp.usage_category or "").strip()
    if used("usage_category"):
        if not usage and req("usage_category"):
            errors["usage_category"] = "请选择用电类别"
        elif usage and usage not in cat.usage_categories:
            errors["usage_category"] = "用电类别应为：" + "、".join(cat.usage_categories)
    app["usage_category"] = usage if used("usage_category") and usage else bt.usage_default
    industry = (inp.industry or "").strip()
    if used("industry"):
        if not industry and req("industry"):
            errors["industry"] = "请选择行业分类"
        elif industry and industry not in cat.industries:
            errors["industry"] = "请从列表中选择行业分类"
    app["industry"] = industry if used("industry") else ("城乡居民生活" if bt.is_residential else "")
    importance = (inp.load_importance or "").strip()
    if used("load_importance"):
        if not importance and req("load_importance"):
            errors["load_importance"] = "请选择负荷重要性"
        elif importance and importance not in cat.load_importance:
            errors["load_importance"] = "负荷重要性应为：" + "、".join(cat.load_importance)
    app["load_importance"] = importance if used("load_importance") else ""

    # capacities
    amounts: dict[str, Decimal] = {}
    for name in ("existing_capacity", "applied_capacity"):
        amounts[name] = Decimal("0")
        if not used(name):
            continue
        label = LABELS[name]
        try:
            number = parse_decimal(getattr(inp, name))
        except ValueError:
            errors[name] = f"{label}应为数字（单位 {capacity_unit(bt)}），如 8 或 12.5"
            continue
        if number is None:
            if req(name):
                errors[name] = f"请填写{label}（{capacity_unit(bt)}）"
            continue
        if number < 0 or number > MAX_CAPACITY:
            errors[name] = f"{label}应在 0 至 {MAX_CAPACITY} 之间"
        elif req(name) and number == 0:
            errors[name] = f"{label}应大于0"
        elif number != number.quantize(Decimal("0.01")):
            errors[name] = f"{label}最多保留两位小数"
        else:
            amounts[name] = number
    if (
        inp.business_type in REDUCING_TYPES
        and "applied_capacity" not in errors
        and amounts["applied_capacity"] > amounts["existing_capacity"]
        and "existing_capacity" not in errors
    ):
        errors["applied_capacity"] = "减少的容量不能大于原有容量"
    app["existing_capacity"] = amounts["existing_capacity"]
    app["applied_capacity"] = amounts["applied_capacity"]
    app["total_capacity"] = total_capacity(
        inp.business_type, amounts["existing_capacity"], amounts["applied_capacity"]
    )
    app["capacity_unit"] = capacity_unit(bt)
    voltage = (inp.supply_voltage or "").strip()
    if used("supply_voltage") and voltage and voltage not in cat.voltages:
        errors["supply_voltage"] = "供电电压应为：" + "、".join(cat.voltages)
    if used("supply_voltage") and not voltage and app["total_capacity"] > 0:
        voltage = cat.suggest_voltage(float(app["total_capacity"]), single_phase_only=bt.is_residential)
    if used("supply_voltage") and voltage and not bt.is_high_voltage and is_high_voltage_supply(voltage):
        target = high_voltage_counterpart(inp.business_type)
        switch = f"，请改为“{cat.business_name(target)}”" if target else ""
        errors["supply_voltage"] = (f"{bt.name}只能以220V/380V低压供电，{voltage}供电属于高压业务{switch}"
                                    f"（合计容量 {app['total_capacity']:g} kW）")
    app["supply_voltage"] = voltage if used("supply_voltage") else ""

    app["wanted_date"] = None
    if used("wanted_date"):
        try:
            wanted = parse_date(inp.wanted_date)
        except ValueError:
            errors["wanted_date"] = f"{LABELS['wanted_date']}请按 2026-12-01 的格式填写"
        else:
            if wanted is None and req("wanted_date"):
                errors["wanted_date"] = f"请填写{LABELS['wanted_date']}"
            elif wanted is not None and wanted < today:
                errors["wanted_date"] = f"{LABELS['wanted_date']}不能早于今天"
            app["wanted_date"] = wanted

    app["legal_rep_id_number"] = ""
    if used("legal_rep_id_number"):
        rep_id = identity.normalize(inp.legal_rep_id_number or "")
        if rep_id:
            if re.fullmatch(r"\d{15}|\d{17}[\dX]", rep_id):
                result = identity.check_resident_id(rep_id, today=today)
                if not result.ok:
                    errors["legal_rep_id_number"] = "法定代表人" + result.error
            elif not re.fullmatch(r"[A-Z0-9]{5,30}", rep_id):
                errors["legal_rep_id_number"] = "法定代表人证件号码应为18位身份证号或5至30位字母、数字"
        app["legal_rep_id_number"] = rep_id

    if used("vat_taxpayer_number") and app["vat_taxpayer_number"] and "vat_taxpayer_number" not in errors:
        tax = identity.normalize(app["vat_taxpayer_number"])
        app["vat_taxpayer_number"] = tax
        if len(tax) == 18:
            result = identity.check_credit_code(tax)
            if not result.ok:
                errors["vat_taxpayer_number"] = (
                    "纳税人识别号（" + result.error.replace("统一社会信用代码", "") + "）"
                )
        elif not re.fullmatch(r"[A-Z0-9]{15}|[A-Z0-9]{17}|[A-Z0-9]{20}", tax):
            errors["vat_taxpayer_number"] = "纳税人识别号应为15、17、18或20位字母或数字"
    if used("vat_account") and app["vat_account"] and "vat_account" not in errors:
        account = app["vat_account"].replace(" ", "")
        app["vat_account"] = account
        if not re.fullmatch(r"\d{6,32}", account):
            errors["vat_account"] = "银行账号应为6至32位数字"
    if used("vat_phone") and app["vat_phone"] and "vat_phone" not in errors:
        if identity.check_fixed_phone(app["vat_phone"]) and identity.check_mobile(app["vat_phone"]):
            errors["vat_phone"] = "注册电话应为固定电话（如 0591-87654321）或手机号码"

    # agent (经办人)
    app.update(agent_name="", agent_cert_type="", agent_cert_number="", agent_mobile="")
    if inp.has_agent:
        app["agent_name"] = text("agent_name", required=True)
        agent_type = inp.agent_cert_type or "id_card"
        if agent_type not in identity.CERT_TYPES or identity.cert_kind(agent_type) != identity.PERSON:
            errors["agent_cert_type"] = "经办人证件应为个人证件（如居民身份证）"
        else:
            result = identity.check(agent_type, inp.agent_cert_number, today=today)
            if not result.ok:
                errors["agent_cert_number"] = "经办人" + result.error
            elif result.number == cert.get("number"):
                errors["agent_cert_number"] = "经办人与客户本人是同一人，无需填写经办人"
            app["agent_cert_number"] = result.number
        app["agent_cert_type"] = agent_type
        agent_mobile = identity.normalize_mobile(inp.agent_mobile or "")
        problem = identity.check_mobile(agent_mobile) if agent_mobile else "请填写经办人手机号码"
        if problem:
            errors["agent_mobile"] = "经办人" + problem if agent_mobile else problem
        app["agent_mobile"] = agent_mobile

    # green channel
    app["green_channel"] = bool(inp.green_channel)
    app["green_reason"] = app["green_manager"] = ""
    if inp.green_channel:
        app["green_reason"] = text("green_reason", required=True)
        app["green_manager"] = text("green_manager", required=True)

    # --- materials ----------------------------------------------------------------------------
    plan = material_plan(
        inp.business_type,
        has_agent=inp.has_agent,
        on_file=on_file,
        blacklisted=blacklisted,
        today=today,
        cat=cat,
    )
    chosen = []
    for item in plan:
        state = (inp.materials or {}).get(item.code) or item.default_state
        key = f"material.{item.code}"
        if state == "deferred" and blacklisted and item.deferrable:
            errors[key] = "该客户已列入失信名单，不能容缺受理：此项资料须当场提交"
        elif state == "deferred" and not item.deferrable:
            errors[key] = "此项资料须在受理时提交，不能容缺"
        elif state == "on_file" and not item.on_file:
            errors[key] = "档案中没有此项有效资料，请当场收取"
        elif state not in MATERIAL_STATES:
            errors[key] = "请选择资料状态：已收、在档或容缺"
        chosen.append((item, state))

    # --- survey appointment -------------------------------------------------------------------
    appointment = inp.appointment
    if appointment is not None:
        if "survey" not in {s.code for s in bt.stages}:
            appointment = None  # this business type has no survey stage
        elif calendar is not None:
            errors.update(
                survey.validate(appointment, today=today, calendar=calendar, team_names=team_names or [])
            )

    if errors:
        raise ValidationFailed(errors)
    app["business_type"] = bt.code
    return Checked(
        app=app, cert=cert, materials=chosen, appointment=appointment, warnings=warnings, kind=kind
    )


def split_address(address: str) -> tuple[str, str]:
    """("福建省福州市鼓楼区", "五四路88号") from a card address: the part up to the county-level unit."""
    text = (address or "").strip()
    for index, char in enumerate(text[:20]):
        if (
            char in "区县旗"
            and index > 1
            and text[index - 1] not in "小社园校厂景湖矿"
            and index + 1 < len(text)
            and text[index - 2 : index] != "自治"
        ):
            return text[: index + 1], text[index + 1 :]
    cities = [i for i, c in enumerate(text[:14]) if c == "市" and i + 1 < len(text)]
    if cities:
        return text[: cities[-1] + 1], text[cities[-1] + 1 :]
    return "", text
