"""The acceptance service on SQLite and PostgreSQL: one transaction per acceptance, materials,
commitments, first stage event, flags, blacklist, edits with optimistic locking."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from counter_app.acceptance import service as acceptance
from counter_app.acceptance import survey
from counter_app.infra.errors import (
    DatabaseUnavailable,
    PermissionDenied,
    StaleEdit,
    UserError,
    ValidationFailed,
)
from counter_app.models import (
    Application,
    AuditEntry,
    Certificate,
    Commitment,
    Customer,
    Material,
    MaterialOnFile,
    StageEvent,
    SurveyAppointment,
)
from tests.acceptance_helpers import CREDIT_CODE, enterprise_increase, residential
from tests.factories import blacklist, resident_id


def test_residential_new_with_deferred_property_proof(db, actors, frozen_now):
    clerk = actors["clerk1"]
    inp = residential(
        materials={"property_proof": "deferred"},
        cert_entered_at=frozen_now - dt.timedelta(minutes=6, seconds=30),
    )

    result = acceptance.save(db, clerk, inp)

    assert result.number == "FZGL01-20261124-0001"
    assert result.counter_seconds == 390
    assert result.deferred[0][1] == dt.date(2026, 11, 27)  # 3 working days after Tue 24 Nov
    with db.read() as s:
        app = s.get(Application, result.application_id)
        assert (app.current_stage, app.status, app.current_handler) == ("accept", "active", "王小明")
        assert app.window_id == clerk.window_id and app.clerk_id == clerk.user_id
        assert app.stage_due_date == dt.date(2026, 11, 25)
        assert app.due_date == dt.date(2026, 12, 1)  # residential: 5 working days
        assert app.usage_category == "居民生活" and app.supply_voltage == "220V"
        assert app.applied_capacity == Decimal("8") and app.total_capacity == Decimal("8")
        states = {m.code: (m.state, m.due_date) for m in app.materials}
        assert states == {
            "holder_id": ("received", None),
            "property_proof": ("deferred", dt.date(2026, 11, 27)),
        }
        commitments = {c.kind: c for c in app.commitments}
        assert set(commitments) == {"authenticity", "deferral"}
        assert commitments["deferral"].items == [
            {"code": "property_proof", "name": app.materials[1].name, "due_date": "2026-11-27"}
        ]
        (event,) = app.stage_events
        assert (
            event.stage,
            event.action,
            event.started_at,
            event.due_date,
            event.handler,
            event.actor_id,
        ) == ("accept", "enter", frozen_now, dt.date(2026, 11, 25), "王小明", clerk.user_id)
        cert = app.certificate
        assert cert.verified_by_id == clerk.user_id and cert.verified_at == frozen_now
        assert cert.sex == "男" and cert.birth_date == dt.date(1985, 6, 15)
        on_file = s.scalars(select(MaterialOnFile)).all()
        assert [(m.code, m.valid_until) for m in on_file] == [("holder_id", dt.date(2035, 6, 30))]
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "accept"))
        assert entry.target_id == str(app.id) and json.loads(entry.detail)["deferred"] == ["property_proof"]


def test_numbers_follow_each_other_and_customer_is_reused(db, actors, frozen_now):
    number = resident_id(12)
    first = acceptance.save(db, actors["clerk1"], residential(number))
    second = acceptance.save(
        db,
        actors["clerk2"],
        residential(number, business_type="lv_res_increase", existing_capacity="4", applied_capacity="4",
                    account_number="3501000123457"),
    )
    assert second.number == "FZGL01-20261124-0002"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 1
        assert s.scalar(select(func.count()).select_from(Certificate)) == 1
        app = s.get(Application, second.application_id)
        assert app.total_capacity == Decimal("8") and app.window_id == actors["clerk2"].window_id
    assert first.application_id != second.application_id


def test_enterprise_increase_through_an_agent(db, actors, frozen_now):
    result = acceptance.save(db, actors["clerk1"], enterprise_increase())
    with db.read() as s:
        app = s.get(Application, result.application_id)
        assert app.customer.kind == "organisation" and app.customer.legal_rep_name == "林大海"
        assert (app.agent_name, app.agent_mobile) == ("陈小平", "13600001111")
        assert app.total_capacity == Decimal("80") and app.supply_voltage == "380V"
        assert app.due_date == dt.date(2026, 12, 1)  # low voltage without external works: 5 working days
        assert app.vat_bank == "中国工商银行福州仓山支行"
        states = {m.code: m.state for m in app.materials}
        assert states == {
            "subject_cert": "received",
            "legal_rep_id": "received",
            "property_proof": "deferred",
            "equipment_list": "deferred",
            "proxy": "received",
        }
        deferral = next(c for c in app.commitments if c.kind == "deferral")
        assert [i["code"] for i in deferral.items] == ["property_proof", "equipment_list"]


def test_power_of_attorney_cannot_be_deferred(db, actors, frozen_now):
    inp = enterprise_increase(materials={"proxy": "deferred"})
    with pytest.raises(ValidationFailed) as info:
        acceptance.save(db, actors["clerk1"], inp)
    assert info.value.errors == {"material.proxy": "此项资料须在受理时提交，不能容缺"}
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Application)) == 0
        assert s.scalar(select(func.count()).select_from(Customer)) == 0  # nothing half-written


def test_known_customer_has_certificate_on_file(db, actors, frozen_now):
    number = resident_id(44)
    acceptance.save(db, actors["clerk1"], residential(number, contact_phone="0591-88888888"))

    known = acceptance.lookup_customer(db, actors["clerk2"], "id_card", number)

    assert known is not None and known.name == "张三" and known.certificate_known
    assert known.on_file == {"holder_id": dt.date(2035, 6, 30)}
    assert known.prefill["address_detail"] == "五四路88号3座1201室"
    assert known.prefill["contact_phone"] == "0591-88888888"
    assert known.flags == [] and known.application_count == 1
    assert known.open_applications[0][1:] == ("低压居民新装", "受理")
    plan = acceptance.material_plan("lv_res_increase", on_file=known.on_file, today=frozen_now.date())
    assert [(p.code, p.default_state) for p in plan] == [
        ("holder_id", "on_file"),
        ("property_proof", "received"),
    ]

    again = acceptance.save(
        db,
        actors["clerk2"],
        residential(
            number,
            business_type="lv_res_increase",
            account_number="3501000123457",
            existing_capacity="8",
            applied_capacity="4",
            materials={"holder_id": "on_file"},
        ),
    )
    with db.read() as s:
        states = {m.code: m.state for m in s.get(Application, again.application_id).materials}
        assert states["holder_id"] == "on_file"
        lookups = s.scalars(select(AuditEntry).where(AuditEntry.action == "lookup")).all()
        assert [e.username for e in lookups] == ["clerk2"]


def test_expired_material_on_file_is_asked_again(db, actors, frozen_now):
    number = resident_id(45)
    acceptance.save(db, actors["clerk1"], residential(number))
    with db.write() as s:
        s.scalar(select(MaterialOnFile)).valid_until = dt.date(2026, 1, 1)
    known = acceptance.lookup_customer(db, actors["clerk1"], "id_card", number)
    assert known.on_file == {}
    with pytest.raises(ValidationFailed) as info:
        acceptance.save(db, actors["clerk1"], residential(number, materials={"holder_id": "on_file"}))
    assert "档案中没有此项有效资料" in info.value.errors["material.holder_id"]


def test_household_register_finds_the_id_card_customer(db, actors, frozen_now):
    number = resident_id(46)
    acceptance.save(db, actors["clerk1"], residential(number))
    known = acceptance.lookup_customer(db, actors["clerk1"], "household", number)
    assert known is not None and not known.certificate_known


def test_blacklisted_customer_cannot_defer(db, actors, frozen_now):
    number = resident_id(47)
    acceptance.save(db, actors["clerk1"], residential(number))
    blacklist(db, actors["super1"], number, arrears="312.50", violation_case="2026-03 窃电案（待处理）")

    known = acceptance.lookup_customer(db, actors["clerk1"], "id_card", number)
    assert known.blacklisted
    assert known.flags == [
        "欠费：312.50 元未结清",
        "违约用电：2026-03 窃电案（待处理）",
        "失信黑名单（逾期未补交容缺资料）：不能容缺受理，资料须当场收齐",
    ]
    plan = acceptance.material_plan("lv_res_new", blacklisted=True)
    assert all("deferred" not in item.states for item in plan)

    with pytest.raises(ValidationFailed) as info:  # the service refuses even if a window lets it through
        acceptance.save(db, actors["clerk1"], residential(number, materials={"property_proof": "deferred"}))
    assert "失信名单" in info.value.errors["material.property_proof"]
    ok = acceptance.save(db, actors["clerk1"], residential(number))  # everything handed in: accepted
    assert ok.deferred == []


@pytest.mark.parametrize(
    ("number", "cert_type", "fragment"),
    [
        ("350102850615123", "id_card", "15位旧身份证号码已停止使用"),
        ("350102198506151232", "id_card", "校验位错误"),
        ("35010219851315123X", "id_card", "出生日期 19851315 不是有效日期"),
        ("3501021985061512", "id_card", "应为18位，当前为16位"),
        ("91350100M000100Y4Z", "business_licence", "不能含有字符 Z"),
        ("91350100I000100Y43", "business_licence", "不能含有字符 I"),
        ("91350100M000100Y44", "business_licence", "校验位（最后一位）错误"),
    ],
)
def test_invalid_certificate_numbers_are_refused_with_a_message(frozen_now, number, cert_type, fragment):
    from counter_app.acceptance.input_checks import validate

    inp = residential(number, cert_type=cert_type)
    if cert_type == "business_licence":
        inp = enterprise_increase(cert_number=number)
    with pytest.raises(ValidationFailed) as info:
        validate(inp, today=frozen_now.date())
    assert fragment in info.value.errors["cert_number"]


def test_unknown_area_code_and_letter_authority_are_accepted(frozen_now):
    from stdnum.cn import ric, uscc

    from counter_app.acceptance.input_checks import validate

    body = "11019919800101001"  # 110199: not in the area-code table
    checked = validate(residential(body + ric.calc_check_digit(body + "0")), today=frozen_now.date())
    assert checked.warnings and "地区码 110199" in checked.warnings[0]
    letter = "Y2350100MA2Y0B0A1"  # registration authority given as a letter
    code = letter + uscc.calc_check_digit(letter)
    assert validate(enterprise_increase(cert_number=code), today=frozen_now.date()).cert["number"] == code


def test_field_messages_are_at_their_fields(db, actors, frozen_now):
    inp = residential(
        contact_mobile="1381234567",
        contact_phone="12345",
        applied_capacity="八",
        address_detail="",
        holder_name="张\x07三",
        cert_valid_until="2020-01-01",
    )
    with pytest.raises(ValidationFailed) as info:
        acceptance.save(db, actors["clerk1"], inp)
    errors = info.value.errors
    assert errors["contact_mobile"].startswith("手机号码应为以1开头的11位数字")
    assert errors["contact_phone"].startswith("固定电话应为区号加号码")
    assert errors["applied_capacity"] == "申请容量应为数字（单位 kW），如 8 或 12.5"
    assert errors["address_detail"] == "请填写用电地址（详细地址）"
    assert "控制字符" in errors["holder_name"]
    assert "已于 2020-01-01 过期" in errors["cert_valid_until"]


def test_organisation_cannot_take_residential_type(db, actors, frozen_now):
    inp = residential(CREDIT_CODE, cert_type="business_licence", holder_name="某公司")
    with pytest.raises(ValidationFailed) as info:
        acceptance.save(db, actors["clerk1"], inp)
    assert "低压居民新装不能由单位客户办理" in info.value.errors["business_type"]


def test_permissions_and_window(db, actors, frozen_now):
    with pytest.raises(PermissionDenied):
        acceptance.save(db, actors["back1"], residential())
    no_window = actors["clerk1"].at_window(None, None)
    with pytest.raises(UserError, match="尚未指定受理窗口"):
        acceptance.save(db, no_window, residential())
    with db.read() as s:
        refused = s.scalar(select(AuditEntry).where(AuditEntry.action == "permission_denied"))
        assert refused.username == "back1" and refused.outcome == "refused"


def test_edit_at_accept_and_stale_edit(db, actors, frozen_now):
    saved = acceptance.save(db, actors["clerk1"], residential(materials={"property_proof": "deferred"}))
    # a colleague who took over window 1 handles its cases too (another window's clerk may not edit)
    colleague = actors["clerk2"].at_window(actors["clerk1"].window_id, actors["clerk1"].window_no)
    mine = acceptance.load(db, actors["clerk1"], saved.application_id)
    theirs = acceptance.load(db, colleague, saved.application_id)
    assert (
        mine.editable
        and mine.version == saved.version
        and mine.input.materials["property_proof"] == "deferred"
    )

    theirs.input.address_detail = "五四路88号3座1202室"
    theirs.input.materials["property_proof"] = "received"
    updated = acceptance.update(db, colleague, saved.application_id, theirs.version, theirs.input)
    assert updated.version == saved.version + 1 and updated.deferred == []

    mine.input.contact_mobile = "13999999999"
    with pytest.raises(StaleEdit) as info:
        acceptance.update(db, actors["clerk1"], saved.application_id, mine.version, mine.input)
    assert (
        "已被李芳" in str(info.value)
        and f"第 {saved.version} 版" in str(info.value)
        and "输入都已保留" in str(info.value)
    )
    assert mine.input.contact_mobile == "13999999999"  # the caller's input is untouched
    with db.read() as s:
        app = s.get(Application, saved.application_id)
        assert app.contact_mobile == "13812345678" and app.address_detail == "五四路88号3座1202室"
        assert [c.kind for c in app.commitments] == ["authenticity"]  # nothing deferred any more
        edits = s.scalars(select(AuditEntry).where(AuditEntry.action == "edit")).all()
        assert [e.username for e in edits] == ["clerk2"]

    again = acceptance.update(db, actors["clerk1"], saved.application_id, updated.version, mine.input)
    assert again.version == updated.version + 1


def test_edit_changes_type_and_recomputes_deadlines(db, actors, frozen_now):
    saved = acceptance.save(db, actors["clerk1"], residential())
    loaded = acceptance.load(db, actors["clerk1"], saved.application_id)
    inp = loaded.input
    inp.business_type, inp.existing_capacity, inp.applied_capacity = "lv_res_increase", "4", "6"
    inp.account_number = "3501000123457"  # an existing account: its 户号
    acceptance.update(db, actors["clerk1"], saved.application_id, loaded.version, inp)
    with db.read() as s:
        app = s.get(Application, saved.application_id)
        assert app.total_capacity == Decimal("10") and app.supply_voltage == "220V"
        assert app.stage_events[0].due_date == app.stage_due_date


def test_no_edit_after_accept_stage(db, actors, frozen_now):
    saved = acceptance.save(db, actors["clerk1"], residential())
    with db.write() as s:
        app = s.get(Application, saved.application_id)
        app.current_stage = "survey"
    loaded = acceptance.load(db, actors["clerk1"], saved.application_id)
    assert not loaded.editable
    with pytest.raises(UserError, match="已进入“现场勘查”环节"):
        acceptance.update(db, actors["clerk1"], saved.application_id, loaded.version, loaded.input)


def test_survey_appointment_booked_against_team_capacity(db, actors, frozen_now):
    day = dt.date(2026, 11, 25)
    with db.write() as s:
        from counter_app.hall import hall

        hall.set_setting(
            s,
            actors["admin1"],
            actors["admin1"].hall_id,
            "survey_teams",
            [{"name": "城区勘查班", "area": "城区", "daily_capacity": 1}],
        )
    appt = survey.AppointmentInput(mode="fixed", day=day, team="城区勘查班", slot="09:30")
    first = acceptance.save(db, actors["clerk1"], residential(appointment=appt))
    with db.read() as s:
        row = s.scalar(select(SurveyAppointment))
        assert (row.application_id, row.mode, row.day, row.slot) == (
            first.application_id,
            "fixed",
            day,
            "09:30",
        )
    with pytest.raises(ValidationFailed) as info:
        acceptance.save(db, actors["clerk2"], residential(resident_id(99), appointment=appt))
    assert "已约满（1/1）" in info.value.errors["appointment_day"]
    bad = survey.AppointmentInput(mode="halfday", day=dt.date(2026, 11, 28), team="城区勘查班", slot="")
    with pytest.raises(ValidationFailed) as info:
        acceptance.save(db, actors["clerk2"], residential(resident_id(98), appointment=bad))
    assert "不是工作日" in info.value.errors["appointment_day"]
    assert info.value.errors["appointment_slot"] == "限时预约请选择上午或下午"


def test_database_unreachable_raises_clear_error(actors, frozen_now, monkeypatch):
    from counter_app.infra import db as db_mod
    from counter_app.infra.db import Database

    monkeypatch.setattr(db_mod.time, "sleep", lambda _s: None)
    down = Database.from_url("postgresql+psycopg://postgres@127.0.0.1:1/none")
    with pytest.raises(DatabaseUnavailable, match="数据库暂时无法访问"):
        acceptance.save(down, actors["clerk1"], residential())
    down.dispose()


def test_stage_event_and_material_counts(db, actors, frozen_now):
    acceptance.save(db, actors["clerk1"], residential())
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(StageEvent)) == 1
        assert s.scalar(select(func.count()).select_from(Material)) == 2
        assert s.scalar(select(func.count()).select_from(Commitment)) == 1


def test_accepted_application_renders_its_document_set(sqlite_db, frozen_now):
    """What the acceptance stores is what the documents need (agent, deferral, rare characters)."""
    from counter_app import documents
    from tests.conftest import setup_hall

    actors = setup_hall(sqlite_db)
    saved = acceptance.save(
        sqlite_db, actors["clerk1"], enterprise_increase(holder_name="福州䶮江食品有限公司")
    )
    rendered = documents.render_set(sqlite_db, actors["clerk1"], saved.application_id)
    docs = {r.doc for r in rendered}
    assert {"proxy", "deferral"} <= docs and all(r.data.startswith(b"%PDF") for r in rendered)
    assert all(r.number == saved.number for r in rendered)


def test_back_office_opens_an_application_masked_and_read_only(db, actors, frozen_now):
    """Roles that need no full personal data get the form masked, and a masked form cannot be saved."""
    saved = acceptance.save(db, actors["clerk1"], residential(contact_phone="0591-87000001"))
    clerk = acceptance.load(db, actors["clerk1"], saved.application_id)
    back = acceptance.load(db, actors["back1"], saved.application_id)
    assert clerk.editable and clerk.input.cert_number == resident_id(11)
    assert clerk.input.contact_mobile == "13812345678"
    assert not back.editable
    assert back.input.cert_number == resident_id(11)[:6] + "********" + resident_id(11)[-4:]
    assert back.input.contact_mobile == "138****5678"
    assert back.input.contact_phone != "0591-87000001" and back.input.contact_phone.endswith("0001")
    assert back.input.holder_name == clerk.input.holder_name  # the rest of the form is unchanged


@pytest.mark.parametrize(("importance", "limit"), [("普通", 22), ("重要", 32)])
def test_high_voltage_time_limit_follows_the_supply(db, actors, frozen_now, importance, limit):
    """Important loads get two supplies: the dual-supply whole-process limit (32 working days)."""
    from counter_app import forms
    from counter_app.hall import hall
    from tests.acceptance_helpers import enterprise_increase

    inp = enterprise_increase(business_type="hv_new", existing_capacity="", applied_capacity="800",
                              usage_category="大工业", project_name="厂房扩建", load_importance=importance,
                              materials={})
    saved = acceptance.save(db, actors["clerk1"], inp)
    with db.read() as s:
        calendar = hall.work_calendar(s, actors["clerk1"].hall_id)
        snap = forms.collect(s, saved.application_id)
    assert saved.due_date == calendar.add_workdays(saved.accepted_at, limit).day
    assert snap.total_limit == limit
    assert f"不超过{limit}个工作日" in forms.build(snap, "notice").total_limit
