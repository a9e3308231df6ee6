"""The clerk's acceptance workspace (一证受理): behaviour of the page laid out in acceptance_view.py.

Certificate typed, scanned or read → checked at once → known customer looked up (flags, materials
on file, pre-fill) → the business type shapes the form, the checklist and the stages → Save (Ctrl+S)
creates the application in one transaction → the number is shown, documents offered, Ctrl+N gives a
fresh form. Nothing typed is ever lost: every change goes to a local draft, a failed save keeps the
form and offers a retry, a colleague's newer save is reported with what they changed.

Hooks for the main window: ``saved(int)`` after every successful save, ``printRequested(int)``
when the clerk asks for the documents and no documents dialog is installed, ``activate()`` for
Ctrl+N, ``edit_application(id)`` to open one for editing, ``confirm_close()`` before quitting."""

from __future__ import annotations

import datetime as dt
import importlib.util
import logging
from decimal import Decimal

from PySide6.QtCore import QEvent, QLockFile, QMetaMethod, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from counter_app.acceptance import service as acceptance, cardreader, identity
from counter_app.infra import clock
from counter_app.hall import hall
from counter_app.hall import catalog as catalog_mod
from counter_app.acceptance.clerk_input import (
    LABELS,
    AcceptanceInput,
    capacity_unit,
    field_roles,
    high_voltage_counterpart,
    material_plan,
    parse_decimal,
    split_address,
    total_capacity,
    validate,
)
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.acceptance.drafts import DraftStore
from counter_app.infra.errors import DatabaseUnavailable, StaleEdit, UserError, ValidationFailed
from counter_app.ui import background, held_forms
from counter_app.ui.acceptance_view import AGENT_FIELDS, FORM_FIELDS, AcceptanceView
from counter_app.ui.modal import run_modal
from counter_app.ui.widgets import editor_text, pc_settings, set_editor_text

log = logging.getLogger(__name__)

TEXT_FIELDS = [code for code, kind, _wide in FORM_FIELDS if kind != "check"]
CERT_FIELDS = ("cert_type", "cert_number", "holder_name", "cert_valid_until")
# per-business-type-group equivalents when an organisation's certificate is entered
ORGANISATION_TYPE = {"lv_res_new": "lv_biz_new", "lv_res_increase": "lv_biz_increase"}
DOCUMENTS_MODULE = "counter_app.ui.documents_dialog"


class AcceptancePage(QWidget):
    saved = Signal(int)
    printRequested = Signal(int)

    def __init__(
        self,
        db: Database,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        reader: cardreader.CertificateReader | None = None,
        drafts: DraftStore | None = None,
    ) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.cat = catalog_mod.load()
        self.reader = reader or cardreader.create()
        self.drafts = drafts or DraftStore()
        self.view = AcceptanceView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.editors = self.view.editors

        self.mode = "new"  # new | edit
        self.application_id: int | None = None
        self.version: int | None = None
        self.number = ""
        self.saved_result: acceptance.SaveResult | None = None
        self.known: acceptance.KnownCustomer | None = None
        self.cert_entered_at: dt.datetime | None = None
        self.busy = False
        self._card: cardreader.CardData | None = None
        self._looked_up: tuple[str, str] | None = None
        self._material_conflicts: dict[str, str] = {}
        self._voltage_manual = False
        self._filling = False
        self._pristine: dict = {}
        self._loaded_input: AcceptanceInput | None = None
        self._auto_focus: QWidget | None = None
        self._window_filtered: QObject | None = None
        self.defaults: acceptance.FormDefaults | None = None
        self._draft_lock: QLockFile | None = None
        self.draft_key = ""
        self._take_draft_key(DraftStore.new_key(actor.username))
        self._pending_drafts: list = []
        self._auto_values: dict[str, str] = {}  # what _type_defaults put in (replaced on a type change)

        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(400)
        self._draft_timer.timeout.connect(self.write_draft)

        self._actions()
        self._connect()
        self.new_form(focus=False)
        self._load_defaults()
        self._offer_drafts()
        held_forms.install(self)

    # --- wiring ---------------------------------------------------------------------------------

    def _actions(self) -> None:
        self.save_action = QAction("保存受理", self)
        self.save_action.setShortcut(QKeySequence("Ctrl+S"))
        self.save_action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        self.save_action.triggered.connect(self.save)
        self.read_action = QAction("读卡", self)
        self.read_action.setShortcut(QKeySequence("F2"))
        self.read_action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        self.read_action.triggered.connect(self.read_card)
        self.addActions([self.save_action, self.read_action])

    def _connect(self) -> None:
        v = self.view
        v.save_button.clicked.connect(self.save)
        v.read_button.clicked.connect(self.read_card)
        v.next_button.clicked.connect(self.activate)
        v.clear_button.clicked.connect(self.clear_form)
        v.print_button.clicked.connect(self.open_documents)
        v.equipment_button.clicked.connect(self.open_equipment)
        v.cert_type.currentIndexChanged.connect(self._cert_type_changed)
        v.cert_number.textChanged.connect(self._cert_changed)
        v.cert_number.editingFinished.connect(lambda: self._cert_changed(final=True))
        v.holder_name.textChanged.connect(self._holder_changed)
        v.has_agent.toggled.connect(self._agent_toggled)
        v.business_type.currentIndexChanged.connect(self._type_changed)
        self.editors["green_channel"].toggled.connect(self._green_toggled)
        for code in ("existing_capacity", "applied_capacity"):
            self.editors[code].textChanged.connect(self._capacity_changed)
        self.editors["supply_voltage"].activated.connect(self._voltage_chosen)
        v.materials.changed.connect(self._materials_changed)
        v.survey.changed.connect(self._changed)
        v.survey.loadRequested.connect(self._survey_load)
        for code, editor in self.editors.items():
            self._watch(code, editor)

    def _watch(self, code: str, editor: QWidget) -> None:
        if isinstance(editor, QLineEdit):
            editor.textChanged.connect(lambda *_a, c=code: self._field_edited(c))
            editor.editingFinished.connect(lambda c=code: self._check_field(c))
        elif isinstance(editor, QPlainTextEdit):
            editor.textChanged.connect(lambda c=code: self._field_edited(c))
        elif isinstance(editor, QComboBox):
            editor.currentIndexChanged.connect(lambda *_a, c=code: self._field_edited(c))
        elif isinstance(editor, QCheckBox):
            editor.toggled.connect(lambda *_a, c=code: self._field_edited(c))

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

    def is_dirty(self) -> bool:
        return self._snapshot() != self._pristine

    def _snapshot(self) -> dict:
        data = self.collect().to_dict()
        data.pop("cert_entered_at", None)
        return data

    # --- fresh form -----------------------------------------------------------------------------

    def new_form(self, *, focus: bool = True) -> None:
        """An empty form for the next customer: business type and district as last time."""
        settings = pc_settings()
        v = self.view
        self._filling = True
        try:
            self.mode, self.application_id, self.version, self.number = "new", None, None, ""
            self.saved_result, self.known, self._looked_up, self._card = None, None, None, None
            self._loaded_input, self.cert_entered_at = None, None
            self._material_conflicts = {}
            self._voltage_manual = False
            self._last_holder = ""
            self._auto_values = {}
            v.cert_type.setCurrentIndex(0)
            last_type = settings.value("acceptance/business_type", "lv_res_new")
            index = v.business_type.findData(last_type)
            v.business_type.setCurrentIndex(index if index >= 0 else 0)
            for widget in (v.cert_number, v.holder_name, v.cert_valid_until):
                widget.clear()
            v.has_agent.setChecked(False)
            for code in (*TEXT_FIELDS, *AGENT_FIELDS):
                if code == "agent_cert_type":
                    self.editors[code].setCurrentIndex(0)
                else:
                    set_editor_text(self.editors[code], "")
            self.editors["green_channel"].setChecked(False)
            v.survey.set_value(None)
            self._apply_type()
            self._type_defaults()
            district = str(settings.value("acceptance/district", "") or "")
            self.editors["address_district"].setText(district)
            self._auto_values["address_district"] = district
            self._rebuild_materials(keep={})
        finally:
            self._filling = False
        self._update_total()
        self._update_cert_info()
        self._show_flags(None)
        self._clear_errors()
        self._set_editable_certificate(True)
        self._green_toggled(False)
        self._agent_toggled(False, rebuild=False)
        v.print_button.hide()
        v.banner.clear()
        v.status.setText("")
        self._take_draft_key(DraftStore.new_key(self.actor.username))
        self._pristine = self._snapshot()
        if self._pending_drafts:
            self._show_draft_offer()
        if focus:
            v.scroll.ensureVisible(0, 0)
            v.cert_number.setFocus(Qt.ShortcutFocusReason)

    def _type_defaults(self) -> None:
        """Defaults of the business type (usage category, industry, load importance, a residential
        capacity). A value still equal to the previous type's default is replaced; typed ones stay."""
        bt = self.cat.business_type(self.view.business_type.currentData())
        kw = (
            self.defaults.residential_kw
            if self.defaults
            else Decimal(str(hall.DEFAULT_SETTINGS["residential_default_kw"]))
        )
        wanted = {
            "usage_category": bt.usage_default,
            "industry": "城乡居民生活" if bt.is_residential else "",
            "load_importance": self.cat.load_importance[0] if bt.is_high_voltage else "",
            "applied_capacity": format(kw.normalize(), "f") if kw and bt.code == "lv_res_new" else "",
        }
        for code, value in wanted.items():
            editor = self.editors[code]
            current = editor_text(editor)
            if not current or current == self._auto_values.get(code):
                set_editor_text(editor, value)
                self._auto_values[code] = value

    def first_field(self) -> QWidget:
        """Where the focus goes when the window opens: the certificate number (a scan lands there)."""
        return self.view.cert_number

    def activate(self) -> None:
        """Ctrl+N from anywhere: a fresh form, unless the one on screen has unsaved input."""
        if self.busy:
            return
        if not self.is_dirty():  # empty, or saved and not changed since
            self.new_form()
        else:
            self.view.status.setText("当前受理尚未保存：请先保存，或按 Ctrl+H 挂起（稍后恢复），或点“清空重填”放弃，"
                                     "再办理下一笔")
            self.view.cert_number.setFocus(Qt.ShortcutFocusReason)

    def clear_form(self) -> None:
        if self.busy:
            return
        if self.is_dirty() and not self._confirm(
            "清空重填", "确定放弃当前已输入的内容吗？（本机草稿也将删除）"
        ):
            return
        self.drafts.remove(self.draft_key)
        self.new_form()

    # --- defaults from the hall -----------------------------------------------------------------

    def _load_defaults(self) -> None:
        background.run_for(
            self,
            lambda: acceptance.form_defaults(self.db, self.actor),
            self._defaults_loaded,
            self._defaults_failed,
        )

    def _defaults_loaded(self, defaults: acceptance.FormDefaults) -> None:
        pristine = not self.is_dirty()
        self.defaults = defaults
        self._filling = True
        try:
            self.view.survey.set_teams(defaults.teams)
            completer = QCompleter(defaults.districts, self)
            completer.setCaseSensitivity(Qt.CaseInsensitive)
            self.editors["address_district"].setCompleter(completer)
            self.view.materials.set_deferral_due(defaults.deferral_due, defaults.deferral_due_estimated)
            if pristine and self.mode == "new":
                self._type_defaults()
        finally:
            self._filling = False
        if pristine:
            self._pristine = self._snapshot()
        if self.view.survey.team.currentData():
            self._suggest_survey_day()

    def _defaults_failed(self, exc: BaseException) -> None:
        self.view.survey.set_teams(
            [
                acceptance.survey.SurveyTeam(t["name"], t.get("area", ""), int(t["daily_capacity"]))
                for t in hall.DEFAULT_SETTINGS["survey_teams"]
            ]
        )
        self.view.status.setText(f"营业厅设置暂不可读，已用默认值：{exc}")

    def _suggest_survey_day(self) -> None:
        team = self.view.survey.team.currentData()
        background.run_for(
            self,
            lambda: acceptance.suggest_survey_day(self.db, self.actor, team),
            lambda day: self._apply_survey_day(day),
            lambda exc: None,
        )

    def _apply_survey_day(self, day: dt.date | None) -> None:
        """Pre-set the day a booking would take (no booking is made until the clerk ticks it)."""
        if day and not self.view.survey.enabled.isChecked():
            self._filling = True
            try:
                self.view.survey.set_day(day)
            finally:
                self._filling = False

    def _survey_load(self, team: str, day: dt.date) -> None:
        def done(result) -> None:
            used, capacity = result
            self.view.survey.set_load(team, day, used, capacity)

        background.run_for(
            self, lambda: acceptance.survey_day_load(self.db, self.actor, team, day), done, lambda exc: None
        )

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
        dual = f"（重要负荷双电源 {bt.total_limit_dual} 个）" if bt.total_limit_dual else ""
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

    # --- certificate ----------------------------------------------------------------------------

    def _cert_type_changed(self) -> None:
        if self._filling:
            return
        code = self.view.cert_type.currentData()
        if identity.cert_kind(code) == identity.ORGANISATION:
            current = self.view.business_type.currentData()
            if current in ORGANISATION_TYPE:
                set_editor_text(self.view.business_type, ORGANISATION_TYPE[current])
        self._cert_changed(final=bool(self.view.cert_number.text()))

    def _cert_changed(self, *_args, final: bool = False) -> None:
        if self._filling:
            return
        v = self.view
        code = v.cert_type.currentData()
        text = identity.normalize(v.cert_number.text())
        result = identity.check(code, text)
        # 18-character numbers are judged the moment they are complete, others when the clerk moves on
        complete = final or len(text) >= 18
        row = v.rows["cert_number"]
        suggested = identity.suggest_cert_type(code, text) if complete and not result.ok else None
        if suggested and self._offer_cert_type(code, text, suggested):
            return  # the type changed: _cert_type_changed checked the number again
        if not text:
            row.show_error(None)
        elif suggested:
            row.show_error(identity.wrong_type_message(code, suggested))
        elif not result.ok:
            row.show_error(result.error if complete else None)
        else:
            row.show_error("；".join(result.warnings) or None, warning=True)
        if self._card is not None and text != identity.normalize(self._card.number):
            self._card = None  # another certificate than the one read: the card's details do not apply
        if result.ok and text and complete:
            if self.cert_entered_at is None:
                self.cert_entered_at = clock.now()
            self._lookup(code, result.number)
        elif self.known is not None and (code, text) != self._looked_up:
            self._apply_known(None)
        self._update_cert_info()

    def _offer_cert_type(self, code: str, text: str, suggested: str) -> bool:
        """Ask once per number whether to switch the type (a credit code typed under 居民身份证)."""
        if getattr(self, "_type_offered_for", None) == (code, text):
            return False
        self._type_offered_for = (code, text)
        if not self._confirm("证件类型", f"{identity.wrong_type_message(code, suggested)}。\n\n现在改为"
                                          f"“{identity.cert_label(suggested)}”吗？"):
            return False
        v = self.view
        v.cert_type.setCurrentIndex(v.cert_type.findData(suggested))
        return True

    def _update_cert_info(self) -> None:
        v = self.view
        code = v.cert_type.currentData()
        result = identity.check(code, v.cert_number.text())
        parts = []
        card = self._card
        sex = (card.sex if card else "") or result.sex
        birth = (card.birth_date if card else None) or result.birth_date
        if sex:
            parts.append(f"性别：{sex}")
        if birth:
            parts.append(f"出生：{birth:%Y-%m-%d}")
        if card and card.address:
            parts.append(f"证件地址：{card.address}")
        if card and card.issuer:
            parts.append(f"签发机关：{card.issuer}")
        v.cert_info.setText("　".join(parts))
        v.cert_info.setVisible(bool(parts))

    def _holder_changed(self, text: str) -> None:
        """A person is usually their own contact; an organisation names someone."""
        if self._filling:
            return
        contact = self.editors["contact_name"]
        person = identity.cert_kind(self.view.cert_type.currentData()) == identity.PERSON
        if person and (not contact.text() or contact.text() == self._last_holder):
            contact.setText(text)
        elif not person and contact.text() == self._last_holder:
            contact.clear()
        self._last_holder = text

    _last_holder = ""

    def read_card(self) -> None:
        """F2: take the certificate from the reader and fill the form the way the clerk would."""
        if self.busy:
            return
        try:
            card = self.reader.read()
        except UserError as exc:
            self.view.rows["cert_number"].show_error(str(exc), warning=True)
            self.view.cert_number.setFocus(Qt.OtherFocusReason)
            return
        v, e = self.view, self.editors
        self._card = card
        set_editor_text(v.cert_type, card.cert_type)
        v.holder_name.setText(card.name)
        v.cert_valid_until.setText(card.validity_label())
        district, detail = split_address(card.address)
        typed_district = e["address_district"].text() not in ("", self._auto_values.get("address_district"))
        if not typed_district and not e["address_detail"].text():
            e["address_district"].setText(district)
            e["address_detail"].setText(detail)
        v.cert_number.setText(card.number)
        self._cert_changed(final=True)
        self._changed()
        self.focus_first_empty()

    # --- known customer -------------------------------------------------------------------------

    def _lookup(self, cert_type: str, number: str) -> None:
        key = (cert_type, number)
        if key == self._looked_up:
            return
        self._looked_up = key

        def done(known) -> None:
            if self._looked_up == key:
                self._apply_known(known)

        def failed(exc: BaseException) -> None:
            if self._looked_up == key:
                self._looked_up = None
                self.view.known_info.setText(f"暂时无法查询客户档案：{exc}（可继续受理，保存时会再核对）")
                self.view.known_info.show()

        background.run_for(
            self, lambda: acceptance.lookup_customer(self.db, self.actor, *key), done, failed
        )

    def _apply_known(self, known: acceptance.KnownCustomer | None) -> None:
        self.known = known
        self._show_flags(known)
        if known is not None:
            e, v = self.editors, self.view
            focus_before = self.focusWidget()
            if not v.holder_name.text():
                v.holder_name.setText(known.name)
            for code, value in known.prefill.items():
                editor = e.get(code)
                if editor is not None and editor_text(editor) in ("", self._auto_values.get(code)):
                    set_editor_text(editor, value)  # a default gives way to what is on file
            if not v.cert_valid_until.text() and known.cert_valid_until:
                v.cert_valid_until.setText(known.cert_valid_until.isoformat())
            if (
                focus_before is self._auto_focus
                and isinstance(focus_before, QLineEdit)
                and not focus_before.text()
            ):
                self.focus_first_empty()
        self._rebuild_materials()
        self._changed()

    def _show_flags(self, known: acceptance.KnownCustomer | None) -> None:
        v = self.view
        if known is None:
            v.flags.hide()
            v.known_info.hide()
            return
        flags = known.flags
        v.flags.setText("请注意：" + "；".join(flags) if flags else "")
        v.flags.setAccessibleName(v.flags.text())
        v.flags.setVisible(bool(flags))
        info = [f"老客户：已办理 {known.application_count} 笔业务"]
        if known.open_applications:
            info.append("在途：" + "、".join(f"{n}（{b}，{s}）" for n, b, s in known.open_applications))
        if known.on_file_names:
            info.append("在档资料：" + "、".join(known.on_file_names.values()))
        typed = v.holder_name.text().strip()
        if typed and typed != known.name:
            info.append(f"档案户名为“{known.name}”，与输入不一致，请核对")
        v.known_info.setText("；".join(info))
        v.known_info.show()

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

    # --- changes, errors, drafts ----------------------------------------------------------------

    def _field_edited(self, code: str) -> None:
        row = self.view.rows.get(code)
        if row is not None and not self._filling and code != "cert_number":
            row.show_error(None)
        self._changed()

    def _check_field(self, code: str) -> None:
        """On leaving a field: its own message, right away (other fields are not judged yet)."""
        if self._filling or code == "cert_number":
            return
        inp = self.collect()
        text = editor_text(self.editors[code])
        if not text:
            return
        try:
            validate(inp, today=clock.today(), cat=self.cat)
        except ValidationFailed as exc:
            message = exc.errors.get(code)
            if message:
                self.view.rows[code].show_error(message)

    def _changed(self, *_args) -> None:
        if self._filling:
            return
        if self.saved_result is not None and self.is_dirty() and self.mode == "edit":
            self.view.status.setText(f"正在修改已受理的申请 {self.number}，按 Ctrl+S 保存修改")
        self._draft_timer.start()

    def draft_payload(self) -> tuple[dict, str]:
        """What a draft (or a held form) of the form on screen holds, and its one-line summary."""
        inp = self.collect()
        bt = self.cat.business_name(inp.business_type)
        summary = " · ".join(x for x in (inp.holder_name.strip() or "（未填姓名）", bt, self.number) if x)
        return {
            "form": inp.to_dict(),
            "mode": self.mode,
            "application_id": self.application_id,
            "version": self.version,
            "number": self.number,
            "loaded": self._loaded_input.to_dict() if self._loaded_input else None,
        }, summary

    def write_draft(self) -> None:
        """Keep the form on disk (or drop the draft when nothing is left to lose)."""
        try:
            if not self.is_dirty():
                self.drafts.remove(self.draft_key)
                return
            data, summary = self.draft_payload()
            self.drafts.save(self.draft_key, data, username=self.actor.username, window_no=self.actor.window_no,
                             summary=summary)
        except OSError as exc:
            self.view.status.setText(f"本机草稿无法写入（{exc}），请尽快保存")

    def _take_draft_key(self, key: str) -> None:
        """The draft file this form writes, locked so a second instance does not offer it."""
        if self._draft_lock is not None:
            self._draft_lock.unlock()
        self.draft_key = key
        self._draft_lock = QLockFile(str(self.drafts.path(key)) + ".lock")
        self._draft_lock.setStaleLockTime(0)  # stale only when its process is gone
        self._draft_lock.tryLock(0)

    def _draft_in_use(self, key: str) -> bool:
        if key == self.draft_key:
            return True
        lock = QLockFile(str(self.drafts.path(key)) + ".lock")
        lock.setStaleLockTime(0)
        if lock.tryLock(0):
            lock.unlock()
            return False
        return True

    def _offer_drafts(self) -> None:
        self._pending_drafts = [d for d in self.drafts.list(self.actor.username)
                                if not self._draft_in_use(d.key) and not d.data.get("held")]  # held: 挂起 list
        if self._pending_drafts:
            self._show_draft_offer()

    def _show_draft_offer(self) -> None:
        draft = self._pending_drafts[0]
        more = f"（共 {len(self._pending_drafts)} 份）" if len(self._pending_drafts) > 1 else ""
        self.view.banner.show_message(
            "warning",
            f"发现上次未保存的受理草稿{more}：{draft.label()}",
            [("恢复草稿", self.restore_draft), ("丢弃草稿", self.discard_draft)],
        )

    def restore_draft(self) -> None:
        if not self._pending_drafts:
            return
        draft = self._pending_drafts.pop(0)
        data = draft.data
        self.new_form(focus=False)
        self.fill(AcceptanceInput.from_dict(data.get("form") or {}))
        if data.get("mode") == "edit" and data.get("application_id"):
            self.mode, self.application_id = "edit", int(data["application_id"])
            self.version, self.number = data.get("version"), data.get("number") or ""
            loaded = data.get("loaded")
            self._loaded_input = AcceptanceInput.from_dict(loaded) if loaded else None
            self._set_editable_certificate(True)
        self.drafts.remove(draft.key)
        self._take_draft_key(draft.key)
        self._pristine = {}  # restored input is unsaved input
        self.write_draft()
        cert = self.view.cert_number.text()
        if cert:
            self._cert_changed(final=True)
        if self._pending_drafts:
            self._show_draft_offer()
        else:
            what = f"申请 {self.number} 的修改" if self.mode == "edit" else "受理内容"
            self.view.banner.show_message("info", f"已恢复草稿中的{what}，核对后按 Ctrl+S 保存")
        self.focus_first_empty()

    def discard_draft(self) -> None:
        if not self._pending_drafts:
            return
        draft = self._pending_drafts.pop(0)
        self.drafts.remove(draft.key)
        if self._pending_drafts:
            self._show_draft_offer()
        else:
            self.view.banner.clear()

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

    # --- save -----------------------------------------------------------------------------------

    def save(self) -> None:
        """Ctrl+S: check, then save in the background; the form stays as typed whatever happens."""
        if self.busy:
            return
        inp = self.collect()
        known = self.known
        errors: dict[str, str] = {}
        try:
            validate(
                inp,
                today=clock.today(),
                on_file=known.on_file if known else {},
                blacklisted=bool(known and known.blacklisted),
                cat=self.cat,
            )
        except ValidationFailed as exc:
            errors.update(exc.errors)
        for code, message in self._material_conflicts.items():
            errors.setdefault(f"material.{code}", message)
        if "supply_voltage" in errors and self._offer_high_voltage(inp, errors["supply_voltage"]):
            return
        if errors:
            self.show_errors(errors)
            return
        self._clear_errors()
        self.write_draft()
        self._start_save(inp)

    def _offer_high_voltage(self, inp: AcceptanceInput, message: str) -> bool:
        """A low-voltage type with a high-voltage supply: offer the high-voltage type, input kept."""
        target = high_voltage_counterpart(inp.business_type)
        if target is None:
            return False
        name = self.cat.business_name(target)
        if not self._confirm("改为高压业务", f"{message}。\n\n改为“{name}”并保留已填写的内容吗？"):
            return False
        v = self.view
        v.business_type.setCurrentIndex(v.business_type.findData(target))
        self.view.status.setText(f"已改为“{name}”：请补充高压业务所需的项目名称、负荷重要性等，再按 Ctrl+S 保存")
        return True

    def _start_save(self, inp: AcceptanceInput) -> None:
        self._set_busy(True, "正在保存到数据库…")
        if self.mode == "edit":
            app_id, version = self.application_id, self.version
            work = lambda: acceptance.update(self.db, self.actor, app_id, version, inp)  # noqa: E731
        else:
            work = lambda: acceptance.save(self.db, self.actor, inp)  # noqa: E731
        background.run_for(
            self, work, lambda result: self._saved(result, inp), lambda exc: self._save_failed(exc, inp)
        )

    def _set_busy(self, busy: bool, message: str = "") -> None:
        self.busy = busy
        focus = self.focusWidget()
        self.view.form.setEnabled(not busy)
        self.view.save_button.setEnabled(not busy)
        self.view.clear_button.setEnabled(not busy)
        self.view.next_button.setEnabled(not busy)
        if message:
            self.view.status.setText(message)
        if busy:
            self._focus_before_busy = focus
        elif getattr(self, "_focus_before_busy", None) is not None:
            try:
                self._focus_before_busy.setFocus(Qt.OtherFocusReason)
            except RuntimeError:
                pass

    def _saved(self, result: acceptance.SaveResult, inp: AcceptanceInput) -> None:
        self._set_busy(False)
        first_save = self.mode == "new"
        self.mode, self.application_id, self.version = "edit", result.application_id, result.version
        self.number, self.saved_result = result.number, result
        self._loaded_input = inp
        self._pristine = self._snapshot()
        self.drafts.remove(self.draft_key)
        settings = pc_settings()
        settings.setValue("acceptance/business_type", inp.business_type)
        if inp.address_district.strip():
            settings.setValue("acceptance/district", inp.address_district.strip())
        settings.sync()
        lines = [f"{'已受理' if first_save else '已保存修改'}：申请编号 {result.number}"]
        if result.deferred:
            lines.append(
                "容缺：" + "；".join(f"{name}应于 {day:%Y-%m-%d} 前补交" for name, day in result.deferred)
            )
        if result.due_date:
            lines.append(f"全流程时限 {result.due_date:%Y-%m-%d}")
        if first_save and result.counter_seconds is not None:
            minutes, seconds = divmod(result.counter_seconds, 60)
            lines.append(f"窗口用时 {minutes}分{seconds:02d}秒")
        lines.extend(result.warnings)
        text = "。".join(lines) + "。"
        self.view.banner.show_message(
            "success",
            text,
            rich=text.replace(
                result.number, f"<span style='font-size:15pt; font-weight:bold'>{result.number}</span>", 1
            ),
        )
        refresh = getattr(self.window(), "refresh_figures", None)
        if callable(refresh):  # the main window's "today's acceptances" count
            refresh()
        can_print = self._documents_available()
        self.view.print_button.setVisible(can_print)
        hint = "按空格键打印单据，" if can_print else ""
        self.view.status.setText(f"{hint}按 Ctrl+N 办理下一笔；如需更正可直接修改后再按 Ctrl+S")
        self.saved.emit(result.application_id)
        (self.view.print_button if can_print else self.view.next_button).setFocus(Qt.OtherFocusReason)

    def _save_failed(self, exc: BaseException, inp: AcceptanceInput) -> None:
        self._set_busy(False)
        self.write_draft()
        v = self.view
        if isinstance(exc, ValidationFailed):
            self.show_errors(exc.errors)
        elif isinstance(exc, StaleEdit):
            self._stale(exc, inp)
        elif isinstance(exc, DatabaseUnavailable):
            v.banner.show_message(
                "error",
                f"保存未成功：{exc}\n您输入的内容都已保留（本机草稿已保存），恢复连接后点“重试保存”。",
                [("重试保存", self.save)],
            )
            v.status.setText("保存未成功，输入已保留")
            v.banner.button("重试保存").setFocus(Qt.OtherFocusReason)
        elif isinstance(exc, UserError):
            v.banner.show_message("error", f"保存未成功：{exc}（输入已保留）", [("重试保存", self.save)])
            v.status.setText("保存未成功，输入已保留")
        else:
            log.exception("acceptance save failed", exc_info=exc)
            v.banner.show_message(
                "error",
                f"保存时发生内部错误（{type(exc).__name__}: {exc}）。输入已保留在本机草稿中，"
                "可重试；如反复出现请联系管理员。",
                [("重试保存", self.save)],
            )
            v.status.setText("保存未成功，输入已保留")

    # --- edit and stale edits -------------------------------------------------------------------

    def edit_application(self, application_id: int) -> None:
        """Open an application for editing (while at 受理) or to look at it."""
        if self.busy:
            return
        if (
            self.is_dirty()
            and self.saved_result is None
            and not self._confirm("打开申请", "当前表单有未保存的内容（已存为本机草稿）。仍要打开该申请吗？")
        ):
            return

        def done(loaded: acceptance.LoadedApplication) -> None:
            self._set_busy(False)
            self._show_loaded(loaded)

        def failed(exc: BaseException) -> None:
            self._set_busy(False)
            self.view.banner.show_message(
                "error", f"无法打开该申请：{exc}", [("重试", lambda: self.edit_application(application_id))]
            )

        self._set_busy(True, "正在打开申请…")
        background.run_for(
            self, lambda: acceptance.load(self.db, self.actor, application_id), done, failed
        )

    def _show_loaded(self, loaded: acceptance.LoadedApplication) -> None:
        self.new_form(focus=False)
        self.known = None
        self.fill(loaded.input)
        self.mode, self.application_id, self.version = "edit", loaded.application_id, loaded.version
        self.number, self._loaded_input = loaded.number, loaded.input
        self.saved_result = None
        self._looked_up = (loaded.input.cert_type, loaded.input.cert_number)
        self._pristine = self._snapshot()
        self._set_editable_certificate(loaded.editable)
        who = f"{loaded.clerk_name}（{loaded.window_no}号窗口）" if loaded.window_no else loaded.clerk_name
        when = f"{loaded.accepted_at:%Y-%m-%d %H:%M}"
        if loaded.editable:
            self.view.banner.show_message(
                "info",
                f"正在修改申请 {loaded.number}（{when} 由{who}受理，当前在受理环节）。"
                "修改后按 Ctrl+S 保存，已打印的单据需重新打印。",
            )
        else:
            stage = self.cat.stage_name(loaded.stage)
            self.view.banner.show_message(
                "warning", f"申请 {loaded.number} 已进入“{stage}”环节，只能查看，不能修改。"
            )
        self.view.status.setText("")
        self.view.print_button.setVisible(self._documents_available())
        self.focus_first_empty() if loaded.editable else self.view.next_button.setFocus()

    def _set_editable_certificate(self, editable: bool) -> None:
        self.view.form.setEnabled(editable)
        self.view.save_button.setEnabled(editable)
        self.view.read_button.setEnabled(editable)

    def _stale(self, exc: StaleEdit, inp: AcceptanceInput) -> None:
        """A colleague saved first: say what they changed, keep ours, let the clerk decide."""
        v = self.view

        def show(latest: acceptance.LoadedApplication | None) -> None:
            changed = ""
            if latest is not None and self._loaded_input is not None:
                names = _differences(self._loaded_input, latest.input)
                if names:
                    changed = "对方修改了：" + "、".join(names) + "。"
            self._latest = latest
            actions = [("以我的内容重新保存", self._overwrite), ("载入最新内容", self._take_latest)]
            v.banner.show_message("error", f"{exc}{changed}", actions)
            v.status.setText("有人先保存了这份申请，您的输入已保留")
            v.banner.button("以我的内容重新保存").setFocus(Qt.OtherFocusReason)

        background.run_for(
            self,
            lambda: acceptance.load(self.db, self.actor, self.application_id),
            show,
            lambda _e: show(None),
        )

    _latest: acceptance.LoadedApplication | None = None

    def _overwrite(self) -> None:
        latest = self._latest
        if latest is None:
            self.save()
            return
        if not latest.editable:
            self.view.banner.show_message("error", f"申请 {latest.number} 已离开受理环节，不能再修改。")
            return
        self.version = latest.version
        self._loaded_input = latest.input
        self.save()

    def _take_latest(self) -> None:
        latest = self._latest
        if latest is not None and self._confirm(
            "载入最新内容", "将放弃您本次的修改，载入对方保存的内容。确定吗？"
        ):
            self.drafts.remove(self.draft_key)
            self._show_loaded(latest)

    # --- documents, closing ---------------------------------------------------------------------

    def _documents_available(self) -> bool:
        if importlib.util.find_spec(DOCUMENTS_MODULE) is not None:
            return True
        return self.isSignalConnected(QMetaMethod.fromSignal(self.printRequested))

    def open_documents(self) -> None:
        if not self.application_id:
            return
        if importlib.util.find_spec(DOCUMENTS_MODULE) is not None:
            module = importlib.import_module(DOCUMENTS_MODULE)
            dialog = module.DocumentsDialog(self.db, self.actor, self.application_id, self)
            dialog.open()
        else:
            self.printRequested.emit(self.application_id)

    def confirm_close(self) -> bool:
        """Ask before the window closes with unsaved input; the draft stays on disk either way."""
        if not self.is_dirty():
            return True
        self.write_draft()
        return self._confirm(
            "关闭窗口", "当前受理尚未保存。内容已存为本机草稿，下次启动时可恢复。\n确定要关闭吗？"
        )

    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text, QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        return answer == QMessageBox.Yes

    def showEvent(self, event) -> None:
        super().showEvent(event)
        window = self.window()
        if window is not self and window is not self._window_filtered:
            window.installEventFilter(self)
            self._window_filtered = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window_filtered and event.type() == QEvent.Close and not self.confirm_close():
            event.ignore()
            return True
        return super().eventFilter(watched, event)


def _differences(before: AcceptanceInput, after: AcceptanceInput) -> list[str]:
    """Labels of the fields that differ between two versions of the form."""
    a, b = before.to_dict(), after.to_dict()
    names = []
    for key in a:
        if key in ("cert_entered_at",) or a.get(key) == b.get(key):
            continue
        if key == "materials":
            names.append("资料清单")
        elif key == "appointment":
            names.append("勘查预约")
        elif key.startswith("cert_") and key not in LABELS:
            continue
        else:
            names.append(LABELS.get(key, {"has_agent": "经办人", "green_channel": "绿色通道"}.get(key, key)))
    return names
