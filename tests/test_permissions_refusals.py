"""Refusals decided inside a unit of work (another window's record) are recorded although the unit
rolls back; clerks act only at their own window; phones in full only for the own window's list."""

import pytest
from sqlalchemy import select

from counter_app import documents
from counter_app.infra.errors import PermissionDenied
from counter_app.models import AuditEntry, HandoverBatch
from counter_app.security import audit, audit_trail
from counter_app.security.permissions import refuse
from counter_app.tracking import handover
from tests.factories import add_case, mark_printed


def _refusals(db, username=None):
    with db.read() as s:
        stmt = select(AuditEntry).where(AuditEntry.action == "permission_denied")
        if username:
            stmt = stmt.where(AuditEntry.username == username)
        return [(e.username, e.target_type, e.target_id, e.detail) for e in s.scalars(stmt.order_by(AuditEntry.id))]


@pytest.mark.parametrize("unit", ["write", "read", "run_write"])
def test_refusal_inside_a_unit_is_recorded_after_the_rollback(db, actors, unit):
    clerk = actors["clerk1"]

    def work(session):
        audit.record(session, clerk, "edit", "application", "A-1")  # must vanish with the rollback
        raise refuse(clerk, "只能修改本窗口的申请", target_type="application", target_id="A-1")

    with pytest.raises(PermissionDenied, match="只能修改本窗口的申请") as exc:
        if unit == "run_write":
            db.run_write(work)
        else:
            with getattr(db, unit)() as session:
                work(session)
    assert exc.value.audit is None  # recorded once
    assert _refusals(db) == [("clerk1", "application", "A-1", "只能修改本窗口的申请")]
    with db.read() as s:
        assert audit_trail.count(s, audit_trail.AuditFilter(action="edit")) == 0


@pytest.fixture
def batch_at_window_2(db, actors):
    app_id = add_case(db, actors["clerk2"], name="李四")
    mark_printed(db, [app_id])
    summary = handover.create_batch(db, actors["clerk2"], [app_id])
    return summary, app_id


def test_clerk_cannot_see_or_change_another_windows_batch(db, actors, batch_at_window_2):
    summary, _app = batch_at_window_2
    clerk1 = actors["clerk1"]
    with pytest.raises(PermissionDenied, match="只能查看本窗口的交接批次"):
        handover.detail(db, clerk1, summary.id)
    own = add_case(db, clerk1, name="王五")
    with pytest.raises(PermissionDenied, match="不属于本窗口"):
        handover.add_applications(db, clerk1, summary.id, [own])
    assert [r[:3] for r in _refusals(db, "clerk1")] == [
        ("clerk1", "handover_batch", summary.number), ("clerk1", "handover_batch", summary.number)]
    with db.read() as s:  # nothing changed
        assert len(s.get(HandoverBatch, summary.id).lines) == 1


def test_clerk_cannot_hand_over_another_windows_application(db, actors, batch_at_window_2):
    other = add_case(db, actors["clerk2"], name="赵六")
    with pytest.raises(PermissionDenied, match="只能移交本窗口受理的申请"):
        handover.create_batch(db, actors["clerk1"], [other])
    assert len(_refusals(db, "clerk1")) == 1
    with db.read() as s:
        assert s.scalar(select(HandoverBatch).where(HandoverBatch.window_id == actors["clerk1"].window_id)) is None


def test_handover_list_phones_in_full_only_at_the_own_window(db, actors, batch_at_window_2, monkeypatch):
    summary, _app = batch_at_window_2
    seen = {}
    real = documents.handover_form.build

    def spy(session, batch_id, *, full_phone=False):
        seen["full"] = full_phone
        return real(session, batch_id, full_phone=full_phone)

    monkeypatch.setattr(documents.handover_form, "build", spy)
    documents.render_handover_document(db, actors["clerk2"], summary.id)
    assert seen["full"] is True
    documents.render_handover_document(db, actors["clerk1"], summary.id)
    assert seen["full"] is False  # another window's list: masked
    documents.render_handover_document(db, actors["back1"], summary.id)
    assert seen["full"] is False
    # on screen the same: the own window's clerk in full, the receiving back office masked
    assert handover.detail(db, actors["clerk2"], summary.id).items[0].phone == "13812345678"
    assert handover.detail(db, actors["back1"], summary.id).items[0].phone == "138****5678"


def test_a_refusal_that_cannot_be_recorded_still_stands_and_is_logged(db, actors, monkeypatch, caplog):
    """The audit trail failing must not turn a refusal into a success, nor vanish without a trace."""
    from counter_app.security import permissions

    def broken(*args, **kwargs):
        raise RuntimeError("audit table locked")

    monkeypatch.setattr(audit, "record", broken)
    with caplog.at_level("ERROR", logger=permissions.__name__), pytest.raises(PermissionDenied):
        permissions.require(db, actors["clerk1"], permissions.Perm.MANAGE_USERS, target_type="user")
    logged = [r for r in caplog.records if r.name == permissions.__name__]
    assert len(logged) == 1 and "clerk1" in logged[0].getMessage()
    assert logged[0].exc_info and "audit table locked" in str(logged[0].exc_info[1])
    assert _refusals(db) == []
