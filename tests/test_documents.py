"""documents.py: render → record. Every preview, print, reprint and save leaves a PrintRecord and an
audit entry; permissions are enforced in the service; saving never leaves half a file."""

from __future__ import annotations

import errno
import io
import os

import docx
import pytest
from sqlalchemy import select

from counter_app import documents
from counter_app.infra import clock
from counter_app.infra.context import system_actor
from counter_app.infra.errors import NotFound, PermissionDenied, UserError
from counter_app.models import AuditEntry, HandoverBatch, HandoverLine, PrintRecord
from tests.factories import add_case
from tests.pdf_text import text_of


@pytest.fixture
def setup(hall_db, frozen_now):
    db, actors = hall_db
    app_id = add_case(db, actors["clerk1"], name="赵六", deferred=("property_proof",))
    return db, actors, app_id


def test_render_one_and_the_set(setup):
    db, actors, app_id = setup
    clerk = actors["clerk1"]
    one = documents.render(db, clerk, app_id, "form")
    assert one.data.startswith(b"%PDF") and one.fmt == "pdf"
    assert one.filename == f"{one.number}-用电申请表.pdf"
    assert "赵六" in text_of(one.data)
    assert len(one.sha256) == 64
    word = documents.render(db, clerk, app_id, "deferral", "docx")
    assert word.data.startswith(b"PK") and word.filename.endswith("容缺受理承诺书.docx")
    full = documents.render_set(db, clerk, app_id)
    assert [r.doc for r in full] == ["notice", "form", "commitment", "deferral", "receipt"]
    with pytest.raises(UserError, match="没有经办人"):
        documents.render(db, clerk, app_id, "proxy")
    with pytest.raises(UserError, match="未知的单据"):
        documents.render(db, clerk, app_id, "invoice")
    with pytest.raises(UserError, match="不支持的格式"):
        documents.render(db, clerk, app_id, "form", "odt")


def test_print_then_reprint_is_recorded_with_who_where_printer_and_hash(db, actors, frozen_now):
    clerk = actors["clerk1"]
    app_id = add_case(db, clerk, name="钱七")
    items = documents.render_set(db, clerk, app_id)
    assert documents.record(db, clerk, items, "print", printer="柜台打印机") == ["print"] * 4
    assert documents.record(db, actors["clerk2"], items[1:2], "print", printer="PDF") == ["reprint"]
    with db.read() as session:
        records = session.scalars(select(PrintRecord).order_by(PrintRecord.id)).all()
        audits = session.scalars(select(AuditEntry).where(AuditEntry.action.in_(("print", "reprint")))
                                 .order_by(AuditEntry.id)).all()
    assert [(r.document, r.action) for r in records] == [
        ("notice", "print"), ("form", "print"), ("commitment", "print"), ("receipt", "print"), ("form", "reprint")]
    first = records[0]
    assert (first.user_id, first.window_id, first.pc, first.printer, first.outcome) == (
        clerk.user_id, clerk.window_id, "test-pc", "柜台打印机", "ok")
    assert first.sha256 == items[0].sha256 and first.application_id == app_id and first.at == frozen_now
    assert records[-1].window_id == actors["clerk2"].window_id
    assert [a.action for a in audits] == ["print"] * 4 + ["reprint"]
    assert items[0].sha256 in audits[0].detail and audits[-1].username == "clerk2"
    entries = {e.doc: e for e in documents.list_documents(db, clerk, app_id)}
    assert entries["form"].prints == 2 and entries["form"].last_printer == "PDF"
    assert entries["deferral"].applicable is False and "没有容缺" in entries["deferral"].reason
    history = documents.history(db, clerk, app_id)
    assert history[0].action_label == "补打" and history[0].username == "clerk2"


def test_failed_print_does_not_count_as_printed(setup):
    db, actors, app_id = setup
    clerk = actors["clerk1"]
    items = documents.render_set(db, clerk, app_id, docs=["receipt"])
    documents.record(db, clerk, items, "print", printer="X", outcome="failed", error="打印机脱机")
    assert documents.record(db, clerk, items, "print", printer="X") == ["print"]
    with db.read() as session:
        failed = session.scalar(select(AuditEntry).where(AuditEntry.outcome == "failed"))
    assert "打印机脱机" in failed.detail


def test_preview_is_recorded(setup):
    db, actors, app_id = setup
    item = documents.render(db, actors["clerk1"], app_id, "notice")
    assert documents.record(db, actors["clerk1"], [item], "preview") == ["preview"]
    with db.read() as session:
        assert session.scalar(select(AuditEntry.action).where(AuditEntry.action == "preview_document"))


def test_roles_without_print_permission_are_refused_and_audited(setup):
    db, actors, app_id = setup
    with pytest.raises(PermissionDenied, match="无权打印单据"):
        documents.render(db, actors["admin1"], app_id, "form")
    with db.read() as session:
        refusal = session.scalar(select(AuditEntry).where(AuditEntry.action == "permission_denied"))
    assert refusal.username == "admin1" and refusal.outcome == "refused"
    assert documents.render(db, actors["back1"], app_id, "form").data.startswith(b"%PDF")
    assert documents.render(db, system_actor(), app_id, "form").data.startswith(b"%PDF")  # the CLI


def test_save_writes_the_file_and_records_it(setup, tmp_path):
    db, actors, app_id = setup
    item = documents.render(db, actors["clerk1"], app_id, "form")
    path = documents.save(db, actors["clerk1"], item, tmp_path)
    assert path == tmp_path / item.filename and path.read_bytes() == item.data
    word = documents.render(db, actors["clerk1"], app_id, "form", "docx")
    documents.save(db, actors["clerk1"], word, tmp_path / "申请表.docx")
    with db.read() as session:
        rows = session.execute(select(PrintRecord.action, PrintRecord.path)).all()
    assert rows == [("save_pdf", str(path)), ("save_docx", str(tmp_path / "申请表.docx"))]


def test_full_disk_gives_a_clear_message_and_keeps_the_old_file(setup, tmp_path, monkeypatch):
    db, actors, app_id = setup
    item = documents.render(db, actors["clerk1"], app_id, "form")
    target = tmp_path / "out" / "form.pdf"
    target.parent.mkdir()
    target.write_bytes(b"old")

    def no_space(*_args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(UserError, match="磁盘空间已满"):
        documents.save(db, actors["clerk1"], item, target)
    assert target.read_bytes() == b"old"  # not truncated
    assert [p.name for p in target.parent.iterdir()] == ["form.pdf"]  # no temporary file left behind
    with db.read() as session:
        assert session.scalar(select(PrintRecord.outcome)) == "failed"


def test_keep_copy_after_failed_print(setup):
    db, actors, app_id = setup
    items = documents.render_set(db, actors["clerk1"], app_id)
    folder = documents.keep_copy(db, actors["clerk1"], items)
    assert sorted(p.name for p in folder.iterdir()) == sorted(i.filename for i in items)
    assert str(folder).startswith(os.environ["COUNTER_APP_DATA_DIR"])


def test_find_application_by_number(setup):
    db, actors, app_id = setup
    number = documents.render(db, actors["clerk1"], app_id, "form").number
    assert documents.find_application(db, f" {number.lower()} ") == app_id
    with pytest.raises(NotFound, match="未找到申请编号"):
        documents.find_application(db, "FZGL01-19990101-0001")


def _batch(db, actors, app_ids):
    clerk = actors["clerk1"]
    with db.write() as session:
        batch = HandoverBatch(number="JJ-FZGL01-01-20261124-01", window_id=clerk.window_id, hall_id=clerk.hall_id,
                              shift="am",
                              created_by_id=clerk.user_id, created_at=clock.now(), receiver_name="陈后台")
        session.add(batch)
        session.flush()
        for seq, app_id in enumerate(app_ids, 1):
            session.add(HandoverLine(batch_id=batch.id, application_id=app_id, seq=seq, copies=2,
                                     remark="缺件" if seq == 2 else ""))
        return batch.id


def test_handover_list_renders_and_is_recorded(setup):
    db, actors, app_id = setup
    other = add_case(db, actors["clerk1"], name="孙䶮", business_type="lv_biz_new", organisation=False)
    batch_id = _batch(db, actors, [app_id, other])
    clerk_pdf = documents.render_handover(db, actors["clerk1"], batch_id)
    text = text_of(clerk_pdf)
    for value in ("业扩报装资料交接清单", "JJ-FZGL01-01-20261124-01", "赵六", "孙䶮", "低压非居民新装", "13812345678",
                  "合计：申请2件，资料4份", "陈后台", "缺件", "2026年11月27日前"):
        assert value in text, value
    word = documents.render_handover_document(db, actors["clerk1"], batch_id, "docx")
    word_text = "\n".join(c.text for t in docx.Document(io.BytesIO(word.data)).tables for r in t.rows for c in r.cells)
    assert "孙䶮" in word_text and "JJ-FZGL01-01-20261124-01" in word_text and "缺件" in word_text
    back = documents.render_handover_document(db, actors["back1"], batch_id)
    assert "138****5678" in text_of(back.data)  # back office sees masked phones
    documents.record(db, actors["back1"], [back], "print", printer="PDF")
    with db.read() as session:
        record = session.scalar(select(PrintRecord))
    assert (record.document, record.batch_id, record.application_id) == ("handover", batch_id, None)
    with pytest.raises(PermissionDenied):
        documents.render_handover(db, actors["admin1"], batch_id)
    with pytest.raises(NotFound):
        documents.render_handover(db, actors["clerk1"], 9999)
