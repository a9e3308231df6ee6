"""帮助 → 快捷键 (F1): every shortcut of the main window and of the page on screen, listed from the
actions themselves (see ``shortcut_map``), so the list is never out of date."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.ui.kit.screen_fit import fit_to_screen
from counter_app.ui.shortcut_map import GLOBAL_SCOPE, Shortcut, context_label


class ShortcutsDialog(QDialog):
    """``ShortcutsDialog(shortcuts, parent)``: a read-only table 功能 / 快捷键 / 何处可用."""

    def __init__(self, shortcuts: list[Shortcut], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("快捷键")
        self.setObjectName("shortcutsDialog")
        layout = QVBoxLayout(self)
        note = QLabel("以下快捷键由当前窗口的各项功能自动列出；“本页面”的快捷键在光标位于该页面时可用。", self)
        note.setWordWrap(True)
        layout.addWidget(note)
        rows = sorted(shortcuts, key=lambda s: (s.scope != GLOBAL_SCOPE, s.scope, s.keys))
        self.table = QTableWidget(len(rows), 4, self)
        self.table.setObjectName("shortcutsTable")
        self.table.setAccessibleName("快捷键列表")
        self.table.setHorizontalHeaderLabels(["范围", "功能", "快捷键", "何处可用"])
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.verticalHeader().setVisible(False)
        for i, s in enumerate(rows):
            keys = "、".join(QKeySequence(k).toString(QKeySequence.NativeText) for k in s.keys)
            for j, text in enumerate((s.scope, s.name, keys, context_label(s.action))):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemIsSelectable | Qt.ItemIsEnabled)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        box = QDialogButtonBox(QDialogButtonBox.Close, self)
        box.button(QDialogButtonBox.Close).setText("关闭")
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        fit_to_screen(self, 720, 560)

    def rows(self) -> list[tuple[str, str, str]]:
        return [tuple(self.table.item(i, j).text() for j in range(3)) for i in range(self.table.rowCount())]
