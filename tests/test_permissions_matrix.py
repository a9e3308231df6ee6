"""Each role tried against each protected action of the domain layer: allowed ones go through, the
others are refused with a clear message and a ``permission_denied`` audit entry.

Add a line to ACTIONS for every service function that calls ``permissions.require``; a call gets
(db, actor, actors) and must succeed for a permitted role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from counter_app import accounts, audit, privacy
from counter_app.errors import PermissionDenied
from counter_app.models import AuditEntry
from counter_app.permissions import PERM_LABELS, ROLE_PERMISSIONS, ROLES, Perm, allowed
from tests.fast_hashing import fast_argon2  # noqa: F401  (autouse)


@dataclass(frozen=True)
class Protected:
    name: str
    perm: Perm
    call: Callable


ACTIONS = [
    Protected("list accounts", Perm.MANAGE_USERS, lambda db, a, _: accounts.list_accounts(db, a)),
    Protected("create account", Perm.MANAGE_USERS, lambda db, a, _: accounts.create_account(
        db, a, "newclerk", role="clerk", name="新人", password="Start1234")),
    Protected("change account", Perm.MANAGE_USERS, lambda db, a, _: accounts.update_account(
        db, a, "clerk2", name="李芳芳", role="clerk", window_no=3)),
    Protected("disable account", Perm.MANAGE_USERS, lambda db, a, _: accounts.disable_account(db, a, "clerk2")),
    Protected("enable account", Perm.MANAGE_USERS, lambda db, a, _: (
        accounts.disable_account(db, a, "clerk2"), accounts.enable_account(db, a, "clerk2"))),
    Protected("reset password", Perm.MANAGE_USERS, lambda db, a, _: accounts.reset_password(db, a, "clerk2")),
    Protected("view audit log", Perm.VIEW_AUDIT, lambda db, a, _: audit.view(db, a, audit.AuditFilter())),
    Protected("count audit log", Perm.VIEW_AUDIT, lambda db, a, _: audit.total(db, a, audit.AuditFilter())),
    Protected("export audit log", Perm.VIEW_AUDIT, lambda db, a, _: list(audit.export_rows(db, a, audit.AuditFilter()))),
    Protected("unmasked export", Perm.EXPORT_UNMASKED, lambda db, a, _: privacy.export_masking(
        db, a, unmasked=True, reason="核对客户资料", kind="register")),
]


def _refusals(db, username: str) -> list[AuditEntry]:
    with db.read() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == "permission_denied",
                                                       AuditEntry.username == username)))


@pytest.mark.parametrize("action", ACTIONS, ids=[a.name for a in ACTIONS])
def test_each_role_against_action(db, actors, action):
    expected = {role: action.perm in perms for role, perms in ROLE_PERMISSIONS.items()}
    assert any(expected.values()), "an action nobody may do is a bug in ROLE_PERMISSIONS"
    # refused roles first: a refusal must change nothing the permitted call relies on
    for username, actor in sorted(actors.items(), key=lambda kv: allowed(kv[1], action.perm)):
        if expected[actor.role]:
            action.call(db, actor, actors)
            assert _refusals(db, username) == [], f"{username} was refused {action.name}"
        else:
            with pytest.raises(PermissionDenied) as exc:
                action.call(db, actor, actors)
            message = str(exc.value)
            assert ROLES[actor.role] in message and PERM_LABELS[action.perm] in message
            refusals = _refusals(db, username)
            assert [(e.detail, e.outcome, e.pc) for e in refusals] == [(str(action.perm), "refused", "test-pc")]


def test_matrix_names_every_role():
    assert set(ROLE_PERMISSIONS) == set(ROLES)


def test_permissions_are_what_the_issue_describes():
    """Clerks accept/print/hand over; back office moves stages; supervisors registers, exports,
    terminations, blacklist; admins users, settings. Changing these needs a reason."""
    def who(perm):
        return {role for role, perms in ROLE_PERMISSIONS.items() if perm in perms}

    assert who(Perm.ACCEPT) == {"clerk"}
    assert who(Perm.HANDOVER) == {"clerk"}
    assert who(Perm.MOVE_STAGE) == {"backoffice"}
    assert who(Perm.TERMINATE) == who(Perm.BLACKLIST) == who(Perm.EXPORT_UNMASKED) == {"supervisor"}
    assert who(Perm.MANAGE_USERS) == who(Perm.MANAGE_SETTINGS) == {"admin"}
    assert who(Perm.VIEW_AUDIT) == {"supervisor", "admin"}
    assert who(Perm.SEE_FULL_PERSONAL_DATA) == {"clerk"}
