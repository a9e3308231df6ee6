"""Who sees personal data (certificate numbers, phones) in full: one policy for every screen,
register and export, so masking does not depend on which helper wrote the view.

- Lists, registers, search results, audit details: masked for everyone.
- The clerk handling the case (accepted it, or sits at the window that did): in full on screen, because
  the task needs it (``own_case=True``; ``handles_case`` decides it from an application).
- The customer's own printed documents: in full (they are the customer's; forms/ uses the raw value).
- Exports: masked, unless a supervisor (Perm.EXPORT_UNMASKED) asks for an unmasked export and gives
  a reason; ``export_masking`` checks both and the exporter records the reason
  (``audit.record_export(..., unmasked=True, reason=...)``).
"""

from __future__ import annotations

from dataclasses import dataclass

from counter_app.infra.context import Actor
from counter_app.infra.errors import ValidationFailed
from counter_app.security.permissions import Perm, allowed, require
from counter_app.security.redaction import mask_id, mask_phone

MIN_REASON_LENGTH = 2  # "核查" is a reason; an empty or one-character one is not
MAX_REASON_LENGTH = 200


def may_see_full(actor: Actor, *, own_case: bool = False) -> bool:
    """Full personal data on screen: only for a role that needs it, and only for the own case."""
    return own_case and allowed(actor, Perm.SEE_FULL_PERSONAL_DATA)


def handles_case(actor: Actor, case) -> bool:
    """Whether ``actor`` is the clerk handling ``case`` (anything with ``clerk_id`` and ``window_id``):
    the clerk who accepted it, or the clerk now at that window (the customer comes back to it)."""
    if not allowed(actor, Perm.SEE_FULL_PERSONAL_DATA):
        return False
    clerk_id = getattr(case, "clerk_id", None)
    window_id = getattr(case, "window_id", None)
    if actor.user_id is not None and clerk_id == actor.user_id:
        return True
    return actor.window_id is not None and window_id == actor.window_id


def show_id(actor: Actor, number: str, *, own_case: bool = False) -> str:
    """A certificate number as ``actor`` may see it (110105********002X unless in full)."""
    return (number or "") if may_see_full(actor, own_case=own_case) else mask_id(number or "")


def show_phone(actor: Actor, number: str, *, own_case: bool = False) -> str:
    """A phone number as ``actor`` may see it (138****5678 unless in full)."""
    return (number or "") if may_see_full(actor, own_case=own_case) else mask_phone(number or "")


@dataclass(frozen=True)
class ExportMasking:
    """How one export shows personal data; ``reason`` is what the supervisor gave for an unmasked one."""

    unmasked: bool = False
    reason: str = ""

    def id(self, number: str) -> str:
        return (number or "") if self.unmasked else mask_id(number or "")

    def phone(self, number: str) -> str:
        return (number or "") if self.unmasked else mask_phone(number or "")


MASKED = ExportMasking()


def may_export_unmasked(actor: Actor) -> bool:
    return allowed(actor, Perm.EXPORT_UNMASKED) or actor.is_system


def export_masking(db, actor: Actor, *, unmasked: bool = False, reason: str = "", kind: str = "") -> ExportMasking:
    """The masking of an export. Unmasked needs Perm.EXPORT_UNMASKED (a refusal is audited) and a
    reason (ValidationFailed on ``reason`` otherwise), which the exporter records with the export."""
    if not unmasked:
        return MASKED
    if not actor.is_system:
        require(db, actor, Perm.EXPORT_UNMASKED, target_type="export", target_id=kind)
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationFailed({"reason": "导出未脱敏的个人信息须填写原因（如：报送监管部门核查），原因将记入审计日志"})
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationFailed({"reason": f"原因最多{MAX_REASON_LENGTH}个字"})
    return ExportMasking(True, reason)


def full_values_in_database(session, actor: Actor, *, kind: str, reason: str) -> None:
    """On PostgreSQL the database itself masks ID numbers and phones for every signed-in person; an
    unmasked export (already allowed above, reason given) asks it for the full values for the rest of
    this transaction, and the database checks the role and records the reason again. SQLite, and the
    database's owner on the server (it reads the tables themselves), read the columns as they are."""
    if session.get_bind().dialect.name != "postgresql":
        return
    from counter_app.security import db_logins

    if not db_logins.is_owner(session):
        db_logins.allow_unmasked_export(session, kind=kind, reason=reason)
