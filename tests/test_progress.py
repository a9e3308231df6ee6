"""Progress at the counter: lookup by number / certificate / phone (audited), timeline, expectation."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from counter_app.infra import clock
from counter_app.tracking import progress, stages
from counter_app.infra.errors import UserError
from counter_app.models import Application, AuditEntry
from tests.factories import make_accepted_application, make_customer, resident_id

D = dt.date
T = dt.datetime
ID = resident_id(7)


@pytest.fixture
def case(db, actors):
    """Two applications of 张三 (ID, mobile 13900001111, fixed 0591-83330000) and one of 李四."""
    clock.freeze(T(2026, 11, 24, 10, 0))
    clerk = actors["clerk1"]
    with db.write() as s:
        cert = make_customer(s, "张三", ID)
        first = make_accepted_application(s, cert, window_id=clerk.window_id, clerk_id=clerk.user_id,
                                          accepted_at=T(2026, 11, 16, 9, 0), contact_mobile="13900001111",
                                          deferred=("property_proof",))
        second = make_accepted_application(s, cert, window_id=clerk.window_id, clerk_id=clerk.user_id,
                                           accepted_at=T(2026, 11, 23, 9, 0), contact_mobile="13900001111",
                                           contact_phone="0591-83330000")
        other = make_accepted_application(s, make_customer(s, "李四", resident_id(8)), window_id=clerk.window_id,
                                          clerk_id=clerk.user_id, accepted_at=T(2026, 11, 23, 11, 0),
                                          contact_mobile="13700002222")
        ids = first.id, second.id, other.id
    yield ids
    clock.freeze(None)


@pytest.mark.parametrize("typed, kind", [
    ("FZGL01-20261116-0001", "number"),
    ("fzgl01-20261116-0001 ", "number"),
    ("13900001111", "phone"),
    ("139 0000 1111", "phone"),
    ("0591-83330000", "phone"),
    (ID.lower(), "certificate"),
    ("91350100M000100Y43", "certificate"),
])
def test_classify(typed, kind):
    assert progress.classify(typed)[0] == kind


@pytest.mark.parametrize("typed, message", [("", "请输入申请编号"), ("123", "输入内容太短")])
def test_classify_refuses_empty_and_short(typed, message):
    with pytest.raises(UserError, match=message) as exc:
        progress.classify(typed)
    assert exc.value.field == "query"


def test_lookup_by_each_key_is_audited(db, actors, case):
    first, second, _other = case
    clerk = actors["clerk1"]
    by_number = progress.find(db, clerk, "FZGL01-20261116-0001")
    assert [r.application_id for r in by_number.rows] == [first]
    by_cert = progress.find(db, clerk, ID)
    assert [r.application_id for r in by_cert.rows] == [second, first]  # newest first
    assert by_cert.message() == "按证件号码找到 2 件申请"
    by_mobile = progress.find(db, clerk, "13900001111")
    assert {r.application_id for r in by_mobile.rows} == {first, second}
    by_fixed = progress.find(db, clerk, "059183330000")
    assert [r.application_id for r in by_fixed.rows] == [second]
    assert progress.find(db, clerk, "13700002222").rows[0].customer_name == "李四"
    nothing = progress.find(db, clerk, "13600000000")
    assert nothing.rows == () and "未找到" in nothing.message()
    with db.read() as s:
        lookups = s.scalars(select(AuditEntry).where(AuditEntry.action == "lookup").order_by(AuditEntry.id)).all()
    assert len(lookups) == 6
    assert lookups[1].target_id == ID[:6] + "********" + ID[-4:]  # the audit trail keeps the number masked
    assert '"by": "certificate"' in lookups[1].detail and "FZGL01-20261116-0001" in lookups[1].detail
    assert lookups[2].target_id == "139****1111"


def test_masking_depends_on_role(db, actors, case):
    clerk_row = progress.find(db, actors["clerk1"], ID).rows[0]
    assert clerk_row.certificate == ID and clerk_row.phone == "13900001111"
    back_row = progress.find(db, actors["back1"], ID).rows[0]
    assert back_row.certificate == ID[:6] + "********" + ID[-4:] and back_row.phone == "139****1111"


def test_timeline_states_current_handler_and_expected_completion(db, actors, case):
    first, _second, _other = case
    back = actors["back1"]
    # accept 11/16 (due 11/17) → survey entered late on 11/18 (due 11/20) → still open on 11/24: overdue
    clock.freeze(T(2026, 11, 18, 9, 0))
    with db.read() as s:
        version = s.get(Application, first).version
    stages.advance(db, back, first, version=version, handler="勘查班周工", at=T(2026, 11, 18, 9, 0))
    clock.freeze(T(2026, 11, 24, 10, 0))
    p = progress.detail(db, actors["clerk1"], first)
    assert p.current_stage_name == "现场勘查" and p.current_handler == "勘查班周工"
    assert p.stage_due == stages.Deadline(D(2026, 11, 20), False) and p.overdue
    assert [(r.stage_name, r.state) for r in p.timeline] == [
        ("受理", "late"), ("现场勘查", "overdue"), ("装表接电", "planned"), ("归档", "planned")]
    accept, survey, connect, _archive = p.timeline
    assert accept.ended_at == T(2026, 11, 18, 9, 0) and accept.handler == "王小明"
    assert accept.state_label == "超期完成" and survey.state_label == "已超期"
    # survey overdue: the rest counts from today: connect 3 working days → 11/27
    assert connect.due == stages.Deadline(D(2026, 11, 27), False) and connect.due_label.startswith("约 ")
    assert p.expected == stages.Deadline(D(2026, 11, 27), False)
    assert p.promised == stages.Deadline(D(2026, 11, 23), False)  # 5 working days after 11/16
    assert [(d.name[:6], d.state_label, d.due.day) for d in p.deferred] == [
        ("房屋产权证明", "容缺待补（已逾期）", D(2026, 11, 19))]
    assert p.hall_name == "福州鼓楼供电营业厅" and "0591-87654321" in p.supervision_phone


def test_expected_completion_in_unknown_year_is_estimated(db, actors):
    clock.freeze(T(2026, 12, 28, 10, 0))
    try:
        clerk = actors["clerk1"]
        with db.write() as s:
            app = make_accepted_application(s, window_id=clerk.window_id, clerk_id=clerk.user_id,
                                            accepted_at=T(2026, 12, 28, 9, 0))
        p = progress.detail(db, clerk, app.id)
        assert p.stage_due == stages.Deadline(D(2026, 12, 29), False)
        assert p.expected.estimated and p.expected.label().endswith("（预估）")
        assert p.promised.estimated  # 5 working days after 12/28 reach into 2027
    finally:
        clock.freeze(None)


def test_returned_and_kept_rows(db, actors, case):
    _first, second, _other = case
    back = actors["back1"]
    with db.read() as s:
        v = s.get(Application, second).version
    r = stages.advance(db, back, second, version=v, handler="勘查班", at=T(2026, 11, 23, 15, 0))
    stages.send_back(db, back, second, version=r.version, to_stage="accept", handler="王小明",
                     note="地址与产权证明不符", at=T(2026, 11, 24, 9, 0))
    p = progress.detail(db, actors["clerk1"], second)
    assert [(r.stage, r.state, r.action_label) for r in p.timeline[:3]] == [
        ("accept", "kept", "进入"), ("survey", "returned", "进入"), ("accept", "open", "退回")]
    assert p.timeline[2].note == "地址与产权证明不符"
