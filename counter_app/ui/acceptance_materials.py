"""The materials checklist of the acceptance form: each item received (已收), on file (在档) or
deferred (容缺) with its due date; items that must be present now offer no 容缺."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QVBoxLayout, QWidget

from counter_app.acceptance.clerk_input import MATERIAL_STATES, PlanItem
from counter_app.ui.kit.widgets import ERROR_STYLE, WARNING_STYLE, set_invalid


class MaterialRow:
    def __init__(self, parent: QWidget, item: PlanItem) -> None:
        self.item = item
        self.name = QLabel(item.name, parent)
        self.name.setWordWrap(True)
        self.name.setObjectName(f"materialName_{item.code}")
        self.combo = QComboBox(parent)
        self.combo.setObjectName(f"material_{item.code}")
        self.combo.setAccessibleName(item.name)
        for state in item.states:
            self.combo.addItem(MATERIAL_STATES[state], state)
        self.combo.setCurrentIndex(self.combo.findData(item.default_state))
        self.name.setBuddy(self.combo)
        self.note = QLabel("", parent)
        self.note.setObjectName(f"materialNote_{item.code}")
        self.note.setWordWrap(True)
        self.note.setContentsMargins(16, 0, 0, 4)
        if item.when == "now" or not item.deferrable:
            self.name.setText(f"{item.name}【须当场提交】")
        self.combo.setToolTip("须在受理时提交" if not item.deferrable else "未带可选“容缺”，约定期限内补交")

    @property
    def state(self) -> str:
        return self.combo.currentData()

    def set_state(self, state: str) -> bool:
        index = self.combo.findData(state)
        if index < 0:
            return False
        self.combo.setCurrentIndex(index)
        return True


class MaterialsChecklist(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("materials")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        hint = QLabel("客户带来的选“已收”，档案中有效的为“在档”；可后补的资料未带时选“容缺”。", self)
        hint.setObjectName("materialsHint")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        outer.addWidget(hint)
        self.grid_host = QWidget(self)
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setVerticalSpacing(2)
        self.grid.setColumnStretch(0, 1)
        outer.addWidget(self.grid_host)
        self.summary = QLabel("", self)
        self.summary.setObjectName("materialsSummary")
        self.summary.setWordWrap(True)
        outer.addWidget(self.summary)
        self.rows: dict[str, MaterialRow] = {}
        self.deferral_due: dt.date | None = None
        self.deferral_estimated = False
        self.blacklisted = False
        self._errors: dict[str, str] = {}

    # --- plan -------------------------------------------------------------------------------------

    def set_plan(self, plan: list[PlanItem], *, keep: dict[str, str] | None = None) -> None:
        """Rebuild the rows; states the clerk chose (not the defaults) are kept where still allowed."""
        if keep is None:
            keep = self.chosen()
        for row in self.rows.values():
            for widget in (row.name, row.combo, row.note):
                self.grid.removeWidget(widget)
                widget.hide()  # gone from the screen now, deleted when the event loop comes round
                widget.deleteLater()
        self.rows = {}
        self.blacklisted = any(item.blacklisted for item in plan)
        for index, item in enumerate(plan):
            row = MaterialRow(self.grid_host, item)
            if item.code in keep:
                row.set_state(keep[item.code])
            row.combo.currentIndexChanged.connect(self._changed)
            self.grid.addWidget(row.name, index * 2, 0)
            self.grid.addWidget(row.combo, index * 2, 1)
            self.grid.addWidget(row.note, index * 2 + 1, 0, 1, 2)
            self.rows[item.code] = row
        self._errors = {}
        self._refresh()

    def set_deferral_due(self, day: dt.date | None, estimated: bool = False) -> None:
        self.deferral_due, self.deferral_estimated = day, estimated
        self._refresh()

    def combos(self) -> list[QComboBox]:
        return [row.combo for row in self.rows.values()]

    def chosen(self) -> dict[str, str]:
        """States that differ from the item's default: what the clerk decided."""
        return {code: row.state for code, row in self.rows.items() if row.state != row.item.default_state}

    def states(self) -> dict[str, str]:
        return {code: row.state for code, row in self.rows.items()}

    def set_states(self, states: dict[str, str]) -> list[str]:
        """Apply saved states; returns codes whose state is not possible any more."""
        refused = []
        for code, state in states.items():
            row = self.rows.get(code)
            if row and not row.set_state(state):
                refused.append(code)
        self._refresh()
        return refused

    # --- messages ---------------------------------------------------------------------------------

    def show_errors(self, errors: dict[str, str]) -> None:
        self._errors = {code: msg for code, msg in errors.items() if code in self.rows}
        self._refresh()

    def _changed(self) -> None:
        self._errors = {}
        self._refresh()
        self.changed.emit()

    def _refresh(self) -> None:
        deferred = []
        for code, row in self.rows.items():
            item, error = row.item, self._errors.get(code)
            set_invalid(row.combo, bool(error))
            if error:
                row.note.setText(error)
                row.note.setStyleSheet(ERROR_STYLE)
                row.note.show()
                continue
            row.note.setStyleSheet("")
            if row.state == "deferred":
                due = f"{self.deferral_due:%Y-%m-%d}" if self.deferral_due else "（保存时计算）"
                estimated = "（预估）" if self.deferral_estimated else ""
                row.note.setText(f"容缺：应于 {due}{estimated} 前补交，列入容缺受理承诺书")
                row.note.setStyleSheet(WARNING_STYLE)
                deferred.append(item.name)
            elif row.state == "on_file":
                until = f"（有效期至 {item.on_file_until:%Y-%m-%d}）" if item.on_file_until else ""
                row.note.setText(f"在档资料{until}，本次无需提交")
            elif self.blacklisted and item.deferrable:
                row.note.setText("失信客户不能容缺，须当场提交")
                row.note.setStyleSheet(ERROR_STYLE)
            else:
                row.note.setText("")
            row.note.setVisible(bool(row.note.text()))
        if deferred:
            self.summary.setText(f"容缺 {len(deferred)} 项，客户需签署容缺受理承诺书")
        else:
            self.summary.setText("")
