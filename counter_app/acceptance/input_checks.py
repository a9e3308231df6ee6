"""The checks of one acceptance, a Chinese message per field, section by section (certificate,
business type, contact and category fields, capacities, dates and numbers, invoice, agent, green
channel, materials, survey appointment). Pure Python: the window checks as the clerk types, the
service checks again inside the saving transaction with the customer's record (materials on file,
blacklist). Every field to fix is listed at once."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from counter_app.acceptance import identity, survey
from counter_app.acceptance.clerk_input import (
    CAPACITY_FIELDS,
    LABELS,
    MATERIAL_STATES,
    MAX_CAPACITY,
    MAX_LEN,
    PERMANENT,
    REDUCING_TYPES,
    VAT_FIELDS,
    AcceptanceInput,
    PlanItem,
    capacity_unit,
    field_roles,
    high_voltage_counterpart,
    is_high_voltage_supply,
    material_plan,
    parse_date,
    parse_decimal,
    total_capacity,
)
from counter_app.hall import catalog as catalog_mod
from counter_app.hall.catalog import BusinessType
from counter_app.infra import text_checks
from counter_app.infra.date_checks import DateOutOfRange
from counter_app.infra.errors import UserError, ValidationFailed

_TEXT_FIELDS = ("account_number", "address_district", "address_detail", "mailing_address", "contact_name",
                "project_name", "legal_rep_name", *VAT_FIELDS)


@dataclass
class Checked:
    """The input after the checks: values ready to store, the checklist with states, warnings."""

    app: dict[str, Any]
    cert: dict[str, Any]
    materials: list[tuple[PlanItem, str]]
    appointment: survey.AppointmentInput | None
    warnings: list[str]
    kind: str  # person | organisation


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
    checks = _Checks(inp, today, cat or catalog_mod.load())
    checks.certificate()
    bt = checks.business_type()
    if bt is None:  # nothing else can be judged without it
        raise ValidationFailed(checks.errors)
    checks.text_fields()
    checks.phones()
    checks.categories()
    checks.capacities()
    checks.wanted_date()
    checks.legal_rep()
    checks.invoice()
    checks.agent()
    checks.green_channel()
    materials = checks.materials(on_file, blacklisted)
    appointment = checks.appointment(calendar, team_names or [])
    if checks.errors:
        raise ValidationFailed(checks.errors)
    checks.app["business_type"] = bt.code
    return Checked(app=checks.app, cert=checks.cert, materials=materials, appointment=appointment,
                   warnings=checks.warnings, kind=checks.kind)


class _Checks:
    """One run of the checks: what is fine goes into ``app`` / ``cert``, what is not into ``errors``."""

    def __init__(self, inp: AcceptanceInput, today: dt.date, cat: catalog_mod.Catalog) -> None:
        self.inp, self.today, self.cat = inp, today, cat
        self.errors: dict[str, str] = {}
        self.warnings: list[str] = []
        self.app: dict[str, Any] = {}
        self.cert: dict[str, Any] = {}
        self.kind = identity.PERSON
        self.bt: BusinessType | None = None
        self.roles: dict[str, str] = {}

    def text(self, name: str, *, required: bool = False, multiline: bool = False) -> str:
        value = text_checks.cleaned(getattr(self.inp, name), multiline=multiline)
        problem = text_checks.problem(value, LABELS.get(name, name), max_length=MAX_LEN.get(name, 200),
                                      required=required, multiline=multiline)
        if problem:
            self.errors[name] = problem
        return value

    def used(self, name: str) -> bool:
        return name in self.roles

    def required(self, name: str) -> bool:
        return self.roles.get(name) == "required"

    def fine(self, name: str) -> bool:
        """Used, typed and not already refused: worth a closer look."""
        return self.used(name) and bool(self.app.get(name)) and name not in self.errors

    # --- certificate ---------------------------------------------------------------------------

    def certificate(self) -> None:
        inp, cert, errors = self.inp, self.cert, self.errors
        if inp.cert_type not in identity.CERT_TYPES:
            errors["cert_type"] = "请选择证件类型"
        else:
            self.kind = identity.cert_kind(inp.cert_type)
            result = identity.check(inp.cert_type, inp.cert_number, today=self.today)
            if not result.ok:
                suggested = identity.suggest_cert_type(inp.cert_type, inp.cert_number, today=self.today)
                errors["cert_number"] = (identity.wrong_type_message(inp.cert_type, suggested) if suggested
                                         else result.error)
            self.warnings.extend(result.warnings)
            cert["number"] = result.number
            cert["cert_type"] = inp.cert_type
            cert["sex"] = result.sex or (inp.cert_sex or "").strip()[:4]
            cert["birth_date"] = result.birth_date
            if result.birth_date is None and inp.cert_birth_date:
                try:
                    cert["birth_date"] = parse_date(inp.cert_birth_date)
                except DateOutOfRange as exc:
                    errors["cert_birth_date"] = exc.labelled("出生日期")
                    cert["birth_date"] = None
                except ValueError:
                    cert["birth_date"] = None
        cert["holder_name"] = self.text("holder_name", required=True)
        if "holder_name" not in errors and self.kind == identity.PERSON and re.search(r"\d", cert["holder_name"]):
            errors["holder_name"] = "客户姓名不应含有数字，请核对证件上的姓名"
        cert["address"] = self.text("cert_address")
        cert["issuer"] = self.text("cert_issuer")
        cert["valid_until"] = None
        valid = inp.cert_valid_until
        if isinstance(valid, str) and valid.strip() in {PERMANENT, ""}:
            valid = None
        try:
            cert["valid_until"] = parse_date(valid)
        except DateOutOfRange as exc:
            errors["cert_valid_until"] = exc.labelled(LABELS["cert_valid_until"])
        except ValueError:
            errors["cert_valid_until"] = "证件有效期请按 2035-06-30 的格式填写，长期有效填“长期”"
        if cert["valid_until"] and cert["valid_until"] < self.today:
            errors["cert_valid_until"] = f"证件已于 {cert['valid_until']:%Y-%m-%d} 过期，请客户出示有效期内的证件"

    # --- business type and its fields ----------------------------------------------------------

    def business_type(self) -> BusinessType | None:
        try:
            bt = self.cat.business_type(self.inp.business_type)
        except UserError:
            self.errors["business_type"] = "请选择业务类型"
            return None
        if self.inp.cert_type in identity.CERT_TYPES and self.kind not in bt.subjects:
            who = "个人" if self.kind == identity.PERSON else "单位"
            self.errors["business_type"] = (
                f"{bt.name}不能由{who}客户办理，请核对业务类型（居民业务只受理个人，"
                "单位客户请选择非居民或高压业务）"
            )
        self.bt, self.roles = bt, field_roles(bt)
        return bt

    def text_fields(self) -> None:
        for name in _TEXT_FIELDS:
            self.app[name] = self.text(name, required=self.required(name)) if self.used(name) else ""
        self.app["remarks"] = self.text("remarks", multiline=True)
        self.app["internal_note"] = self.text("internal_note", multiline=True)  # never printed
        for name in ("previous_holder_name", "supply_mode", "security_load", "main_equipment", "planned_load"):
            self.app[name] = (self.text(name, required=self.required(name),
                                        multiline=name in ("main_equipment", "planned_load"))
                              if self.used(name) else "")
        if self.fine("account_number") and not re.fullmatch(r"\d{5,20}", self.app["account_number"]):
            self.errors["account_number"] = "用电户号应为5至20位数字，请核对电费单上的户号"

    def phones(self) -> None:
        mobile = identity.normalize_mobile(self.inp.contact_mobile or "")
        if self.required("contact_mobile") or mobile:
            problem = identity.check_mobile(mobile) if mobile else "请填写移动电话"
            if problem:
                self.errors["contact_mobile"] = problem
        self.app["contact_mobile"] = mobile
        phone = identity.normalize_phone(self.inp.contact_phone or "")
        if phone:
            problem = identity.check_fixed_phone(phone)
            if problem:
                self.errors["contact_phone"] = problem
        self.app["contact_phone"] = phone if self.used("contact_phone") else ""

    def _choice(self, name: str, choices, missing: str, wrong: str) -> str:
        """A value picked from a list of the catalog (empty when not used or not given)."""
        value = (getattr(self.inp, name) or "").strip()
        if self.used(name):
            if not value and self.required(name):
                self.errors[name] = missing
            elif value and value not in choices:
                self.errors[name] = wrong
        return value if self.used(name) else ""

    def categories(self) -> None:
        cat, bt = self.cat, self.bt
        usage = self._choice("usage_category", cat.usage_categories, "请选择用电类别",
                             "用电类别应为：" + "、".join(cat.usage_categories))
        self.app["usage_category"] = usage or bt.usage_default
        industry = self._choice("industry", cat.industries, "请选择行业分类", "请从列表中选择行业分类")
        self.app["industry"] = industry if self.used("industry") else bt.industry_default
        self.app["load_importance"] = self._choice("load_importance", cat.load_importance, "请选择负荷重要性",
                                                   "负荷重要性应为：" + "、".join(cat.load_importance))

    def capacities(self) -> None:
        bt, errors = self.bt, self.errors
        amounts = {name: self._capacity(name) for name in CAPACITY_FIELDS[:2]}
        if (
            self.inp.business_type in REDUCING_TYPES
            and "applied_capacity" not in errors
            and "existing_capacity" not in errors
            and amounts["applied_capacity"] > amounts["existing_capacity"]
        ):
            errors["applied_capacity"] = "减少的容量不能大于原有容量"
        self.app.update(amounts)
        self.app["total_capacity"] = total_capacity(
            self.inp.business_type, amounts["existing_capacity"], amounts["applied_capacity"])
        self.app["capacity_unit"] = capacity_unit(bt)
        voltage = (self.inp.supply_voltage or "").strip()
        if self.used("supply_voltage") and voltage and voltage not in self.cat.voltages:
            errors["supply_voltage"] = "供电电压应为：" + "、".join(self.cat.voltages)
        if self.used("supply_voltage") and not voltage and self.app["total_capacity"] > 0:
            voltage = self.cat.suggest_voltage(float(self.app["total_capacity"]),
                                               single_phase_only=bt.is_residential)
        if self.used("supply_voltage") and voltage and not bt.is_high_voltage and is_high_voltage_supply(voltage):
            target = high_voltage_counterpart(self.inp.business_type)
            switch = f"，请改为“{self.cat.business_name(target)}”" if target else ""
            errors["supply_voltage"] = (f"{bt.name}只能以220V/380V低压供电，{voltage}供电属于高压业务{switch}"
                                        f"（合计容量 {self.app['total_capacity']:g} kW）")
        self.app["supply_voltage"] = voltage if self.used("supply_voltage") else ""

    def _capacity(self, name: str) -> Decimal:
        """The amount typed in ``name`` (0 when unused, empty or refused)."""
        if not self.used(name):
            return Decimal("0")
        label, unit = LABELS[name], capacity_unit(self.bt)
        try:
            number = parse_decimal(getattr(self.inp, name))
        except ValueError:
            self.errors[name] = f"{label}应为数字（单位 {unit}），如 8 或 12.5"
            return Decimal("0")
        if number is None:
            if self.required(name):
                self.errors[name] = f"请填写{label}（{unit}）"
            return Decimal("0")
        if number < 0 or number > MAX_CAPACITY:
            self.errors[name] = f"{label}应在 0 至 {MAX_CAPACITY} 之间"
        elif self.required(name) and number == 0:
            self.errors[name] = f"{label}应大于0"
        elif number != number.quantize(Decimal("0.01")):
            self.errors[name] = f"{label}最多保留两位小数"
        else:
            return number
        return Decimal("0")

    def wanted_date(self) -> None:
        self.app["wanted_date"] = None
        if not self.used("wanted_date"):
            return
        label = LABELS["wanted_date"]
        try:
            wanted = parse_date(self.inp.wanted_date)
        except DateOutOfRange as exc:
            self.errors["wanted_date"] = exc.labelled(label)
            return
        except ValueError:
            self.errors["wanted_date"] = f"{label}请按 2026-12-01 的格式填写"
            return
        if wanted is None and self.required("wanted_date"):
            self.errors["wanted_date"] = f"请填写{label}"
        elif wanted is not None and wanted < self.today:
            self.errors["wanted_date"] = f"{label}不能早于今天"
        self.app["wanted_date"] = wanted

    def legal_rep(self) -> None:
        self.app["legal_rep_id_number"] = ""
        if not self.used("legal_rep_id_number"):
            return
        rep_id = identity.normalize(self.inp.legal_rep_id_number or "")
        if rep_id:
            if re.fullmatch(r"\d{15}|\d{17}[\dX]", rep_id):
                result = identity.check_resident_id(rep_id, today=self.today)
                if not result.ok:
                    self.errors["legal_rep_id_number"] = "法定代表人" + result.error
            elif not re.fullmatch(r"[A-Z0-9]{5,30}", rep_id):
                self.errors["legal_rep_id_number"] = "法定代表人证件号码应为18位身份证号或5至30位字母、数字"
        self.app["legal_rep_id_number"] = rep_id

    def invoice(self) -> None:
        app, errors = self.app, self.errors
        if self.fine("vat_taxpayer_number"):
            tax = app["vat_taxpayer_number"] = identity.normalize(app["vat_taxpayer_number"])
            if len(tax) == 18:
                result = identity.check_credit_code(tax)
                if not result.ok:
                    errors["vat_taxpayer_number"] = (
                        "纳税人识别号（" + result.error.replace("统一社会信用代码", "") + "）")
            elif not re.fullmatch(r"[A-Z0-9]{15}|[A-Z0-9]{17}|[A-Z0-9]{20}", tax):
                errors["vat_taxpayer_number"] = "纳税人识别号应为15、17、18或20位字母或数字"
        if self.fine("vat_account"):
            account = app["vat_account"] = app["vat_account"].replace(" ", "")
            if not re.fullmatch(r"\d{6,32}", account):
                errors["vat_account"] = "银行账号应为6至32位数字"
        if self.fine("vat_phone") and identity.check_fixed_phone(app["vat_phone"]) \
                and identity.check_mobile(app["vat_phone"]):
            errors["vat_phone"] = "注册电话应为固定电话（如 0591-87654321）或手机号码"

    def agent(self) -> None:
        """The 经办人 who came instead of the customer."""
        inp, app, errors = self.inp, self.app, self.errors
        app.update(agent_name="", agent_cert_type="", agent_cert_number="", agent_mobile="")
        if not inp.has_agent:
            return
        app["agent_name"] = self.text("agent_name", required=True)
        agent_type = inp.agent_cert_type or "id_card"
        if agent_type not in identity.CERT_TYPES or identity.cert_kind(agent_type) != identity.PERSON:
            errors["agent_cert_type"] = "经办人证件应为个人证件（如居民身份证）"
        else:
            result = identity.check(agent_type, inp.agent_cert_number, today=self.today)
            if not result.ok:
                errors["agent_cert_number"] = "经办人" + result.error
            elif result.number == self.cert.get("number"):
                errors["agent_cert_number"] = "经办人与客户本人是同一人，无需填写经办人"
            app["agent_cert_number"] = result.number
        app["agent_cert_type"] = agent_type
        agent_mobile = identity.normalize_mobile(inp.agent_mobile or "")
        problem = identity.check_mobile(agent_mobile) if agent_mobile else "请填写经办人手机号码"
        if problem:
            errors["agent_mobile"] = "经办人" + problem if agent_mobile else problem
        app["agent_mobile"] = agent_mobile

    def green_channel(self) -> None:
        self.app["green_channel"] = bool(self.inp.green_channel)
        self.app["green_reason"] = self.app["green_manager"] = ""
        if self.inp.green_channel:
            self.app["green_reason"] = self.text("green_reason", required=True)
            self.app["green_manager"] = self.text("green_manager", required=True)

    # --- materials and the survey appointment ---------------------------------------------------

    def materials(self, on_file, blacklisted: bool) -> list[tuple[PlanItem, str]]:
        plan = material_plan(self.inp.business_type, has_agent=self.inp.has_agent, on_file=on_file,
                             blacklisted=blacklisted, today=self.today, cat=self.cat,
                             important=catalog_mod.is_important(self.app.get("load_importance", "")))
        chosen = []
        for item in plan:
            state = (self.inp.materials or {}).get(item.code) or item.default_state
            key = f"material.{item.code}"
            if state == "deferred" and blacklisted and item.deferrable:
                self.errors[key] = "该客户已列入失信名单，不能容缺受理：此项资料须当场提交"
            elif state == "deferred" and not item.deferrable:
                self.errors[key] = "此项资料须在受理时提交，不能容缺"
            elif state == "on_file" and not item.on_file:
                self.errors[key] = "档案中没有此项有效资料，请当场收取"
            elif state not in MATERIAL_STATES:
                self.errors[key] = "请选择资料状态：已收、在档或容缺"
            chosen.append((item, state))
        return chosen

    def appointment(self, calendar, team_names: list[str]) -> survey.AppointmentInput | None:
        appointment = self.inp.appointment
        if appointment is None or "survey" not in {s.code for s in self.bt.stages}:
            return None  # none booked, or this business type has no survey stage
        if calendar is not None:
            self.errors.update(survey.validate(appointment, today=self.today, calendar=calendar,
                                               team_names=team_names))
        return appointment
