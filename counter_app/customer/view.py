"""What the customer screen shows of an acceptance: the data the customer will sign, line by line.

One builder for the screen while the clerk types (from the form) and for 请核对 after the save (from
the stored application, with the deferred items' due dates and the promised completion date).

Masking on the customer screen protects against people standing behind the customer, while still
showing what the customer must check:
- certificate numbers (holder, agent, legal representative): only the **last 4** characters. An
  18-character ID's check digit (GB 11643, ISO 7064 MOD 11-2) already rejects every single wrong digit
  and every swap of two neighbours when the clerk types it, so the customer's check is "is it my
  card"; the area code and birth date in the middle are exactly what a bystander should not read.
- mobile and fixed-line numbers: the first 3 and the last 4 (138****5678, the GB/T 35273 common
  practice, ``masking.mask_phone``). A phone number has no check digit, so the customer checks both
  ends; the clerk reads the middle four back aloud when the customer is unsure.
- names, supply address, business, capacity, materials and dates in full: the customer signs them.

``fingerprint`` hashes the unmasked lines: a confirmation holds it, and documents print only while
the stored application still gives the same fingerprint (a later correction needs a new 请核对)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from counter_app.acceptance.clerk_input import AcceptanceInput, capacity_unit, parse_decimal
from counter_app.hall import catalog as catalog_mod
from counter_app.security.redaction import mask_phone

# the fields a customer can ask to correct (codes of the lines below), in screen order
LINE_LABELS: dict[str, str] = {
    "holder_name": "户名",
    "cert_number": "证件号码",
    "business_type": "业务类型",
    "address": "用电地址",
    "contact_name": "联系人",
    "contact_mobile": "联系手机",
    "contact_phone": "固定电话",
    "capacity": "申请容量",
    "supply_voltage": "供电电压",
    "agent": "经办人",
    "materials_received": "已收资料",
    "materials_deferred": "容缺资料（后补）",
    "due_date": "承诺办结日期",
}


@dataclass(frozen=True)
class SheetLine:
    code: str
    label: str
    value: str  # as shown on the customer screen (masked)
    full: str  # unmasked, for the fingerprint only


@dataclass(frozen=True)
class CustomerSheet:
    number: str  # "" before the save
    lines: tuple[SheetLine, ...]

    def value(self, code: str) -> str:
        return next((line.value for line in self.lines if line.code == code), "")

    @property
    def empty(self) -> bool:
        """No customer yet: a fresh form carries only the clerk's defaults (type, district, capacity)."""
        return not any(line.full for line in self.lines if line.code in ("holder_name", "cert_number"))


def customer_id(number: str) -> str:
    """The certificate number as the customer screen shows it: only the last four characters."""
    n = (number or "").strip()
    if len(n) <= 4:
        return n
    return "*" * (len(n) - 4) + n[-4:]


def customer_phone(number: str) -> str:
    return mask_phone((number or "").strip())


def _short(name: str) -> str:
    return name.split("（")[0].split("(")[0].strip() or name


def _amount(value) -> str:
    number = parse_decimal(value) if not isinstance(value, Decimal) else value
    if number is None:
        return str(value or "").strip()
    return format(number.normalize(), "f")


def build(inp: AcceptanceInput, *, number: str = "", deferred_due: Mapping[str, dt.date | None] | None = None,
          due_date: dt.date | None = None, cat: catalog_mod.Catalog | None = None) -> CustomerSheet:
    """The lines of ``inp``. ``deferred_due`` (material code → due date) and ``due_date`` come from
    the saved application; before the save they are not known yet and the screen says so."""
    cat = cat or catalog_mod.load()
    bt = cat.business_types.get(inp.business_type)
    lines: list[SheetLine] = []

    def add(code: str, full: str, shown: str | None = None) -> None:
        full = (full or "").strip()
        lines.append(SheetLine(code, LINE_LABELS[code], full if shown is None else shown, full))

    add("holder_name", inp.holder_name)
    add("cert_number", inp.cert_number, customer_id(inp.cert_number))
    add("business_type", bt.name if bt else inp.business_type)
    add("address", f"{inp.address_district or ''}{inp.address_detail or ''}")
    add("contact_name", inp.contact_name)
    add("contact_mobile", inp.contact_mobile, customer_phone(inp.contact_mobile))
    if (inp.contact_phone or "").strip():
        add("contact_phone", inp.contact_phone, customer_phone(inp.contact_phone))
    unit = capacity_unit(bt) if bt else "kW"
    applied = _amount(inp.applied_capacity)
    existing = _amount(inp.existing_capacity)
    capacity = f"{applied} {unit}" if applied else ""
    if capacity and existing and existing != "0":
        capacity += f"（原有 {existing} {unit}）"
    add("capacity", capacity)
    if (inp.supply_voltage or "").strip():
        add("supply_voltage", inp.supply_voltage)
    if inp.has_agent:
        agent = f"{inp.agent_name}　证件 {customer_id(inp.agent_cert_number)}"
        add("agent", f"{inp.agent_name} {inp.agent_cert_number}", agent.strip())
    received, deferred, deferred_full = [], [], []
    for code, state in (inp.materials or {}).items():
        material = cat.materials.get(code)
        name = _short(material.name) if material else code
        if state in ("received", "on_file"):
            received.append(name + ("（已在档）" if state == "on_file" else ""))
        elif state == "deferred":
            day = (deferred_due or {}).get(code)
            when = f"{day:%Y年%m月%d日}前补交" if day else "补交期限保存后确定"
            deferred.append(f"{name}（{when}）")
            deferred_full.append(f"{name}（{day.isoformat() if day else ''}）")
    add("materials_received", "、".join(received) or "无")
    if deferred:
        add("materials_deferred", "、".join(deferred_full), "、".join(deferred))
    add("due_date", due_date.isoformat() if due_date else "",
        f"{due_date:%Y年%m月%d日}前办结" if due_date else "保存后生成")
    return CustomerSheet(number=number, lines=tuple(lines))


def fingerprint(sheet: CustomerSheet) -> str:
    """What the customer confirmed, as a hash of the unmasked lines (and the number)."""
    payload = json.dumps([sheet.number, [(line.code, line.full) for line in sheet.lines]], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
