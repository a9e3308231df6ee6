"""Handover batches: nothing handed over twice, nothing forgotten, confirmed batches locked."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import func, select

from counter_app.infra.errors import NotFound, PermissionDenied, StaleEdit, UserError, ValidationFailed
from counter_app.models import AuditEntry, HandoverBatch, HandoverLine
from counter_app.tracking import handover
from counter_app.tracking.handover import LineRemark
from tests.factories import make_accepted, mark_printed


@pytest.fixture
def apps(db, actors, frozen_now):
    """Three applications at window 1 (one from yesterday), one at window 2."""
    c1, c2 = actors["clerk1"], actors["clerk2"]
    with db.write() as s:
        a = make_accepted(s, window_id=c1.window_id, clerk_id=c1.user_id, name="甲",
                          accepted_at=dt.datetime(2026, 11, 23, 15), deferred=("property_proof",))
        b = make_accepted(s, window_id=c1.window_id, clerk_id=c1.user_id, name="乙",
                          accepted_at=dt.datetime(2026, 11, 24, 8, 40))
        c = make_accepted(s, window_id=c1.window_id, clerk_id=c1.user_id, name="丙",
                          accepted_at=dt.datetime(2026, 11, 24, 9, 10), business_type="lv_biz_new")
        d = make_accepted(s, window_id=c2.window_id, clerk_id=c2.user_id, name="丁",
                          accepted_at=dt.datetime(2026, 11, 20, 10))
        ids = {"a": a.id, "b": b.id, "c": c.id, "d": d.id}
    mark_printed(db, ids.values())
    return ids


def test_pending_lists_own_window_oldest_first(db, actors, apps):
    items = handover.pending(db, actors["clerk1"])
    assert [i.application_id for i in items] == [apps["a"], apps["b"], apps["c"]]
    first = items[0]
    assert first.customer_name == "甲" and first.copies == 1  # holder_id received, proof deferred
    assert first.deferred.startswith("房屋产权证明或其他证明文书（2026-11-26前")
    assert first.phone == "13812345678"  # the clerk handling the files sees the number
    assert items[2].copies == 4  # lv_biz_new: four materials received
    assert [i.application_id for i in handover.pending(db, actors["clerk2"])] == [apps["d"]]


def test_create_batch_numbers_and_orders_lines(db, actors, apps):
    batch = handover.create_batch(db, actors["clerk1"], [apps["c"], apps["a"]], shift="上午班")
    assert batch.number == "JJ-FZGL01-01-20261124-01"
    assert (batch.status, batch.lines, batch.shift, batch.created_by) == ("open", 2, "上午班", "王小明")
    detail = handover.detail(db, actors["clerk1"], batch.id)
    assert [i.application_id for i in detail.items] == [apps["a"], apps["c"]]  # by acceptance time
    assert [i.seq for i in detail.items] == [1, 2]
    assert detail.total_copies == 5 and detail.hall_name == "福州鼓楼供电营业厅"
    assert [i.application_id for i in handover.pending(db, actors["clerk1"])] == [apps["b"]]
    second = handover.create_batch(db, actors["clerk1"], [apps["b"]])
    assert second.number == "JJ-FZGL01-01-20261124-02"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "handover_create")) == 2


def test_an_application_cannot_be_handed_over_twice(db, actors, apps):
    first = handover.create_batch(db, actors["clerk1"], [apps["a"], apps["b"]])
    with pytest.raises(UserError) as err:
        handover.create_batch(db, actors["clerk1"], [apps["b"], apps["c"]])
    assert "不能重复移交" in str(err.value) and first.number in str(err.value)
    with pytest.raises(UserError):
        handover.add_applications(db, actors["clerk1"], first.id, [apps["a"]])
    with pytest.raises(UserError):
        handover.create_batch(db, actors["clerk1"], [apps["c"], apps["c"]])
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(HandoverBatch)) == 1
        assert s.scalar(select(func.count()).select_from(HandoverLine)) == 2


def test_the_database_constraint_catches_a_lost_race(db, actors, apps, monkeypatch):
    """Two PCs of one window: the other saved between our check and our insert."""
    winner = handover.create_batch(db, actors["clerk1"], [apps["a"]])
    monkeypatch.setattr(handover, "_taken", lambda session, ids, _real=handover._taken: [])
    with pytest.raises(UserError) as err:
        handover.create_batch(db, actors["clerk1"], [apps["a"], apps["b"]])
    assert "冲突" in str(err.value) or winner.number in str(err.value)
    monkeypatch.undo()
    with pytest.raises(UserError) as err:
        handover.create_batch(db, actors["clerk1"], [apps["a"]])
    assert winner.number in str(err.value)
    assert [i.application_id for i in handover.pending(db, actors["clerk1"])] == [apps["b"], apps["c"]]


def test_two_pcs_racing_one_wins(db, actors, apps):
    """Same window on two PCs, same applications, at the same moment: one batch, one clear refusal."""
    barrier = threading.Barrier(2)
    outcomes = []

    def make():
        barrier.wait()
        try:
            outcomes.append(handover.create_batch(db, actors["clerk1"], [apps["a"], apps["b"]]))
        except UserError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=make) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    wins = [o for o in outcomes if isinstance(o, handover.BatchSummary)]
    losses = [o for o in outcomes if isinstance(o, UserError)]
    assert len(wins) == 1 and len(losses) == 1, outcomes
    assert wins[0].number in str(losses[0]) or "冲突" in str(losses[0])
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(HandoverLine)) == 2


def test_confirm_records_receiver_and_remarks(db, actors, apps, frozen_now):
    batch = handover.create_batch(db, actors["clerk1"], [apps["a"], apps["b"]])
    done = handover.confirm(
        db, actors["back1"], batch.id, receiver_name="陈后台", expected_version=batch.version,
        remarks={apps["a"]: LineRemark("缺件", "缺房产证复印件"), apps["b"]: LineRemark()},
    )
    assert done.status == "confirmed" and done.receiver_name == "陈后台" and done.confirmed_by == "陈后台"
    assert done.confirmed_at == frozen_now
    detail = handover.detail(db, actors["super1"], batch.id)
    assert [(i.remark, i.remark_note) for i in detail.items] == [("缺件", "缺房产证复印件"), ("", "")]
    assert detail.items[0].phone == "138****5678"  # the supervisor sees masked phones
    with db.read() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "handover_confirm"))
        assert entry.target_id == batch.number and "缺房产证复印件" in entry.detail


def test_a_confirmed_batch_cannot_be_changed(db, actors, apps):
    clerk = actors["clerk1"]
    batch = handover.create_batch(db, clerk, [apps["a"], apps["b"]])
    handover.confirm(db, actors["back1"], batch.id, receiver_name="陈后台")
    for change in (
        lambda: handover.add_applications(db, clerk, batch.id, [apps["c"]]),
        lambda: handover.remove_application(db, clerk, batch.id, apps["a"]),
        lambda: handover.cancel_batch(db, clerk, batch.id),
        lambda: handover.confirm(db, actors["super1"], batch.id, receiver_name="赵班长"),
    ):
        with pytest.raises(UserError) as err:
            change()
        assert "已锁定" in str(err.value)
    detail = handover.detail(db, clerk, batch.id)
    assert len(detail.items) == 2 and detail.batch.receiver_name == "陈后台"


def test_open_batch_can_be_changed_and_an_emptied_batch_disappears(db, actors, apps):
    clerk = actors["clerk1"]
    batch = handover.create_batch(db, clerk, [apps["a"]])
    changed = handover.add_applications(db, clerk, batch.id, [apps["c"], apps["b"]])
    assert changed.lines == 3 and changed.version > batch.version
    after = handover.remove_application(db, clerk, batch.id, apps["b"])
    assert after.lines == 2
    assert [i.seq for i in handover.detail(db, clerk, batch.id).items] == [1, 2]
    handover.remove_application(db, clerk, batch.id, apps["a"])
    assert handover.remove_application(db, clerk, batch.id, apps["c"]) is None
    with pytest.raises(NotFound):
        handover.detail(db, clerk, batch.id)
    assert len(handover.pending(db, clerk)) == 3


def test_cancel_batch_returns_applications_to_pending(db, actors, apps):
    clerk = actors["clerk1"]
    batch = handover.create_batch(db, clerk, [apps["a"], apps["b"]])
    handover.cancel_batch(db, clerk, batch.id)
    assert len(handover.pending(db, clerk)) == 3


def test_receiver_cannot_confirm_a_list_changed_since_seen(db, actors, apps):
    clerk = actors["clerk1"]
    batch = handover.create_batch(db, clerk, [apps["a"]])
    seen = handover.detail(db, actors["back1"], batch.id).batch.version
    handover.add_applications(db, clerk, batch.id, [apps["b"]])
    with pytest.raises(StaleEdit):
        handover.confirm(db, actors["back1"], batch.id, receiver_name="陈后台", expected_version=seen)


@pytest.mark.parametrize(("kwargs", "field", "text"), [
    ({"receiver_name": " "}, "receiver_name", "请填写接收人姓名"),
    ({"receiver_name": "陈", "remarks": {"A": LineRemark("缺件", "")}}, "remark_A", "请写明说明"),
    ({"receiver_name": "陈", "remarks": {"A": LineRemark("丢失", "x")}}, "remark_A", "只能选择"),
    ({"receiver_name": "陈", "received_at": dt.datetime(2026, 11, 25, 9)}, "received_at", "不能晚于"),
])
def test_confirm_validation(db, actors, apps, kwargs, field, text):
    kwargs = dict(kwargs)  # the parameter dict is shared by the SQLite and PostgreSQL runs
    batch = handover.create_batch(db, actors["clerk1"], [apps["a"]])
    if "remarks" in kwargs:
        kwargs["remarks"] = {apps["a"]: kwargs["remarks"]["A"]}
        field = f"remark_{apps['a']}"
    with pytest.raises(ValidationFailed) as err:
        handover.confirm(db, actors["back1"], batch.id, **kwargs)
    assert field in err.value.errors and text in err.value.errors[field]


def test_permissions(db, actors, apps):
    c1, c2 = actors["clerk1"], actors["clerk2"]
    with pytest.raises(PermissionDenied):
        handover.create_batch(db, c1, [apps["d"]])  # another window's application
    with pytest.raises(PermissionDenied):
        handover.create_batch(db, actors["back1"], [apps["a"]])
    batch = handover.create_batch(db, c1, [apps["a"]])
    with pytest.raises(PermissionDenied):
        handover.confirm(db, c1, batch.id, receiver_name="王小明")  # clerks do not receive
    with pytest.raises(PermissionDenied):
        handover.add_applications(db, c2, batch.id, [apps["d"]])
    with pytest.raises(PermissionDenied):
        handover.detail(db, c2, batch.id)
    assert handover.batches(db, c2) == []
    assert [b.id for b in handover.batches(db, actors["back1"])] == [batch.id]
    with pytest.raises(PermissionDenied):
        handover.pending(db, actors["admin1"])


def test_supervisor_sees_unconfirmed_and_missing(db, actors, apps, frozen_now):
    c1, sup = actors["clerk1"], actors["super1"]
    open_batch = handover.create_batch(db, c1, [apps["b"]])
    # yesterday's 甲 (window 1) and 丁 (window 2, 11-20) are in no batch: missing
    assert [i.application_id for i in handover.missing(db, sup)] == [apps["d"], apps["a"]]
    # today's 丙 is not "missing" yet, but shows when asking up to tomorrow
    later = handover.missing(db, sup, accepted_before=dt.date(2026, 11, 25))
    assert apps["c"] in [i.application_id for i in later]
    assert [b.number for b in handover.unconfirmed(db, sup)] == [open_batch.number]
    handover.confirm(db, sup, open_batch.id, receiver_name="赵班长")
    assert handover.unconfirmed(db, sup) == []
    assert [b.status_label for b in handover.batches(db, sup, status="confirmed")] == ["已确认"]
    with pytest.raises(PermissionDenied):
        handover.missing(db, c1)


def test_find_batch_by_number_or_id(db, actors, apps):
    batch = handover.create_batch(db, actors["clerk1"], [apps["a"]])
    assert handover.find_batch(db, actors["super1"], batch.number) == batch.id
    assert handover.find_batch(db, actors["super1"], str(batch.id)) == batch.id
    with pytest.raises(NotFound):
        handover.find_batch(db, actors["super1"], "JJ-NOPE")


def test_clerk_without_window_is_told(db, actors, apps):
    clerk = actors["clerk1"].at_window(None, None)
    with pytest.raises(UserError) as err:
        handover.pending(db, clerk)
    assert "绑定窗口" in str(err.value)


def test_race_loser_is_told_which_batch_won(db, actors, apps, monkeypatch):
    """The first PC has written its lines but not committed when the second PC checks: on
    PostgreSQL the second passes the check and is stopped by the unique constraint; on SQLite it
    waits for the write lock and is stopped by the check. Either way the message names the winner."""
    written, go = threading.Event(), threading.Event()
    real_record = handover.audit.record

    def slow_record(session, actor, action, *args, **kw):
        if threading.current_thread().name == "first" and action == "handover_create":
            written.set()
            go.wait(10)
        return real_record(session, actor, action, *args, **kw)

    monkeypatch.setattr(handover.audit, "record", slow_record)
    results = {}

    def make(name, ids):
        try:
            results[name] = handover.create_batch(db, actors["clerk1"], ids)
        except UserError as exc:
            results[name] = exc

    first = threading.Thread(target=make, name="first", args=("first", [apps["a"], apps["b"]]))
    second = threading.Thread(target=make, name="second", args=("second", [apps["b"], apps["c"]]))
    first.start()
    assert written.wait(10)
    second.start()
    # the second PC is now blocked (lock or constraint) behind the first; a plain sleep, not join(0.7):
    # under libfaketime a timed wait that is not signalled does not return on time
    time.sleep(0.7)
    go.set()
    first.join(30)
    second.join(30)
    winner, loser = results["first"], results["second"]
    assert isinstance(winner, handover.BatchSummary), winner
    assert isinstance(loser, UserError) and winner.number in str(loser), loser
    assert [i.application_id for i in handover.pending(db, actors["clerk1"])] == [apps["c"]]


def test_two_receivers_confirming_at_once(db, actors, apps):
    """Back office and supervisor press 确认接收 together: one confirmation, the other is told."""
    batch = handover.create_batch(db, actors["clerk1"], [apps["a"], apps["b"]])
    barrier = threading.Barrier(2)
    outcomes = {}

    def confirm(who, name):
        barrier.wait()
        try:
            outcomes[who] = handover.confirm(db, actors[who], batch.id, receiver_name=name,
                                             expected_version=batch.version)
        except UserError as exc:
            outcomes[who] = exc

    threads = [threading.Thread(target=confirm, args=a) for a in (("back1", "陈后台"), ("super1", "赵班长"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    done = [o for o in outcomes.values() if isinstance(o, handover.BatchSummary)]
    refused = [o for o in outcomes.values() if isinstance(o, UserError)]
    assert len(done) == 1 and len(refused) == 1, outcomes
    assert "已锁定" in str(refused[0]) or "已被" in str(refused[0])
    assert handover.detail(db, actors["super1"], batch.id).batch.receiver_name == done[0].receiver_name


def test_two_windows_hand_over_at_once(db, actors, apps):
    """Windows 1 and 2 make batches at the same moment: both succeed, numbered per window."""
    barrier = threading.Barrier(2)
    results = {}

    def make(who, ids):
        barrier.wait()
        results[who] = handover.create_batch(db, actors[who], ids)

    threads = [threading.Thread(target=make, args=("clerk1", [apps["a"], apps["b"], apps["c"]])),
               threading.Thread(target=make, args=("clerk2", [apps["d"]]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results["clerk1"].number == "JJ-FZGL01-01-20261124-01"
    assert results["clerk2"].number == "JJ-FZGL01-02-20261124-01"
    assert handover.missing(db, actors["super1"], accepted_before=dt.date(2026, 11, 25)) == []


def test_a_never_printed_case_needs_a_recorded_reason(db, actors, apps):
    clerk = actors["clerk1"]
    with db.write() as s:
        e = make_accepted(s, window_id=clerk.window_id, clerk_id=clerk.user_id, name="戊",
                          accepted_at=dt.datetime(2026, 11, 24, 10)).id
    item = next(i for i in handover.pending(db, clerk) if i.application_id == e)
    assert (item.print_label, item.sign_label) == ("未打印", "未签名")
    with pytest.raises(ValidationFailed, match="单据从未打印") as refused:
        handover.create_batch(db, clerk, [apps["a"], e])
    assert refused.value.field == "unprinted_reason"
    with pytest.raises(ValidationFailed, match="单据从未打印"):  # blanks are no reason
        handover.create_batch(db, clerk, [e], unprinted_reasons={e: "  "})
    with pytest.raises(ValidationFailed, match="最多200个字"):
        handover.create_batch(db, clerk, [e], unprinted_reasons={e: "急" * 201})
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(HandoverBatch)) == 0
    batch = handover.create_batch(db, clerk, [apps["a"], e], unprinted_reasons={e: " 客户急需，\n稍后补打 "})
    items = {i.application_id: i for i in handover.detail(db, clerk, batch.id).items}
    assert items[e].unprinted_reason == "客户急需， 稍后补打" and items[apps["a"]].unprinted_reason == ""
    assert items[e].remark_label == "单据未打印，原因：客户急需， 稍后补打"
    assert items[apps["a"]].print_label == "已打印1种"
    with db.read() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "handover_create"))
        assert items[e].number in entry.detail and "客户急需， 稍后补打" in entry.detail
    # added later to an open batch: the same rule
    with db.write() as s:
        f = make_accepted(s, window_id=clerk.window_id, clerk_id=clerk.user_id, name="己").id
    with pytest.raises(ValidationFailed, match="单据从未打印"):
        handover.add_applications(db, clerk, batch.id, [f])
