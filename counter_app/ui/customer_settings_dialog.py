"""客户屏设置: which display of this PC faces the customer (this PC only), and, for whoever may change
the hall's settings, confirm-before-print, the rating time-out and the idle notice (the whole hall)."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.customer import settings as customer_settings
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import ValidationFailed
from counter_app.security.permissions import Perm, allowed
from counter_app.ui.customer_side import AUTO, OFF, SCREEN_KEY, CustomerSide
from counter_app.ui.kit import background
from counter_app.ui.kit.widgets import pc_settings

ERROR_STYLE = "color: #b00020;"


class CustomerSettingsDialog(QDialog):
    def __init__(self, db: Database, actor: Actor, side: CustomerSide | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.side = db, actor, side
        self.setObjectName("customerSettingsDialog")
        self.setWindowTitle("客户屏设置")
        self.may_change_hall = allowed(actor, Perm.MANAGE_SETTINGS)
        layout = QVBoxLayout(self)

        pc_box = QGroupBox("本机（只影响这台电脑）")
        pc_form = QFormLayout(pc_box)
        self.screen_combo = QComboBox()
        self.screen_combo.setAccessibleName("客户屏显示器")
        self.screen_combo.addItem("自动：有第二块显示器时在其上全屏显示，否则显示可移动的练习窗口", AUTO)
        primary = QGuiApplication.primaryScreen()
        for index, screen in enumerate(QGuiApplication.screens(), 1):
            size = screen.geometry()
            role = "（受理员主屏）" if screen is primary else ""
            self.screen_combo.addItem(f"显示器{index}：{size.width()}×{size.height()} {screen.name()}{role}",
                                      screen.name())
        self.screen_combo.addItem("不使用客户屏", OFF)
        wanted = str(pc_settings().value(SCREEN_KEY, AUTO) or AUTO)
        index = self.screen_combo.findData(wanted)
        self.screen_combo.setCurrentIndex(index if index >= 0 else 0)
        pc_form.addRow("客户屏显示器(&S)：", self.screen_combo)
        if side is None:
            pc_form.addRow(QLabel("当前账号不办理受理业务，本机不显示客户屏。"))
        layout.addWidget(pc_box)

        hall_box = QGroupBox("全营业厅（须有修改营业厅设置的权限）")
        hall_form = QFormLayout(hall_box)
        self.confirm_check = QCheckBox("打印单据前须客户在客户屏核对确认")
        self.confirm_check.setAccessibleName("打印单据前须客户在客户屏核对确认")
        self.timeout_spin = QSpinBox()
        self.timeout_spin.setRange(customer_settings.MIN_TIMEOUT, customer_settings.MAX_TIMEOUT)
        self.timeout_spin.setSuffix(" 秒")
        self.timeout_spin.setAccessibleName("评价等待时间")
        self.notice_edit = QPlainTextEdit()
        self.notice_edit.setAccessibleName("客户屏待机提示")
        self.notice_edit.setTabChangesFocus(True)
        self.notice_edit.setFixedHeight(90)
        self.hall_choice = QComboBox()  # an admin over several halls: whose settings (hidden otherwise)
        self.hall_choice.setObjectName("customerSettingsHall")
        self.hall_choice.setAccessibleName("营业厅")
        self.hall_error = QLabel("")
        self.hall_error.setStyleSheet(ERROR_STYLE)
        self.hall_error.setWordWrap(True)
        hall_form.addRow("营业厅(&H)：", self.hall_choice)
        hall_form.setRowVisible(self.hall_choice, False)
        hall_form.addRow(self.confirm_check)
        hall_form.addRow("评价等待时间(&T)：", self.timeout_spin)
        hall_form.addRow("待机提示（请携带的资料）(&N)：", self.notice_edit)
        hall_form.addRow(self.hall_error)
        hall_box.setEnabled(False)  # until loaded, and only for those who may change it
        self.hall_box = hall_box
        self.hall_form = hall_form
        layout.addWidget(hall_box)

        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText("保存")
        self.buttons.button(QDialogButtonBox.Cancel).setText("取消")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(620, 420)
        self.loaded: customer_settings.CustomerSideSettings | None = None
        self.hall_choice.currentIndexChanged.connect(self._hall_changed)
        self._load(None)

    def _load(self, hall_id: int | None) -> None:
        self.hall_box.setEnabled(False)
        background.run(self, lambda: customer_settings.load(self.db, self.actor, hall_id), self._loaded,
                       lambda exc: self.hall_error.setText(
                           f"无法读取营业厅设置：{background.problem(exc, '读取营业厅设置')}"))

    def _hall_changed(self, _index: int) -> None:
        chosen = self.hall_choice.currentData()
        if chosen is not None and self.loaded is not None and chosen != self.loaded.hall_id:
            self._load(int(chosen))

    def _loaded(self, settings: customer_settings.CustomerSideSettings) -> None:
        self.loaded = settings
        blocked = self.hall_choice.blockSignals(True)
        self.hall_choice.clear()
        for hall_id, name in settings.hall_choices:
            self.hall_choice.addItem(name, hall_id)
        self.hall_choice.setCurrentIndex(max(0, self.hall_choice.findData(settings.hall_id)))
        self.hall_choice.blockSignals(blocked)
        self.hall_form.setRowVisible(self.hall_choice, bool(settings.hall_choices))
        self.confirm_check.setChecked(settings.confirmation_required)
        self.timeout_spin.setValue(settings.rating_timeout_seconds)
        self.notice_edit.setPlainText(settings.notice)
        self.hall_box.setEnabled(self.may_change_hall)

    def save(self) -> None:
        store = pc_settings()
        store.setValue(SCREEN_KEY, self.screen_combo.currentData())
        store.sync()
        if self.side is not None:
            self.side.place()
        if not self.may_change_hall or self.loaded is None:
            self.accept()
            return
        values = dict(confirmation_required=self.confirm_check.isChecked(),
                      rating_timeout_seconds=self.timeout_spin.value(), notice=self.notice_edit.toPlainText(),
                      hall_id=self.loaded.hall_id)
        self.buttons.setEnabled(False)

        def done(_result) -> None:
            self.buttons.setEnabled(True)
            if self.side is not None:
                self.side.load_settings()
            self.accept()

        def failed(exc: Exception) -> None:
            self.buttons.setEnabled(True)
            if isinstance(exc, ValidationFailed):
                self.hall_error.setText("；".join(exc.errors.values()))
            else:
                self.hall_error.setText(f"未能保存营业厅设置：{exc}")

        background.run(self, lambda: customer_settings.save(self.db, self.actor, **values), done, failed)
