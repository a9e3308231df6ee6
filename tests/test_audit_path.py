"""A counter day leaves its trace: acceptance → print → reprint → handover → receipt → lookup →
register export → audit export, each step an audit entry with who, window, PC, when and which record."""

from sqlalchemy import func, select

from counter_app.acceptance import service as acceptance
from counter_app.security import audit_trail, credentials as users
from counter_app.reporting import audit_export, exports
from counter_app import documents
from counter_app.tracking import handover, progress
from counter_app.models import AuditEntry
from tests.acceptance_helpers import residential
from tests.conftest import PASSWORD
from tests.factories import resident_id
from tests.fast_hashing import fast_argon2  # noqa: F401  (autouse)


def test_a_day_at_the_counter_is_in_the_audit_log(frozen_now, db, actors, tmp_path):
    clerk, back, sup = actors["clerk1"], actors["back1"], actors["super1"]
    with db.read() as s:
        before = s.scalar(select(func.max(AuditEntry.id)))  # the hall's set-up entries come first
    users.sign_in(db, "clerk1", PASSWORD, pc="test-pc", window_no=1)
    saved = acceptance.save(db, clerk, residential(resident_id(77)))
    app_id, number = saved.application_id, saved.number
    notice = documents.render(db, clerk, app_id, "notice")
    documents.record(db, clerk, [notice], "print", printer="PDF")
    documents.record(db, clerk, [notice], "print", printer="PDF")  # the second time is a reprint
    batch = handover.create_batch(db, clerk, [app_id])
    handover.confirm(db, back, batch.id, receiver_name="陈后台")
    progress.find(db, clerk, number)
    exports.export(db, sup, exports.ExportRequest("register"), tmp_path / "台账.xlsx")
    audit_export.export_xlsx(db, sup, audit_trail.AuditFilter(), tmp_path / "审计.xlsx")
    with db.read() as s:
        trail = list(s.scalars(select(AuditEntry).where(AuditEntry.id > before).order_by(AuditEntry.id)))
    steps = [(e.username, e.action, e.window_no, e.pc) for e in trail]
    assert steps == [
        ("clerk1", "login", 1, "test-pc"),
        ("clerk1", "accept", 1, "test-pc"),
        ("clerk1", "print", 1, "test-pc"),
        ("clerk1", "reprint", 1, "test-pc"),
        ("clerk1", "handover_create", 1, "test-pc"),
        ("back1", "handover_confirm", 1, "test-pc"),
        ("clerk1", "lookup", 1, "test-pc"),
        ("super1", "export", 1, "test-pc"),
        ("super1", "export", 1, "test-pc"),
    ]
    assert all(e.at == frozen_now for e in trail)
    by_action = {e.action: e for e in trail}
    assert number in (by_action["accept"].target_id + by_action["accept"].detail)
    # the trail records who looked at or accepted whom, without a second copy of the ID number
    assert all(resident_id(77) not in e.detail + e.target_id for e in trail)
    assert number in (by_action["print"].target_id + by_action["print"].detail)
    assert by_action["handover_create"].target_id == batch.number
    assert '"kind": "audit"' in trail[-1].detail and '"kind": "register"' in trail[-2].detail
