"""Exchange with the marketing system: export JSON/CSV; import stage updates line by line, idempotent."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from counter_app import cli
from counter_app.infra import clock
from counter_app.tracking import deferrals
from counter_app.reporting import exchange
from counter_app.infra.errors import PermissionDenied, UserError
from counter_app.models import Application, AuditEntry, ExportRecord, StageEvent
from tests.conftest import setup_hall
from tests.factories import make_accepted_application, make_customer, resident_id

T = dt.datetime
D = dt.date
NUM1, NUM2, NUM3 = "FZGL01-20261120-0001", "FZGL01-20261123-0001", "FZGL01-20261123-0002"


def _cases(db, actors):
    clock.freeze(T(2026, 11, 24, 10, 0))
    clerk = actors["clerk1"]
    with db.write() as s:
        a = make_accepted_application(s, make_customer(s, "张三", resident_id(21)), window_id=clerk.window_id,
                                      clerk_id=clerk.user_id, accepted_at=T(2026, 11, 20, 9, 0),
                                      deferred=("property_proof",))
        b = make_accepted_application(s, make_customer(s, "福州某某科技有限公司", "91350100M000100Y43", "organisation"),
                                      window_id=clerk.window_id, clerk_id=clerk.user_id,
                                      accepted_at=T(2026, 11, 23, 9, 0), business_type="hv_new",
                                      load_importance="重要", green_channel=True)
        c = make_accepted_application(s, window_id=clerk.window_id, clerk_id=clerk.user_id,
                                      accepted_at=T(2026, 11, 23, 10, 0))
        return a.id, b.id, c.id


@pytest.fixture
def cases(db, actors):
    ids = _cases(db, actors)
    yield ids
    clock.freeze(None)


def test_export_json(db, actors, cases, tmp_path):
    out = tmp_path / "apps.json"
    result = exchange.export(db, actors["back1"], out)
    assert result.count == 3 and result.format == "json"
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "counter_app/applications" and data["version"] == 1 and data["count"] == 3
    first, second, _third = data["applications"]
    assert list(first)[: len(exchange.EXPORT_FIELDS)] == [k for k, _ in exchange.EXPORT_FIELDS]
    assert first["number"] == NUM1 and first["customer_name"] == "张三"
    assert first["cert_number"] == resident_id(21)  # unmasked for the marketing system
    assert first["current_stage_name"] == "受理" and first["stage_due_date"] == "2026-11-23"
    assert first["deferred_items"][0]["code"] == "property_proof" and first["deferred_items"][0]["state"] == "deferred"
    assert first["stage_events"][0]["handler"] == "王小明"
    assert second["business_type_name"] == "高压新装" and second["green_channel"] is True
    with db.read() as s:
        record = s.scalar(select(ExportRecord))
        assert (record.kind, record.row_count, record.unmasked, record.username) == ("exchange_export", 3, True, "back1")
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "exchange_export")) is not None


def test_export_csv_since(db, actors, cases, tmp_path):
    out = tmp_path / "apps.csv"
    # supplying an item of the older application counts as a change since 11/24
    [item] = deferrals.open_items(db, actors["clerk1"], scope="all")
    deferrals.supply(db, actors["clerk1"], item.material_id)
    result = exchange.export(db, actors["super1"], out, since=D(2026, 11, 24))
    assert result.count == 1
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel shows the Chinese correctly
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [r["number"] for r in rows] == [NUM1]
    assert rows[0]["deferred_items"] == "property_proof:2026-11-25:supplied"
    assert rows[0]["green_channel"] == "false" and rows[0]["customer_name"] == "张三"
    assert exchange.export(db, actors["super1"], tmp_path / "x.json", since=D(2026, 11, 21)).count == 3


def test_export_refused_for_clerk(db, actors, cases, tmp_path):
    with pytest.raises(PermissionDenied):
        exchange.export(db, actors["clerk1"], tmp_path / "x.json")


UPDATES = [
    ["申请编号", "环节", "时间", "处理人", "备注"],
    [NUM1, "现场勘查", "2026-11-23 09:30", "勘查班周工", ""],             # 2 good
    [NUM1, "装表接电", "2026/11/24 08:00", "装表班吴工", "已勘查"],        # 3 good (after line 2)
    ["FZGL01-20991231-0009", "现场勘查", "2026-11-23 10:00", "周工", ""],  # 4 unknown number
    [NUM2, "业务审核", "2026-11-23 15:00", "吴工", ""],                   # 5 stage not in the HV plan
    [NUM2, "供电方案答复", "2026-11-23 16:00", "方案组", ""],              # 6 out of order (survey first)
    [NUM3, "现场勘查", "23/11/2026", "周工", ""],                         # 7 malformed time
    [NUM3, "勘查", "2026-11-23 11:00", "", ""],                          # 8 unknown stage, no handler
    ["", "", "", "", ""],                                                # 9 blank: skipped
    [NUM3, "survey", "2026-11-23 09:00", "周工", ""],                    # 10 earlier than acceptance
    [NUM1, "现场勘查", "2026-11-23 09:30", "勘查班周工", ""],             # 11 same as line 2
]


def write_csv(path, rows, encoding="utf-8-sig"):
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def stage_state(db):
    with db.read() as s:
        return (
            sorted((a.number, a.current_stage, a.current_handler, a.version) for a in s.scalars(select(Application))),
            s.scalar(select(func.count()).select_from(StageEvent)),
        )


def test_import_good_bad_and_repeated_rows(db, actors, cases, tmp_path):
    path = write_csv(tmp_path / "updates.csv", UPDATES)
    report = exchange.import_stage_updates(db, actors["back1"], path)
    by_line = {line.line: line for line in report.lines}
    assert sorted(by_line) == [2, 3, 4, 5, 6, 7, 8, 10, 11]
    assert [by_line[n].outcome for n in (2, 3)] == ["applied", "applied"]
    assert "办理期限 2026-11-27" in by_line[3].message  # connect 3 working days after 11/24
    assert by_line[4].message == "申请编号 FZGL01-20991231-0009 不存在"
    assert "不属于该申请的业务流程" in by_line[5].message
    assert by_line[6].message.startswith("环节顺序不对：当前为“受理”，下一环节应为“现场勘查”")
    assert "时间“23/11/2026”格式不正确" in by_line[7].message
    assert "环节“勘查”无法识别" in by_line[8].message and "缺少处理人" in by_line[8].message
    assert "不能早于当前环节开始时间" in by_line[10].message
    assert by_line[11].outcome == "duplicate" and "与第2行相同" in by_line[11].message
    assert (report.applied, report.duplicates, report.refused) == (2, 1, 6)
    assert report.summary() == "updates.csv：共 9 行，导入 2 行，重复 1 行（未重复处理），拒绝 6 行"
    assert report.text().splitlines()[0].startswith(f"第2行 {NUM1}：已导入")
    with db.read() as s:
        a = s.get(Application, cases[0])
        assert (a.current_stage, a.current_handler) == ("connect", "装表班吴工")
        imported = [e for e in a.stage_events if e.source == "import"]
        assert [(e.stage, e.started_at) for e in imported] == [
            ("survey", T(2026, 11, 23, 9, 30)), ("connect", T(2026, 11, 24, 8, 0))]
        assert imported[1].note == "已勘查" and all(e.external_key for e in imported)
        assert a.stage_events[0].ended_at == T(2026, 11, 23, 9, 30)
    # WHEN the same file is imported again THEN nothing changes
    before = stage_state(db)
    again = exchange.import_stage_updates(db, actors["back1"], path)
    assert stage_state(db) == before
    assert (again.applied, again.duplicates) == (0, 3)
    assert {line.line for line in again.lines if line.outcome == "duplicate"} == {2, 3, 11}


def test_import_xlsx_with_event_ids_and_gbk_csv(db, actors, cases, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["number", "stage", "time", "handler", "event_id"])
    sheet.append([NUM2, "survey", T(2026, 11, 23, 14, 0), "勘查班", "YX-0001"])
    sheet.append([NUM2, "plan_reply", T(2026, 11, 24, 9, 0), "方案组", "YX-0002"])
    sheet.append([None, None, None, None, None])
    book.save(tmp_path / "u.xlsx")
    report = exchange.import_stage_updates(db, actors["super1"], tmp_path / "u.xlsx")
    assert (report.applied, report.refused) == (2, 0)
    with db.read() as s:
        events = s.scalars(select(StageEvent).where(StageEvent.external_key.like("mkt:id:%"))).all()
        assert sorted(e.external_key for e in events) == ["mkt:id:YX-0001", "mkt:id:YX-0002"]
    # the same events re-sent with another time format are recognised by their id
    write_csv(tmp_path / "gbk.csv", [["申请编号", "环节", "时间", "处理人", "流水号"],
                                     [NUM2, "供电方案答复", "2026-11-24T09:00:00", "方案组", "YX-0002"],
                                     [NUM3, "现场勘查", "2026-11-24 09:00", "勘查班", "YX-0003"]], encoding="gbk")
    report = exchange.import_stage_updates(db, actors["super1"], tmp_path / "gbk.csv")
    assert [(line.line, line.outcome) for line in sorted(report.lines, key=lambda x: x.line)] == [
        (2, "duplicate"), (3, "applied")]


@pytest.mark.parametrize("content, message", [
    ("", "是空文件"),
    ("编号,环节\nX,survey\n", "缺少列：时间、处理人"),
])
def test_import_refuses_unusable_files(db, actors, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UserError, match=message):
        exchange.import_stage_updates(db, actors["back1"], path)


def test_import_refuses_wrong_file_types(sqlite_db, tmp_path):
    actors = setup_hall(sqlite_db)
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(UserError, match=r"另存为 \.xlsx"):
        exchange.import_stage_updates(sqlite_db, actors["back1"], tmp_path / "old.xls")
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    with pytest.raises(UserError, match="不是有效的 xlsx 文件"):
        exchange.import_stage_updates(sqlite_db, actors["back1"], tmp_path / "broken.xlsx")
    with pytest.raises(UserError, match="找不到文件"):
        exchange.import_stage_updates(sqlite_db, actors["back1"], tmp_path / "missing.csv")
    with pytest.raises(PermissionDenied):
        exchange.import_stage_updates(sqlite_db, actors["clerk1"], tmp_path / "missing.csv")


def test_cli_export_and_import(sqlite_db, sqlite_url, tmp_path, capsys):
    actors = setup_hall(sqlite_db)
    try:
        _cases(sqlite_db, actors)
        out = tmp_path / "apps.csv"
        assert cli.main(["--db", sqlite_url, "exchange", "export", "--since", "2026-11-23", "-o", str(out)]) == 0
        assert "已导出 2 件申请" in capsys.readouterr().out
        assert cli.main(["--db", sqlite_url, "exchange", "export", "--format", "json", "-o",
                         str(tmp_path / "all.dat")]) == 0
        assert json.loads((tmp_path / "all.dat").read_text(encoding="utf-8"))["count"] == 3
        path = write_csv(tmp_path / "updates.csv", UPDATES)
        assert cli.main(["--db", sqlite_url, "exchange", "import", str(path)]) == 1
        captured = capsys.readouterr()
        assert f"第2行 {NUM1}：已导入" in captured.out and "拒绝 6 行" in captured.out
        assert "有 6 行未导入" in captured.err
        good = write_csv(tmp_path / "good.csv", UPDATES[:3])
        assert cli.main(["--db", sqlite_url, "exchange", "import", str(good)]) == 0
        assert "重复 2 行" in capsys.readouterr().out
        with pytest.raises(SystemExit) as exc:
            cli.main(["--db", sqlite_url, "exchange", "export", "--since", "2026-13-01", "-o", "x"])
        assert exc.value.code == 2
        assert "格式不对" in capsys.readouterr().err
    finally:
        clock.freeze(None)


def test_import_through_to_archive_completes(db, actors, cases, tmp_path):
    path = write_csv(tmp_path / "all.csv", [
        ["number", "stage", "time", "handler"],
        [NUM3, "survey", "2026-11-23 14:00", "勘查班"],
        [NUM3, "archive", "2026-11-24 09:00", "资料室"],  # after connect in time: applied in time order
        [NUM3, "connect", "2026-11-23 16:00", "装表班"],
        [NUM3, "归档", "2026-11-24 09:30", "资料室"],
        [NUM3, "归档", "2026-11-24 09:45", "资料室"],  # already completed
    ])
    report = exchange.import_stage_updates(db, actors["back1"], path)
    outcome = {line.line: (line.outcome, line.message) for line in report.lines}
    assert [outcome[n][0] for n in (2, 3, 4, 5, 6)] == ["applied", "applied", "applied", "refused", "refused"]
    assert "已归档办结" in outcome[3][1] and "申请已办结，不能再更新环节" == outcome[5][1]
    with db.read() as s:
        app = s.get(Application, cases[2])
        assert app.status == "completed" and app.completed_at == T(2026, 11, 24, 9, 0)
        assert [e.stage for e in app.stage_events] == ["accept", "survey", "connect", "archive"]
