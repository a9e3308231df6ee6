"""Where is my application: search by number, certificate, phone, name; masking; lookups audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from counter_app.acceptance import service as acceptance
from counter_app.infra.errors import PermissionDenied, UserError
from counter_app.models import Application, AuditEntry
from counter_app.tracking import application_search
from tests.acceptance_helpers import residential
from tests.factories import resident_id


@pytest.fixture
def two_customers(db, actors, frozen_now):
    first = acceptance.save(
        db,
        actors["clerk1"],
        residential(
            resident_id(1),
            holder_name="张三",
            contact_phone="0591-87000001",
            materials={"property_proof": "deferred"},
        ),
    )
    second = acceptance.save(
        db,
        actors["clerk2"],
        residential(
            resident_id(2), holder_name="张三丰", contact_name="张三丰", contact_mobile="13700001111"
        ),
    )
    return first, second


@pytest.mark.parametrize(
    ("query", "kind", "names"),
    [
        ("FZGL01-20261124-0001", "number", ["张三"]),
        ("fzgl01-20261124", "number", ["张三丰", "张三"]),
        (resident_id(2), "certificate", ["张三丰"]),
        ("137 0000 1111", "phone", ["张三丰"]),
        ("13812345678", "phone", ["张三"]),
        ("张三", "name", ["张三丰", "张三"]),
        ("张三丰", "name", ["张三丰"]),
        ("李四", "name", []),
        ("0591-88888888", "phone", []),
        ("059187000001", "phone", ["张三"]),
        ("+86 138 1234 5678", "phone", ["张三"]),
        ("100%_", "name", []),
        ("张*", "name", []),
        ("张[", "name", []),
        # the digits people remember: a phone's last 4 with (part of) the name, an ID's last 6, a serial
        ("张三 5678", "name_phone", ["张三"]),  # contact mobile 13812345678
        ("三丰1111", "name_phone", ["张三丰"]),  # contact mobile 13700001111
        ("1111 张三", "name_phone", ["张三丰"]),
        ("0001 张三", "name_phone", ["张三"]),  # the fixed line 0591-87000001
        ("李四 5678", "name_phone", []),
        ("张三 9999", "name_phone", []),
        (resident_id(2)[-6:], "cert_tail", ["张三丰"]),
        (resident_id(1)[-6:].lower(), "cert_tail", ["张三"]),
        ("999999", "cert_tail", []),
        ("0002", "serial", ["张三丰"]),  # today's
        ("20261124-0001", "serial", ["张三"]),
        ("20261123-0001", "serial", []),
    ],
)
def test_search_by_each_key(db, actors, two_customers, query, kind, names):
    result = application_search.search(db, actors["clerk1"], query)
    assert result.kind == kind
    assert [r.customer_name for r in result.rows] == names


def test_result_row_has_stage_due_and_handler(db, actors, two_customers):
    (row,) = application_search.search(db, actors["clerk1"], "FZGL01-20261124-0001").rows
    assert (row.stage_name, row.handler, row.status_label, row.window_no) == ("受理", "王小明", "办理中", 1)
    assert str(row.stage_due_date) == "2026-11-25" and str(row.due_date) == "2026-12-01"
    assert row.cert_number == resident_id(1) and row.mobile == "13812345678"  # clerk sees in full
    assert row.editable


def test_masked_for_back_office_and_each_lookup_audited(db, actors, two_customers):
    (row,) = application_search.search(db, actors["back1"], resident_id(1)).rows
    assert row.cert_number == resident_id(1)[:6] + "********" + resident_id(1)[-4:]
    assert row.mobile == "138****5678"
    detail = application_search.detail(db, actors["back1"], row.application_id)
    fields = dict(detail.fields)
    assert fields["移动电话"] == "138****5678" and "********" in fields["证件"]
    assert detail.materials[1][1] == "容缺" and detail.materials[1][2] == "应于 2026-11-27 前补交"
    assert detail.history[0][:2] == ("受理", "进入")
    assert detail.commitments[0] == "材料真实性承诺书" and detail.commitments[1].startswith("容缺受理承诺书")
    with db.read() as s:
        entries = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "lookup", AuditEntry.username == "back1")
        ).all()
        assert [(e.target_type, e.target_id) for e in entries] == [
            ("search", "certificate"),
            ("application", str(row.application_id)),
        ]


def test_remembered_digits_are_masked_for_back_office(db, actors, two_customers):
    result = application_search.search(db, actors["back1"], "三丰 1111")
    (row,) = result.rows
    assert row.mobile == "137****1111" and row.cert_number.endswith("********" + resident_id(2)[-4:])
    assert result.message() == "按客户名称和电话后4位找到 1 件申请"
    (row,) = application_search.search(db, actors["back1"], resident_id(2)[-6:]).rows
    assert row.cert_number == resident_id(2)[:6] + "********" + resident_id(2)[-4:]
    with pytest.raises(UserError, match="后6位"):
        application_search.search(db, actors["clerk1"], "12345")


def test_name_with_the_last_4_of_the_customers_own_mobile(db, actors, two_customers):
    """The customer's own mobile counts too, not only the application's contact numbers (on
    PostgreSQL through find_ids' application_by_customer_mobile_tail)."""
    from sqlalchemy import update

    from counter_app.models import Customer

    first, _second = two_customers
    with db.write() as s:
        customer_id = s.get(Application, first.application_id).customer_id
        s.execute(update(Customer).where(Customer.id == customer_id).values(mobile="13900002468"))
    assert [r.number for r in application_search.search(db, actors["clerk1"], "张三 2468").rows] == [first.number]
    assert application_search.search(db, actors["clerk1"], "三丰 2468").rows == []


def test_search_refusals(db, actors, two_customers):
    with pytest.raises(UserError, match="请输入申请编号"):
        application_search.search(db, actors["clerk1"], "  ")
    with pytest.raises(UserError, match="不可见字符"):
        application_search.search(db, actors["clerk1"], "张\x00三")
    with pytest.raises(PermissionDenied):
        application_search.search(db, actors["admin1"].__class__(None, "x", "x", "nobody"), "张三")


def test_many_results_are_truncated(db, actors, frozen_now, monkeypatch):
    monkeypatch.setattr(application_search, "MAX_RESULTS", 2)
    for seed in range(3):
        acceptance.save(db, actors["clerk1"], residential(resident_id(50 + seed), holder_name="王五"))
    result = application_search.search(db, actors["clerk1"], "王五")
    assert len(result.rows) == 2 and result.truncated
    with db.read() as s:
        assert len(s.scalars(select(Application)).all()) == 3
