"""Exceptions the domain raises; every message is the Chinese text a clerk can act on."""

from __future__ import annotations


class UserError(Exception):
    """Something the person at the screen (or the CLI) must fix; ``str(exc)`` is shown as is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(UserError):
    """One or more fields are wrong: ``errors`` maps field name to a message saying what to fix."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        first_field, first_msg = next(iter(self.errors.items()))
        summary = first_msg if len(self.errors) == 1 else f"{first_msg}（另有 {len(self.errors) - 1} 处需要修改）"
        super().__init__(summary, field=first_field)


class DatabaseUnavailable(UserError):
    """The database cannot be reached now; the caller keeps the input and offers a retry."""


class StaleEdit(UserError):
    """Someone else saved the record after it was opened (optimistic locking)."""


class PermissionDenied(UserError):
    """The signed-in role may not do this (checked in the domain, recorded in the audit log).

    ``audit`` holds a refusal still to be recorded (see ``permissions.refuse``): raised inside a unit
    of work, it is written after that unit has rolled back."""

    def __init__(self, message: str, *, field: str | None = None, audit: dict | None = None) -> None:
        super().__init__(message, field=field)
        self.audit = audit


class NotFound(UserError):
    pass


class SchemaTooNew(UserError):
    """The database was upgraded by a newer version of the app."""
