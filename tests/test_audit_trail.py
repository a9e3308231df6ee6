"""Reading the audit trail: filters, paging, export rows, exports and lookups recorded without
copying personal data into the trail; only supervisors and admins read it."""

import datetime as dt

import pytest
from sqlalchemy import select

from counter_app.infra import clock
from counter_app.infra.errors import PermissionDenied, UserError
from counter_app.models import AuditEntry, ExportRecord
from counter_app.security import audit, audit_trail
from counter_app.security import credentials as users
from tests.conftest import PASSWORD


@pytest.fixture
def busy_day(frozen_now, db, actors):
    """A morning: sign-ins at two windows, a failed one, a lookup and an export."""
    clock.freeze(frozen_now.replace(hour=8))
    users.sign_in(db, "clerk1", PASSWORD, pc="PC-1", window_no=1)
    users.sign_in(db, "clerk2", PASSWORD, pc="PC-2", window_no=2)
    with pytest.raises(UserError):
        users.sign_in(db, "clerk2", "bad-pass-9", pc="PC-2", window_no=2)
    clock.freeze(frozen_now.replace(hour=10))
    with db.write() as s:
        audit.record_lookup(s, actors["clerk1"], by="certificate", query="11010519491231002X", results=1)
        audit.record_export(s, actors["super1"], "acceptance_register", filters={"window": 1}, row_count=12,
                            path="/tmp/r.xlsx")
    clock.freeze(frozen_now)
    return actors


def test_filters_and_counts(db, busy_day):
    sup = busy_day["super1"]
    everything = audit_trail.view(db, sup, audit_trail.AuditFilter())
    assert everything[0].id > everything[-1].id  # newest first
    assert audit_trail.total(db, sup, audit_trail.AuditFilter()) == len(everything)
    f = audit_trail.AuditFilter(action="login")
    assert {r.username for r in audit_trail.view(db, sup, f)} == {"clerk1", "clerk2"}
    f = audit_trail.AuditFilter(window_no=2)
    assert [r.action_label for r in audit_trail.view(db, sup, f)] == ["登录失败", "登录"]
    f = audit_trail.AuditFilter(outcome="refused")
    assert [(r.username, r.outcome_label) for r in audit_trail.view(db, sup, f)] == [("clerk2", "被拒绝")]
    f = audit_trail.AuditFilter(username="clerk1", since=dt.datetime(2026, 11, 24, 9))
    rows = audit_trail.view(db, sup, f)
    assert [r.action for r in rows] == ["lookup"] and rows[0].user_name == "王小明"
    f = audit_trail.AuditFilter(since=dt.datetime(2026, 11, 24, 8), until=dt.datetime(2026, 11, 24, 9))
    assert {r.action for r in audit_trail.view(db, sup, f)} == {"login", "login_failed"}
    assert audit_trail.total(db, sup, audit_trail.AuditFilter(text="acceptance_register")) == 1


def test_paging(db, busy_day):
    sup = busy_day["super1"]
    allrows = audit_trail.view(db, sup, audit_trail.AuditFilter())
    pages = [audit_trail.view(db, sup, audit_trail.AuditFilter(), limit=2, offset=o) for o in range(0, len(allrows), 2)]
    assert [r.id for page in pages for r in page] == [r.id for r in allrows]


def test_lookup_is_recorded_redacted(db, busy_day):
    with db.read() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "lookup"))
    assert "110105********002X" in entry.detail and "11010519491231002X" not in entry.detail
    assert entry.pc == "test-pc" and entry.window_no == 1


def test_export_is_recorded_twice_over(db, busy_day):
    with db.read() as s:
        record = s.scalar(select(ExportRecord))
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
    assert (record.kind, record.row_count, record.unmasked, record.username) == (
        "acceptance_register", 12, False, "super1")
    assert entry.target_id == str(record.id) and '"rows": 12' in entry.detail


def test_export_rows_oldest_first_with_chinese_labels(db, busy_day):
    rows = list(audit_trail.export_rows(db, busy_day["super1"], audit_trail.AuditFilter(), batch=2))
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert len(audit_trail.EXPORT_HEADERS) == len(rows[0])
    logins = [r for r in rows if r[6] == "登录"]
    assert [(r[2], r[3], r[4], r[5], r[9]) for r in logins] == [
        ("clerk1", "王小明", 1, "PC-1", "成功"), ("clerk2", "李芳", 2, "PC-2", "成功")]


@pytest.mark.parametrize("who", ["clerk1", "back1"])
def test_clerks_and_back_office_cannot_read_the_trail(db, busy_day, who):
    actor = busy_day[who]
    with pytest.raises(PermissionDenied, match="无权查看审计日志"):
        audit_trail.view(db, actor, audit_trail.AuditFilter())
    with pytest.raises(PermissionDenied):
        next(audit_trail.export_rows(db, actor, audit_trail.AuditFilter()))
    refusals = audit_trail.view(db, busy_day["admin1"], audit_trail.AuditFilter(action="permission_denied"))
    assert [(r.username, r.detail, r.outcome) for r in refusals] == [(who, "view_audit", "refused")] * 2


def test_existing_entries_function_unchanged(db, busy_day):
    with db.read() as s:
        assert [e.action for e in audit_trail.entries(s, username="clerk2")] == ["login_failed", "login"]


def test_keyset_paging_is_stable_while_entries_arrive(db, busy_day):
    sup = busy_day["super1"]
    first = audit_trail.view(db, sup, audit_trail.AuditFilter(), limit=3)
    users.sign_in(db, "back1", PASSWORD)  # a new entry on top meanwhile
    rest = audit_trail.view(db, sup, audit_trail.AuditFilter(), limit=100, before_id=first[-1].id)
    seen = [r.id for r in first + rest]
    assert len(seen) == len(set(seen)) == audit_trail.total(db, sup, audit_trail.AuditFilter()) - 1


def test_the_trail_reads_as_sentences(sqlite_db):
    """Who did what to whom, in words: no "用户 4", no JSON, no password field names."""
    from counter_app.hall.settings_admin import SettingsUpdate, save
    from counter_app.security import accounts
    from counter_app.security import audit_trail as trail
    from tests.conftest import setup_hall

    actors = setup_hall(sqlite_db)
    admin = actors["admin1"]
    save(sqlite_db, admin, SettingsUpdate(yellow_percent=75, supervision_phone="0591-87654321"))
    accounts.disable_account(sqlite_db, admin, "clerk2")
    rows = trail.view(sqlite_db, admin, trail.AuditFilter())
    sentences = [r.sentence for r in rows]
    assert "管理员（admin1）修改设置：黄色预警比例 由 0.8 改为 0.75" in sentences
    assert all("{" not in t and "new_password" not in t for t in sentences)
    (disabled,) = [r for r in rows if r.action == "user_disable"]
    assert disabled.sentence == "管理员（admin1）停用用户 李芳（clerk2）：用户名：clerk2"
