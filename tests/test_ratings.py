"""The customer's side in the domain: 请核对 before printing, 好差评, follow-ups, the external plug-in."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from counter_app import documents
from counter_app.acceptance import service as acceptance
from counter_app.customer import confirmation, ratings
from counter_app.customer import settings as customer_settings
from counter_app.customer import view as customer_view
from counter_app.infra.errors import PermissionDenied, UserError, ValidationFailed
from counter_app.models import AuditEntry, RatingFollowUp, ServiceRating
from tests.acceptance_helpers import enterprise_increase, residential
from tests.conftest import setup_hall


@pytest.fixture
def hall(db, frozen_now):
    return setup_hall(db)


def _turn_on(db, actors, on=True):
    customer_settings.save(db, actors["admin1"], confirmation_required=on, rating_timeout_seconds=30,
                           notice="请携带身份证")


def test_customer_sheet_masks_what_bystanders_should_not_read():
    inp = enterprise_increase()
    sheet = customer_view.build(inp)
    assert sheet.value("cert_number").endswith(inp.cert_number[-4:])
    assert sheet.value("cert_number").count("*") == len(inp.cert_number) - 4
    assert sheet.value("contact_mobile") == "139****1234"
    assert inp.agent_cert_number[-4:] in sheet.value("agent") and inp.agent_cert_number not in sheet.value("agent")
    assert sheet.value("capacity") == "30 kW（原有 50 kW）"
    assert "补交期限保存后确定" in sheet.value("materials_deferred")
    assert sheet.value("due_date") == "保存后生成"


def test_documents_print_only_after_the_customer_confirmed(db, hall):
    actors = hall
    clerk = actors["clerk1"]
    saved = acceptance.save(db, clerk, enterprise_increase())
    # off (the default): printing as before
    assert documents.render(db, clerk, saved.application_id, "form").data[:4] == b"%PDF"
    _turn_on(db, actors)
    with pytest.raises(UserError, match="客户尚未在客户屏核对确认"):
        documents.render(db, clerk, saved.application_id, "form")
    state = confirmation.state(db, clerk, saved.application_id)
    assert state.required and not state.confirmed and not state.printable
    # the stored sheet carries the due dates the customer signs for
    assert "前补交" in state.sheet.value("materials_deferred") and "前办结" in state.sheet.value("due_date")

    state = confirmation.record(db, clerk, saved.application_id, "correction", "screen", "address")
    assert not state.confirmed and state.last.describe().startswith("客户要求更正：用电地址")
    state = confirmation.record(db, clerk, saved.application_id, "confirmed", "clerk_key")
    assert state.confirmed and state.last.method == "clerk_key"
    assert documents.render(db, clerk, saved.application_id, "form").data[:4] == b"%PDF"

    # a correction after the confirmation needs a new one
    loaded = acceptance.load(db, clerk, saved.application_id)
    changed = dataclasses.replace(loaded.input, address_detail="建新镇工业路20号")
    acceptance.update(db, clerk, saved.application_id, loaded.version, changed)
    with pytest.raises(UserError, match="客户尚未"):
        documents.render(db, clerk, saved.application_id, "form")
    assert confirmation.record(db, clerk, saved.application_id, "confirmed", "screen").confirmed
    with db.read() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("customer_%")).order_by(AuditEntry.id)).all()
    assert actions == ["customer_correction", "customer_confirm", "customer_confirm"]


def test_only_the_clerk_records_confirmations(db, hall):
    saved = acceptance.save(db, hall["clerk1"], residential())
    with pytest.raises(PermissionDenied):
        confirmation.record(db, hall["back1"], saved.application_id, "confirmed", "screen")
    with pytest.raises(ValidationFailed):
        confirmation.record(db, hall["clerk1"], saved.application_id, "correction", "screen", "nonsense")


def test_rating_levels_timeout_and_follow_up(db, hall, frozen_now):
    clerk = hall["clerk1"]
    system = ratings.SimulatedEvaluationSystem()
    ids = [acceptance.save(db, clerk, residential(number=None, holder_name="张三李四王五"[i] + "明", cert_number=_id(i))).application_id
           for i in range(3)]
    good = ratings.record(db, clerk, ids[0], ratings.RatingInput("very_satisfied"), requested_at=frozen_now,
                          system=system)
    assert good.follow_up_id is None and good.external_ref == "SIM-000001"
    bad = ratings.record(db, clerk, ids[1], ratings.RatingInput("very_dissatisfied", ("办理时间长",), "太慢"),
                         requested_at=frozen_now, system=system)
    # 2026-11-24 + 15 working days (no holidays in between)
    assert bad.follow_up_due == dt.date(2026, 12, 15)
    none = ratings.record_not_rated(db, clerk, ids[2], requested_at=frozen_now)
    assert none.level == "none" and none.follow_up_id is None
    with pytest.raises(UserError, match="一次一评"):
        ratings.record(db, clerk, ids[0], ratings.RatingInput("satisfied"), requested_at=frozen_now)
    with pytest.raises(ValidationFailed):
        ratings.record(db, clerk, ids[0], ratings.RatingInput("satisfied", ("办理时间长",)), requested_at=frozen_now)
    with db.read() as session:
        rows = {r.application_id: r for r in session.scalars(select(ServiceRating))}
    assert rows[ids[1]].reasons == ["办理时间长"] and rows[ids[1]].window_id == clerk.window_id
    assert rows[ids[2]].rated_at is None and rows[ids[2]].source == "timeout"
    assert [e.level for e in system.sent] == ["very_satisfied", "very_dissatisfied"]

    supervisor = hall["super1"]
    with pytest.raises(PermissionDenied):
        ratings.follow_ups(db, clerk)
    [row] = ratings.follow_ups(db, supervisor)
    assert row.state_label == "待整改" and row.comment == "太慢"
    with pytest.raises(ValidationFailed, match="先登记整改"):
        ratings.record_visit(db, supervisor, row.id, "satisfied")
    with pytest.raises(ValidationFailed):
        ratings.record_rectification(db, supervisor, row.id, "  ")
    ratings.record_rectification(db, supervisor, row.id, "窗口增设引导员，受理员业务培训")
    ratings.record_visit(db, supervisor, row.id, "basic", "客户表示理解")
    [row] = ratings.follow_ups(db, supervisor)
    assert row.state_label == "已回访" and row.visited_by == "赵班长"
    assert ratings.follow_ups(db, supervisor, open_only=True) == []


def test_external_system_outage_keeps_the_rating(db, hall, frozen_now):
    clerk = hall["clerk1"]
    app_id = acceptance.save(db, clerk, residential()).application_id
    ratings.register("broken-test", lambda: ratings.SimulatedEvaluationSystem(name="broken-test", fail_with="平台离线"))
    result = ratings.record(db, clerk, app_id, ratings.RatingInput("satisfied"), requested_at=frozen_now,
                            system=ratings.create("broken-test"))
    assert result.external_error == "平台离线"
    with db.read() as session:
        rating = session.scalar(select(ServiceRating))
    assert rating.level == "satisfied" and rating.external_error == "平台离线"
    assert "simulated" in ratings.available()
    assert isinstance(ratings.create("unknown"), ratings.NoExternalSystem)


def test_overdue_follow_up_is_flagged(db, hall, frozen_now):
    clerk = hall["clerk1"]
    app_id = acceptance.save(db, clerk, residential()).application_id
    ratings.record(db, clerk, app_id, ratings.RatingInput("dissatisfied"), requested_at=frozen_now)
    with db.write() as session:
        session.scalar(select(RatingFollowUp)).due_date = dt.date(2026, 11, 1)
    [row] = ratings.follow_ups(db, hall["super1"])
    assert row.overdue and row.state_label == "待整改（已超期）"


def test_settings_are_checked(db, hall):
    with pytest.raises(ValidationFailed, match="评价等待时间"):
        customer_settings.save(db, hall["admin1"], confirmation_required=True, rating_timeout_seconds=5, notice="")
    with pytest.raises(PermissionDenied):
        customer_settings.save(db, hall["clerk1"], confirmation_required=True, rating_timeout_seconds=60, notice="")
    _turn_on(db, hall)
    loaded = customer_settings.load(db)
    assert loaded.confirmation_required and loaded.rating_timeout_seconds == 30 and loaded.hall_name


def _id(i):
    from tests.factories import resident_id

    return resident_id(100 + i)


def test_rating_register_workload_share_and_cli_export(sqlite_db, frozen_now, tmp_path, capsys):
    import openpyxl

    from counter_app import cli
    from counter_app.reporting import registers
    from counter_app.reporting.registers import RegisterFilter

    db = sqlite_db
    actors = setup_hall(db)
    c1, c2 = actors["clerk1"], actors["clerk2"]
    levels = {c1: ["very_satisfied", "satisfied", "dissatisfied", None], c2: ["basic", "very_dissatisfied"]}
    n = 0
    for clerk, wanted in levels.items():
        for level in wanted:
            n += 1
            app_id = acceptance.save(db, clerk, residential(cert_number=_id(n))).application_id
            if level is None:
                ratings.record_not_rated(db, clerk, app_id, requested_at=frozen_now)
            else:
                ratings.record(db, clerk, app_id, ratings.RatingInput(level), requested_at=frozen_now)
    confirmation.record(db, c1, 1, "confirmed", "screen")
    # one case never asked (rated neither way): 未评价 too
    acceptance.save(db, c2, residential(cert_number=_id(50)))
    sup = actors["super1"]
    rows = registers.fetch(db, sup, "ratings", RegisterFilter(), 0, 50)
    assert registers.first_page(db, sup, "ratings", RegisterFilter(), 50) == (len(rows), rows)  # opening it
    assert [r[8] for r in rows] == ["非常满意", "满意", "不满意", "未评价", "基本满意", "非常不满意", "未评价"]
    assert rows[0][6].startswith("客户在客户屏点按确认") and rows[1][6] == "未要求"  # the hall never asked for it
    assert rows[2][13] == "待整改" and rows[2][12] == dt.date(2026, 12, 15)
    w1, w2 = registers.fetch(db, sup, "workload", RegisterFilter(), 0, 50)
    assert w1[8:] == (3, pytest.approx(2 / 3), 1, 1)  # 未评价 does not count as satisfied
    assert w2[8:] == (2, 0.5, 1, 1)

    target = tmp_path / "评价台账.xlsx"
    assert cli.main(["--db", db.url, "export", "ratings", "--from", "2026-11-01", "--to", "2026-11-30",
                     "-o", str(target)]) == 0
    assert "已导出评价台账 7 行" in capsys.readouterr().out
    ws = openpyxl.load_workbook(target).active
    values = [c.value for row in ws.iter_rows() for c in row]
    assert "评价台账" in ws["A1"].value and "非常不满意" in values and "未评价" in values


def test_demo_hall_holds_confirmations_and_ratings_of_every_level(sqlite_db):
    from sqlalchemy import func

    from counter_app.demo.generator import DemoOptions, generate
    from counter_app.models import Application, CustomerConfirmation
    from counter_app.reporting import registers
    from counter_app.reporting.registers import RegisterFilter

    now = dt.datetime(2026, 11, 24, 16, 30)
    generate(sqlite_db, DemoOptions(applications=300, seed=3, now=now))
    with sqlite_db.read() as s:
        levels = dict(s.execute(select(ServiceRating.level, func.count()).group_by(ServiceRating.level)).all())
        assert set(levels) == {*ratings.LEVELS, "none"}
        assert sum(levels.values()) == s.scalar(select(func.count()).select_from(Application)) == 300
        follow = s.scalars(select(RatingFollowUp)).all()
        assert len(follow) == levels["dissatisfied"] + levels["very_dissatisfied"]
        assert any(f.visited_at for f in follow) and any(f.rectified_at is None for f in follow)
        methods = set(s.scalars(select(CustomerConfirmation.method)).all())
        assert methods == {"screen", "clerk_key"}
        recent = s.scalar(select(CustomerConfirmation.application_id)
                          .where(CustomerConfirmation.outcome == "confirmed").order_by(CustomerConfirmation.id.desc()))
        clerk_id, window_id = s.execute(select(Application.clerk_id, Application.window_id)
                                        .where(Application.id == recent)).one()
    clock_now = now
    from counter_app.infra import clock
    from counter_app.models import CounterWindow, User
    from counter_app.security import credentials as users

    clock.freeze(clock_now)
    try:
        with sqlite_db.read() as s:
            user = s.get(User, clerk_id)
            actor = users.actor_for(user, hall_id=1, window=s.get(CounterWindow, window_id), pc="demo")
            supervisor = users.actor_for(s.scalar(select(User).where(User.role == "supervisor")), hall_id=1,
                                         window=None, pc="demo")
        # a confirmed demo case prints: its confirmation matches the stored data
        assert confirmation.state(sqlite_db, actor, recent).confirmed
        assert documents.render(sqlite_db, actor, recent, "form").data[:4] == b"%PDF"
        rows = registers.fetch(sqlite_db, supervisor, "ratings", RegisterFilter(), 0, 400)
        assert len(rows) == 300 and {r[8] for r in rows} == set(ratings.LEVEL_LABELS.values())
        assert ratings.follow_ups(sqlite_db, supervisor, open_only=True)
    finally:
        clock.freeze(None)
