"""counter-app export: scheduled exports from the command line."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from sqlalchemy import select

from counter_app import cli
from counter_app.infra.context import system_actor
from counter_app.models import AuditEntry, ExportRecord
from counter_app.tracking import handover
from tests.factories import make_accepted, mark_printed


@pytest.fixture
def accepted_hall(hall_db, frozen_now):
    """The hall with three applications of window 1 this month (3rd, 10th, 20th), each with a 容缺 item."""
    db, actors = hall_db
    c1 = actors["clerk1"]
    with db.write() as s:
        for day in (3, 10, 20):
            make_accepted(s, window_id=c1.window_id, clerk_id=c1.user_id, name=f"客户{day}",
                          accepted_at=dt.datetime(2026, 11, day, 10), deferred=("property_proof",))
    return db, actors


def run(db, *args):
    return cli.main(["--db", db.url, "export", *args])


def test_export_register_for_a_period(accepted_hall, tmp_path, capsys):
    db, _ = accepted_hall
    target = tmp_path / "台账.xlsx"
    assert run(db, "register", "--from", "2026-11-05", "--to", "2026-11-30", "--window", "1", "-o", str(target)) == 0
    out = capsys.readouterr().out
    assert "已导出业扩受理台账 2 行" in out and "已脱敏" in out
    ws = openpyxl.load_workbook(target).active
    assert ws["A2"].value == "筛选条件：受理日期：2026-11-05 至 2026-11-30；窗口：1号窗口"
    assert ws["A5"].value.startswith("FZGL01-20261110")
    with db.read() as s:
        record = s.scalar(select(ExportRecord))
        assert (record.kind, record.row_count, record.username, record.unmasked) == ("register", 2, system_actor().username, False)
        assert record.filters == {"date_from": "2026-11-05", "date_to": "2026-11-30", "window_no": 1}


@pytest.mark.parametrize("kind", ["deferred", "commitments", "warnings", "workload"])
def test_every_kind(accepted_hall, tmp_path, kind):
    db, _ = accepted_hall
    assert run(db, kind, "--from", "2026-11-01", "--to", "2026-11-30", "-o", str(tmp_path / f"{kind}.xlsx")) == 0
    assert openpyxl.load_workbook(tmp_path / f"{kind}.xlsx").active.max_row > 4


def test_handover_by_batch_number(accepted_hall, tmp_path, capsys):
    db, actors = accepted_hall
    items = handover.pending(db, actors["clerk1"])
    mark_printed(db, [i.application_id for i in items])
    batch = handover.create_batch(db, actors["clerk1"], [i.application_id for i in items])
    assert run(db, "handover", "--batch", batch.number, "-o", str(tmp_path / "h.xlsx")) == 0
    assert "已导出交接清单 3 行" in capsys.readouterr().out
    assert run(db, "handover", "-o", str(tmp_path / "h.xlsx")) == 1
    assert "--batch" in capsys.readouterr().err
    assert run(db, "handover", "--batch", "JJ-NOPE", "-o", str(tmp_path / "h.xlsx")) == 1
    assert "找不到交接批次" in capsys.readouterr().err


def test_unmasked_needs_a_reason_and_is_recorded(accepted_hall, tmp_path, capsys):
    db, _ = accepted_hall
    target = tmp_path / "u.xlsx"
    assert run(db, "register", "-o", str(target), "--unmasked") == 1
    assert "--reason" in capsys.readouterr().err
    assert not target.exists()
    assert run(db, "register", "-o", str(target), "--unmasked", "--reason", "监管抽查") == 0
    ws = openpyxl.load_workbook(target).active
    assert "*" not in ws["G5"].value
    with db.read() as s:
        record = s.scalar(select(ExportRecord))
        assert record.unmasked and record.reason == "监管抽查"
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "export")).username == system_actor().username


@pytest.mark.parametrize("bad", ["2026-13-01", "2026/11/01", "yesterday"])
def test_bad_date_is_one_line_and_exit_2(accepted_hall, tmp_path, capsys, bad):
    db, _ = accepted_hall
    with pytest.raises(SystemExit) as exit_info:
        run(db, "register", "--from", bad, "-o", str(tmp_path / "x.xlsx"))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "YYYY-MM-DD" in err


def test_from_after_to(accepted_hall, tmp_path, capsys):
    db, _ = accepted_hall
    assert run(db, "register", "--from", "2026-11-30", "--to", "2026-11-01", "-o", str(tmp_path / "x.xlsx")) == 1
    assert "晚于" in capsys.readouterr().err


@pytest.mark.parametrize(("target", "text"), [
    ("nodir/x.xlsx", "不存在"),
    ("x.txt", ".xlsx"),
])
def test_unwritable_path(accepted_hall, tmp_path, capsys, target, text):
    db, _ = accepted_hall
    assert run(db, "register", "-o", str(tmp_path / target)) == 1
    err = capsys.readouterr().err
    assert err.startswith("错误：") and text in err and err.count("\n") == 1


def test_locked_file(accepted_hall, tmp_path, capsys, monkeypatch):
    db, _ = accepted_hall
    target = tmp_path / "open.xlsx"
    target.write_bytes(b"in use")
    real_open = open

    def locked(path, mode="r", *a, **kw):
        if str(path) == str(target) and ("+" in mode or "w" in mode):
            raise PermissionError(13, "Permission denied")
        return real_open(path, mode, *a, **kw)

    monkeypatch.setattr("builtins.open", locked)
    assert run(db, "register", "-o", str(target)) == 1
    assert "正在 Excel 或其他程序中打开" in capsys.readouterr().err


def test_unknown_kind_and_clerk(accepted_hall, tmp_path, capsys):
    db, _ = accepted_hall
    with pytest.raises(SystemExit):
        run(db, "everything", "-o", str(tmp_path / "x.xlsx"))
    capsys.readouterr()
    assert run(db, "register", "--clerk", "nobody", "-o", str(tmp_path / "x.xlsx")) == 1
    assert "nobody" in capsys.readouterr().err
