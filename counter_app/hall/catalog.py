"""The catalog of business types, materials, stages and default time limits (resources/catalog.toml)."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field

from counter_app.infra.errors import UserError

# field code -> Chinese label, for messages and the universal form
FIELD_LABELS = {
    "address_district": "用电地址（区县/街道）",
    "address_detail": "用电地址（详细地址）",
    "mailing_address": "通信地址",
    "contact_name": "联系人",
    "contact_mobile": "移动电话",
    "contact_phone": "固定电话",
    "usage_category": "用电类别",
    "industry": "行业分类",
    "existing_capacity": "原有容量",
    "applied_capacity": "申请容量",
    "total_capacity": "合计容量",
    "supply_voltage": "供电电压",
    "load_importance": "负荷重要性",
    "wanted_date": "期望日期",
    "project_name": "项目名称",
    "account_number": "用电户号",
    "legal_rep_name": "法定代表人",
    "vat": "增值税发票信息",
    "remarks": "备注",
}


@dataclass(frozen=True)
class MaterialDef:
    code: str
    name: str
    when: str  # now | later
    deferrable: bool


@dataclass(frozen=True)
class StageDef:
    code: str
    name: str
    limit_days: int


def is_important(load_importance: str) -> bool:
    """Important customers (重要/特级重要): design review and mid check, dual-supply time limit."""
    value = (load_importance or "").strip()
    return bool(value) and value != "普通"


@dataclass(frozen=True)
class BusinessType:
    code: str
    name: str
    group: str
    subjects: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...]
    materials: tuple[MaterialDef, ...]
    stages: tuple[StageDef, ...]
    total_limit: int
    total_limit_dual: int | None = None
    usage_default: str = ""
    important_only: tuple[str, ...] = ()

    def total_limit_for(self, important: bool) -> int:
        """Whole-process limit in working days. Important loads (重要负荷) are supplied from two
        sources, so the dual-supply commitment applies to them (high voltage: 32 instead of 22)."""
        return self.total_limit_dual if important and self.total_limit_dual else self.total_limit

    @property
    def is_residential(self) -> bool:
        return self.group == "low_residential"

    @property
    def is_high_voltage(self) -> bool:
        return self.group == "high_voltage"

    @property
    def is_change(self) -> bool:
        return self.group == "change"

    def stage(self, code: str) -> StageDef:
        for stage in self.stages:
            if stage.code == code:
                return stage
        raise KeyError(code)

    def stages_for(self, important: bool) -> tuple[StageDef, ...]:
        """Stages this application passes: design review / mid check only for important customers."""
        if important:
            return self.stages
        return tuple(s for s in self.stages if s.code not in self.important_only)

    def next_stage(self, current: str, important: bool = False) -> StageDef | None:
        codes = [s.code for s in self.stages_for(important)]
        if current not in codes:
            return None
        idx = codes.index(current)
        return self.stages_for(important)[idx + 1] if idx + 1 < len(codes) else None


@dataclass(frozen=True)
class Catalog:
    business_types: dict[str, BusinessType]
    materials: dict[str, MaterialDef]
    stage_names: dict[str, str]
    usage_categories: tuple[str, ...]
    industries: tuple[str, ...]
    load_importance: tuple[str, ...]
    voltages: tuple[str, ...]
    single_phase_max_kw: float
    lv_max_kw: float
    deferral_working_days: int
    counter_standard_minutes: int
    warning_yellow_ratio: float
    raw: dict = field(repr=False, default_factory=dict)

    def business_type(self, code: str) -> BusinessType:
        try:
            return self.business_types[code]
        except KeyError:
            raise UserError(f"未知的业务类型：{code}") from None

    def stage_name(self, code: str) -> str:
        return self.stage_names.get(code, code)

    def business_name(self, code: str) -> str:
        bt = self.business_types.get(code)
        return bt.name if bt else code

    def suggest_voltage(self, total_kw: float, *, single_phase_only: bool = False) -> str:
        """Default thresholds of DOMAIN.md: 220 V below 10 kW single-phase, 380 V up to 100 kW, else 10 kV."""
        if total_kw <= 0:
            return ""
        if single_phase_only and total_kw < self.single_phase_max_kw:
            return "220V"
        if total_kw <= self.lv_max_kw:
            return "380V"
        return "10kV"


def parse(data: dict) -> Catalog:
    materials = {
        code: MaterialDef(code, name, when, bool(deferrable))
        for code, (name, when, deferrable) in data["materials"].items()
    }
    stage_names = dict(data["stages"])
    types = {}
    for item in data["business_type"]:
        types[item["code"]] = BusinessType(
            code=item["code"],
            name=item["name"],
            group=item["group"],
            subjects=tuple(item["subjects"]),
            required=tuple(item["required"]),
            optional=tuple(item.get("optional", ())),
            materials=tuple(materials[m] for m in item["materials"]),
            stages=tuple(StageDef(code, stage_names[code], int(days)) for code, days in item["stages"]),
            total_limit=int(item["total_limit"]),
            total_limit_dual=item.get("total_limit_dual"),
            usage_default=item.get("usage_default", ""),
            important_only=tuple(item.get("important_only", ())),
        )
    voltage = data["voltage"]
    return Catalog(
        business_types=types,
        materials=materials,
        stage_names=stage_names,
        usage_categories=tuple(data["usage_categories"]),
        industries=tuple(data["industries"]),
        load_importance=tuple(data["load_importance"]),
        voltages=tuple(voltage["values"]),
        single_phase_max_kw=float(voltage["single_phase_max_kw"]),
        lv_max_kw=float(voltage["lv_max_kw"]),
        deferral_working_days=int(data["deferral_working_days"]),
        counter_standard_minutes=int(data["counter_standard_minutes"]),
        warning_yellow_ratio=float(data["warning_yellow_ratio"]),
        raw=data,
    )


@functools.cache
def load() -> Catalog:
    """The packaged default catalog (resources/catalog.toml)."""
    from counter_app.infra.resources import resource_path

    text = resource_path("catalog.toml").read_text(encoding="utf-8")
    return parse(tomllib.loads(text))
