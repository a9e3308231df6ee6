"""办理进度单: document model from the progress, PDF through the shared renderer, recorded."""

from __future__ import annotations

import datetime as dt
import io

import pdfplumber
import pytest
from sqlalchemy import select

from counter_app.infra import clock
from counter_app.tracking import progress, stages
from counter_app.infra.errors import PermissionDenied
from counter_app.forms import progress_slip
from counter_app.models import AuditEntry, PrintRecord
from tests.conftest import setup_hall
from tests.factories import make_accepted_application, make_customer, resident_id

T = dt.datetime


@pytest.fixture
def case(sqlite_db):
    clock.freeze(T(2026, 12, 28, 10, 0))
    actors = setup_hall(sqlite_db)
    c = actors["clerk1"]
    with sqlite_db.write() as s:
        app = make_accepted_application(s, make_customer(s, "王䶮", resident_id(51)), window_id=c.window_id,
                                        clerk_id=c.user_id, accepted_at=T(2026, 12, 21, 9, 0),
                                        business_type="lv_biz_new", deferred=("property_proof",))
    stages.advance(sqlite_db, actors["back1"], app.id, version=1, handler="勘查班周工", at=T(2026, 12, 23, 9, 0))
    yield sqlite_db, actors, app.id
    clock.freeze(None)


def test_model_says_where_it_is_and_flags_estimates(case):
    db, actors, app_id = case
    slip = progress_slip.build(progress.detail(db, actors["clerk1"], app_id), printed_by="经办：1号窗口 王小明")
    facts = {f.label: f.value for f in slip.facts}
    assert facts["当前环节"] == "现场勘查" and facts["当前处理人"] == "勘查班周工"
    assert facts["本环节期限"] == "2026年12月25日（已超期）"
    assert facts["预计办结日期"].endswith("（预估）")  # the rest runs into 2027
    assert [r.stage for r in slip.rows] == ["受理", "现场勘查", "装表接电", "归档"]
    assert slip.rows[0].state == "超期完成" and slip.rows[2].due.startswith("约2027年")
    assert progress_slip.ESTIMATE_NOTE in slip.notes
    assert any("容缺资料已超过承诺补交期限" in n for n in slip.notes)
    assert slip.deferred[0].state == "容缺待补（已逾期）"
    assert all(resident_id(51) not in f.value for f in slip.facts)  # no certificate number on the slip


def test_pdf_rendered_and_saving_is_recorded(case, tmp_path):
    from counter_app import documents

    db, actors, app_id = case
    item = progress.render_slip(db, actors["clerk1"], app_id)
    assert item.filename == "FZGL01-20261221-0001-用电业务办理进度单.pdf" and item.missing_chars == ()
    with pdfplumber.open(io.BytesIO(item.data)) as pdf:
        text = "".join(page.extract_text() for page in pdf.pages)
    assert "用电业务办理进度单" in text and "勘查班周工" in text and "预估" in text and "王䶮" in text
    documents.save(db, actors["clerk1"], item, tmp_path)
    with db.read() as s:
        record = s.scalar(select(PrintRecord))
        assert (record.document, record.action, record.application_id) == ("progress_slip", "save_pdf", app_id)
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "save_document")) is not None


def test_admin_may_not_print(case):
    db, actors, app_id = case
    with pytest.raises(PermissionDenied):
        progress.render_slip(db, actors["admin1"], app_id)
