"""营业厅设置 for admins: hall data, supervision phones, stage time limits, warning threshold,
deferral days, texts of the notice, holiday/workday overrides. Saved in one transaction, audited;
changes apply to applications accepted afterwards."""

from __future__ import annotations

import datetime as dt
import re

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.hall import holiday_import
from counter_app.hall import settings_admin as settings_service
from counter_app.hall.catalog import GROUP_LABELS
from counter_app.hall.settings_admin import SettingsUpdate
from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError, ValidationFailed
from counter_app.ui.kit import background, file_dialogs
from counter_app.ui.kit.form_widgets import limit_date_range
from counter_app.ui.kit.screen_fit import fit_to_screen
from counter_app.ui.kit.tracking_common import RED_FG, buddy_label, show_message, status_label

KIND_ITEMS = [("休息日（节假日）", False), ("工作日（调休上班）", True)]


def _readonly(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemIsSelectable | Qt.ItemIsEnabled)
    return item


class SettingsDialog(QDialog):
    """``SettingsDialog(db, actor, parent)``: ``exec()``; ``changes`` lists what was saved. An admin
    over several halls picks the hall at the top; ``hallChosen(hall_id)`` asks the caller to open the
    settings of another hall."""

    hallChosen = Signal(int)

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None,
                 settings: settings_service.HallSettings | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.changes: list[str] = []
        self.saving = False
        # the menu reads the settings in the background; PermissionDenied for non-admins
        self.settings = settings if settings is not None else settings_service.load(db, actor)
        self._pending_add: list[tuple[dt.date, bool, str]] = []
        self._pending_remove: list[int] = []
        self.setWindowTitle("营业厅设置")
        self.setObjectName("settingsDialog")
        layout = QVBoxLayout(self)
        self.hall = self._hall_choice(layout)
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("设置分类")
        layout.addWidget(self.tabs, 1)
        self.tabs.addTab(self._hall_tab(), "营业厅信息(&1)")
        self.tabs.addTab(self._limits_tab(), "环节时限(&2)")
        self.tabs.addTab(self._warning_tab(), "预警与容缺(&3)")
        self.tabs.addTab(self._texts_tab(), "告知书内容(&4)")
        self.tabs.addTab(self._calendar_tab(), "节假日调整(&5)")
        self.message = status_label(self)
        layout.addWidget(self.message)
        box = QDialogButtonBox(self)
        self.save_button = box.addButton("保存", QDialogButtonBox.AcceptRole)
        self.save_button.setAccessibleName("保存")
        self.save_button.setToolTip("保存全部修改（Ctrl+S）")
        self.save_button.setDefault(True)
        cancel = box.addButton("取消", QDialogButtonBox.RejectRole)
        cancel.setAccessibleName("取消")
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        save = QAction("保存", self)
        save.setShortcut(QKeySequence.Save)
        save.triggered.connect(self.accept)
        self.addAction(save)
        # field of a ValidationFailed -> (tab, widget)
        self._fields = {
            "name": (0, self.name), "address": (0, self.address), "phone": (0, self.phone),
            "supervision_phone": (0, self.supervision_phone), "service_phone": (0, self.service_phone),
            "timestamp_url": (0, self.timestamp_url), "stage_limits": (1, self.limits), "yellow_percent": (2, self.yellow),
            "deferral_days": (2, self.deferral), "idle_lock_minutes": (2, self.idle_lock), "business_texts": (3, self.fees),
            "service_commitments": (3, self.commitments), "progress_query_text": (3, self.query_text),
            "progress_url_template": (3, self.progress_url),
            "overrides": (4, self.override_day), "confirmed_years": (4, self.confirmed_years),
        }
        fit_to_screen(self, 900, 620)

    def _hall_choice(self, layout: QVBoxLayout) -> QComboBox | None:
        """The hall whose settings these are, for an admin over several halls (None otherwise)."""
        if not self.settings.hall_choices:
            return None
        row = QHBoxLayout()
        combo = QComboBox(self)
        combo.setObjectName("settingsHall")
        combo.setAccessibleName("营业厅")
        for hall_id, name in self.settings.hall_choices:
            combo.addItem(name, hall_id)
        combo.setCurrentIndex(max(0, combo.findData(self.settings.hall_id)))
        combo.currentIndexChanged.connect(lambda _i: self._choose_hall(combo.currentData()))
        row.addWidget(buddy_label("营业厅(&Y)：", combo, self))
        row.addWidget(combo)
        row.addWidget(hint_label("切换营业厅将放弃本营业厅尚未保存的修改", self), 1)
        layout.addLayout(row)
        return combo

    def _choose_hall(self, hall_id: int | None) -> None:
        if hall_id is not None and hall_id != self.settings.hall_id:
            self.hallChosen.emit(int(hall_id))

    # --- tabs -----------------------------------------------------------------------------------

    def _hall_tab(self) -> QWidget:
        s = self.settings
        tab = QWidget(self)
        form = QFormLayout(tab)
        code = QLabel(s.hall_code, tab)
        code.setAccessibleName("营业厅编码")
        form.addRow("营业厅编码：", code)
        self.name = self._line(tab, "name", s.name)
        form.addRow(buddy_label("营业厅名称(&N)：", self.name, tab), self.name)
        self.address = self._line(tab, "address", s.address)
        form.addRow(buddy_label("营业厅地址(&A)：", self.address, tab), self.address)
        self.phone = self._line(tab, "phone", s.phone)
        form.addRow(buddy_label("营业厅电话(&P)：", self.phone, tab), self.phone)
        self.supervision_phone = self._line(tab, "supervision_phone", s.supervision_phone)
        self.supervision_phone.setPlaceholderText("多个号码用顿号分隔，如 0591-87654321、0591-87650000")
        form.addRow(buddy_label("监督电话(&S)：", self.supervision_phone, tab), self.supervision_phone)
        self.service_phone = self._line(tab, "service_phone", s.service_phone)
        form.addRow(buddy_label("服务热线(&H)：", self.service_phone, tab), self.service_phone)
        form.addRow(hint_label("监督电话和服务热线印在告知书和受理回执上。", tab))
        self.timestamp_url = self._line(tab, "timestamp_url", s.timestamp_url)
        self.timestamp_url.setPlaceholderText("如 http://tsa.example.cn/tsr；不填则签章时间取自本机时钟")
        form.addRow(buddy_label("时间戳服务(&T)：", self.timestamp_url, tab), self.timestamp_url)
        form.addRow(hint_label("填写可信时间戳服务（RFC 3161）地址后，电子签章附带该服务签发的时间。", tab))
        return tab

    def _limits_tab(self) -> QWidget:
        tab = QWidget(self)
        layout = QVBoxLayout(tab)
        note = QLabel("时限以工作日计（按国家法定节假日及调休、本厅节假日调整）。修改后仅对此后受理的申请生效，"
                      "已受理的申请仍按受理时的时限计算。双击或按 F2 修改“本厅时限”。", tab)
        note.setWordWrap(True)
        layout.addWidget(note)
        rows = self.settings.stage_limits
        self.limits = QTableWidget(len(rows), 4, tab)
        self.limits.setObjectName("stage_limits")
        self.limits.setAccessibleName("环节时限")
        self.limits.setHorizontalHeaderLabels(["业务类型", "环节", "默认时限（工作日）", "本厅时限（工作日）"])
        self.limits.setSelectionBehavior(QAbstractItemView.SelectItems)
        self.limits.setTabKeyNavigation(False)
        for i, r in enumerate(rows):
            self.limits.setItem(i, 0, _readonly(r.business_name))
            self.limits.setItem(i, 1, _readonly(r.stage_name))
            self.limits.setItem(i, 2, _readonly(str(r.default_days)))
            item = QTableWidgetItem()
            item.setData(Qt.EditRole, r.days)
            item.setData(Qt.UserRole, (r.business_type, r.stage))
            self.limits.setItem(i, 3, item)
        self.limits.resizeColumnsToContents()
        self.limits.horizontalHeader().setStretchLastSection(True)
        if rows:
            self.limits.setCurrentCell(0, 3)
        layout.addWidget(self.limits, 1)
        return tab

    def _warning_tab(self) -> QWidget:
        s = self.settings
        tab = QWidget(self)
        form = QFormLayout(tab)
        self.yellow = QSpinBox(tab)
        self.yellow.setObjectName("yellow_percent")
        self.yellow.setRange(1, 100)
        self.yellow.setSuffix(" %")
        self.yellow.setValue(s.yellow_percent)
        form.addRow(buddy_label("黄色预警比例(&Y)：", self.yellow, tab), self.yellow)
        red = QLabel("红色：超过期限即为超期（不可调整）", tab)
        red.setAccessibleName("红色超期说明")
        form.addRow("红色超期：", red)
        self.deferral = QSpinBox(tab)
        self.deferral.setObjectName("deferral_days")
        self.deferral.setRange(0, 60)
        self.deferral.setSuffix(" 个工作日")
        self.deferral.setValue(s.deferral_days)
        form.addRow(buddy_label("容缺补交期限(&D)：", self.deferral, tab), self.deferral)
        self.idle_lock = QSpinBox(tab)
        self.idle_lock.setObjectName("idle_lock_minutes")
        self.idle_lock.setRange(0, 240)
        self.idle_lock.setSuffix(" 分钟")
        self.idle_lock.setSpecialValueText("不自动锁屏")
        self.idle_lock.setValue(s.idle_lock_minutes)
        form.addRow(buddy_label("无操作锁屏(&L)：", self.idle_lock, tab), self.idle_lock)
        form.addRow(hint_label("例：时限5个工作日、比例80%，已用4个工作日时显示黄色预警。", tab))
        return tab

    def _texts_tab(self) -> QWidget:
        s = self.settings
        tab = QWidget(self)
        form = QFormLayout(tab)
        # the notice's fees and commitments differ by business group: one pair of editors, per group
        self.texts = {g: {"fees": t["fees"], "commitments": list(t["commitments"])} for g, t in s.business_texts.items()}
        self.text_group = QComboBox(tab)
        self.text_group.setObjectName("text_group")
        for group in self.texts:
            self.text_group.addItem(GROUP_LABELS.get(group, group), group)
        form.addRow(buddy_label("适用业务(&B)：", self.text_group, tab), self.text_group)
        first = self.texts.get(self.text_group.currentData(), {"fees": "", "commitments": []})
        self.fees = QPlainTextEdit(first["fees"], tab)
        self.fees.setObjectName("fees_text")
        self.fees.setTabChangesFocus(True)
        form.addRow(buddy_label("收费标准(&F)：", self.fees, tab), self.fees)
        self.commitments = QPlainTextEdit("\n".join(first["commitments"]), tab)
        self.commitments.setObjectName("service_commitments")
        self.commitments.setTabChangesFocus(True)
        self.commitments.setPlaceholderText("每行一条")
        form.addRow(buddy_label("服务承诺（每行一条）(&C)：", self.commitments, tab), self.commitments)
        form.addRow(hint_label("{total_limit}、{total_limit_external}、{total_limit_dual} 打印为该业务的全过程时限天数。", tab))
        self._shown_group = self.text_group.currentData()
        self.text_group.currentIndexChanged.connect(self._show_texts)
        self.query_text = self._line(tab, "progress_query_text", s.progress_query_text)
        form.addRow(buddy_label("进度查询说明(&Q)：", self.query_text, tab), self.query_text)
        self.progress_url = self._line(tab, "progress_url_template", s.progress_url_template)
        self.progress_url.setPlaceholderText("如 https://example.cn/progress?no={number}；不填则二维码为申请编号")
        form.addRow(buddy_label("进度查询网址(&U)：", self.progress_url, tab), self.progress_url)
        return tab

    def _keep_texts(self) -> None:
        if self._shown_group in self.texts:
            self.texts[self._shown_group] = {"fees": self.fees.toPlainText(),
                                             "commitments": self.commitments.toPlainText().splitlines()}

    def _show_texts(self) -> None:
        self._keep_texts()
        self._shown_group = self.text_group.currentData()
        texts = self.texts[self._shown_group]
        self.fees.setPlainText(texts["fees"])
        self.commitments.setPlainText("\n".join(texts["commitments"]))

    def _calendar_tab(self) -> QWidget:
        tab = QWidget(self)
        layout = QVBoxLayout(tab)
        note = QLabel(f"国家法定节假日及调休由内置日历提供（目前收录至{settings_service.official_last_year()}年）。"
                      "本厅另有安排、或新年度节假日已公布但内置日历尚未收录时，在此逐日调整或“从文件导入”；"
                      "录入完某年度全部节假日和调休后，在下方填写该年度，该年度的期限即不再标注“预估”，"
                      "已按预估计算的期限随之重算（记入审计日志）。", tab)
        note.setWordWrap(True)
        layout.addWidget(note)
        self.overrides = QTableWidget(0, 4, tab)
        self.overrides.setObjectName("overrides")
        self.overrides.setAccessibleName("节假日调整")
        self.overrides.setHorizontalHeaderLabels(["日期", "调整为", "说明", "官方日历"])
        self.overrides.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.overrides.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.overrides.setTabKeyNavigation(False)
        self.overrides.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.overrides, 1)

        add_row = QHBoxLayout()
        self.override_day = QDateEdit(tab)
        self.override_day.setObjectName("override_day")
        self.override_day.setDisplayFormat("yyyy-MM-dd")
        limit_date_range(self.override_day)
        self.override_day.setCalendarPopup(True)
        today = clock.today()
        self.override_day.setDate(QDate(today.year, today.month, today.day))
        add_row.addWidget(buddy_label("日期(&T)：", self.override_day, tab))
        add_row.addWidget(self.override_day)
        self.override_kind = QComboBox(tab)
        self.override_kind.setObjectName("override_kind")
        for text, value in KIND_ITEMS:
            self.override_kind.addItem(text, value)
        add_row.addWidget(buddy_label("调整为(&K)：", self.override_kind, tab))
        add_row.addWidget(self.override_kind)
        self.override_note = QLineEdit(tab)
        self.override_note.setObjectName("override_note")
        self.override_note.setMaxLength(100)
        add_row.addWidget(buddy_label("说明(&M)：", self.override_note, tab))
        add_row.addWidget(self.override_note, 1)
        self.add_button = QPushButton("添加", tab)
        self.add_button.setAccessibleName("添加")
        self.remove_button = QPushButton("删除所选", tab)
        self.remove_button.setAccessibleName("删除所选")
        self.import_button = QPushButton("从文件导入(&I)…", tab)
        self.import_button.setAccessibleName("从文件导入")
        self.import_button.setToolTip("读入按国务院放假通知整理的 CSV 或 xlsx 文件（列：日期、类型、说明），"
                                      "并确认该年度")
        add_row.addWidget(self.add_button)
        add_row.addWidget(self.remove_button)
        add_row.addWidget(self.import_button)
        layout.addLayout(add_row)
        self.official = QLabel(tab)
        self.official.setObjectName("official")
        self.official.setAccessibleName("官方日历")
        layout.addWidget(self.official)

        years = QFormLayout()
        self.confirmed_years = self._line(tab, "confirmed_years",
                                          "、".join(str(y) for y in self.settings.confirmed_years))
        self.confirmed_years.setPlaceholderText("如 2027（多个年度用顿号分隔）")
        years.addRow(buddy_label("已完整录入节假日的年度(&Y)：", self.confirmed_years, tab), self.confirmed_years)
        layout.addLayout(years)

        self.import_button.clicked.connect(self.choose_import)
        self.add_button.clicked.connect(self.add_override)
        self.remove_button.clicked.connect(self.remove_override)
        self.override_day.dateChanged.connect(self._show_official)
        self._fill_overrides()
        self._show_official()
        return tab

    @staticmethod
    def _line(parent: QWidget, name: str, text: str) -> QLineEdit:
        edit = QLineEdit(text, parent)
        edit.setObjectName(name)
        return edit

    # --- overrides editing (kept until 保存) ----------------------------------------------------

    def _fill_overrides(self) -> None:
        rows = [(o.day, o.is_workday, o.note, o.id) for o in self.settings.overrides if o.id not in self._pending_remove]
        rows += [(day, workday, note, None) for day, workday, note in self._pending_add]
        rows.sort(key=lambda r: r[0])
        self.overrides.setRowCount(len(rows))
        for i, (day, workday, note, override_id) in enumerate(rows):
            first = QTableWidgetItem(f"{day:%Y-%m-%d}" + ("（待保存）" if override_id is None else ""))
            first.setData(Qt.UserRole, (override_id, day))
            self.overrides.setItem(i, 0, first)
            self.overrides.setItem(i, 1, QTableWidgetItem("工作日（调休上班）" if workday else "休息日（节假日）"))
            self.overrides.setItem(i, 2, QTableWidgetItem(note))
            self.overrides.setItem(i, 3, QTableWidgetItem(settings_service.official_kind(day)))
        self.overrides.resizeColumnsToContents()
        self.remove_button.setEnabled(bool(rows))

    def _show_official(self, *_args) -> None:
        d = self.override_day.date()
        self.official.setText(settings_service.official_kind(dt.date(d.year(), d.month(), d.day())))

    def add_override(self) -> None:
        d = self.override_day.date()
        day = dt.date(d.year(), d.month(), d.day())
        existing = {o.day for o in self.settings.overrides if o.id not in self._pending_remove}
        existing |= {p[0] for p in self._pending_add}
        if day in existing:
            self._mark("overrides", f"{day:%Y-%m-%d} 已有调整记录，请先删除原记录")
            return
        self.override_day.setStyleSheet("")
        self._pending_add.append((day, bool(self.override_kind.currentData()), self.override_note.text().strip()))
        self.override_note.clear()
        self._fill_overrides()
        show_message(self.message, f"已添加 {day:%Y-%m-%d}，点“保存”后生效")

    def remove_override(self) -> None:
        row = self.overrides.currentRow()
        if row < 0:
            return
        override_id, day = self.overrides.item(row, 0).data(Qt.UserRole)
        if override_id is None:
            self._pending_add = [p for p in self._pending_add if p[0] != day]
        else:
            self._pending_remove.append(override_id)
        self._fill_overrides()
        show_message(self.message, f"已删除 {day:%Y-%m-%d}，点“保存”后生效")

    def choose_import(self) -> None:
        path, _ = file_dialogs.get_open_file_name(self, "导入节假日安排", "", "节假日文件 (*.csv *.xlsx)")
        if path:
            self.import_file(path)

    def import_file(self, path: str) -> None:
        """Read the file in the background; its days join the pending list, its years are confirmed."""
        self.import_button.setEnabled(False)
        show_message(self.message, "正在读取文件…")
        background.run(self, lambda: holiday_import.read_file(path), self._imported, self._import_failed)

    def _imported(self, rows: list[holiday_import.HolidayRow]) -> None:
        self.import_button.setEnabled(True)
        kept = {o.day: o for o in self.settings.overrides if o.id not in self._pending_remove}
        pending = {p[0]: p for p in self._pending_add}
        added = 0
        for row in rows:
            old = kept.get(row.day)
            if old is not None and old.is_workday != row.is_workday:
                self._mark("overrides", f"{row.day:%Y-%m-%d} 已设为{old.kind_label}，与文件不同：请先删除原记录再导入")
                return
            if old is None and row.day not in pending:
                self._pending_add.append((row.day, row.is_workday, row.note))
                added += 1
        years = holiday_import.years_of(rows)
        confirmed = {int(p) for p in re.split(r"[、,，;；\s]+", self.confirmed_years.text()) if p.isdigit()}
        self.confirmed_years.setText("、".join(str(y) for y in sorted(confirmed | set(years))))
        self._fill_overrides()
        show_message(self.message, f"已从文件读入 {len(rows)} 天（新增 {added} 天），确认年度："
                     + "、".join(str(y) for y in years) + "。点“保存”后生效")

    def _import_failed(self, exc: Exception) -> None:
        self.import_button.setEnabled(True)
        self._mark("overrides", exc.message if isinstance(exc, UserError) else f"无法读取文件：{exc}")

    # --- saving ---------------------------------------------------------------------------------

    def _mark(self, field: str | None, text: str) -> None:
        show_message(self.message, text, error=True)
        tab, widget = self._fields.get(field or "", (None, None))
        if widget is not None:
            self.tabs.setCurrentIndex(tab)
            widget.setStyleSheet(f"border: 1px solid {RED_FG.name()};")
            widget.setFocus()

    def _clear_marks(self) -> None:
        for _tab, widget in self._fields.values():
            widget.setStyleSheet("")

    def collect(self) -> SettingsUpdate:
        limits = {}
        for i in range(self.limits.rowCount()):
            item = self.limits.item(i, 3)
            key = item.data(Qt.UserRole)
            value = item.data(Qt.EditRole)
            try:
                limits[tuple(key)] = int(value)
            except (TypeError, ValueError):
                raise ValidationFailed({"stage_limits": f"第{i + 1}行的时限应为整数"}) from None
        years_text = self.confirmed_years.text().strip()
        parts = [p for p in re.split(r"[、,，;；\s]+", years_text) if p]
        if not all(p.isdigit() and len(p) == 4 for p in parts):
            raise ValidationFailed({"confirmed_years": "年度应为四位数字，多个用顿号分隔（如 2027）"})
        return SettingsUpdate(
            name=self.name.text(), address=self.address.text(), phone=self.phone.text(),
            supervision_phone=self.supervision_phone.text(), service_phone=self.service_phone.text(),
            yellow_percent=self.yellow.value(), deferral_days=self.deferral.value(),
            idle_lock_minutes=self.idle_lock.value(),
            business_texts=self._collected_texts(), progress_url_template=self.progress_url.text(),
            timestamp_url=self.timestamp_url.text(),
            progress_query_text=self.query_text.text(), stage_limits=limits,
            add_overrides=list(self._pending_add), remove_override_ids=list(self._pending_remove),
            confirmed_years=[int(p) for p in parts], hall_id=self.settings.hall_id,
        )

    def _collected_texts(self) -> dict:
        self._keep_texts()
        return self.texts

    def accept(self) -> None:
        """Check, then save in the background; the dialog closes when the save went through."""
        if self.saving:
            return
        self._clear_marks()
        try:
            update = self.collect()
        except ValidationFailed as exc:
            self._mark(exc.field, exc.message)
            return
        self.saving = True
        self.save_button.setEnabled(False)
        show_message(self.message, "正在保存…")
        background.run(self, lambda: settings_service.save(self.db, self.actor, update), self._saved, self._save_failed)

    def _saved(self, changes: list[str]) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        self.changes = changes
        super().accept()

    def _save_failed(self, exc: Exception) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        if isinstance(exc, UserError):
            self._mark(exc.field, exc.message)
        else:
            self._mark(None, f"保存失败：{exc}")

    def summary(self) -> str:
        if not self.changes:
            return "设置没有变化"
        return "已保存：" + "、".join(self.changes)


def hint_label(text: str, parent: QWidget) -> QLabel:
    """A grey line under the fields it explains (the style sheet's dialogHint, like the other dialogs)."""
    hint = QLabel(text, parent)
    hint.setObjectName("dialogHint")
    hint.setWordWrap(True)
    return hint
