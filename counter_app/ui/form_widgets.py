"""Building blocks of the form dialogs (sign-in, first start, password, user accounts): a labelled
input with its error line, the line for errors without a field, and the OK / cancel buttons."""

from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from counter_app.infra import date_checks
from counter_app.ui.widgets import FieldRow


def add_field(form: QFormLayout, label: str, editor: QWidget, parent: QWidget,
              rows: dict[str, FieldRow] | None = None, field: str = "") -> FieldRow:
    """Put ``editor`` under ``label`` with its error line; ``rows[field]`` lets an ErrorPresenter find it."""
    row = FieldRow(field or editor.objectName(), label, editor, parent, labelled=False)
    if rows is not None:
        rows[field] = row
    form.addRow(label, row)
    return row


def line_edit(parent: QWidget, name: str, placeholder: str = "", *, password: bool = False) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setObjectName(name)
    if placeholder:
        edit.setPlaceholderText(placeholder)
    if password:
        edit.setEchoMode(QLineEdit.Password)
    return edit


def form_error_label(parent: QWidget) -> QLabel:
    """Hidden until an error belongs to no field (database down, wrong password)."""
    label = QLabel(parent)
    label.setObjectName("formError")
    label.setWordWrap(True)
    label.hide()
    return label


def dialog_buttons(dialog: QDialog, ok_text: str, cancel_text: str) -> tuple[QDialogButtonBox, QPushButton, QPushButton]:
    """OK (the default, Enter) and cancel with Chinese texts; they call the dialog's accept / reject."""
    box = QDialogButtonBox(dialog)
    ok = box.addButton(ok_text, QDialogButtonBox.AcceptRole)
    ok.setAccessibleName(ok_text)
    ok.setDefault(True)
    cancel = box.addButton(cancel_text, QDialogButtonBox.RejectRole)
    cancel.setAccessibleName(cancel_text)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box, ok, cancel


def limit_date_range(edit: QDateEdit) -> QDateEdit:
    """A date picker offers only the dates the domain accepts (infra.date_checks): Qt's own range
    runs to 9999-12-31, and a register "to" that day overflowed one day later."""
    first, last = date_checks.EARLIEST, date_checks.LATEST
    edit.setDateRange(QDate(first.year, first.month, first.day), QDate(last.year, last.month, last.day))
    return edit
