"""Field rows that can show a Chinese message under their input, and a presenter that maps a
ValidationFailed / UserError(field=...) onto them. Nothing typed is touched."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from counter_app.infra.errors import UserError, ValidationFailed


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """The style sheet draws inputs with ``invalid="true"`` in red."""
    widget.setProperty("invalid", "true" if invalid else "false")
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class FieldRow(QWidget):
    """An input with its error line below it (hidden while there is nothing to say)."""

    def __init__(self, editor: QWidget, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        editor.setAccessibleName(label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(editor)
        self.error = QLabel(self)
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)

    def set_error(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))
        self.editor.setAccessibleDescription(message or "")
        set_invalid(self.editor, bool(message))


class ErrorPresenter:
    """Shows errors at their fields; an error without a known field goes to ``general``."""

    def __init__(self, rows: dict[str, FieldRow], general: QLabel) -> None:
        self.rows = rows
        self.general = general

    def clear(self) -> None:
        for row in self.rows.values():
            row.set_error(None)
        self.general.clear()
        self.general.hide()

    def show(self, exc: UserError) -> None:
        self.clear()
        errors = exc.errors if isinstance(exc, ValidationFailed) else {exc.field or "": str(exc)}
        first = None
        for field, message in errors.items():
            row = self.rows.get(field)
            if row is None:
                self.general.setText(message)
                self.general.show()
                continue
            row.set_error(message)
            first = first or row
        if first is not None:
            first.editor.setFocus()
