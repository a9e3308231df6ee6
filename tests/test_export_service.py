"""Exports read back with openpyxl: headers, row counts against the database, real dates, masking
by role, print settings, the export record; and the failures a supervisor meets."""

from __future__ import annotations

import datetime as dt
import json
import os

import openpyxl
import pytest
from sqlalchemy import func, select

from counter_app.infra.errors import PermissionDenied, UserError, ValidationFailed
from counter_app.models import Application, AuditEntry, Certificate, Commitment, ExportRecord, Material
from counter_app.printing.excel import Cancelled
from counter_app.reporting import exports, registers
from counter_app.reporting.exports import ExportRequest
from counter_app.reporting.registers import RegisterFilter
from counter_app.security import audit
from counter_app.tracking import handover
from tests.factories import make_accepted, mark_printed

HEADER_ROW = {"register": 4, "deferred": 4, "commitments": 4, "warnings": 5, "workload": 5}


@pytest.fixture
def data(db, actors, frozen_now):
    c1, c2 = actors["clerk1"], actors["clerk2"]
    with db.write() as s:
        for i in range(6):
            make_accepted(s, window_id=c1.window_id, clerk_id=c1.user_id, name=f"客户{i}",
                          accepted_at=dt.datetime(2026, 11, 16 + i, 10), deferred=("property_proof",) if i % 2 else (),
                          counter_seconds=600 + 200 * i, mobile=f"1381234{i:04d}")
        make_accepted(s, window_id=c2.window_id, clerk_id=c2.user_id, name="=SUM(A1)", business_type="lv_biz_new",
                      accepted_at=dt.datetime(2026, 11, 20, 11), deferred=("equipment_list",), green=True)
    return None


@pytest.fixture
def out(tmp_path):
    """Export files go here (the SQLite database lives in tmp_path itself)."""
    path = tmp_path / "out"
    path.mkdir()
    return path


def _sheet(path):
    wb = openpyxl.load_workbook(path)
    assert len(wb.sheetnames) == 1
    return wb[wb.sheetnames[0]]


def _data_rows(ws, header_row):
    rows = []
    for row in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if isinstance(row[0], str) and row[0].startswith("合计"):
            break
        rows.append(row)
    return rows


@pytest.mark.parametrize("kind", ["register", "deferred", "commitments", "warnings", "workload"])
def test_every_register_exports_what_the_database_holds(db, actors, data, out, kind):
    sup = actors["super1"]
    result = exports.export(db, sup, ExportRequest(kind), out / f"{kind}.xlsx")
    ws = _sheet(result.path)
    reg = registers.REGISTERS[kind]
    assert ws.title == reg.sheet
    assert ws["A1"].value == f"福州鼓楼供电营业厅{reg.title}"
    assert ws["A2"].value == "筛选条件：受理日期：全部；窗口：全部"
    header = HEADER_ROW[kind]
    assert [c.value for c in ws[header]] == [c.title for c in registers.register_columns(kind, db, sup)]
    rows = _data_rows(ws, header)
    assert len(rows) == result.rows == registers.count(db, sup, kind, RegisterFilter())
    with db.read() as s:
        expected = {
            "register": s.scalar(select(func.count()).select_from(Application)),
            "deferred": s.scalar(select(func.count()).select_from(Material)
                                 .where(Material.state.in_(("deferred", "supplied")))),
            "commitments": s.scalar(select(func.count()).select_from(Commitment)),
            "workload": 2,
        }.get(kind)
    if expected is not None:
        assert result.rows == expected
    assert ws.freeze_panes is not None and ws.auto_filter.ref.startswith(f"A{header}:")
    assert ws.page_setup.orientation == "landscape" and ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert ws.print_title_rows == f"${header}:${header}"


def test_register_cells_have_real_types_and_masking(db, actors, data, out):
    result = exports.export(db, actors["super1"], ExportRequest("register"), out / "r.xlsx")
    ws = _sheet(result.path)
    titles = [c.value for c in ws[4]]
    first = dict(zip(titles, [c for c in ws[5]], strict=True))
    assert first["受理时间"].is_date and first["受理时间"].value == dt.datetime(2026, 11, 16, 10)
    assert first["办结时限"].is_date
    assert first["申请容量（kW）"].data_type == "n" and first["申请容量（kVA）"].value is None
    assert first["证件号码"].value.count("*") == 8
    assert first["联系电话"].value == "138****0000"
    totals = ws.cell(5 + result.rows, 1).value
    assert totals == f"合计（{result.rows} 条）"
    names = [row[titles.index("户名")] for row in _data_rows(ws, 4)]
    assert "=SUM(A1)" in names  # a name that looks like a formula stays text
    assert ws["A3"].value.endswith("证件号码和联系电话已脱敏")


def test_unmasked_export_needs_permission_and_reason(db, actors, data, out):
    sup = actors["super1"]
    with pytest.raises(ValidationFailed) as err:
        exports.export(db, sup, ExportRequest("register", unmasked=True), out / "u.xlsx")
    assert "reason" in err.value.errors
    with pytest.raises(PermissionDenied):  # admin may export registers, not unmasked ones
        exports.export(db, actors["admin1"], ExportRequest("register", unmasked=True, reason="核查"),
                       out / "u.xlsx")
    result = exports.export(db, sup, ExportRequest("register", unmasked=True, reason="报送监管核查"),
                            out / "u.xlsx")
    ws = _sheet(result.path)
    with db.read() as s:
        numbers = set(s.scalars(select(Certificate.number)))
    assert {row[6] for row in _data_rows(ws, 4)} == numbers
    assert "未脱敏，原因：报送监管核查" in ws["A3"].value
    with db.read() as s:
        record = s.get(ExportRecord, result.record_id)
        assert record.unmasked and record.reason == "报送监管核查"
    assert not list(out.glob(".*"))  # no temporary files left


def test_export_is_recorded_with_filters_and_audited(db, actors, data, out):
    sup = actors["super1"]
    flt = RegisterFilter(date_from=dt.date(2026, 11, 17), date_to=dt.date(2026, 11, 19), window_no=1)
    result = exports.export(db, sup, ExportRequest("register", flt), out / "f.xlsx")
    assert result.rows == 3
    with db.read() as s:
        record = s.get(ExportRecord, result.record_id)
        assert (record.kind, record.row_count, record.username, record.unmasked) == ("register", 3, "super1", False)
        assert record.filters == {"date_from": "2026-11-17", "date_to": "2026-11-19", "window_no": 1}
        assert record.at == dt.datetime(2026, 11, 24, 9, 30) and record.path.endswith("f.xlsx")
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
        assert entry.target_id == str(record.id) and json.loads(entry.detail)["rows"] == 3
    ws = _sheet(result.path)
    assert ws["A2"].value == "筛选条件：受理日期：2026-11-17 至 2026-11-19；窗口：1号窗口"


def test_export_permissions(db, actors, data, out):
    for who in ("clerk1", "back1"):
        with pytest.raises(PermissionDenied):
            exports.export(db, actors[who], ExportRequest("register"), out / "x.xlsx")
    assert not (out / "x.xlsx").exists()
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ExportRecord)) == 0
        assert s.scalar(select(func.count()).select_from(AuditEntry)
                        .where(AuditEntry.action == "permission_denied")) == 2


def test_handover_export(db, actors, data, out):
    clerk = actors["clerk1"]
    items = handover.pending(db, clerk)
    mark_printed(db, [i.application_id for i in items])
    batch = handover.create_batch(db, clerk, [i.application_id for i in items])
    handover.confirm(db, actors["back1"], batch.id, receiver_name="陈后台",
                     remarks={items[1].application_id: handover.LineRemark("退回", "申请表未签字")})
    result = exports.export(db, clerk, ExportRequest("handover", batch_id=batch.id), out / "h.xlsx")
    ws = _sheet(result.path)
    assert ws.title == "交接清单" and ws["A1"].value == "业扩报装资料交接清单"
    assert batch.number in ws["A2"].value and "1号窗口" in ws["A2"].value
    assert ws["A3"].value == "状态：已确认接收（接收人：陈后台，2026-11-24 09:30）"
    header = [c.value for c in ws[5]]
    assert header == ["序号", "申请编号", "户名", "业务类型", "用电地址", "联系电话", "受理时间", "受理人",
                      "资料份数", "容缺资料及补交期限", "备注"]
    rows = _data_rows(ws, 5)
    assert len(rows) == result.rows == 6
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[1][10] == "退回：申请表未签字"
    assert rows[0][5] == "138****0000"  # exports are masked, even the clerk's
    assert isinstance(rows[0][6], dt.datetime)
    assert ws.cell(6 + 6, 9).value == "=SUBTOTAL(9,I6:I11)"
    footer = ws.cell(6 + 6 + 2, 1).value
    assert footer.startswith("移交人（签字）") and "接收人（签字）" in footer
    with pytest.raises(PermissionDenied):
        exports.export(db, actors["clerk2"], ExportRequest("handover", batch_id=batch.id), out / "h2.xlsx")
    with pytest.raises(ValidationFailed):
        exports.export(db, clerk, ExportRequest("handover"), out / "h3.xlsx")


@pytest.mark.parametrize(("name", "text"), [
    ("missing/dir/x.xlsx", "不存在"),
    ("adir", "文件夹，请输入文件名"),
    ("x.csv", ".xlsx 结尾"),
])
def test_unwritable_targets_are_refused_before_work(db, actors, data, out, name, text):
    (out / "adir").mkdir()
    target = out / name
    if name == "adir":
        target = out / "adir"
        target.rename(out / "adir.xlsx")
        target = out / "adir.xlsx"
    with pytest.raises(UserError) as err:
        exports.export(db, actors["super1"], ExportRequest("register"), target)
    assert text in str(err.value)


def test_file_open_in_excel_gives_a_clear_message(db, actors, data, out, monkeypatch):
    """Excel on Windows locks an open workbook: opening or replacing it raises PermissionError."""
    target = out / "open.xlsx"
    target.write_bytes(b"old")
    real_open = open

    def locked_open(path, mode="r", *args, **kw):
        if os.fspath(path) == os.fspath(target) and ("+" in mode or "w" in mode):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, mode, *args, **kw)

    monkeypatch.setattr("builtins.open", locked_open)
    with pytest.raises(UserError) as err:
        exports.export(db, actors["super1"], ExportRequest("register"), target)
    assert "正在 Excel 或其他程序中打开" in str(err.value)
    monkeypatch.undo()

    def locked_replace(src, dst):
        raise PermissionError(13, "Permission denied", os.fspath(dst))

    monkeypatch.setattr(os, "replace", locked_replace)
    with pytest.raises(UserError) as err:
        exports.export(db, actors["super1"], ExportRequest("register"), target)
    assert "正在 Excel" in str(err.value)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in out.iterdir()) == ["open.xlsx"]  # temporary file removed
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ExportRecord)) == 0


def test_cancelled_export_leaves_no_file_and_no_record(db, actors, data, out, monkeypatch):
    from counter_app.printing import excel

    monkeypatch.setattr(excel, "PROGRESS_EVERY", 2)
    seen = []
    with pytest.raises(Cancelled):
        exports.export(db, actors["super1"], ExportRequest("register"), out / "c.xlsx",
                       progress=lambda done, total: seen.append((done, total)), cancelled=lambda: len(seen) > 1)
    assert seen[0] == (0, 7)
    assert list(out.iterdir()) == []
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ExportRecord)) == 0


def test_progress_reaches_the_total(db, actors, data, out):
    seen = []
    exports.export(db, actors["super1"], ExportRequest("deferred"), out / "p.xlsx",
                   progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)


def test_failed_record_removes_the_file(db, actors, data, out, monkeypatch):
    def broken(*args, **kw):
        raise RuntimeError("database gone")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        exports.export(db, actors["super1"], ExportRequest("register"), out / "r.xlsx")
    assert list(out.iterdir()) == []


def test_default_filenames(frozen_now):
    flt = RegisterFilter(date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 11, 30))
    assert exports.default_filename("register", flt) == "业扩受理台账_20261101-20261130.xlsx"
    assert exports.default_filename("warnings") == "时限预警清单_20261124.xlsx"
    assert exports.default_filename("handover", batch_number="JJ-X-01") == "交接清单_JJ-X-01.xlsx"
