"""Small shared widgets: a labelled field row with its error line, a collapsible section, a message
banner, and the per-PC settings file."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.infra import config

ERROR_STYLE = "color: #b3261e;"
WARNING_STYLE = "color: #8a5a00;"
LABEL_WIDTH = 140

# red frame on a field with an error (dynamic property "invalid", as in resources/style.qss)
STYLE_SHEET = """
QLineEdit[invalid="true"], QComboBox[invalid="true"],
QPlainTextEdit[invalid="true"] { border: 2px solid #b3261e; }
QFrame#banner[kind="error"] { background: #fdecea; border: 1px solid #b3261e; }
QFrame#banner[kind="warning"] { background: #fff4e0; border: 1px solid #c77700; }
QFrame#banner[kind="success"] { background: #e8f5e9; border: 1px solid #2e7d32; }
QFrame#banner[kind="info"] { background: #e8f0fe; border: 1px solid #3367d6; }
QLabel#flags {
    background: #fdecea; color: #b3261e; border: 1px solid #b3261e; padding: 4px; font-weight: bold;
}
QLabel#required { color: #b3261e; font-weight: bold; }
"""


def pc_settings() -> QSettings:
    """Per-PC settings (remembered business type, district …) in the local data directory."""
    return QSettings(str(config.data_dir() / "counter_window.ini"), QSettings.IniFormat)


def named(widget: QWidget, name: str, object_name: str = "") -> QWidget:
    """Give a widget its accessible name (= its visible Chinese label) and an object name."""
    widget.setAccessibleName(name)
    if object_name:
        widget.setObjectName(object_name)
    return widget


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """Draw ``widget`` with the red frame of a field in error (or not)."""
    value = "true" if invalid else "false"
    if widget.property("invalid") == value:
        return
    widget.setProperty("invalid", value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class FieldRow(QWidget):
    """An input with its Chinese error message under it; with its own label and required marker, or
    (``labelled=False``) inside a QFormLayout that shows the label."""

    def __init__(
        self,
        code: str,
        label: str,
        editor: QWidget,
        parent: QWidget | None = None,
        *,
        suffix: QWidget | None = None,
        wide: bool = False,
        labelled: bool = True,
    ) -> None:
        super().__init__(parent)
        self.code = code
        self.wide = wide
        self.editor = editor
        self.setObjectName(f"row_{code}")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(0 if labelled else 2)
        self.label = self.star = None
        if labelled:
            self.label = QLabel(label, self)
            self.label.setFixedWidth(LABEL_WIDTH)
            self.label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
            self.label.setWordWrap(True)
            self.label.setBuddy(editor)
            self.star = QLabel("", self)
            self.star.setObjectName("required")
            self.star.setFixedWidth(10)
            grid.addWidget(self.label, 0, 0)
            grid.addWidget(self.star, 0, 1)
        column = 2 if labelled else 0
        box = QHBoxLayout()
        box.setSpacing(4)
        box.addWidget(editor, 1)
        if suffix is not None:
            box.addWidget(suffix)
        grid.addLayout(box, 0, column)
        self.error = QLabel("", self)
        self.error.setObjectName("fieldError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        grid.addWidget(self.error, 1, column)
        grid.setColumnStretch(column, 1)
        if not editor.accessibleName():
            editor.setAccessibleName(label)
        editor.setObjectName(editor.objectName() or code)

    def set_required(self, required: bool) -> None:
        if self.star is not None:
            self.star.setText("*" if required else "")
        self.editor.setAccessibleDescription("必填" if required else "")

    def show_error(self, message: str | None, *, warning: bool = False) -> None:
        """The message under the input (a warning in amber, no red frame); None clears it. Screen
        readers hear it as the input's description."""
        self.error.setText(message or "")
        self.error.setStyleSheet(WARNING_STYLE if warning else ERROR_STYLE)
        self.error.setVisible(bool(message))
        self.editor.setAccessibleDescription(message or "")
        set_invalid(self.editor, bool(message) and not warning)


class FieldGrid(QWidget):
    """Rows flowing into two columns in a fixed order; wide rows span both columns."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(6)
        self.grid.setColumnStretch(0, 1)
        self.grid.setColumnStretch(1, 1)
        self.rows: list[FieldRow] = []

    def set_rows(self, rows: list[FieldRow]) -> None:
        for row in self.rows:
            self.grid.removeWidget(row)
            if row not in rows and row.parent() is self:
                row.hide()
        self.rows = list(rows)
        r = c = 0
        for row in rows:
            if row.parent() is not self:
                row.setParent(self)
            if row.wide:
                if c:
                    r, c = r + 1, 0
                self.grid.addWidget(row, r, 0, 1, 2)
                r += 1
            else:
                self.grid.addWidget(row, r, c)
                r, c = (r, 1) if c == 0 else (r + 1, 0)
            row.show()


class Section(QWidget):
    """A heading button that shows or hides its body (optional fields stay out of the way)."""

    toggled = Signal(bool)

    def __init__(
        self, title: str, body: QWidget, parent: QWidget | None = None, *, expanded: bool = False
    ) -> None:
        super().__init__(parent)
        self.body = body
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        self.button = QToolButton(self)
        self.button.setText(title)
        self.button.setAccessibleName(title)
        self.button.setObjectName("sectionToggle")
        self.button.setCheckable(True)
        self.button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.button.setFocusPolicy(Qt.StrongFocus)
        self.button.setAutoRaise(True)
        self.button.toggled.connect(self.set_expanded)
        layout.addWidget(self.button)
        layout.addWidget(body)
        self.set_expanded(expanded)

    def set_expanded(self, expanded: bool) -> None:
        if self.button.isChecked() != expanded:
            self.button.setChecked(expanded)
            return
        self.button.setArrowType(Qt.DownArrow if expanded else Qt.RightArrow)
        self.body.setVisible(expanded)
        self.toggled.emit(expanded)

    @property
    def expanded(self) -> bool:
        return self.button.isChecked()


class Banner(QFrame):
    """A message across the page with up to three action buttons (retry, restore, print …)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setFrameShape(QFrame.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.text = QLabel("", self)
        self.text.setObjectName("bannerText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.text.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        layout.addWidget(self.text, 1)
        self.buttons: list[QPushButton] = []
        for index in range(3):
            button = QPushButton(self)
            button.setObjectName(f"bannerButton{index}")
            button.hide()
            layout.addWidget(button)
            self.buttons.append(button)
        self._slots: list = [None] * 3
        self.plain = ""
        self.hide()

    def show_message(
        self, kind: str, text: str, actions: list[tuple[str, object]] = (), *, rich: str | None = None
    ) -> None:
        """``text`` is the plain message (also the accessible name); ``rich`` an HTML rendering of it."""
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.plain = text
        self.text.setTextFormat(Qt.RichText if rich else Qt.PlainText)
        self.text.setText(rich or text)
        self.text.setAccessibleName(text)
        for index, button in enumerate(self.buttons):
            if self._slots[index] is not None:
                button.clicked.disconnect(self._slots[index])
                self._slots[index] = None
            if index < len(actions):
                label, slot = actions[index]
                button.setText(label)
                button.setAccessibleName(label)
                button.clicked.connect(slot)
                self._slots[index] = slot
                button.show()
            else:
                button.hide()
        self.show()

    @property
    def kind(self) -> str:
        return self.property("kind") or ""

    def button(self, label: str) -> QPushButton | None:
        return next((b for b in self.buttons if b.isVisible() and b.text() == label), None)

    def clear(self) -> None:
        self.show_message("info", "")
        self.hide()


def editor_text(widget: QWidget) -> str:
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QComboBox):
        return widget.currentData() if widget.currentData() is not None else widget.currentText()
    if isinstance(widget, QCheckBox | QAbstractButton):
        return "1" if widget.isChecked() else ""
    raise TypeError(type(widget))


def set_editor_text(widget: QWidget, value) -> None:
    value = "" if value is None else value
    if isinstance(widget, QLineEdit):
        if widget.text() != str(value):
            widget.setText(str(value))
            widget.setCursorPosition(len(str(value)))
    elif isinstance(widget, QPlainTextEdit):
        if widget.toPlainText() != str(value):
            widget.setPlainText(str(value))
    elif isinstance(widget, QComboBox):
        index = widget.findData(value)
        if index < 0:
            index = widget.findText(str(value))
        if index < 0 and widget.isEditable():
            widget.setEditText(str(value))
        elif index >= 0:
            widget.setCurrentIndex(index)
    elif isinstance(widget, QAbstractButton):
        widget.setChecked(bool(value))
    else:
        raise TypeError(type(widget))
