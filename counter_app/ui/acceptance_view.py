"""Layout of the acceptance page (widgets only; behaviour lives in acceptance_page.py).

Left: the certificate and the customer, then the universal form whose rows the business type
picks (required rows marked *, optional rows in a collapsed section). Right: the materials
checklist and the survey appointment. A message banner on top, the action bar at the bottom; the
form scrolls so it fits 1366×768."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from counter_app.acceptance import identity
from counter_app.acceptance.clerk_input import LABELS
from counter_app.hall import catalog as catalog_mod
from counter_app.ui.acceptance_materials import MaterialsChecklist
from counter_app.ui.acceptance_survey import SurveyBooking
from counter_app.ui.widgets import STYLE_SHEET, Banner, FieldGrid, FieldRow, Section, named

# the universal form in reading order: (code, kind, wide); kinds: line, combo, check, text, amount
FORM_FIELDS: list[tuple[str, str, bool]] = [
    ("account_number", "line", False),
    ("address_district", "line", False),
    ("address_detail", "line", True),
    ("contact_name", "line", False),
    ("contact_mobile", "line", False),
    ("contact_phone", "line", False),
    ("usage_category", "combo", False),
    ("industry", "combo", False),
    ("existing_capacity", "amount", False),
    ("applied_capacity", "amount", False),
    ("total_capacity", "amount", False),
    ("supply_voltage", "combo", False),
    ("load_importance", "combo", False),
    ("wanted_date", "line", False),
    ("project_name", "line", True),
    ("mailing_address", "line", True),
    ("legal_rep_name", "line", False),
    ("legal_rep_id_number", "line", False),
    ("vat_taxpayer_number", "line", False),
    ("vat_phone", "line", False),
    ("vat_bank", "line", False),
    ("vat_account", "line", False),
    ("vat_address", "line", True),
    ("green_channel", "check", False),
    ("green_manager", "line", False),
    ("green_reason", "line", True),
    ("previous_holder_name", "line", False), ("supply_mode", "line", False), ("security_load", "line", False),
    ("main_equipment", "text", True), ("planned_load", "text", True),
    ("remarks", "text", True), ("internal_note", "text", True),
]
AGENT_FIELDS = ("agent_name", "agent_cert_type", "agent_cert_number", "agent_mobile", "agent_address")
PLACEHOLDERS = {
    "cert_number": "输入或扫描号码，读卡按 F2",
    "cert_valid_until": "如 2035-06-30，或“长期”",
    "wanted_date": "如 2026-12-01",
    "contact_mobile": "11位手机号码",
    "contact_phone": "如 0591-87654321",
    "address_district": "如 福州市鼓楼区",
    "address_detail": "街道、门牌、楼栋、房号",
    "remarks": "打印在申请表上，客户可见",
    "internal_note": "仅供内部同事参阅，不打印在任何客户单据上",
    "previous_holder_name": "过户/更名前的户名",
    "agent_address": "经办人（受托人）的联系地址，印在授权委托书上",
    "supply_mode": "如 单电源 / 双电源（一主一备）",
}
LABELS_EXTRA = {"green_channel": "绿色通道", "has_agent": "经办人代办（附授权委托书）"}


def _narrow_combo(combo: QComboBox) -> None:
    """Long certificate names (港澳居民来往内地通行证) must not widen the form past a 1024 px screen:
    the box shows what fits, its list shows every name in full."""
    combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(7)
    combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)


class AcceptanceView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(STYLE_SHEET)
        cat = catalog_mod.load()
        self.editors: dict[str, QWidget] = {}
        self.rows: dict[str, FieldRow] = {}

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 4, 6, 4)
        outer.setSpacing(4)
        self.banner = Banner(self)
        outer.addWidget(self.banner)

        self.scroll = QScrollArea(self)
        self.scroll.setObjectName("formScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.NoFrame)
        self.form = QWidget()
        self.form.setObjectName("form")
        self.scroll.setWidget(self.form)
        outer.addWidget(self.scroll, 1)
        columns = QHBoxLayout(self.form)
        columns.setContentsMargins(0, 0, 6, 0)
        columns.setSpacing(10)
        left = QVBoxLayout()
        right = QVBoxLayout()
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)

        # --- certificate and customer ---------------------------------------------------------------
        self.cert_group = QGroupBox("客户证件", self.form)
        cert_layout = QVBoxLayout(self.cert_group)
        cert_layout.setSpacing(4)
        self.cert_type = QComboBox()
        for code, (label, _kind) in identity.CERT_TYPES.items():
            self.cert_type.addItem(label, code)
        _narrow_combo(self.cert_type)
        self.cert_number = QLineEdit()
        self.cert_number.setMaxLength(40)
        self.cert_number.setMinimumWidth(self.cert_number.fontMetrics().horizontalAdvance("0" * 20) + 16)
        self.read_button = named(QPushButton("读卡（F2）"), "读卡（F2）", "readCard")
        self.read_button.setFocusPolicy(Qt.NoFocus)  # F2 reads from anywhere; Tab goes number → name
        self.holder_name = QLineEdit()
        self.holder_name.setMaxLength(120)
        self.cert_valid_until = QLineEdit()
        self.cert_valid_until.setMaxLength(12)
        grid = FieldGrid(self.cert_group)
        for code, editor, suffix in (
            ("cert_type", self.cert_type, None),
            ("cert_number", self.cert_number, self.read_button),
            ("holder_name", self.holder_name, None),
            ("cert_valid_until", self.cert_valid_until, None),
        ):
            self._row(code, editor, suffix=suffix)
        grid.set_rows([self.rows[c] for c in ("cert_type", "cert_number", "holder_name", "cert_valid_until")])
        for code in ("cert_type", "cert_number", "holder_name"):
            self.rows[code].set_required(True)
        cert_layout.addWidget(grid)
        self.cert_info = QLabel("", self.cert_group)
        self.cert_info.setObjectName("certInfo")
        self.cert_info.setWordWrap(True)
        cert_layout.addWidget(self.cert_info)
        self.flags = QLabel("", self.cert_group)
        self.flags.setObjectName("flags")
        self.flags.setWordWrap(True)
        self.flags.hide()
        cert_layout.addWidget(self.flags)
        self.known_info = QLabel("", self.cert_group)
        self.known_info.setObjectName("knownInfo")
        self.known_info.setWordWrap(True)
        self.known_info.hide()
        cert_layout.addWidget(self.known_info)

        self.has_agent = named(QCheckBox(LABELS_EXTRA["has_agent"]), LABELS_EXTRA["has_agent"], "has_agent")
        cert_layout.addWidget(self.has_agent)
        self.agent_cert_type = QComboBox()
        for code, (label, kind) in identity.CERT_TYPES.items():
            if kind == identity.PERSON:
                self.agent_cert_type.addItem(label, code)
        _narrow_combo(self.agent_cert_type)
        agent_editors = {
            "agent_name": QLineEdit(),
            "agent_cert_type": self.agent_cert_type,
            "agent_cert_number": QLineEdit(),
            "agent_mobile": QLineEdit(),
            "agent_address": QLineEdit(),
        }
        self.agent_grid = FieldGrid(self.cert_group)
        self.agent_grid.set_rows([self._row(code, agent_editors[code], wide=code == "agent_address")
                                  for code in AGENT_FIELDS])
        for code in AGENT_FIELDS:
            self.rows[code].set_required(True)
        self.agent_grid.hide()
        cert_layout.addWidget(self.agent_grid)
        left.addWidget(self.cert_group)

        # --- business -------------------------------------------------------------------------------
        self.business_group = QGroupBox("业务信息", self.form)
        business_layout = QVBoxLayout(self.business_group)
        business_layout.setSpacing(4)
        self.business_type = QComboBox()
        for code, bt in cat.business_types.items():
            self.business_type.addItem(bt.name, code)
        self.business_type.setMaxVisibleItems(len(cat.business_types))
        type_row = self._row("business_type", self.business_type)
        type_row.set_required(True)
        type_row.show()
        business_layout.addWidget(type_row)

        self.unit_labels: list[QLabel] = []
        self.voltage_hint = QLabel("", self.business_group)
        self.voltage_hint.setObjectName("voltageHint")
        self.equipment_button = named(QPushButton("设备清单…"), "设备清单…", "equipmentButton")
        for code, kind, wide in FORM_FIELDS:
            editor = self._editor(code, kind, cat)
            suffix = None
            if kind == "amount":
                suffix = QLabel("kW")
                suffix.setObjectName(f"unit_{code}")
                self.unit_labels.append(suffix)
            if code == "supply_voltage":
                suffix = QWidget()
                box = QHBoxLayout(suffix)
                box.setContentsMargins(0, 0, 0, 0)
                box.addWidget(self.voltage_hint)
                box.addWidget(self.equipment_button)
            self._row(code, editor, suffix=suffix, wide=wide)
        self.total_capacity = self.editors["total_capacity"]
        self.total_capacity.setReadOnly(True)
        self.total_capacity.setFocusPolicy(Qt.NoFocus)
        self.main_grid = FieldGrid(self.business_group)
        business_layout.addWidget(self.main_grid)
        self.optional_grid = FieldGrid()
        self.optional_section = Section("更多信息（选填）", self.optional_grid, self.business_group)
        business_layout.addWidget(self.optional_section)
        left.addWidget(self.business_group)
        left.addStretch(1)

        # --- materials and survey -------------------------------------------------------------------
        self.materials_group = QGroupBox("资料清单（已收 / 在档 / 容缺）", self.form)
        materials_layout = QVBoxLayout(self.materials_group)
        self.materials = MaterialsChecklist(self.materials_group)
        materials_layout.addWidget(self.materials)
        right.addWidget(self.materials_group)
        self.survey_group = QGroupBox("现场勘查预约", self.form)
        survey_layout = QVBoxLayout(self.survey_group)
        self.survey = SurveyBooking(self.survey_group)
        survey_layout.addWidget(self.survey)
        right.addWidget(self.survey_group)
        self.summary = QLabel("", self.form)
        self.summary.setObjectName("typeSummary")
        self.summary.setWordWrap(True)
        right.addWidget(self.summary)
        right.addStretch(1)

        # --- action bar -----------------------------------------------------------------------------
        bar = QHBoxLayout()
        bar.setSpacing(6)
        self.status = QLabel("", self)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        bar.addWidget(self.status, 1)
        self.save_button = named(QPushButton("保存受理（Ctrl+S）"), "保存受理（Ctrl+S）", "saveButton")
        self.save_button.setDefault(False)
        self.print_button = named(QPushButton("打印单据"), "打印单据", "printButton")
        self.print_button.hide()
        self.next_button = named(QPushButton("办理下一笔（Ctrl+N）"), "办理下一笔（Ctrl+N）", "nextButton")
        self.clear_button = named(QPushButton("清空重填"), "清空重填", "clearButton")
        for button in (self.save_button, self.print_button, self.next_button, self.clear_button):
            bar.addWidget(button)
        outer.addLayout(bar)
        self.action_bar = bar  # held_forms adds 挂起 here

    # --- builders -----------------------------------------------------------------------------------

    def _label(self, code: str) -> str:
        return LABELS_EXTRA.get(code) or LABELS.get(code, code)

    def _row(
        self, code: str, editor: QWidget, *, suffix: QWidget | None = None, wide: bool = False
    ) -> FieldRow:
        editor.setObjectName(code)
        label = self._label(code)
        editor.setAccessibleName(label)
        if isinstance(editor, QLineEdit | QPlainTextEdit) and code in PLACEHOLDERS:
            editor.setPlaceholderText(PLACEHOLDERS[code])
        row = FieldRow(code, label, editor, self.form, suffix=suffix, wide=wide)
        row.hide()  # shown when a grid takes it (the business type decides)
        self.rows[code] = row
        self.editors[code] = editor
        return row

    def _editor(self, code: str, kind: str, cat) -> QWidget:
        if kind in ("line", "amount"):
            editor = QLineEdit()
            editor.setMaxLength(12 if kind == "amount" else 16 if code == "contact_mobile" else 200)
            return editor
        if kind == "check":
            box = QCheckBox()
            return box
        if kind == "text":
            text = QPlainTextEdit()
            text.setTabChangesFocus(True)
            text.setFixedHeight(48)
            return text
        combo = QComboBox()
        values = {
            "usage_category": cat.usage_categories,
            "industry": cat.industries,
            "supply_voltage": cat.voltages,
            "load_importance": cat.load_importance,
        }[code]
        combo.addItem("", "")
        for value in values:
            combo.addItem(value, value)
        combo.setMaxVisibleItems(16)
        return combo
