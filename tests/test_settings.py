"""Hall settings for admins: validated, audited, effective for new applications."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from counter_app.infra import clock
from counter_app.hall import hall, settings_admin as settings_service
from counter_app.infra.errors import PermissionDenied, ValidationFailed
from counter_app.models import AuditEntry, CalendarOverride
from counter_app.hall.settings_admin import SettingsUpdate

D = dt.date


@pytest.fixture
def now():
    clock.freeze(dt.datetime(2026, 11, 24, 9, 30))
    yield
    clock.freeze(None)


def test_load_shows_defaults(db, actors, now):
    s = settings_service.load(db, actors["admin1"])
    assert (s.name, s.supervision_phone, s.service_phone) == ("福州鼓楼供电营业厅", "0591-87654321", "95598")
    assert (s.yellow_percent, s.deferral_days) == (80, 3)
    assert "无需缴纳" in s.fees_text and len(s.service_commitments) == 5
    survey = next(r for r in s.stage_limits if (r.business_type, r.stage) == ("lv_res_new", "survey"))
    assert (survey.business_name, survey.stage_name, survey.default_days, survey.days) == ("低压居民新装", "现场勘查", 2, 2)
    assert not any(r.stage == "archive" for r in s.stage_limits)
    assert s.overrides == () and s.confirmed_years == ()


def test_save_changes_and_audits_each(db, actors, now):
    admin = actors["admin1"]
    changed = settings_service.save(db, admin, SettingsUpdate(
        name="福州鼓楼供电营业厅（五四路）", supervision_phone="0591-87654321、0591-87650000",
        yellow_percent=75, deferral_days=5, fees_text="按核定标准收费。", stage_limits={("hv_new", "plan_reply"): 8},
        add_overrides=[(D(2026, 12, 31), False, "厅内盘点"), (D(2027, 2, 6), True, "2027春节调休")],
        confirmed_years=[2027],
    ))
    assert changed[:2] == ["营业厅名称", "监督电话"]
    assert "黄色预警比例" in changed and "环节时限" in changed and "2026-12-31 设为休息日" in changed
    s = settings_service.load(db, admin)
    assert s.name.endswith("（五四路）") and s.yellow_percent == 75 and s.deferral_days == 5
    assert next(r.days for r in s.stage_limits if (r.business_type, r.stage) == ("hv_new", "plan_reply")) == 8
    assert [(o.day, o.is_workday, o.kind_label) for o in s.overrides] == [
        (D(2026, 12, 31), False, "休息日（节假日）"), (D(2027, 2, 6), True, "工作日（调休上班）")]
    with db.read() as session:
        assert hall.get_setting(session, "deferral_working_days", s.hall_id) == 5
        assert hall.get_setting(session, "warning_yellow_ratio", s.hall_id) == 0.75
        audits = session.scalars(select(AuditEntry).where(AuditEntry.action == "settings_change")).all()
        assert len(audits) >= 9 and all(a.username == "admin1" for a in audits)
        assert any('"old": "福州鼓楼供电营业厅"' in a.detail for a in audits)
    # nothing changed → nothing recorded
    assert settings_service.save(db, admin, SettingsUpdate(yellow_percent=75, deferral_days=5)) == []
    # back to the catalog default: the override is dropped
    settings_service.save(db, admin, SettingsUpdate(stage_limits={("hv_new", "plan_reply"): 10}))
    with db.read() as session:
        assert hall.get_setting(session, "stage_limits", s.hall_id) == {}
        history = hall.get_setting(session, "stage_limits_history", s.hall_id)
        assert [h["value"] for h in history] == [{}, {"hv_new": {"plan_reply": 8}}]


def test_remove_override(db, actors, now):
    admin = actors["admin1"]
    settings_service.save(db, admin, SettingsUpdate(add_overrides=[(D(2026, 12, 31), False, "")]))
    [row] = settings_service.load(db, admin).overrides
    with pytest.raises(ValidationFailed, match="已有调整记录"):
        settings_service.save(db, admin, SettingsUpdate(add_overrides=[(D(2026, 12, 31), True, "")]))
    # remove and re-add in one save: allowed
    settings_service.save(db, admin, SettingsUpdate(remove_override_ids=[row.id],
                                                    add_overrides=[(D(2026, 12, 31), True, "改为上班")]))
    with db.read() as session:
        [again] = session.scalars(select(CalendarOverride)).all()
        assert again.is_workday and again.note == "改为上班"


@pytest.mark.parametrize("update, field", [
    (SettingsUpdate(name="  "), "name"),
    (SettingsUpdate(supervision_phone="监督电话"), "supervision_phone"),
    (SettingsUpdate(service_phone=""), "service_phone"),
    (SettingsUpdate(yellow_percent=100), "yellow_percent"),
    (SettingsUpdate(yellow_percent=5), "yellow_percent"),
    (SettingsUpdate(deferral_days=0), "deferral_days"),
    (SettingsUpdate(stage_limits={("lv_res_new", "survey"): 121}), "stage_limits"),
    (SettingsUpdate(stage_limits={("lv_res_new", "plan_reply"): 3}), "stage_limits"),
    (SettingsUpdate(service_commitments=["", " "]), "service_commitments"),
    (SettingsUpdate(add_overrides=[(D(2027, 1, 1), False, ""), (D(2027, 1, 1), True, "")]), "overrides"),
])
def test_bad_values_refused_at_their_field(sqlite_db, update, field):
    from tests.conftest import setup_hall

    actors = setup_hall(sqlite_db)
    with pytest.raises(ValidationFailed) as exc:
        settings_service.save(sqlite_db, actors["admin1"], update)
    assert field in exc.value.errors


def test_only_admins(db, actors, now):
    for name in ("clerk1", "back1", "super1"):
        with pytest.raises(PermissionDenied, match="无权修改营业厅设置"):
            settings_service.save(db, actors[name], SettingsUpdate(yellow_percent=70))
    with pytest.raises(PermissionDenied):
        settings_service.load(db, actors["super1"])
    with db.read() as session:
        assert hall.get_setting(session, "warning_yellow_ratio", actors["admin1"].hall_id) == 0.8


def test_official_kind_labels():
    assert settings_service.official_kind(D(2026, 2, 16)) == "官方：休息日（春节）"
    assert settings_service.official_kind(D(2026, 2, 14)) == "官方：工作日（调休上班）"
    assert settings_service.official_kind(D(2026, 11, 24)) == "官方：工作日"
    assert settings_service.official_kind(D(2027, 1, 1)) == "官方日历未收录该年度"
