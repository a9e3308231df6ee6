"""Modal dialogs that end when they close."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog


def run_modal(dialog: QDialog) -> int:
    """``exec()`` the dialog, then delete it. A finished dialog otherwise lives on as a hidden child
    of its page for the rest of the session, or — without a parent — until Python's cycle collector
    destroys it at an arbitrary moment, possibly inside another dialog's event loop. Its Python
    attributes (results the caller reads) stay readable after this returns."""
    try:
        return dialog.exec()
    finally:
        dialog.deleteLater()
