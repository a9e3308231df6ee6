"""The audit trail exported to Excel: the filtered entries, Chinese labels, personal data masked,
the export itself recorded; only supervisors and admins; a failed or cancelled export leaves nothing."""

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from counter_app.infra.errors import PermissionDenied, UserError
from counter_app.models import ExportRecord
from counter_app.printing.excel import Cancelled
from counter_app.reporting import audit_export
from counter_app.security import audit, audit_trail
from counter_app.security import credentials as users
from tests.conftest import PASSWORD


@pytest.fixture
def trail(frozen_now, db, actors):
    users.sign_in(db, "clerk1", PASSWORD, pc="PC-1", window_no=1)
    with pytest.raises(UserError):
        users.sign_in(db, "clerk1", "bad-pass-1", pc="PC-1", window_no=1)
    with db.write() as s:
        # a detail another feature wrote with a full ID number in it: the export masks it
        audit.record(s, actors["clerk1"], "accept", "application", "FZGL01-20261124-0001",
                     detail="证件 11010519491231002X，手机 13812345678")
    return actors


def _sheet(path):
    ws = load_workbook(path).active
    rows = list(ws.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "序号")
    return rows[:header], rows[header], [r for r in rows[header + 1:] if r and isinstance(r[0], int)]


def test_supervisor_exports_the_filtered_trail(db, trail, tmp_path):
    target = tmp_path / "审计.xlsx"
    flt = audit_trail.AuditFilter(username="clerk1")
    seen = []
    result = audit_export.export_xlsx(db, trail["super1"], flt, target, progress=lambda d, t: seen.append((d, t)))
    assert result.path == target and result.rows == 3 and target.exists()
    top, header, rows = _sheet(target)
    assert list(header) == [c.title for c in audit_export.COLUMNS]
    assert [r[6] for r in rows] == ["登录", "登录失败", "受理"]
    assert rows[1][9] == "被拒绝" and rows[1][10] == "王小明（clerk1）登录失败（被拒绝）：密码错误" and rows[0][5] == "PC-1"
    assert rows[2][10].endswith("：证件 110105********002X，手机 138****5678")
    assert any("用户 clerk1" in str(c) for r in top for c in r if c)
    assert seen[0] == (0, 3)
    with db.read() as s:
        record = s.scalar(select(ExportRecord))
        assert (record.kind, record.row_count, record.username, record.unmasked) == ("audit", 3, "super1", False)
        assert record.filters == {"username": "clerk1"}
        assert audit_trail.count(s, audit_trail.AuditFilter(action="export", username="super1")) == 1


def test_clerk_cannot_export_the_trail(db, trail, tmp_path):
    with pytest.raises(PermissionDenied, match="无权查看审计日志"):
        audit_export.export_xlsx(db, trail["clerk1"], audit_trail.AuditFilter(), tmp_path / "a.xlsx")
    assert not (tmp_path / "a.xlsx").exists()


def test_cancelled_export_leaves_nothing(db, trail, tmp_path):
    with pytest.raises(Cancelled):
        audit_export.export_xlsx(db, trail["admin1"], audit_trail.AuditFilter(), tmp_path / "a.xlsx",
                                 cancelled=lambda: True)
    assert [p for p in tmp_path.iterdir() if "xlsx" in p.name] == []
    with db.read() as s:
        assert s.scalar(select(ExportRecord)) is None


def test_bad_target_is_refused_before_any_work(db, trail, tmp_path):
    with pytest.raises(UserError, match=r"\.xlsx"):
        audit_export.export_xlsx(db, trail["admin1"], audit_trail.AuditFilter(), tmp_path / "a.csv")
    with pytest.raises(UserError, match="不存在"):
        audit_export.export_xlsx(db, trail["admin1"], audit_trail.AuditFilter(), tmp_path / "nope" / "a.xlsx")


def test_default_filename(frozen_now):
    import datetime as dt

    flt = audit_trail.AuditFilter(since=dt.datetime(2026, 11, 18), until=dt.datetime(2026, 11, 25))
    assert audit_export.default_filename(flt) == "审计日志_20261118-20261124.xlsx"
    assert audit_export.describe(flt) == "日期 2026-11-18 至 2026-11-24"
    assert flt.describe() == {"since": "2026-11-18 00:00:00", "until": "2026-11-25 00:00:00"}
