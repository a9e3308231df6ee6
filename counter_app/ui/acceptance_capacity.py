"""Equipment list dialog: the customer's equipment → suggested capacity and supply voltage."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.acceptance import capacity
from counter_app.infra.errors import ValidationFailed
from counter_app.ui.kit.screen_fit import fit_to_screen
from counter_app.ui.kit.widgets import ERROR_STYLE

HEADERS = ["设备名称", "数量", "单台功率（kW）", "三相"]


class EquipmentDialog(QDialog):
    def __init__(self, industry: str, parent: QWidget | None = None, rows: int = 8) -> None:
        super().__init__(parent)
        self.setWindowTitle("用电设备清单")
        self.industry = industry
        self.suggestion: capacity.CapacitySuggestion | None = None
        layout = QVBoxLayout(self)
        factor = capacity.DEMAND_FACTORS.get(industry, capacity.DEMAND_FACTORS["其他"])
        intro = QLabel(
            f"逐行填写设备；行业“{industry or '其他'}”需用系数 {factor:g}。勾选“三相”表示三相设备。", self
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(rows, len(HEADERS), self)
        self.table.setObjectName("equipmentTable")
        self.table.setAccessibleName("用电设备清单")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.setColumnWidth(0, 180)
        self.table.setTabKeyNavigation(True)
        for row in range(rows):
            check = QTableWidgetItem()
            check.setFlags(Qt.ItemIsUserCheckable | Qt.ItemIsEnabled | Qt.ItemIsSelectable)
            check.setCheckState(Qt.Unchecked)
            self.table.setItem(row, 3, check)
        layout.addWidget(self.table)
        self.outcome = QLabel("", self)
        self.outcome.setObjectName("equipmentOutcome")
        self.outcome.setWordWrap(True)
        layout.addWidget(self.outcome)
        buttons = QDialogButtonBox(self)
        self.calc = buttons.addButton("计算建议容量", QDialogButtonBox.ActionRole)
        self.calc.setAccessibleName("计算建议容量")
        self.use = buttons.addButton("采用建议", QDialogButtonBox.AcceptRole)
        self.use.setAccessibleName("采用建议")
        cancel = buttons.addButton("取消", QDialogButtonBox.RejectRole)
        cancel.setAccessibleName("取消")
        self.calc.clicked.connect(self.calculate)
        self.use.clicked.connect(self._use)
        cancel.clicked.connect(self.reject)
        layout.addWidget(buttons)
        fit_to_screen(self, 560, 420)

    def rows(self) -> list[tuple[str, str, str, bool]]:
        out = []
        for r in range(self.table.rowCount()):
            cells = [self.table.item(r, c).text() if self.table.item(r, c) else "" for c in range(3)]
            check = self.table.item(r, 3)
            out.append((*cells, bool(check and check.checkState() == Qt.Checked)))
        return out

    def calculate(self) -> bool:
        try:
            items = capacity.parse_items(self.rows())
        except ValidationFailed as exc:
            self.suggestion = None
            self.outcome.setStyleSheet(ERROR_STYLE)
            self.outcome.setText("；".join(exc.errors.values()))
            return False
        self.suggestion = capacity.suggest(items, self.industry)
        self.outcome.setStyleSheet("")
        self.outcome.setText(self.suggestion.explain())
        return True

    def _use(self) -> None:
        if self.calculate():
            self.accept()
