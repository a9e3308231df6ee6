"""Supervisor registers: filters, paging, masking, and the time-limit rule (SQL and Python agree)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from counter_app.hall import hall as hall_mod
from counter_app.infra.errors import PermissionDenied, ValidationFailed
from counter_app.models import Application, Material
from counter_app.reporting import registers
from counter_app.reporting.registers import RegisterFilter
from tests.factories import (
     # noqa: F401 (fixture)
    make_accepted,
)

ALL = RegisterFilter()


@pytest.fixture
def data(db, actors, frozen_now):
    """Seven applications of two windows (today is Tuesday 2026-11-24, 09:30)."""
    c1, c2 = actors["clerk1"], actors["clerk2"]
    w1 = dict(window_id=c1.window_id, clerk_id=c1.user_id)
    w2 = dict(window_id=c2.window_id, clerk_id=c2.user_id)
    with db.write() as s:
        apps = {
            # accept stage due 11-17, deferred proof due 11-19: red, overdue
            "A": make_accepted(s, **w1, accepted_at=dt.datetime(2026, 11, 16, 10), name="甲",
                               deferred=("property_proof",), counter_seconds=900),
            # green channel, accept stage limit 1, one working day used: yellow
            "B": make_accepted(s, **w1, accepted_at=dt.datetime(2026, 11, 23, 10), name="乙",
                               supplied=("property_proof",), green=True, counter_seconds=1300),
            "C": make_accepted(s, **w2, accepted_at=dt.datetime(2026, 11, 24, 9), name="丙",
                               business_type="lv_biz_new", deferred=("equipment_list",),
                               counter_seconds=1500, capacity="50"),
            "D": make_accepted(s, **w2, accepted_at=dt.datetime(2026, 10, 30, 15), name="丁", stage="archive",
                               status="completed", counter_seconds=None),
            # survey (limit 2) started yesterday: one day used of two → green
            "E": make_accepted(s, **w1, accepted_at=dt.datetime(2026, 11, 20, 11), name="戊", stage="survey",
                               stage_started=dt.datetime(2026, 11, 23, 9), counter_seconds=600),
            # survey started 11-19, due 11-23: red
            "F": make_accepted(s, **w2, accepted_at=dt.datetime(2026, 11, 18, 14), name="己", stage="survey",
                               stage_started=dt.datetime(2026, 11, 19, 10), counter_seconds=1200),
            "G": make_accepted(s, **w1, accepted_at=dt.datetime(2026, 11, 2, 9), name="庚", business_type="hv_new",
                               status="terminated", counter_seconds=2400, capacity="800"),
        }
        return {k: (a.id, a.number) for k, a in apps.items()}


def numbers(rows, col=0):
    return [r[col] for r in rows]


def test_acceptance_register_rows_match_the_database(db, actors, data):
    sup = actors["super1"]
    assert registers.count(db, sup, "register", ALL) == 7
    rows = registers.fetch(db, sup, "register", ALL, 0, 100)
    with db.read() as s:
        in_db = list(s.scalars(select(Application.number).order_by(Application.accepted_at)))
    assert numbers(rows) == in_db
    titles = [c.title for c in registers.REGISTERS["register"].columns]
    assert len(rows[0]) == len(titles)
    row_a = dict(zip(titles, rows[in_db.index(data["A"][1])], strict=True))
    assert row_a["户名"] == "甲" and row_a["窗口"] == "1号窗口" and row_a["受理人"] == "王小明"
    assert row_a["是否超期"] == "是" and row_a["办理状态"] == "办理中"
    assert row_a["证件号码"].count("*") == 8  # supervisors see masked numbers on screen
    assert row_a["联系电话"] == "138****5678"
    assert "房屋产权证明或其他证明文书" in row_a["容缺资料"]
    assert isinstance(row_a["受理时间"], dt.datetime) and isinstance(row_a["办结时限"], dt.date)


@pytest.mark.parametrize(("flt", "expected"), [
    (RegisterFilter(window_no=1), "ABEG"),
    (RegisterFilter(window_no=2), "CDF"),
    (RegisterFilter(date_from=dt.date(2026, 11, 18), date_to=dt.date(2026, 11, 23)), "BEF"),
    (RegisterFilter(business_type="lv_biz_new"), "C"),
    (RegisterFilter(stage="survey"), "EF"),
    (RegisterFilter(status="completed"), "D"),
    (RegisterFilter(overdue_only=True), "AF"),
    (RegisterFilter(window_no=1, overdue_only=True), "A"),
])
def test_acceptance_register_filters(db, actors, data, flt, expected):
    sup = actors["super1"]
    rows = registers.fetch(db, sup, "register", flt, 0, 100)
    assert sorted(numbers(rows)) == sorted(data[k][1] for k in expected)
    assert registers.count(db, sup, "register", flt) == len(expected)


def test_clerk_filter(db, actors, data):
    sup = actors["super1"]
    flt = RegisterFilter(clerk_id=actors["clerk2"].user_id)
    assert sorted(numbers(registers.fetch(db, sup, "register", flt, 0, 50))) == sorted(data[k][1] for k in "CDF")


def test_paging_gives_the_same_rows_as_one_page(db, actors, data):
    sup = actors["super1"]
    whole = registers.fetch(db, sup, "register", ALL, 0, 100)
    paged = [row for offset in range(0, 7, 3) for row in registers.fetch(db, sup, "register", ALL, offset, 3)]
    assert paged == whole


@pytest.mark.parametrize("kind", ["register", "deferred", "commitments", "warnings"])
def test_pages_of_every_register_join_up(db, actors, data, kind):
    """Paging skips over keys first; the pages must give the rows of one big page, in order."""
    sup = actors["super1"]
    whole = registers.fetch(db, sup, kind, ALL, 0, 1000)
    assert len(whole) == registers.count(db, sup, kind, ALL) > 1
    paged = [row for offset in range(0, len(whole), 2) for row in registers.fetch(db, sup, kind, ALL, offset, 2)]
    assert paged == whole
    with db.read() as s:
        assert [tuple(r) for r in registers.stream(s, sup, kind, ALL, masked=True).rows] == whole
    # what opening the page shows (on PostgreSQL count, page and deferred items in one statement,
    # their values brought back through JSON): the same rows, typed the same
    total, first = registers.first_page(db, sup, kind, ALL, 4)
    assert (total, first) == (len(whole), whole[:4])
    assert [[type(v) for v in row] for row in first] == [[type(v) for v in row] for row in whole[:4]]


def test_deferred_register_states(db, actors, data):
    sup = actors["super1"]
    rows = registers.fetch(db, sup, "deferred", ALL, 0, 50)
    by_number = {r[0]: r for r in rows}
    assert set(by_number) == {data[k][1] for k in "ABC"}
    # due Thu 11/19, today Tue 11/24: 11/20, 11/23, 11/24 are 3 working days over (not 5 calendar days)
    assert by_number[data["A"][1]][9] == "已超期" and by_number[data["A"][1]][10] == 3
    assert by_number[data["B"][1]][9] == "已补交" and by_number[data["B"][1]][12] == "王小明"
    assert by_number[data["C"][1]][9] == "未到期"
    for state, keys in {"overdue": "A", "supplied": "B", "pending": "C"}.items():
        flt = RegisterFilter(deferral_state=state)
        assert numbers(registers.fetch(db, sup, "deferred", flt, 0, 50)) == [data[k][1] for k in keys]
        assert registers.count(db, sup, "deferred", flt) == len(keys)
    assert numbers(registers.fetch(db, sup, "deferred", RegisterFilter(overdue_only=True), 0, 50)) == [data["A"][1]]
    with db.read() as s:
        total = s.scalar(select(func.count()).select_from(Material).where(Material.state.in_(("deferred", "supplied"))))
    assert registers.count(db, sup, "deferred", ALL) == total


def test_commitment_register(db, actors, data):
    sup = actors["super1"]
    rows = registers.fetch(db, sup, "commitments", ALL, 0, 50)
    assert len(rows) == 7 + 3  # every application an authenticity letter, three with deferrals
    deferral = {r[0]: r for r in rows if r[7] == "容缺受理承诺书"}
    assert deferral[data["A"][1]][11] == "已逾期"
    assert deferral[data["B"][1]][11] == "已履约" and deferral[data["B"][1]][12] is not None
    assert deferral[data["C"][1]][11] == "履约中"
    overdue = registers.fetch(db, sup, "commitments", RegisterFilter(overdue_only=True), 0, 50)
    assert numbers(overdue) == [data["A"][1]]


def test_warning_register_levels_and_order(db, actors, data):
    sup = actors["super1"]
    rows = registers.fetch(db, sup, "warnings", ALL, 0, 50)
    # green channel first, then red before yellow, then the nearest stage due date
    assert [(r[0], r[3]) for r in rows] == [
        ("黄色预警", data["B"][1]), ("红色超期", data["A"][1]), ("红色超期", data["F"][1]),
    ]
    assert rows[0][1] == "是" and rows[0][2] == "周经理"
    red_a = rows[1]
    assert red_a[9] == 1 and red_a[10] == 6 and red_a[12] == 5  # limit, used, working days over
    reds = registers.fetch(db, sup, "warnings", RegisterFilter(overdue_only=True), 0, 50)
    assert sorted(numbers(reds, 3)) == sorted([data["A"][1], data["F"][1]])


def test_workload(db, actors, data):
    sup = actors["super1"]
    rows = registers.fetch(db, sup, "workload", ALL, 0, 50)
    assert [(r[0], r[1]) for r in rows] == [("1号窗口", "王小明"), ("2号窗口", "李芳")]
    w1, w2 = rows
    # window 1: 900, 1300, 600, 2400 s → 4 timed, mean 1300 s = 21.7 min, 2 within 20 minutes
    assert w1[2:8] == (4, 4, 21.7, 40.0, 2, 0.5)
    assert w1[8:] == (0, None, 0, 4)  # no ratings yet: all 未评价, no satisfaction share
    # window 2: 1500, None, 1200 s → 3 accepted, 2 timed, mean 22.5 min, 20 minutes sharp is within
    assert w2[2:8] == (3, 2, 22.5, 25.0, 1, 0.5)
    with db.read() as s:
        assert registers.count(db, sup, "workload", ALL) == 2
        stream = registers.stream(s, sup, "workload", ALL, masked=True)
        # all acceptances: 7,900 s over 6 timed = 21.9 minutes (not the mean of the two means)
        assert stream.totals == ("合计", "2 人", 7, 6, 21.9, 40.0, 3, 0.5, 0, None, 0, 7)


def test_workload_standard_follows_the_hall_setting(db, actors, data):
    sup = actors["super1"]
    with db.write() as s:
        hall_mod.set_setting(s, actors["admin1"], sup.hall_id, "counter_standard_minutes", 25)
    w1, w2 = registers.fetch(db, sup, "workload", ALL, 0, 50)
    assert w1[6] == 3 and w2[6] == 2
    assert registers.register_columns("workload", db, sup)[6].title == "25分钟内办结件数"


def test_registers_need_permission(db, actors, data):
    with pytest.raises(PermissionDenied):
        registers.fetch(db, actors["clerk1"], "register", ALL, 0, 10)
    with pytest.raises(PermissionDenied):
        registers.count(db, actors["back1"], "warnings", ALL)


def test_bad_filters_are_refused_at_the_field(db, actors, data):
    sup = actors["super1"]
    with pytest.raises(ValidationFailed) as err:
        registers.count(db, sup, "register", RegisterFilter(date_from=dt.date(2026, 11, 2), date_to=dt.date(2026, 11, 1)))
    assert err.value.field == "date_to"
    with pytest.raises(ValidationFailed) as err:
        registers.count(db, sup, "register", RegisterFilter(window_no=9))
    assert "9 号窗口" in str(err.value)


def test_filter_description(db, actors, data):
    flt = RegisterFilter(date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 11, 30), window_no=2,
                         business_type="lv_res_new", overdue_only=True)
    with db.read() as s:
        text = flt.describe(s)
    assert text == "受理日期：2026-11-01 至 2026-11-30；窗口：2号窗口；业务类型：低压居民新装；仅超期"
    assert flt.as_dict() == {"date_from": "2026-11-01", "date_to": "2026-11-30", "window_no": 2,
                             "business_type": "lv_res_new", "overdue_only": True}


