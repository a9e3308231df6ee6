"""Capacity helper: from the customer's equipment list to a suggested capacity and supply voltage.

installed power × demand factor of the industry (需用系数), rounded up: to whole kW on low voltage,
to the next standard transformer size (kVA) above the low-voltage limit."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from counter_app.hall import catalog as catalog_mod
from counter_app.infra.errors import ValidationFailed

# *default* demand factors by industry (catalog industries); "其他" for anything not listed
DEMAND_FACTORS: dict[str, float] = {
    "城乡居民生活": 0.6,
    "批发和零售业": 0.7,
    "住宿和餐饮业": 0.7,
    "制造业": 0.65,
    "建筑业": 0.6,
    "交通运输、仓储和邮政业": 0.6,
    "信息传输、软件和信息技术服务业": 0.8,
    "金融业": 0.75,
    "房地产业": 0.6,
    "公共服务及管理组织": 0.7,
    "农、林、牧、渔业": 0.75,
    "充换电服务业": 0.9,
    "其他": 0.7,
}

TRANSFORMER_SIZES_KVA = (
    100,
    125,
    160,
    200,
    250,
    315,
    400,
    500,
    630,
    800,
    1000,
    1250,
    1600,
    2000,
    2500,
    3150,
    4000,
    5000,
    6300,
    8000,
    10000,
    12500,
    16000,
    20000,
    25000,
    31500,
    40000,
    50000,
    63000,
)


@dataclass(frozen=True)
class EquipmentItem:
    kind: str
    quantity: int
    unit_kw: Decimal
    three_phase: bool = False

    @property
    def total_kw(self) -> Decimal:
        return self.unit_kw * self.quantity


@dataclass(frozen=True)
class CapacitySuggestion:
    installed_kw: Decimal
    demand_factor: float
    capacity: int  # kW on low voltage, kVA above it
    unit: str
    voltage: str
    single_phase: bool

    def explain(self) -> str:
        return (
            f"设备总功率 {self.installed_kw} kW × 需用系数 {self.demand_factor:g} → "
            f"建议申请容量 {self.capacity} {self.unit}，供电电压 {self.voltage}"
        )


def parse_items(rows: list[tuple[str, str, str, bool]]) -> list[EquipmentItem]:
    """Rows as typed in the equipment table (kind, quantity, unit kW, three-phase); empty rows skipped.

    Raises ValidationFailed keyed ``row<N>`` (1-based) with what to fix."""
    items, errors = [], {}
    for index, (kind, quantity, unit_kw, three_phase) in enumerate(rows, start=1):
        kind, quantity, unit_kw = (kind or "").strip(), (quantity or "").strip(), (unit_kw or "").strip()
        if not (kind or quantity or unit_kw):
            continue
        if not kind:
            errors[f"row{index}"] = f"第{index}行：请填写设备名称"
            continue
        try:
            qty = int(quantity)
            kw = Decimal(unit_kw)
        except (ValueError, InvalidOperation):
            errors[f"row{index}"] = f"第{index}行：数量应为整数，单台功率应为数字（kW）"
            continue
        if qty <= 0 or qty > 10000 or kw <= 0 or kw > 100000 or not kw.is_finite():
            errors[f"row{index}"] = f"第{index}行：数量应为1至10000，单台功率应大于0且不超过100000 kW"
            continue
        items.append(EquipmentItem(kind, qty, kw, bool(three_phase)))
    if errors:
        raise ValidationFailed(errors)
    if not items:
        raise ValidationFailed({"row1": "请至少填写一行设备（名称、数量、单台功率）"})
    return items


def suggest(
    items: list[EquipmentItem], industry: str = "", *, cat: catalog_mod.Catalog | None = None
) -> CapacitySuggestion:
    cat = cat or catalog_mod.load()
    installed = sum((item.total_kw for item in items), Decimal("0"))
    factor = DEMAND_FACTORS.get(industry, DEMAND_FACTORS["其他"])
    demand = float(installed) * factor
    single_phase = not any(item.three_phase for item in items)
    voltage = cat.suggest_voltage(demand, single_phase_only=single_phase)
    if demand <= cat.lv_max_kw:
        capacity, unit = max(1, math.ceil(demand - 1e-9)), "kW"
    else:
        capacity = next((s for s in TRANSFORMER_SIZES_KVA if s >= demand), math.ceil(demand))
        unit = "kVA"
    return CapacitySuggestion(installed, factor, capacity, unit, voltage, single_phase)
