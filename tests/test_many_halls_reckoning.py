"""Issue 20 follow-ups on SQLite: a city supervisor's registers, export and warnings reckon each row
with its own hall's calendar and stage limits (hall B declares Monday 2026-12-07 a holiday and gives
the 受理 stage 3 working days instead of 1), and the audit trail keeps to the reader's halls."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from sqlalchemy import func, select

from counter_app.hall import hall as hall_mod
from counter_app.infra import clock
from counter_app.models import AuditEntry, CalendarOverride
from counter_app.reporting import audit_export, registers
from counter_app.reporting.registers import RegisterFilter
from counter_app.security import audit_trail
from counter_app.security import credentials as users
from counter_app.tracking import warning_list
from tests.conftest import PASSWORD
from tests.factories import make_accepted
from tests.main_window_driver import open_page, wait_idle
from tests.test_many_halls import two_halls  # noqa: F401 (fixture)

TODAY = dt.datetime(2026, 12, 8, 9, 30)  # a Tuesday
HOLIDAY_B = dt.date(2026, 12, 7)


def _b_reckons_otherwise(db, admin, hall_b: int) -> None:
    """Hall B declares Monday 12-07 a holiday and gives the 受理 stage 3 working days."""
    with db.write() as s:
        s.add(CalendarOverride(hall_id=hall_b, day=HOLIDAY_B, is_workday=False, note="本地停电检修",
                               created_at=TODAY))
        hall_mod.set_setting(s, admin, hall_b, "stage_limits", {"lv_res_new": {"accept": 3}})


def _accept_alike(db, desks: dict[str, tuple[int, int]]) -> dict[str, str]:
    """Three cases accepted alike at each hall's desk (window id, clerk id): R (red), S (survey since
    Friday), Y (accepted Monday), their due dates worked out by each hall's calendar and limits."""
    cases = {}
    with db.write() as s:
        for hall, (window_id, clerk_id) in desks.items():
            at = dict(window_id=window_id, clerk_id=clerk_id)
            cases["R" + hall] = make_accepted(s, **at, accepted_at=dt.datetime(2026, 11, 30, 10), name=f"红{hall}",
                                              deferred=("property_proof",)).number
            cases["S" + hall] = make_accepted(s, **at, accepted_at=dt.datetime(2026, 12, 3, 9), name=f"勘{hall}",
                                              stage="survey", stage_started=dt.datetime(2026, 12, 4, 10)).number
            cases["Y" + hall] = make_accepted(s, **at, accepted_at=dt.datetime(2026, 12, 7, 9), name=f"黄{hall}").number
    return cases


@pytest.fixture
def reckoned(two_halls):  # noqa: F811 (fixture)
    db, who, hall_b = two_halls
    clock.freeze(TODAY)
    _b_reckons_otherwise(db, who["adminb"], hall_b.id)
    cases = _accept_alike(db, {"A": (who["clerk1"].window_id, who["clerk1"].user_id),
                               "B": (who["clerkb"].window_id, who["clerkb"].user_id)})
    return db, who, hall_b, cases


WARNING_COLUMNS = {"level": 0, "number": 3, "limit": 9, "used": 10, "over": 12}


def _warnings(rows):
    """number -> (level, stage limit, working days used, working days over) of 时限预警清单 rows."""
    c = WARNING_COLUMNS
    return {r[c["number"]]: (r[c["level"]], r[c["limit"]], r[c["used"]], r[c["over"]]) for r in rows}


# GIVEN the same dates in both halls, WHEN a supervisor over both reads them, THEN each hall's own:
EXPECTED_WARNINGS = {
    # 受理 limit 1 (A) / 3 (B); A's stage was due 12-01, B's 12-03 (B skips its holiday when counting)
    "RA": ("红色超期", 1, 6, 5), "RB": ("红色超期", 3, 5, 2),
    # survey (limit 2, yellow from 2 days used) since Friday: A used 2, B only 1 (Monday off): green
    "SA": ("黄色预警", 2, 2, None),
    # accepted Monday: A has used its one day (yellow); B's 受理 has 3 days: green
    "YA": ("黄色预警", 1, 1, None),
}


def test_the_warning_register_reckons_each_hall_by_its_own_calendar_and_limits(reckoned):
    db, who, hall_b, cases = reckoned
    city = who["city1"]
    rows = registers.fetch(db, city, "warnings", RegisterFilter(), 0, 50)
    assert _warnings(rows) == {cases[k]: v for k, v in EXPECTED_WARNINGS.items()}
    assert registers.count(db, city, "warnings", RegisterFilter()) == 4
    # the hall's own supervisor and the city supervisor's choice of hall B agree with the view of both
    only_b = registers.fetch(db, city, "warnings", RegisterFilter(hall_id=hall_b.id), 0, 50)
    assert _warnings(only_b) == {cases["RB"]: EXPECTED_WARNINGS["RB"]}
    assert _warnings(registers.fetch(db, who["superb"], "warnings", RegisterFilter(), 0, 50)) == _warnings(only_b)
    assert _warnings(registers.fetch(db, who["super1"], "warnings", RegisterFilter(), 0, 50)) == {
        cases[k]: EXPECTED_WARNINGS[k] for k in ("RA", "SA", "YA")}
    reds = registers.fetch(db, city, "warnings", RegisterFilter(overdue_only=True), 0, 50)
    assert sorted(r[3] for r in reds) == sorted([cases["RA"], cases["RB"]])


def test_the_sql_form_takes_each_halls_cut_off_days_on_both_databases(db, actors, frozen_now):
    """The same cases on SQLite and PostgreSQL (as the owner: the app's own filter, no row security)."""
    from dataclasses import replace

    from counter_app.hall import many_halls
    from counter_app.infra.context import system_actor

    clock.freeze(TODAY)
    hall_b = many_halls.add_hall(db, system_actor(), code="FZCS02", name="福州仓山供电营业厅",
                                 supervision_phone="0591-88888888", windows=1).id
    _b_reckons_otherwise(db, actors["admin1"], hall_b)
    with db.read() as s:
        window_b = hall_mod.window_by_number(s, 1, hall_b).id
    clerk = actors["clerk1"]
    cases = _accept_alike(db, {"A": (clerk.window_id, clerk.user_id), "B": (window_b, clerk.user_id)})
    city = replace(actors["super1"], hall_id=None, hall_grants=(clerk.hall_id, hall_b))
    rows = registers.fetch(db, city, "warnings", RegisterFilter(), 0, 50)
    assert _warnings(rows) == {cases[k]: v for k, v in EXPECTED_WARNINGS.items()}
    total, first = registers.first_page(db, city, "warnings", RegisterFilter(), 50)
    assert total == 4 and _warnings(first) == _warnings(rows)


def test_the_deferred_register_counts_overdue_working_days_by_each_halls_calendar(reckoned):
    db, who, _hall_b, cases = reckoned
    rows = registers.fetch(db, who["city1"], "deferred", RegisterFilter(), 0, 50)
    # both due Thursday 12-03; overdue Fri, Mon, Tue in A, Fri and Tue in B
    overdue = {r[0]: (r[8], r[9], r[10]) for r in rows}
    assert overdue == {cases["RA"]: (dt.date(2026, 12, 3), "已超期", 3),
                       cases["RB"]: (dt.date(2026, 12, 3), "已超期", 2)}


def test_the_warnings_page_lists_each_halls_rows_by_its_own_calendar(reckoned):
    db, who, hall_b, cases = reckoned
    rows = warning_list.warning_list(db, who["city1"])
    assert {r.number: (r.level, r.remaining_label) for r in rows} == {
        cases["RA"]: ("red", "超期 5 个工作日"), cases["RB"]: ("red", "超期 2 个工作日"),
        cases["SA"]: ("yellow", "今日到期"), cases["YA"]: ("yellow", "今日到期")}
    assert {r.number for r in warning_list.warning_list(db, who["city1"], hall_id=hall_b.id)} == {cases["RB"]}


def test_the_export_of_a_city_supervisor_shows_each_halls_own_figures(qtbot, reckoned, tmp_path, monkeypatch):
    """From the main window: 台账 → 时限预警清单 and 容缺台账, 导出Excel, read back with openpyxl."""
    from PySide6.QtCore import QDate

    from counter_app.hall import calendar_notice
    from counter_app.ui import registers_page

    monkeypatch.setattr(calendar_notice, "next_year_notice", lambda *_a: None)
    shown = []  # the "导出完成" message a person reads and closes
    monkeypatch.setattr(registers_page.QMessageBox, "information", staticmethod(lambda *a, **k: shown.append(a[2])))
    db, who, _hall_b, cases = reckoned
    _window, page = open_page(qtbot, db, who["city1"], "registers")
    page.date_from.setDate(QDate(2026, 11, 1))  # the page opens on the current month
    sheets = {}
    for kind in ("warnings", "deferred"):
        page.set_kind(kind)
        page.query()
        wait_idle(qtbot)
        task = page.export_to(tmp_path / f"{kind}.xlsx")
        qtbot.waitUntil(lambda t=task: t.outcome is not None, timeout=20_000)
        assert task.outcome == "success"
        sheets[kind] = openpyxl.load_workbook(tmp_path / f"{kind}.xlsx").active
    assert len(shown) == 2 and shown[0].startswith("已导出 4 行")
    warnings_sheet = sheets["warnings"]
    header = next(i for i in range(1, 10) if warnings_sheet.cell(i, 4).value == "申请编号")
    found = {}
    for row in warnings_sheet.iter_rows(min_row=header + 1, values_only=True):
        if row[3] in cases.values():
            found[row[3]] = (row[0], row[9], row[10], row[12])
    assert found == {cases[k]: v for k, v in EXPECTED_WARNINGS.items()}
    notes = [warnings_sheet.cell(i, 1).value or "" for i in range(1, header)]
    assert any("2个营业厅" in n for n in notes) and any("各营业厅按本厅的节假日和环节时限计算" in n for n in notes)
    deferred_sheet = sheets["deferred"]
    header = next(i for i in range(1, 10) if deferred_sheet.cell(i, 1).value == "申请编号")
    overdue = {row[0]: row[10] for row in deferred_sheet.iter_rows(min_row=header + 1, values_only=True)
               if row[0] in cases.values()}
    assert overdue == {cases["RA"]: 3, cases["RB"]: 2}


def test_the_workload_of_several_halls_times_each_against_its_own_standard(reckoned):
    db, who, hall_b, _cases = reckoned
    city = who["city1"]
    assert registers.register_columns("workload", db, city)[6].title == "20分钟内办结件数"
    with db.write() as s:
        hall_mod.set_setting(s, who["adminb"], hall_b.id, "counter_standard_minutes", 10)
    assert registers.register_columns("workload", db, city)[6].title == "本厅标准用时内办结件数"
    assert registers.register_columns("workload", db, city, hall_b.id)[6].title == "10分钟内办结件数"
    # every case took 900 s at the counter: within A's 20 minutes, over B's 10
    rows = {r[0]: r[6] for r in registers.fetch(db, city, "workload", RegisterFilter(), 0, 50)}
    assert rows == {"FZGL01 1号窗口": 3, "FZCS02 1号窗口": 0}


# --- the audit trail ------------------------------------------------------------------------------


@pytest.fixture
def audited(two_halls):  # noqa: F811 (fixture)
    """Sign-ins in each hall, and an entry of no hall (the PC's own user, a hall-less admin)."""
    from counter_app.infra.context import system_actor
    from counter_app.security import audit

    db, who, hall_b = two_halls
    users.sign_in(db, "clerk1", PASSWORD, pc="PC-A", window_no=1)
    users.sign_in(db, "clerkb", PASSWORD, pc="PC-B", window_no=1)
    users.sign_in(db, "clerkb", PASSWORD, pc="PC-B", window_no=1)
    with db.write() as s:
        audit.record(s, system_actor(None), "db_upgrade", "schema", "0014")
    return db, who, hall_b


def _logins(db, actor) -> list[str]:
    return sorted(r.username for r in audit_trail.view(db, actor, audit_trail.AuditFilter(action="login")))


def test_the_audit_trail_keeps_to_the_readers_halls(audited):
    db, who, _hall_b = audited
    assert _logins(db, who["super1"]) == ["clerk1"]
    assert _logins(db, who["superb"]) == ["clerkb", "clerkb"]
    assert _logins(db, who["city1"]) == ["clerk1", "clerkb", "clerkb"]
    upgrade = audit_trail.AuditFilter(action="db_upgrade")
    # an entry of no hall: for accounts of no hall only
    assert audit_trail.total(db, who["super1"], upgrade) == audit_trail.total(db, who["superb"], upgrade) == 0
    assert audit_trail.total(db, who["city1"], upgrade) == 1
    everything = audit_trail.AuditFilter()
    total_a = audit_trail.total(db, who["super1"], everything)
    total_b = audit_trail.total(db, who["superb"], everything)
    with db.read() as s:  # the whole trail: both halls' entries and those of no hall (city1's own creation)
        whole, of_no_hall = audit_trail.count(s, everything), s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.hall_id.is_(None)))
    assert of_no_hall >= 1 and whole == total_a + total_b + of_no_hall
    assert audit_trail.total(db, who["city1"], everything) == whole
    assert len(audit_trail.view(db, who["superb"], everything, limit=500)) == total_b
    exported = list(audit_trail.export_rows(db, who["superb"], everything))
    assert len(exported) == total_b and "clerkb" in {row[2] for row in exported}
    assert not {row[2] for row in exported} & {"clerk1", "super1", "admin1"}


def test_the_audit_page_and_export_of_a_hall_show_that_hall_only(qtbot, audited, tmp_path, monkeypatch):
    from counter_app.hall import calendar_notice

    monkeypatch.setattr(calendar_notice, "next_year_notice", lambda *_a: None)
    db, who, _hall_b = audited
    _window, page = open_page(qtbot, db, who["superb"], "audit")
    wait_idle(qtbot)
    shown = {row.username for row in page.model.rows}
    assert "clerkb" in shown and "clerk1" not in shown
    assert page.model.total == audit_trail.total(db, who["superb"], audit_trail.AuditFilter())
    task = page.export_to(tmp_path / "audit.xlsx")
    qtbot.waitUntil(lambda: task.outcome is not None, timeout=20_000)
    assert task.outcome == "success"
    sheet = openpyxl.load_workbook(tmp_path / "audit.xlsx").active
    names = {row[2] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)}
    assert "clerkb" in names and "clerk1" not in names
    # a city supervisor's export names its halls (no single hall to name)
    result = audit_export.export_xlsx(db, who["city1"], audit_trail.AuditFilter(action="login"), tmp_path / "c.xlsx")
    city_sheet = openpyxl.load_workbook(result.path).active
    assert city_sheet["A1"].value.startswith("2个营业厅")
    assert result.rows == 3
