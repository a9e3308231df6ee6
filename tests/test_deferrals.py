"""容缺 follow-up: due today / overdue, supplying, termination with blacklisting, blacklist removal."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from counter_app.infra import clock
from counter_app.tracking import deferrals
from counter_app.infra.errors import PermissionDenied, UserError, ValidationFailed
from counter_app.models import Application, AuditEntry, BlacklistEntry, Commitment, Customer, Material
from tests.factories import make_accepted_application, make_customer, resident_id

D = dt.date
T = dt.datetime


@pytest.fixture
def cases(db, actors):
    """Today Tue 2026-11-24; deferral 3 working days.
    overdue: accepted Mon 11/16 → due 11/19; today: accepted Thu 11/19 → due 11/24; later: 11/23 → 11/26."""
    clock.freeze(T(2026, 11, 24, 10, 0))
    c1, c2 = actors["clerk1"], actors["clerk2"]
    with db.write() as s:
        overdue = make_accepted_application(s, make_customer(s, "欠补户", resident_id(11)), window_id=c1.window_id,
                                            clerk_id=c1.user_id, accepted_at=T(2026, 11, 16, 9, 0),
                                            business_type="lv_biz_new", deferred=("property_proof", "equipment_list"))
        today = make_accepted_application(s, window_id=c2.window_id, clerk_id=c2.user_id,
                                          accepted_at=T(2026, 11, 19, 9, 0), deferred=("property_proof",))
        later = make_accepted_application(s, window_id=c1.window_id, clerk_id=c1.user_id,
                                          accepted_at=T(2026, 11, 23, 9, 0), deferred=("property_proof",))
        make_accepted_application(s, window_id=c1.window_id, clerk_id=c1.user_id, accepted_at=T(2026, 11, 16, 9, 0))
        ids = {"overdue": overdue.id, "today": today.id, "later": later.id}
    yield ids
    clock.freeze(None)


def test_due_today_and_overdue_listed(db, actors, cases):
    rows = deferrals.open_items(db, actors["clerk1"])
    assert [(r.application_id, r.state) for r in rows] == [
        (cases["overdue"], "overdue"), (cases["overdue"], "overdue"), (cases["today"], "today")]
    assert rows[0].due == deferrals.Deadline(D(2026, 11, 19), False)
    assert rows[0].days_over == 3 and rows[0].state_label == "逾期 3 个工作日"
    assert rows[2].state_label == "今日到期" and rows[2].window_no == 2
    assert [r.application_id for r in deferrals.open_items(db, actors["clerk1"], scope="today")] == [cases["today"]]
    assert len(deferrals.open_items(db, actors["clerk1"], scope="overdue")) == 2
    assert len(deferrals.open_items(db, actors["clerk1"], scope="all")) == 4
    assert len(deferrals.open_items(db, actors["clerk1"], window_id=actors["clerk1"].window_id)) == 2


def test_supplying_items_closes_the_commitment(db, actors, cases):
    first, second = deferrals.open_items(db, actors["clerk1"], scope="overdue")
    result = deferrals.supply(db, actors["clerk2"], first.material_id)
    assert result.remaining == 1 and not result.commitment_fulfilled
    assert "尚有 1 项待补交" in result.message()
    with pytest.raises(UserError, match="已于 2026-11-24 10:00 由李芳登记补交"):
        deferrals.supply(db, actors["clerk1"], first.material_id)
    clock.freeze(T(2026, 11, 24, 11, 15))
    done = deferrals.supply(db, actors["back1"], second.material_id)
    assert done.commitment_fulfilled and "容缺承诺已全部履行" in done.message()
    with db.read() as s:
        m = s.get(Material, first.material_id)
        assert (m.state, m.supplied_at, m.supplied_by_id) == ("supplied", T(2026, 11, 24, 10, 0), actors["clerk2"].user_id)
        c = s.scalar(select(Commitment).where(Commitment.application_id == cases["overdue"],
                                              Commitment.kind == "deferral"))
        assert c.fulfilled_at == T(2026, 11, 24, 11, 15)
        assert [i["supplied_by"] for i in c.items] == ["李芳", "陈后台"]
        assert s.get(Application, cases["overdue"]).version == 1  # an open stage dialog stays valid
        assert len(s.scalars(select(AuditEntry).where(AuditEntry.action == "material_supplied")).all()) == 2
    assert [r.application_id for r in deferrals.open_items(db, actors["clerk1"])] == [cases["today"]]


def test_admin_may_not_register_supplies(db, actors, cases):
    row = deferrals.open_items(db, actors["clerk1"])[0]
    with pytest.raises(PermissionDenied):
        deferrals.supply(db, actors["admin1"], row.material_id)


def test_terminate_overdue_and_blacklist(db, actors, cases):
    boss = actors["super1"]
    # GIVEN the overdue application; WHEN the supervisor terminates it and blacklists the customer
    with pytest.raises(ValidationFailed, match="请填写终止原因"):
        deferrals.terminate_overdue(db, boss, cases["overdue"], version=1, reason=" ", blacklist=True)
    result = deferrals.terminate_overdue(db, boss, cases["overdue"], version=1, reason="容缺资料逾期未补交，电话催告未果",
                                         blacklist=True)
    assert result.message() == "申请 " + result.number + " 已终止，客户“欠补户”已列入失信名单"
    # THEN the application is terminated, the customer flagged, both audited
    with db.read() as s:
        app = s.get(Application, cases["overdue"])
        assert app.status == "terminated" and app.terminated_by_id == boss.user_id
        assert app.stage_events[-1].action == "terminate"
        customer = s.get(Customer, app.customer_id)
        assert customer.blacklisted
        entry = s.scalar(select(BlacklistEntry).where(BlacklistEntry.customer_id == customer.id))
        assert entry.application_id == app.id and entry.added_by_id == boss.user_id
        assert entry.reason.startswith("容缺受理承诺逾期未补交资料（房屋产权证明")
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.outcome == "ok")).all()
        assert "terminate" in actions and "blacklist_add" in actions
    # the terminated application leaves the follow-up list
    assert cases["overdue"] not in {r.application_id for r in deferrals.open_items(db, boss)}
    rows = deferrals.blacklist_entries(db, boss)
    assert [(r.customer_name, r.added_by, r.application_number) for r in rows] == [("欠补户", "赵班长", result.number)]


def test_only_overdue_applications_are_terminated_this_way(db, actors, cases):
    with pytest.raises(UserError, match="没有逾期未补交的容缺资料"):
        deferrals.terminate_overdue(db, actors["super1"], cases["today"], version=1, reason="客户失联")


def test_termination_and_blacklist_permissions(db, actors, cases):
    with pytest.raises(PermissionDenied, match="无权终止申请"):
        deferrals.terminate_overdue(db, actors["back1"], cases["overdue"], version=1, reason="逾期")
    with pytest.raises(PermissionDenied, match="无权管理失信名单"):
        deferrals.blacklist_add(db, actors["clerk1"], 1, reason="x")
    with db.read() as s:
        assert s.get(Application, cases["overdue"]).status == "active"


def test_stale_termination_refused(db, actors, cases):
    with pytest.raises(deferrals.stages.StaleEdit):
        deferrals.terminate_overdue(db, actors["super1"], cases["overdue"], version=0, reason="逾期")


def test_blacklist_by_hand_and_removal_with_reason(db, actors, cases):
    boss = actors["super1"]
    [match] = deferrals.find_customers(db, boss, resident_id(11).lower())
    assert match.name == "欠补户" and not match.blacklisted and match.certificate == "350102********0116"
    with pytest.raises(ValidationFailed, match="请填写列入失信名单的原因"):
        deferrals.blacklist_add(db, boss, match.customer_id, reason="")
    entry_id = deferrals.blacklist_add(db, boss, match.customer_id, reason="提供虚假产权证明")
    with pytest.raises(UserError, match="已在失信名单中"):
        deferrals.blacklist_add(db, boss, match.customer_id, reason="再次")
    with pytest.raises(ValidationFailed, match="请填写移出失信名单的原因") as exc:
        deferrals.blacklist_remove(db, boss, entry_id, reason="  ")
    assert exc.value.field == "removed_reason"
    clock.freeze(T(2026, 11, 25, 9, 0))
    deferrals.blacklist_remove(db, boss, entry_id, reason="经复核产权证明属实，误列")
    with pytest.raises(UserError, match="已于 2026-11-25 09:00 移出"):
        deferrals.blacklist_remove(db, boss, entry_id, reason="again")
    with db.read() as s:
        assert not s.get(Customer, match.customer_id).blacklisted
    assert deferrals.blacklist_entries(db, boss) == []
    [old] = deferrals.blacklist_entries(db, boss, include_removed=True)
    assert old.state_label == "已移出" and old.removed_by == "赵班长" and old.removed_reason.startswith("经复核")
    # listed again later: a new entry, the flag follows
    deferrals.blacklist_add(db, boss, match.customer_id, reason="再次逾期")
    with db.read() as s:
        assert s.get(Customer, match.customer_id).blacklisted
        assert len(s.scalars(select(AuditEntry).where(AuditEntry.action.like("blacklist_%"))).all()) == 3
