"""Files and disks that misbehave (issue 14, item 7): import cells no spreadsheet holds, dates outside
any business, a read-only target, a full disk, two PCs importing one file at once. Each: a clear
Chinese line (or a line of the import report), nothing half-written."""

from __future__ import annotations

import stat

import pytest
from sqlalchemy import func, select

from counter_app import cli
from counter_app.hall import holiday_import
from counter_app.infra import text_checks
from counter_app.infra.errors import UserError, ValidationFailed
from counter_app.models import Application, AuditEntry, ExportRecord, PrintRecord, StageEvent
from counter_app.reporting import exchange
from counter_app.tracking import stages
from tests.test_cli import assert_one_line_error, run
from tests.test_exchange import NUM1, UPDATES, write_csv

HEADER = UPDATES[0]
TOO_LONG = "x" * (text_checks.IMPORT_CELL_MAX + 1)


@pytest.fixture
def cases(hall_db):
    from counter_app.infra import clock
    from tests.test_exchange import _cases

    db, actors = hall_db
    _cases(db, actors)
    yield db, actors
    clock.freeze(None)


def events(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(StageEvent))


# --- exchange import ------------------------------------------------------------------------------


def test_a_csv_cell_over_the_limit_refuses_the_file(cases, tmp_path):
    db, actors = cases
    before = events(db)
    path = write_csv(tmp_path / "u.csv", [HEADER, UPDATES[1], [NUM1, "装表接电", "2026-11-24 08:00", "吴工", TOO_LONG]])
    with pytest.raises(UserError, match="第3行有一个单元格超过 131,072 个字符"):
        exchange.import_stage_updates(db, actors["back1"], path)
    assert events(db) == before  # not even line 2: the file is refused whole


@pytest.mark.parametrize("row, message", [
    ([NUM1, "现场勘查", "2026-11-23 09:30", "周工\u202e", ""], "处理人含有不可见的方向控制符"),
    ([NUM1, "现场勘查", "2026-11-23 09:30", "\u200b\u200b", ""], "缺少处理人"),
    ([NUM1, "现场勘查", "2026-11-23 09:30", "周工", "已\x1b勘查"], "备注含有不可见的控制字符"),
    ([NUM1, "现场勘查", "2026-11-23 09:30", "周" * 61, ""], "处理人不能超过60个字"),
    ([NUM1, "现场勘查", "9999-12-31 09:30", "周工", ""], "超出可用范围"),
    ([NUM1, "现场勘查", "0001-01-01 09:30", "周工", ""], "超出可用范围"),
])
def test_bad_lines_are_refused_with_the_reason(cases, tmp_path, row, message):
    db, actors = cases
    report = exchange.import_stage_updates(db, actors["back1"], write_csv(tmp_path / "u.csv", [HEADER, row]))
    [line] = report.lines
    assert line.outcome == "refused" and message in line.message, line.message


def test_the_loser_of_two_imports_of_one_file_reports_duplicate(cases, tmp_path, monkeypatch):
    """Two PCs import one file: the other PC applies the lines after this one looked for earlier imports
    and before it takes the application's lock. Those lines were imported: 重复, not 拒绝."""
    db, actors = cases
    path = write_csv(tmp_path / "u.csv", UPDATES[:3])
    real_apply, raced = exchange._apply, []

    def other_pc_first(db_, actor, update):
        if not raced:
            raced.append(None)
            raced[0] = exchange.import_stage_updates(db_, actors["super1"], path)
        return real_apply(db_, actor, update)

    monkeypatch.setattr(exchange, "_apply", other_pc_first)
    report = exchange.import_stage_updates(db, actors["back1"], path)
    assert raced[0].applied == 2
    assert [(line.line, line.outcome) for line in sorted(report.lines, key=lambda x: x.line)] == [
        (2, "duplicate"), (3, "duplicate")]
    assert report.refused == 0


def test_two_pcs_import_one_file_at_once(db, actors, tmp_path):
    """Real threads, each with its own connection (on PostgreSQL too): every line is applied once,
    and whichever PC lost a line reports it as 重复, never as 拒绝."""
    import threading

    from counter_app.infra import clock
    from counter_app.infra.db import Database
    from tests.test_exchange import _cases

    _cases(db, actors)
    try:
        path = write_csv(tmp_path / "u.csv", UPDATES[:3])
        url = db.engine.url.render_as_string(hide_password=False)
        pcs = {"back1": Database.from_url(url), "super1": Database.from_url(url)}
        start, reports = threading.Barrier(2), {}

        def import_on(name: str) -> None:
            start.wait(timeout=10)
            try:
                reports[name] = exchange.import_stage_updates(pcs[name], actors[name], path)
            except Exception as exc:  # the test inspects what each PC got
                reports[name] = exc

        threads = [threading.Thread(target=import_on, args=(name,)) for name in pcs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        for pc in pcs.values():
            pc.dispose()
        outcomes = sorted(line.outcome for r in reports.values() for line in r.lines)
        assert outcomes == ["applied", "applied", "duplicate", "duplicate"], reports
    finally:
        clock.freeze(None)


# --- calendar import ------------------------------------------------------------------------------


@pytest.mark.parametrize("content, message", [
    (f"日期,类型,说明\n2027-01-01,休息日,{TOO_LONG}\n", "第2行：有一个单元格超过 131,072 个字符"),
    ("日期,类型,说明\n9999-12-31,休息日,元旦\n", "第2行：日期 9999-12-31 超出可用范围"),
    ("日期,类型,说明\n0001-01-01至0001-01-03,休息日,元旦\n", "第2行：日期 0001-01-01 超出可用范围"),
    ("日期,类型,说明\n2027-01-01,休息日,元\u202e旦\n", "第2行：说明含有不可见的方向控制符"),
    (f"日期,类型,说明\n2027-01-01,休息日,{'元' * 101}\n", "第2行：说明不能超过100个字"),
])
def test_calendar_file_problems_name_the_line(tmp_path, content, message):
    path = tmp_path / "holidays.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        holiday_import.read_file(path)
    assert message in info.value.message


# --- dates on the command line --------------------------------------------------------------------


@pytest.mark.parametrize("argv", [
    ["demo", "--applications", "5", "--today", "9999-12-31"],
    ["demo", "--applications", "5", "--today", "0001-01-01"],
    ["exchange", "export", "--since", "0001-01-01", "-o", "x.json"],
    ["export", "register", "--to", "9999-12-31", "-o", "x.xlsx"],
])
def test_dates_outside_the_range_are_one_line(capsys, argv):
    code, _out, err = run(capsys, *argv)
    assert_one_line_error(code, err, cli.EXIT_USAGE)
    assert "超出可用范围" in err and "1900-01-01" in err


# --- read-only targets ----------------------------------------------------------------------------


def test_exchange_export_refuses_a_read_only_target(cases, capsys, tmp_path):
    db, _actors = cases
    target = tmp_path / "apps.json"
    target.write_text("yesterday's export", encoding="utf-8")
    target.chmod(0o444)
    code, _out, err = run(capsys, "--db", str(db.engine.url), "exchange", "export", "-o", str(target))
    assert_one_line_error(code, err, cli.EXIT_FAILED)
    assert "是只读文件，未覆盖" in err
    assert target.read_text(encoding="utf-8") == "yesterday's export"
    assert stat.S_IMODE(target.stat().st_mode) == 0o444
    assert list(tmp_path.glob(".apps.*")) == []  # no temporary file left beside it
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ExportRecord)) == 0


def test_print_refuses_a_read_only_target(cases, capsys, tmp_path):
    db, _actors = cases
    target = tmp_path / "form.pdf"
    target.write_bytes(b"%PDF old")
    target.chmod(0o444)
    code, _out, err = run(capsys, "--db", str(db.engine.url), "print", "form", NUM1, "-o", str(target))
    assert_one_line_error(code, err, cli.EXIT_FAILED)
    assert "是只读文件，未覆盖" in err
    assert target.read_bytes() == b"%PDF old"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(PrintRecord).where(PrintRecord.outcome == "ok")) == 0


def test_register_export_refuses_a_read_only_target(cases, capsys, tmp_path):
    db, _actors = cases
    target = tmp_path / "台账.xlsx"
    target.write_bytes(b"old workbook")
    target.chmod(0o444)
    code, _out, err = run(capsys, "--db", str(db.engine.url), "export", "register", "-o", str(target))
    assert_one_line_error(code, err, cli.EXIT_FAILED)
    assert "是只读文件，未覆盖" in err and target.read_bytes() == b"old workbook"


# --- a full disk during demo ----------------------------------------------------------------------


def test_demo_on_a_full_disk_leaves_nothing_half_written(capsys, tmp_path, monkeypatch):
    """SQLite's own "database or disk is full" (max_page_count caps the file as a full disk would),
    raised in the middle of writing the demo hall."""
    from counter_app.infra import db as db_module
    from counter_app.infra import schema_upgrade as schema

    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    database = db_module.Database.from_url(url)
    schema.upgrade(database.engine)
    with database.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    database.dispose()
    real_connect = db_module._sqlite_connect

    def full_disk(dbapi_conn, record):
        real_connect(dbapi_conn, record)
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 40}")

    monkeypatch.setattr(db_module, "_sqlite_connect", full_disk)
    code, out, err = run(capsys, "--db", url, "demo", "--applications", "300", "--today", "2026-11-24")
    assert_one_line_error(code, err, cli.EXIT_DATABASE)
    assert "磁盘空间已满" in err and "未保存" in err and out == ""
    monkeypatch.setattr(db_module, "_sqlite_connect", real_connect)
    database = db_module.Database.from_url(url)
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Application)) == 0
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 0
    database.dispose()


def test_demo_says_what_was_saved_when_the_disk_fills_while_signing(capsys, tmp_path, monkeypatch):
    import errno

    from counter_app.demo import signing as demo_signing

    def no_space(_db, **_kw):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "seal.p12"))

    monkeypatch.setattr(demo_signing, "add", no_space)
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    code, _out, err = run(capsys, "--db", url, "demo", "--applications", "30", "--today", "2026-11-24")
    assert_one_line_error(code, err, cli.EXIT_FAILED)
    assert "30 条申请已生成并保存" in err and "电子签名与扫描件演示未完成" in err and "磁盘空间已满" in err


@pytest.mark.parametrize("handler, note, field, message", [
    ("勘查班\u202e", "", "handler", "方向控制符"),
    ("\u200b", "", "handler", "请填写处理人"),
    ("勘查班", "已\x1b勘查", "note", "控制字符"),
])
def test_moving_a_stage_in_the_window_checks_handler_and_note_like_an_import(cases, handler, note, field, message):
    db, actors = cases
    with db.read() as s:
        app_id = s.scalar(select(Application.id).where(Application.number == NUM1))
    before = events(db)
    with pytest.raises(ValidationFailed) as info:
        stages.advance(db, actors["back1"], app_id, version=None, handler=handler, note=note)
    assert message in info.value.errors[field]
    assert events(db) == before
