"""Each role tried against each protected action of the domain layer: allowed ones go through, the
others are refused with a clear message and a ``permission_denied`` audit entry.

Add a line to ACTIONS for every service function that calls ``permissions.require``; a call gets
(db, actor, ctx) — ctx holds the actors, an application and a handover batch of window 1 and a
folder — and must succeed for a permitted role. ``roles`` overrides who may, when a service accepts
any of several permissions (then ``perm`` is the one recorded on a refusal)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from counter_app import documents
from counter_app.acceptance import service as acceptance
from counter_app.hall import settings_admin as settings_service
from counter_app.infra.errors import PermissionDenied
from counter_app.models import AuditEntry
from counter_app.reporting import audit_export, exchange, exports, registers
from counter_app.security import accounts, audit_trail, privacy
from counter_app.security.permissions import PERM_LABELS, ROLE_PERMISSIONS, ROLES, Perm
from counter_app.tracking import deferrals, handover, stages
from tests.factories import add_case, mark_printed


@dataclass(frozen=True)
class Protected:
    name: str
    perm: Perm
    call: Callable
    roles: frozenset[str] | None = None
    also_refused_as: tuple[Perm, ...] = ()  # a role lacking an earlier permission is refused on that one

    def allowed_roles(self) -> set[str]:
        if self.roles is not None:
            return set(self.roles)
        return {role for role, perms in ROLE_PERMISSIONS.items() if self.perm in perms}


def _case(db, ctx, **kwargs) -> int:
    """A fresh application of window 1 for an action that changes it (each permitted role gets one)."""
    return add_case(db, ctx["actors"]["clerk1"], **kwargs)


def _deferred_item(db, ctx) -> int:
    from counter_app.models import Material

    app_id = _case(db, ctx, deferred=("property_proof",))
    with db.read() as s:
        return s.scalar(select(Material.id).where(Material.application_id == app_id, Material.state == "deferred"))


def _customer(db, app_id) -> int:
    from counter_app.models import Application

    with db.read() as s:
        return s.get(Application, app_id).customer_id


_seeds = iter(range(500, 10_000))


def _new_residential():
    from tests.acceptance_helpers import residential
    from tests.factories import resident_id

    return residential(resident_id(next(_seeds)))


def _out(ctx, actor, name="x.xlsx"):
    folder = ctx["tmp"] / actor.username
    folder.mkdir(exist_ok=True)
    return folder / name


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
    Protected("view audit log", Perm.VIEW_AUDIT, lambda db, a, _: audit_trail.view(db, a, audit_trail.AuditFilter())),
    Protected("count audit log", Perm.VIEW_AUDIT, lambda db, a, _: audit_trail.total(db, a, audit_trail.AuditFilter())),
    Protected("export audit log", Perm.VIEW_AUDIT, lambda db, a, _: list(audit_trail.export_rows(db, a, audit_trail.AuditFilter()))),
    Protected("unmasked export", Perm.EXPORT_UNMASKED, lambda db, a, _: privacy.export_masking(
        db, a, unmasked=True, reason="核对客户资料", kind="register")),
    Protected("export audit log to Excel", Perm.VIEW_AUDIT, lambda db, a, c: audit_export.export_xlsx(
        db, a, audit_trail.AuditFilter(), _out(c, a))),
    # documents (print at the counter)
    Protected("render documents", Perm.PRINT, lambda db, a, c: documents.render(db, a, c["app"], "notice")),
    Protected("document history", Perm.PRINT, lambda db, a, c: documents.history(db, a, c["app"])),
    Protected("render handover list", Perm.HANDOVER, lambda db, a, c: documents.render_handover_document(
        db, a, c["batch"]), roles=frozenset({"clerk", "backoffice", "supervisor"})),
    # handover
    Protected("files to hand over", Perm.HANDOVER, lambda db, a, _: handover.pending(db, a)),
    Protected("files never handed over", Perm.RECEIVE_HANDOVER, lambda db, a, _: handover.missing(db, a),
              roles=frozenset({"backoffice", "supervisor", "admin"})),
    # registers and exports
    Protected("register rows", Perm.VIEW_REGISTERS, lambda db, a, _: registers.fetch(
        db, a, "register", registers.RegisterFilter(), 0, 50)),
    Protected("register count", Perm.VIEW_REGISTERS, lambda db, a, _: registers.count(
        db, a, "warnings", registers.RegisterFilter())),
    Protected("export a register", Perm.EXPORT_REGISTERS, lambda db, a, c: exports.export(
        db, a, exports.ExportRequest("register"), _out(c, a))),
    Protected("export a register unmasked", Perm.EXPORT_UNMASKED, lambda db, a, c: exports.export(
        db, a, exports.ExportRequest("register", unmasked=True, reason="报送监管核查"), _out(c, a)),
              roles=frozenset({"supervisor"}), also_refused_as=(Perm.EXPORT_REGISTERS,)),
    # acceptance at the counter
    Protected("accept an application", Perm.ACCEPT, lambda db, a, _: acceptance.save(db, a, _new_residential())),
    Protected("look up a customer at the counter", Perm.ACCEPT, lambda db, a, c: acceptance.lookup_customer(
        db, a, "id_card", c["cert"])),
    Protected("acceptance form defaults", Perm.ACCEPT, lambda db, a, _: acceptance.form_defaults(db, a)),
    # hall settings
    Protected("read hall settings", Perm.MANAGE_SETTINGS, lambda db, a, _: settings_service.load(db, a)),
    Protected("change hall settings", Perm.MANAGE_SETTINGS, lambda db, a, _: settings_service.save(
        db, a, settings_service.SettingsUpdate(idle_lock_minutes=5))),
    # stages, 容缺, blacklist
    Protected("move a stage", Perm.MOVE_STAGE, lambda db, a, c: stages.advance(
        db, a, _case(db, c), version=None, handler="陈后台")),
    Protected("terminate", Perm.TERMINATE, lambda db, a, c: stages.terminate(
        db, a, _case(db, c), version=None, reason="客户撤回申请")),
    Protected("record a supplied item", Perm.SUPPLY_MATERIAL, lambda db, a, c: deferrals.supply(
        db, a, _deferred_item(db, c))),
    Protected("blacklist a customer", Perm.BLACKLIST, lambda db, a, c: deferrals.blacklist_add(
        db, a, _customer(db, c["app"]), reason="逾期未补交资料")),
    Protected("find a customer to blacklist", Perm.BLACKLIST, lambda db, a, c: deferrals.find_customers(
        db, a, c["cert"])),
    # marketing-system exchange
    Protected("exchange export", Perm.EXCHANGE, lambda db, a, c: exchange.export(db, a, _out(c, a, "x.json"))),
]


def _refusals(db, username: str) -> list[AuditEntry]:
    with db.read() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == "permission_denied",
                                                       AuditEntry.username == username)))


@pytest.fixture
def ctx(db, actors, tmp_path):
    """An accepted application and a handover batch at window 1 (clerk1)."""
    app_id = add_case(db, actors["clerk1"], name="张三")
    mark_printed(db, [app_id])
    batch = handover.create_batch(db, actors["clerk1"], [app_id])
    other = add_case(db, actors["clerk1"], name="李四")  # still to hand over
    from counter_app.models import Application

    with db.read() as s:
        cert = s.get(Application, app_id).certificate.number
    return {"actors": actors, "app": app_id, "batch": batch.id, "pending": other, "tmp": tmp_path, "cert": cert}


@pytest.mark.parametrize("action", ACTIONS, ids=[a.name for a in ACTIONS])
def test_each_role_against_action(db, actors, ctx, action):
    allowed_roles = action.allowed_roles()
    expected = {role: role in allowed_roles for role in ROLE_PERMISSIONS}
    assert any(expected.values()), "an action nobody may do is a bug in ROLE_PERMISSIONS"
    # refused roles first: a refusal must change nothing the permitted call relies on
    for username, actor in sorted(actors.items(), key=lambda kv: kv[1].role in allowed_roles):
        if expected[actor.role]:
            action.call(db, actor, ctx)
            assert _refusals(db, username) == [], f"{username} was refused {action.name}"
        else:
            with pytest.raises(PermissionDenied) as exc:
                action.call(db, actor, ctx)
            message = str(exc.value)
            perm = next(p for p in (action.perm, *action.also_refused_as) if PERM_LABELS[p] in message)
            assert ROLES[actor.role] in message
            refusals = _refusals(db, username)
            assert [(e.detail, e.outcome, e.pc) for e in refusals] == [(str(perm), "refused", "test-pc")]


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
