"""The acceptance form as data and as the business type shapes it: reading the form into an
``AcceptanceInput`` and filling it back, the fields, checklist and stages of the chosen business
type, the smaller field behaviour (agent, green channel, capacities, voltage), errors at their fields
and the focus order. A part of :class:`counter_app.ui.acceptance_page.AcceptancePage`, whose state
(``view``, ``editors``, ``cat``, ``known``, ``_filling`` …) it uses."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from counter_app.acceptance import cardreader
from counter_app.acceptance.clerk_input import (
    AcceptanceInput,
    capacity_unit,
    field_roles,
    material_plan,
    parse_decimal,
    total_capacity,
)
from counter_app.hall import catalog as catalog_mod
from counter_app.infra import clock
from counter_app.ui.acceptance_view import AGENT_FIELDS, FORM_FIELDS
from counter_app.ui.kit.modal import run_modal
from counter_app.ui.kit.widgets import editor_text, set_editor_text

log = logging.getLogger(__name__)

TEXT_FIELDS = [code for code, kind, _wide in FORM_FIELDS if kind != "check"]
CERT_FIELDS = ("cert_type", "cert_number", "holder_name", "cert_valid_until")
# per-business-type-group equivalents when an organisation's certificate is entered
ORGANISATION_TYPE = {"lv_res_new": "lv_biz_new", "lv_res_increase": "lv_biz_increase"}


class AcceptanceForm:
    # --- the form as data -----------------------------------------------------------------------

    def collect(self) -> AcceptanceInput:
        v, e = self.view, self.editors
        card = self._card
        values = {code: editor_text(e[code]) for code in TEXT_FIELDS if code != "total_capacity"}
        values.update({code: editor_text(e[code]) for code in AGENT_FIELDS})
        return AcceptanceInput(
            cert_type=v.cert_type.currentData(),
            cert_number=v.cert_number.text(),
            holder_name=v.holder_name.text(),
            cert_valid_until=v.cert_valid_until.text(),
            cert_sex=card.sex if card else "",
            cert_birth_date=card.birth_date if card else None,
            cert_address=card.address if card else "",
            cert_issuer=card.issuer if card else "",
            business_type=v.business_type.currentData(),
            has_agent=v.has_agent.isChecked(),
            green_channel=e["green_channel"].isChecked(),
            materials=v.materials.states(),
            appointment=v.survey.value(),
            cert_entered_at=self.cert_entered_at,
            **values,
        )

    def fill(self, inp: AcceptanceInput) -> None:
        """Show an input (a draft, an application being edited) in the form."""
        v, e = self.view, self.editors
        self._filling = True
        try:
            set_editor_text(v.cert_type, inp.cert_type)
            set_editor_text(v.business_type, inp.business_type)
            self._apply_type()
            v.cert_number.setText(inp.cert_number or "")
            v.holder_name.setText(inp.holder_name or "")
            valid = inp.cert_valid_until
            v.cert_valid_until.setText(valid.isoformat() if isinstance(valid, dt.date) else (valid or ""))
            self._card = None
            if inp.cert_address or inp.cert_sex or inp.cert_birth_date:
                birth = inp.cert_birth_date
                if isinstance(birth, str):
                    birth = dt.date.fromisoformat(birth) if birth else None
                self._card = cardreader.CardData(
                    number=inp.cert_number,
                    name=inp.holder_name,
                    sex=inp.cert_sex,
                    birth_date=birth,
                    address=inp.cert_address,
                    issuer=inp.cert_issuer,
                )
            v.has_agent.setChecked(bool(inp.has_agent))
            for code in TEXT_FIELDS:
                if code == "total_capacity":
                    continue
                value = getattr(inp, code)
                if isinstance(value, dt.date):
                    value = value.isoformat()
                elif isinstance(value, Decimal):
                    value = format(value.normalize(), "f")
                set_editor_text(e[code], value)
            for code in AGENT_FIELDS:
                set_editor_text(e[code], getattr(inp, code))
            e["green_channel"].setChecked(bool(inp.green_channel))
            self._voltage_manual = bool(inp.supply_voltage) and inp.supply_voltage != self._suggested_voltage()
            self.cert_entered_at = inp.cert_entered_at
            self._rebuild_materials(keep=dict(inp.materials))
            v.survey.set_value(inp.appointment)
        finally:
            self._filling = False
        self._last_holder = v.holder_name.text()
        self._update_total()
        self._update_cert_info()
        self._green_toggled(e["green_channel"].isChecked())
        self._agent_toggled(v.has_agent.isChecked(), rebuild=False)
        self.formChanged.emit()

    def is_dirty(self) -> bool:
        return self._snapshot() != self._pristine

    def _snapshot(self) -> dict:
        data = self.collect().to_dict()
        data.pop("cert_entered_at", None)
        return data
    # --- business type --------------------------------------------------------------------------

    def _type_changed(self) -> None:
        if self._filling:
            return
        self._apply_type()
        self._type_defaults()
        self._rebuild_materials()
        self._update_total()
        self._changed()

    def _apply_type(self) -> None:
        """Fields, required marks, units, checklist and stages of the chosen business type."""
        v = self.view
        bt = self.cat.business_type(v.business_type.currentData())
        roles = field_roles(bt)
        main_codes = [c for c, _k, _w in FORM_FIELDS if roles.get(c) == "required"]
        if "applied_capacity" in main_codes:  # the capacity block stays together
            index = main_codes.index("applied_capacity") + 1
            main_codes[index:index] = ["total_capacity", "supply_voltage"]
        optional_codes = [
            c
            for c, _k, _w in FORM_FIELDS
            if c not in main_codes and (roles.get(c) in ("optional", "computed") or c.startswith("green_"))
        ]
        v.main_grid.set_rows([v.rows[c] for c in main_codes])
        v.optional_grid.set_rows([v.rows[c] for c in optional_codes])
        v.optional_section.setVisible(bool(optional_codes))
        for code, _k, _w in FORM_FIELDS:
            v.rows[code].set_required(roles.get(code) == "required")
        unit = capacity_unit(bt)
        for label in v.unit_labels:
            label.setText(unit)
        v.equipment_button.setVisible(not bt.is_residential)
        has_survey = any(s.code == "survey" for s in bt.stages)
        v.survey_group.setVisible(has_survey)
        if not has_survey and v.survey.enabled.isChecked():
            v.survey.enabled.setChecked(False)
        stages = " → ".join(
            f"{s.name}" + (f"（{s.limit_days}个工作日）" if s.limit_days else "")
            for s in bt.stages_for(False)
        )
        dual = f"（重要负荷双电源 {bt.total_limit_dual} 个）" if bt.total_limit_dual else (
            f"（需外线工程的 {bt.total_limit_external} 个）" if bt.total_limit_external else "")
        v.summary.setText(f"{bt.name}：{stages}；全流程不超过 {bt.total_limit} 个工作日{dual}")
        self._green_toggled(self.editors["green_channel"].isChecked())
        self._update_tab_order()

    def _rebuild_materials(self, keep: dict[str, str] | None = None) -> None:
        known = self.known
        before = dict(self.view.materials.chosen() if keep is None else keep)
        plan = material_plan(
            self.view.business_type.currentData(),
            has_agent=self.view.has_agent.isChecked(),
            on_file=known.on_file if known else {},
            blacklisted=bool(known and known.blacklisted),
            today=clock.today(),
            cat=self.cat,
            important=catalog_mod.is_important(self.editors["load_importance"].currentText()),
        )
        self.view.materials.set_plan(plan, keep=before)
        self._material_conflicts = {}
        for item in plan:
            wanted = before.get(item.code)
            if wanted and wanted != self.view.materials.states()[item.code]:
                if wanted == "deferred" and item.blacklisted:
                    self._material_conflicts[item.code] = (
                        "该客户在失信名单中，不能容缺：请当场收取此项资料后再确认"
                    )
                elif wanted == "deferred":
                    self._material_conflicts[item.code] = "此项资料须在受理时提交，不能容缺"
                elif wanted == "on_file":
                    self._material_conflicts[item.code] = "档案中没有此项有效资料，请当场收取后再确认"
        if self._material_conflicts:
            self.view.materials.show_errors(self._material_conflicts)
        self._update_tab_order()

    def _materials_changed(self) -> None:
        if self._filling:
            return
        self._material_conflicts = {}
        self._changed()
    # --- smaller field behaviour ----------------------------------------------------------------

    def _agent_toggled(self, on: bool, *, rebuild: bool = True) -> None:
        self.view.agent_grid.setVisible(on)
        if rebuild and not self._filling:
            self._rebuild_materials()
            self._changed()
        self._update_tab_order()

    def _green_toggled(self, on: bool) -> None:
        for code in ("green_reason", "green_manager"):
            row = self.view.rows[code]
            row.setVisible(on and row.parent() is self.view.optional_grid)
            row.set_required(on)
        if on:
            self.view.optional_section.set_expanded(True)
        self._update_tab_order()

    def _capacity_changed(self) -> None:
        self._update_total()

    def _update_total(self) -> None:
        total = self._total()
        self.editors["total_capacity"].setText(format(total.normalize(), "f") if total else "")
        suggestion = self._suggested_voltage()
        self.view.voltage_hint.setText(f"建议 {suggestion}" if suggestion else "")
        if not self._voltage_manual:
            set_editor_text(self.editors["supply_voltage"], suggestion)

    def _voltage_chosen(self) -> None:
        self._voltage_manual = bool(editor_text(self.editors["supply_voltage"]))

    def _total(self) -> Decimal | None:
        """Total capacity from the existing and applied fields (None while one is not a number)."""
        e = self.editors
        bt = self.cat.business_type(self.view.business_type.currentData())
        try:
            existing = parse_decimal(e["existing_capacity"].text()) or Decimal("0")
            applied = parse_decimal(e["applied_capacity"].text()) or Decimal("0")
        except ValueError:
            return None
        if "existing_capacity" not in field_roles(bt):
            existing = Decimal("0")
        return total_capacity(bt.code, existing, applied)

    def _suggested_voltage(self) -> str:
        total = self._total()
        bt = self.cat.business_type(self.view.business_type.currentData())
        return self.cat.suggest_voltage(float(total), single_phase_only=bt.is_residential) if total else ""

    def open_equipment(self) -> None:
        from counter_app.ui.acceptance_capacity import EquipmentDialog

        dialog = EquipmentDialog(editor_text(self.editors["industry"]), self)
        if run_modal(dialog) and dialog.suggestion is not None:
            s = dialog.suggestion
            self.editors["applied_capacity"].setText(str(s.capacity))
            self._voltage_manual = False
            self._update_total()
            set_editor_text(self.editors["supply_voltage"], s.voltage)
            self._voltage_manual = True
            self.view.status.setText(s.explain())
    def _clear_errors(self) -> None:
        for row in self.view.rows.values():
            row.show_error(None)
        self.view.materials.show_errors({})
        self.view.survey.show_errors({})

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message at its field; the first field in form order gets the focus."""
        self._clear_errors()
        v = self.view
        for code, message in errors.items():
            if code in v.rows:
                v.rows[code].show_error(message)
                if v.rows[code].parent() is v.optional_grid:
                    v.optional_section.set_expanded(True)
            elif code == "has_agent":
                v.status.setText(message)
        v.materials.show_errors(
            {c.split(".", 1)[1]: m for c, m in errors.items() if c.startswith("material.")}
        )
        v.survey.show_errors({c: m for c, m in errors.items() if c.startswith("appointment_")})
        first = self._first_error_widget(errors)
        count = len(errors)
        first_message = next(iter(errors.values()))
        v.status.setText(
            f"有 {count} 处需要修改：{first_message}" if count > 1 else f"请修改：{first_message}"
        )
        if first is not None:
            v.scroll.ensureWidgetVisible(first)
            first.setFocus(Qt.OtherFocusReason)

    def _first_error_widget(self, errors: dict[str, str]) -> QWidget | None:
        order = self._focus_order()
        targets = {}
        for code in errors:
            if code in self.editors:
                targets[self.editors[code]] = code
            elif code in ("cert_type", "cert_number", "holder_name", "cert_valid_until", "business_type"):
                targets[getattr(self.view, code)] = code
            elif code.startswith("material."):
                row = self.view.materials.rows.get(code.split(".", 1)[1])
                if row:
                    targets[row.combo] = code
            elif code.startswith("appointment_"):
                s = self.view.survey
                widget = {
                    "appointment_day": s.day,
                    "appointment_team": s.team,
                    "appointment_mode": s.mode,
                    "appointment_slot": s.time if s.mode.currentData() == "fixed" else s.half,
                }.get(code)
                if widget is not None:
                    targets[widget] = code
        return next((w for w in order if w in targets), next(iter(targets), None))

    # --- focus ----------------------------------------------------------------------------------

    def _focus_order(self) -> list[QWidget]:
        v = self.view
        order: list[QWidget] = [
            v.cert_type,
            v.cert_number,
            v.read_button,
            v.holder_name,
            v.cert_valid_until,
            v.has_agent,
        ]
        order += [v.rows[c].editor for c in AGENT_FIELDS]
        order.append(v.business_type)
        order += [row.editor for row in v.main_grid.rows]
        order.append(v.optional_section.button)
        order += [row.editor for row in v.optional_grid.rows]
        order += v.materials.combos()
        order += v.survey.focus_chain()
        order += [v.save_button, v.print_button, v.next_button, v.clear_button]
        return order

    def _update_tab_order(self) -> None:
        order = [w for w in self._focus_order() if w.focusPolicy() & Qt.TabFocus]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def focus_first_empty(self) -> None:
        """Put the cursor where the clerk has to type next (the first empty required field)."""
        v = self.view
        candidates = [v.cert_number, v.holder_name]
        if v.has_agent.isChecked():
            candidates += [v.rows[c].editor for c in AGENT_FIELDS]
        candidates += [row.editor for row in v.main_grid.rows if row.star.text()]
        if self.editors["green_channel"].isChecked():
            candidates += [self.editors["green_manager"], self.editors["green_reason"]]
        for widget in candidates:
            if (
                widget.isVisibleTo(self)
                and widget.isEnabled()
                and widget.focusPolicy() & Qt.TabFocus
                and not editor_text(widget)
            ):
                self._auto_focus = widget
                v.scroll.ensureWidgetVisible(widget)
                widget.setFocus(Qt.OtherFocusReason)
                return
        self._auto_focus = v.save_button
        v.save_button.setFocus(Qt.OtherFocusReason)
