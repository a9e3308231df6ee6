"""差评整改 for supervisors: every 不满意 / 非常不满意 rating, its 整改 (within 15 working days) and
the 回访. Pick a row, write what was done, then record the visit back."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.customer import ratings
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import ValidationFailed
from counter_app.ui.kit import background
from counter_app.ui.kit.list_page import opened_just_now

HEADERS = ["申请编号", "评价", "不满意原因", "意见建议", "窗口", "受理人", "评价时间", "整改期限", "状态"]
ERROR_STYLE = "color: #b00020;"


class FollowUpsPage(QWidget):
    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.rows: list[ratings.FollowUpRow] = []
        self._build()
        self.refresh()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.open_only = QCheckBox("只看未回访的(&O)")
        self.open_only.setChecked(True)
        self.open_only.setAccessibleName("只看未回访的")
        self.open_only.toggled.connect(lambda _on: self.refresh())
        self.refresh_button = QPushButton("刷新(&R)")
        self.refresh_button.setAccessibleName("刷新")
        self.refresh_button.clicked.connect(lambda: self.refresh())
        self.count_label = QLabel("")
        bar.addWidget(self.open_only)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.count_label, 1)
        layout.addLayout(bar)

        splitter = QSplitter(Qt.Vertical)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("followUpsTable")
        self.table.setAccessibleName("差评整改清单")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selected)
        splitter.addWidget(self.table)

        detail = QWidget()
        columns = QHBoxLayout(detail)
        rect_box = QGroupBox("整改（15个工作日内）")
        rect_form = QFormLayout(rect_box)
        self.rectification = QPlainTextEdit()
        self.rectification.setAccessibleName("整改措施")
        self.rectification.setTabChangesFocus(True)
        self.rectification.setPlaceholderText("做了什么整改、由谁负责")
        self.rect_error = QLabel("")
        self.rect_error.setStyleSheet(ERROR_STYLE)
        self.rect_button = QPushButton("登记整改(&Z)")
        self.rect_button.setAccessibleName("登记整改")
        self.rect_button.clicked.connect(self.save_rectification)
        rect_form.addRow("整改措施：", self.rectification)
        rect_form.addRow(self.rect_error)
        rect_form.addRow(self.rect_button)
        visit_box = QGroupBox("回访（班长）")
        visit_form = QFormLayout(visit_box)
        self.visit_result = QComboBox()
        self.visit_result.setAccessibleName("回访结果")
        self.visit_result.addItem("请选择", "")
        for code, label in ratings.VISIT_RESULTS.items():
            self.visit_result.addItem(label, code)
        self.visit_note = QPlainTextEdit()
        self.visit_note.setAccessibleName("回访记录")
        self.visit_note.setTabChangesFocus(True)
        self.visit_error = QLabel("")
        self.visit_error.setStyleSheet(ERROR_STYLE)
        self.visit_button = QPushButton("登记回访(&H)")
        self.visit_button.setAccessibleName("登记回访")
        self.visit_button.clicked.connect(self.save_visit)
        visit_form.addRow("回访结果：", self.visit_result)
        visit_form.addRow("回访记录：", self.visit_note)
        visit_form.addRow(self.visit_error)
        visit_form.addRow(self.visit_button)
        columns.addWidget(rect_box)
        columns.addWidget(visit_box)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        self.status = QLabel("")
        self.status.setObjectName("status")
        layout.addWidget(self.status)
        self._set_detail(None)

    def activate(self) -> None:
        if not opened_just_now(self):
            self.refresh()
        self.table.setFocus()

    # --- data -----------------------------------------------------------------------------------

    def refresh(self, message: str = "") -> None:
        open_only = self.open_only.isChecked()
        self.status.setText("正在读取…")
        background.run(self, lambda: ratings.follow_ups(self.db, self.actor, open_only=open_only),
                           lambda rows: self._show(rows, message),
                           lambda exc: self.status.setText(f"无法读取差评整改清单：{exc}"))

    def _show(self, rows: list[ratings.FollowUpRow], message: str = "") -> None:
        selected = self.current()
        self.rows = rows
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            values = [row.number, ratings.LEVEL_LABELS[row.level], ratings.reasons_text(row.reasons), row.comment,
                      row.window, row.clerk, f"{row.rated_at:%Y-%m-%d %H:%M}" if row.rated_at else "",
                      f"{row.due_date:%Y-%m-%d}", row.state_label]
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if row.overdue:
                    item.setForeground(QBrush(QColor("#b00020")))
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        overdue = sum(1 for row in rows if row.overdue)
        self.count_label.setText(f"共 {len(rows)} 条" + (f"，其中 {overdue} 条已超过整改期限" if overdue else ""))
        self.status.setText(message)
        index = next((i for i, row in enumerate(rows) if selected and row.id == selected.id), 0 if rows else -1)
        if index >= 0:
            self.table.selectRow(index)
        self._set_detail(self.current() if index >= 0 else None)  # the same row selected again sends no signal

    def current(self) -> ratings.FollowUpRow | None:
        index = self.table.currentRow()
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def select_number(self, number: str) -> bool:
        for index, row in enumerate(self.rows):
            if row.number == number:
                self.table.selectRow(index)
                return True
        return False

    def _selected(self) -> None:
        self._set_detail(self.current())

    def _set_detail(self, row: ratings.FollowUpRow | None) -> None:
        self.rect_error.setText("")
        self.visit_error.setText("")
        self.rectification.setPlainText(row.rectification if row else "")
        self.visit_note.setPlainText(row.visit_note if row else "")
        self.visit_result.setCurrentIndex(max(0, self.visit_result.findData(row.visit_result if row else "")))
        visited = bool(row and row.visited_at)
        self.rectification.setEnabled(bool(row) and not visited)
        self.rect_button.setEnabled(bool(row) and not visited)
        can_visit = bool(row and row.rectified_at and not visited)
        for widget in (self.visit_result, self.visit_note, self.visit_button):
            widget.setEnabled(can_visit)

    # --- actions --------------------------------------------------------------------------------

    def save_rectification(self) -> None:
        row = self.current()
        if row is None:
            return
        text = self.rectification.toPlainText()
        self._run(lambda: ratings.record_rectification(self.db, self.actor, row.id, text), self.rect_error,
                  f"已登记申请 {row.number} 的整改措施")

    def save_visit(self) -> None:
        row = self.current()
        if row is None:
            return
        result, note = self.visit_result.currentData(), self.visit_note.toPlainText()
        self._run(lambda: ratings.record_visit(self.db, self.actor, row.id, result, note), self.visit_error,
                  f"已登记申请 {row.number} 的回访")

    def _run(self, work, error_label: QLabel, done_text: str) -> None:
        error_label.setText("")

        def done(_result) -> None:
            self.refresh(done_text)

        def failed(exc: Exception) -> None:
            if isinstance(exc, ValidationFailed):
                error_label.setText("；".join(exc.errors.values()))
            else:
                error_label.setText(str(exc))

        background.run(self, work, done, failed)
