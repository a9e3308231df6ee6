"""A presenter that maps a ValidationFailed / UserError(field=...) onto the field rows
(``widgets.FieldRow``) of a form. Nothing typed is touched."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from counter_app.infra.errors import UserError, ValidationFailed
from counter_app.ui.kit.widgets import FieldRow


class ErrorPresenter:
    """Shows errors at their fields; an error without a known field goes to ``general``."""

    def __init__(self, rows: dict[str, FieldRow], general: QLabel) -> None:
        self.rows = rows
        self.general = general

    def clear(self) -> None:
        for row in self.rows.values():
            row.show_error(None)
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
            row.show_error(message)
            first = first or row
        if first is not None:
            first.editor.setFocus()
