"""The clerk's acceptance workspace (一证受理): behaviour of the page laid out in acceptance_view.py.

Certificate typed, scanned or read → checked at once → known customer looked up (flags, materials
on file, pre-fill) → the business type shapes the form, the checklist and the stages → Save (Ctrl+S)
creates the application in one transaction → the number is shown, documents offered, Ctrl+N gives a
fresh form. Nothing typed is ever lost: every change goes to a local draft, a failed save keeps the
form and offers a retry, a colleague's newer save is reported with what they changed.

Hooks for the main window: ``saved(int)`` after every successful save, ``formChanged()`` after
any change of what the form holds (the customer screen follows it), ``print_gate`` (called with the
application id before the documents open; False holds them back until the customer confirmed),
``activate()`` for Ctrl+N, ``edit_application(id)`` to open one for editing, ``confirm_close()`` before quitting."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from PySide6.QtCore import QEvent, QLockFile, QObject, Qt, QTimer, Signal
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

from counter_app.acceptance import cardreader
from counter_app.acceptance import service as acceptance
from counter_app.acceptance.clerk_input import (
    AcceptanceInput,
    type_defaults,
)
from counter_app.acceptance.drafts import DraftStore
from counter_app.hall import catalog as catalog_mod
from counter_app.hall import hall
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.ui import held_forms
from counter_app.ui.acceptance_certificate import CertificatePart
from counter_app.ui.acceptance_drafts import DraftsPart
from counter_app.ui.acceptance_form import TEXT_FIELDS, AcceptanceForm
from counter_app.ui.acceptance_save import SaveFlow
from counter_app.ui.acceptance_view import AGENT_FIELDS, AcceptanceView
from counter_app.ui.kit import background
from counter_app.ui.kit.widgets import editor_text, pc_settings, set_editor_text

log = logging.getLogger(__name__)



class AcceptancePage(AcceptanceForm, CertificatePart, DraftsPart, SaveFlow, QWidget):
    """The page; the parts it is made of hold the form, the certificate, the drafts and the saving."""

    saved = Signal(int)
    formChanged = Signal()  # any change of what the form holds (the customer screen follows it)
    # called with the application id before the documents open; False holds them back (请核对)
    print_gate = None

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
        # an important customer's checklist asks for the important-customer approval
        self.editors["load_importance"].currentIndexChanged.connect(lambda *_a: self._rebuild_materials())

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

    # --- fresh form -----------------------------------------------------------------------------

    def new_form(self, *, focus: bool = True) -> None:
        """An empty form for the next customer: business type and district as last time."""
        settings = pc_settings()
        v = self.view
        self._filling = True
        try:
            self.mode, self.application_id, self.version, self.number = "new", None, None, ""
            self.saved_result, self.known, self._looked_up, self._card = None, None, None, None
            self._lookup_token = None  # a late answer about the last customer is not this one's
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
        self.formChanged.emit()
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
        for code, value in type_defaults(bt, self.cat, kw).items():
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
        background.run(
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
        background.run(
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

        background.run(
            self, lambda: acceptance.survey_day_load(self.db, self.actor, team, day), done, lambda exc: None
        )

    # --- documents, closing ---------------------------------------------------------------------

    def open_documents(self) -> None:
        if not self.application_id:
            return
        if self.print_gate is not None and not self.print_gate(self.application_id):
            return
        from counter_app.ui.documents_dialog import DocumentsDialog  # on first use: the page opens fast

        DocumentsDialog(self.db, self.actor, self.application_id, self).open()

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
