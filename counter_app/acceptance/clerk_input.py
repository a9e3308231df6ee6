"""What the clerk enters for one acceptance, the materials checklist, what a business type fills in
by itself, and how typed numbers and dates are read. Pure Python. The checks with a Chinese message
per field are :mod:`counter_app.acceptance.input_checks`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from counter_app.acceptance import identity, survey
from counter_app.hall import catalog as catalog_mod
from counter_app.hall.catalog import FIELD_LABELS, BusinessType
from counter_app.infra import date_checks
from counter_app.infra.text_checks import column_length
from counter_app.infra.typed_text import compact
from counter_app.models import Application, Certificate

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

# Free-text fields stored in a Text column (no length of their own): a page of the printed form.
TEXT_COLUMN_MAX = 2000
# The certificate's fields live in models.Certificate (cert_*, holder_name), the rest in
# models.Application: the length a field accepts is its column's length, so nothing is cut (SQLite)
# or refused by the database (PostgreSQL) when saved.
_CERT_COLUMNS = {"holder_name": Certificate.holder_name, "cert_address": Certificate.address,
                 "cert_issuer": Certificate.issuer}
_APP_FIELDS = ("account_number", "address_district", "address_detail", "mailing_address", "contact_name",
               "contact_phone", "industry", "project_name", "legal_rep_name", "legal_rep_id_number",
               "agent_name", "agent_cert_number", "vat_taxpayer_number", "vat_bank", "vat_account",
               "vat_address", "vat_phone", "green_reason", "green_manager", "remarks", "internal_note",
               "previous_holder_name", "supply_mode", "security_load", "main_equipment", "planned_load")
MAX_LEN = {name: column_length(column) or TEXT_COLUMN_MAX for name, column in
           [*_CERT_COLUMNS.items(), *((n, getattr(Application, n)) for n in _APP_FIELDS)]}

VAT_FIELDS = ("vat_taxpayer_number", "vat_bank", "vat_account", "vat_address", "vat_phone")
CAPACITY_FIELDS = ("existing_capacity", "applied_capacity", "total_capacity", "supply_voltage")
REDUCING_TYPES = {"reduce", "suspend"}  # applied capacity is taken off the existing one
MAX_CAPACITY = Decimal("9999999")


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
    internal_note: str = ""
    previous_holder_name: str = ""
    supply_mode: str = ""
    security_load: str = ""
    main_equipment: str = ""
    planned_load: str = ""

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
    important: bool = True,
) -> list[PlanItem]:
    """The checklist: the catalog's materials of the type (+ power of attorney with an agent).

    ``on_file`` maps a material code to its valid-until date (None = no expiry); expired ones are
    asked for again."""
    cat = cat or catalog_mod.load()
    bt = cat.business_type(business_type)
    defs = list(bt.materials_for(important))
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
    roles.setdefault("internal_note", "optional")
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
        text = compact(str(value)).replace("\u2212", "-").upper()
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
    """None when empty; raises ValueError when not YYYY-MM-DD (also YYYYMMDD, YYYY/MM/DD, YYYY.MM.DD),
    DateOutOfRange (a ValueError with the message to show) outside date_checks' range."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return date_checks.checked(value.date())
    if isinstance(value, dt.date):
        return date_checks.checked(value)
    text = identity.normalize(str(value)).replace("/", "-").replace(".", "")
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return date_checks.checked(dt.date.fromisoformat(text))


def type_defaults(bt: BusinessType, cat: catalog_mod.Catalog, residential_kw: Decimal | None) -> dict[str, str]:
    """What the form fills in by itself for a business type: its usage category and industry, the
    first load importance for high voltage, and the hall's usual capacity for a new residential
    supply. The clerk may overwrite each."""
    return {
        "usage_category": bt.usage_default,
        "industry": bt.industry_default,
        "load_importance": cat.load_importance[0] if bt.is_high_voltage else "",
        "applied_capacity": format(residential_kw.normalize(), "f") if residential_kw and bt.code == "lv_res_new"
        else "",
    }


# what a change to a part of the form that is not one field is called
PART_LABELS = {"materials": "资料清单", "appointment": "勘查预约", "has_agent": "经办人", "green_channel": "绿色通道"}


HIGH_VOLTAGE_COUNTERPART = {"lv_res_new": "hv_new", "lv_biz_new": "hv_new",
                            "lv_res_increase": "hv_increase", "lv_biz_increase": "hv_increase"}


def is_high_voltage_supply(voltage: str) -> bool:
    """10kV and above (the catalog's voltages are 220V, 380V, 10kV …)."""
    return voltage.strip().lower().endswith("kv")


def high_voltage_counterpart(business_type: str) -> str | None:
    """The high-voltage type a low-voltage 新装/增容 becomes when its supply is high voltage."""
    return HIGH_VOLTAGE_COUNTERPART.get(business_type)


def changed_fields(before: AcceptanceInput, after: AcceptanceInput) -> list[str]:
    """Labels of what differs between two versions of an acceptance (someone else's save)."""
    a, b = before.to_dict(), after.to_dict()
    names = []
    for key in a:
        if key == "cert_entered_at" or a.get(key) == b.get(key):
            continue
        if key.startswith("cert_") and key not in LABELS:
            continue  # read from the card with the number: the number says it
        names.append(PART_LABELS.get(key) or LABELS.get(key, key))
    return names


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
