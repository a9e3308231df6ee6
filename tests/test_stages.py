"""Stages: advance / send back / complete with working-day due dates (调休, overrides, unknown years)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from counter_app.hall import settings_admin as settings_service
from counter_app.infra import clock
from counter_app.infra.errors import PermissionDenied, StaleEdit, UserError, ValidationFailed
from counter_app.models import Application, AuditEntry, StageEvent
from counter_app.tracking import stages
from tests.factories import make_accepted_application, make_customer

D = dt.date
T = dt.datetime


@pytest.fixture
def freeze():
    def _freeze(moment: dt.datetime) -> None:
        clock.freeze(moment)

    yield _freeze
    clock.freeze(None)


def new_app(db, actors, accepted_at, **kw) -> Application:
    clerk = actors["clerk1"]
    with db.write() as s:
        app = make_accepted_application(s, make_customer(s), window_id=clerk.window_id, clerk_id=clerk.user_id,
                                        accepted_at=accepted_at, **kw)
        return s.get(Application, app.id)


def version_of(db, app_id) -> int:
    with db.read() as s:
        return s.get(Application, app_id).version


def advance(db, actor, app_id, at, handler="陈后台", note=""):
    return stages.advance(db, actor, app_id, version=version_of(db, app_id), handler=handler, note=note, at=at)


def test_spring_festival_2026_due_dates_count_makeup_saturdays(db, actors, freeze):
    # GIVEN a residential application accepted on Friday 2026-02-13, the day before the make-up Saturday
    freeze(T(2026, 3, 2, 9, 0))
    app = new_app(db, actors, T(2026, 2, 13, 9, 0))
    back = actors["back1"]
    assert app.stage_due_date == D(2026, 2, 14)  # accept: 1 working day → make-up Saturday 2/14
    # WHEN the back office starts the survey on the make-up Saturday
    survey = advance(db, back, app.id, T(2026, 2, 14, 10, 0))
    # THEN 2 working days skip the holiday 2/15–2/23: 2/24, 2/25
    assert (survey.stage, survey.due) == ("survey", stages.Deadline(D(2026, 2, 25), False))
    connect = advance(db, back, app.id, T(2026, 2, 25, 16, 0), handler="装表班张工")
    # 2 working days: 2/26, 2/27
    assert connect.due.day == D(2026, 2, 27) and not connect.due.estimated
    assert "2026-02-27" in connect.message() and "预估" not in connect.message()


def test_whole_process_deadline_over_spring_festival(db, actors, freeze):
    freeze(T(2026, 3, 2, 9, 0))
    app = new_app(db, actors, T(2026, 2, 13, 9, 0))
    # 5 working days after Fri 2/13: 2/14 (Sat, make-up), 2/24, 2/25, 2/26, 2/27
    assert app.due_date == D(2026, 2, 27) and not app.due_estimated


def test_national_day_2026_with_makeup_sunday_and_saturday(db, actors, freeze):
    freeze(T(2026, 10, 20, 9, 0))
    app = new_app(db, actors, T(2026, 9, 18, 15, 0))  # Friday; 9/19 Sat off, 9/20 Sun make-up
    assert app.stage_due_date == D(2026, 9, 20)
    back = actors["back1"]
    survey = advance(db, back, app.id, T(2026, 9, 30, 9, 0))
    assert survey.due.day == D(2026, 10, 9)  # holiday 10/1–10/7, then 10/8, 10/9
    connect = advance(db, back, app.id, T(2026, 10, 9, 17, 0))
    assert connect.due.day == D(2026, 10, 12)  # 10/10 (Sat, make-up), 10/12


def test_deadline_in_2027_is_estimated_and_labelled(db, actors, freeze):
    # GIVEN a high-voltage application whose supply-plan reply (10 working days) runs into 2027
    freeze(T(2026, 12, 28, 9, 0))
    app = new_app(db, actors, T(2026, 12, 21, 9, 0), business_type="hv_new", load_importance="普通")
    back = actors["back1"]
    advance(db, back, app.id, T(2026, 12, 22, 9, 0))
    reply = advance(db, back, app.id, T(2026, 12, 24, 9, 0))
    # THEN the due date is computed from weekends and flagged, never silently presented as official
    assert reply.stage == "plan_reply"
    assert reply.due.estimated and reply.due.day.year == 2027
    assert "预估" in reply.message()
    with db.read() as s:
        event = s.scalars(select(StageEvent).where(StageEvent.application_id == app.id,
                                                   StageEvent.stage == "plan_reply")).one()
        assert event.due_estimated
        assert stages.current_deadline(s.get(Application, app.id)).label().endswith("（预估）")


def test_confirmed_year_overrides_make_2027_official(db, actors, freeze):
    # an admin entered the 2027 New Year holiday from the State Council notice and confirmed the year
    freeze(T(2026, 12, 30, 9, 0))
    admin = actors["admin1"]
    settings_service.save(db, admin, settings_service.SettingsUpdate(
        add_overrides=[(D(2027, 1, 1), False, "元旦")], confirmed_years=[2027]))
    app = new_app(db, actors, T(2026, 12, 30, 9, 0))
    assert app.stage_due_date == D(2026, 12, 31)
    survey = advance(db, actors["back1"], app.id, T(2026, 12, 30, 9, 5))
    assert survey.due == stages.Deadline(D(2027, 1, 4), False)  # 12/31, (1/1 off), 1/4


def test_hall_override_holiday_moves_due_date(db, actors, freeze):
    freeze(T(2026, 11, 24, 9, 0))
    settings_service.save(db, actors["admin1"], settings_service.SettingsUpdate(
        add_overrides=[(D(2026, 11, 25), False, "停电检修全厅休息")]))
    app = new_app(db, actors, T(2026, 11, 24, 8, 30))
    assert app.stage_due_date == D(2026, 11, 26)


def test_important_customer_passes_design_review_and_mid_check(db, actors, freeze):
    freeze(T(2026, 11, 24, 9, 0))
    plain = new_app(db, actors, T(2026, 11, 2, 9, 0), business_type="hv_new", load_importance="普通")
    vip = new_app(db, actors, T(2026, 11, 2, 9, 0), business_type="hv_new", load_importance="重要")
    with db.read() as s:
        assert [x.code for x in stages.plan_for(s.get(Application, plain.id))] == [
            "accept", "survey", "plan_reply", "completion_check", "connect", "archive"]
        assert [x.code for x in stages.plan_for(s.get(Application, vip.id))] == [
            "accept", "survey", "plan_reply", "design_review", "mid_check", "completion_check", "connect", "archive"]
    back = actors["back1"]
    moments = [T(2026, 11, 3, 9, 0), T(2026, 11, 4, 9, 0), T(2026, 11, 5, 9, 0)]
    assert [advance(db, back, plain.id, m).stage for m in moments] == ["survey", "plan_reply", "completion_check"]
    assert [advance(db, back, vip.id, m).stage for m in moments] == ["survey", "plan_reply", "design_review"]


def test_full_run_to_archive_completes_and_stops(db, actors, freeze):
    freeze(T(2026, 11, 24, 9, 0))
    app = new_app(db, actors, T(2026, 11, 16, 9, 0))
    back = actors["back1"]
    advance(db, back, app.id, T(2026, 11, 17, 9, 0))
    advance(db, back, app.id, T(2026, 11, 18, 9, 0))
    result = stages.advance(db, back, app.id, version=version_of(db, app.id), handler="资料室刘",
                            at=T(2026, 11, 19, 9, 0), archive=True)
    assert result.status == "completed" and "归档办结" in result.message()
    with db.read() as s:
        done = s.get(Application, app.id)
        assert done.status == "completed" and done.completed_at == T(2026, 11, 19, 9, 0)
        events = done.stage_events
        assert [(e.stage, e.action) for e in events] == [
            ("accept", "enter"), ("survey", "enter"), ("connect", "enter"), ("archive", "complete")]
        assert all(e.ended_at is not None for e in events)
        assert events[0].ended_at == T(2026, 11, 17, 9, 0)
    with pytest.raises(UserError, match="已办结"):
        advance(db, back, app.id, T(2026, 11, 20, 9, 0))


def test_archiving_refused_while_stages_remain(db, actors, freeze):
    freeze(T(2026, 11, 24, 9, 0))
    app = new_app(db, actors, T(2026, 11, 23, 9, 0))
    with pytest.raises(UserError, match="还有环节未完成（现场勘查、装表接电）"):
        stages.advance(db, actors["back1"], app.id, version=version_of(db, app.id), handler="刘", archive=True)


def test_send_back_needs_reason_and_earlier_stage(db, actors, freeze):
    freeze(T(2026, 11, 24, 15, 0))
    app = new_app(db, actors, T(2026, 11, 20, 9, 0))
    back = actors["back1"]
    advance(db, back, app.id, T(2026, 11, 23, 9, 0))
    v = version_of(db, app.id)
    with pytest.raises(ValidationFailed) as exc:
        stages.send_back(db, back, app.id, version=v, to_stage="accept", handler="王小明", note=" ")
    assert exc.value.field == "note"
    with pytest.raises(ValidationFailed) as exc:
        stages.send_back(db, back, app.id, version=v, to_stage="connect", handler="王小明", note="资料不全")
    assert exc.value.field == "to_stage"
    result = stages.send_back(db, back, app.id, version=v, to_stage="accept", handler="王小明",
                              note="产权证明与用电地址不符", at=T(2026, 11, 24, 14, 0))
    assert result.stage == "accept" and result.due.day == D(2026, 11, 25)
    with db.read() as s:
        a = s.get(Application, app.id)
        assert a.current_stage == "accept" and a.current_handler == "王小明"
        assert a.stage_events[-1].action == "return" and a.stage_events[-1].note == "产权证明与用电地址不符"
        assert a.stage_events[-2].ended_at == T(2026, 11, 24, 14, 0)
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "stage_return")) is not None


def test_stale_version_is_refused_with_clear_message(db, actors, freeze):
    freeze(T(2026, 11, 24, 10, 0))
    app = new_app(db, actors, T(2026, 11, 23, 9, 0))
    back = actors["back1"]
    seen = version_of(db, app.id)
    stages.advance(db, back, app.id, version=seen, handler="陈后台", at=T(2026, 11, 24, 9, 0))
    with pytest.raises(StaleEdit) as exc:
        stages.advance(db, back, app.id, version=seen, handler="另一人")
    assert "已被陈后台" in str(exc.value) and "请刷新后重新操作" in str(exc.value)
    with db.read() as s:
        assert s.get(Application, app.id).current_stage == "survey"


def test_move_time_must_be_within_the_open_stage(db, actors, freeze):
    freeze(T(2026, 11, 24, 10, 0))
    app = new_app(db, actors, T(2026, 11, 23, 9, 0))
    back = actors["back1"]
    with pytest.raises(ValidationFailed, match="不能早于当前环节开始时间") as exc:
        advance(db, back, app.id, T(2026, 11, 22, 9, 0))
    assert exc.value.field == "at"
    with pytest.raises(ValidationFailed, match="不能晚于当前时间"):
        advance(db, back, app.id, T(2026, 11, 25, 9, 0))
    with pytest.raises(ValidationFailed, match="请填写处理人"):
        advance(db, back, app.id, T(2026, 11, 24, 9, 0), handler="  ")


def test_clerk_may_not_move_stages_and_refusal_is_audited(db, actors, freeze):
    freeze(T(2026, 11, 24, 10, 0))
    app = new_app(db, actors, T(2026, 11, 23, 9, 0))
    with pytest.raises(PermissionDenied, match="无权流转环节"):
        advance(db, actors["clerk1"], app.id, T(2026, 11, 24, 9, 0))
    with pytest.raises(PermissionDenied):
        stages.terminate(db, actors["back1"], app.id, version=None, reason="客户撤回")
    with db.read() as s:
        refusals = s.scalars(select(AuditEntry).where(AuditEntry.outcome == "refused")).all()
        assert {r.username for r in refusals} == {"clerk1", "back1"}
        assert s.get(Application, app.id).current_stage == "accept"


def test_terminate_by_supervisor(db, actors, freeze):
    freeze(T(2026, 11, 24, 10, 0))
    app = new_app(db, actors, T(2026, 11, 23, 9, 0))
    with pytest.raises(ValidationFailed, match="请填写终止原因"):
        stages.terminate(db, actors["super1"], app.id, version=None, reason="")
    result = stages.terminate(db, actors["super1"], app.id, version=version_of(db, app.id), reason="客户书面撤回申请")
    assert result.status == "terminated"
    with db.read() as s:
        a = s.get(Application, app.id)
        assert a.status == "terminated" and a.terminated_reason == "客户书面撤回申请"
        assert [e.action for e in a.stage_events] == ["enter", "terminate"]


def test_stage_limit_change_applies_to_new_applications_only(db, actors, freeze):
    # GIVEN an application accepted under the default survey limit (2 working days)
    freeze(T(2026, 11, 23, 9, 0))
    old = new_app(db, actors, T(2026, 11, 23, 8, 30))
    # WHEN the admin shortens the survey to 1 working day
    freeze(T(2026, 11, 23, 12, 0))
    changed = settings_service.save(db, actors["admin1"], settings_service.SettingsUpdate(
        stage_limits={("lv_res_new", "survey"): 1}))
    assert changed == ["环节时限"]
    freeze(T(2026, 11, 24, 10, 0))
    new = new_app(db, actors, T(2026, 11, 23, 14, 0))
    # THEN the old application keeps 2 days, the new one gets 1
    assert advance(db, actors["back1"], old.id, T(2026, 11, 24, 9, 0)).due.day == D(2026, 11, 26)
    assert advance(db, actors["back1"], new.id, T(2026, 11, 24, 9, 0)).due.day == D(2026, 11, 25)


def test_move_options_for_the_dialog(db, actors, freeze):
    freeze(T(2026, 11, 24, 10, 0))
    app = new_app(db, actors, T(2026, 11, 23, 9, 0), business_type="hv_new", load_importance="重要")
    back = actors["back1"]
    advance(db, back, app.id, T(2026, 11, 24, 9, 0))
    options = stages.move_options(db, back, app.id)
    assert options.current_stage_name == "现场勘查" and options.next_stage.code == "plan_reply"
    assert options.next_due_if_now.day == D(2026, 12, 8)  # 10 working days after 11/24
    assert [s.code for s in options.return_targets] == ["accept"]
    assert "陈后台" in options.handler_suggestions and "赵班长" in options.handler_suggestions
    assert options.can_move and options.version == version_of(db, app.id)
