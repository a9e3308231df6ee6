"""外线工程 recorded after the survey, from the main window (进度查询 → 环节流转): the promise moves from
5 to 15 working days (tracking.time_limits.promised_days, the one rule), the 装表接电 stage gets its
longer limit, the change is audited, and the progress page, the slip, the reprinted receipt and
notice and the 业扩受理台账 all show the same date."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from counter_app import forms
from counter_app.acceptance import service as acceptance
from counter_app.hall import catalog, hall
from counter_app.infra import clock
from counter_app.infra.errors import UserError
from counter_app.models import Application, AuditEntry
from counter_app.reporting import registers
from counter_app.reporting.register_filter import RegisterFilter
from counter_app.tracking import external_works, progress, stages, time_limits
from counter_app.ui.kit import background
from counter_app.ui.main_window import MainWindow
from counter_app.ui.stage_dialog import StageDialog
from tests.acceptance_helpers import residential
from tests.factories import resident_id
from tests.main_window_driver import answer_with

T = dt.datetime


def settle(qtbot):
    qtbot.waitUntil(lambda: background.pending() == 0, timeout=20_000)


@pytest.fixture
def surveyed(hall_db):
    """A resident 新装 accepted on Tue 2026-11-24, now in 现场勘查."""
    db, actors = hall_db
    clock.freeze(T(2026, 11, 24, 10, 0))
    try:
        saved = acceptance.save(db, actors["clerk1"], residential(resident_id(71)))
        clock.freeze(T(2026, 11, 25, 9, 0))
        stages.advance(db, actors["back1"], saved.application_id, version=saved.version, handler="勘查班周工")
        clock.freeze(T(2026, 11, 26, 15, 0))
        yield db, actors, saved
    finally:
        clock.freeze(None)


def _due(db, app_id) -> dt.date:
    with db.read() as s:
        return s.get(Application, app_id).due_date


def _workdays(db, start: dt.datetime, days: int) -> dt.date:
    with db.read() as s:
        return hall.work_calendar(s, hall.get_hall(s).id).add_workdays(start, days).day


def test_the_rule_gives_the_longer_promise_only_with_external_works():
    bt = catalog.load().business_type("lv_res_new")
    assert time_limits.promised_days(bt, important=False, external_works=None) == bt.total_limit == 5
    assert time_limits.promised_days(bt, important=False, external_works=False) == 5
    assert time_limits.promised_days(bt, important=False, external_works=True) == bt.total_limit_external == 15
    connect = bt.stage("connect").limit_days
    assert time_limits.stage_days(bt, "connect", connect, True) == 12 > connect
    assert time_limits.stage_days(bt, "survey", 2, True) == 2
    hv = catalog.load().business_type("hv_new")  # no external-works promise: nothing changes
    assert time_limits.promised_days(hv, important=True, external_works=True) == hv.total_limit_dual


def test_back_office_records_external_works_from_the_main_window(qtbot, surveyed, monkeypatch):
    db, actors, saved = surveyed
    app_id, accepted = saved.application_id, saved.accepted_at
    five, fifteen = _workdays(db, accepted, 5), _workdays(db, accepted, 15)
    assert saved.due_date == _due(db, app_id) == five

    window = MainWindow(db, actors["back1"])
    qtbot.addWidget(window)
    page = window.page("progress")
    page.show_application(app_id)
    settle(qtbot)
    assert page.view.fields["promised"].text().startswith(f"{five:%Y-%m-%d}")
    seen = {}

    def fill(dialog):
        assert dialog.external_box.isVisibleTo(dialog) and dialog.external_button.isEnabled()
        assert "未记录" in dialog.external_state.text()
        dialog.external_choice.setCurrentIndex(dialog.external_choice.findData(True))
        dialog.record_external_works()
        settle(qtbot)
        seen["message"] = dialog.message.text()
        seen["state"] = dialog.external_state.text()
        # the dialog reloaded: advancing now is not refused as stale
        dialog.handler.setCurrentText("装表班吴工")

    answer_with(monkeypatch, qtbot, StageDialog, fill)
    page.open_stage_dialog()
    settle(qtbot)
    assert f"需要外线工程，全过程承诺15个工作日，承诺办结日期 {fifteen:%Y-%m-%d}" in seen["message"]
    assert f"（原为 {five:%Y-%m-%d}）" in seen["message"]
    assert seen["state"] == f"当前：需要外线工程；承诺办结 {fifteen:%Y-%m-%d}"
    assert page.view.fields["stage"].text() == "装表接电"
    assert page.view.fields["promised"].text().startswith(f"{fifteen:%Y-%m-%d}")

    with db.read() as s:
        app = s.get(Application, app_id)
        assert app.external_works is True and app.external_works_at == T(2026, 11, 26, 15, 0)
        assert app.due_date == fifteen
        connect = stages.open_event(app)
        assert connect.stage == "connect"
        assert app.stage_due_date == connect.due_date == _workdays(db, T(2026, 11, 26, 15, 0), 12)
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "external_works"))
    detail = json.loads(entry.detail)
    assert entry.username == "back1" and detail["old_due"] == five.isoformat()
    assert detail["due"] == fifteen.isoformat() and detail["needed"] is True

    # every place that states the promise states the same date
    p = progress.detail(db, actors["back1"], app_id)
    assert p.promised.day == fifteen and p.expected.day <= fifteen
    cn = f"{fifteen.year}年{fifteen.month}月{fifteen.day}日"
    with db.read() as s:
        snapshot = forms.collect(s, app_id)
    receipt = forms.build(snapshot, "receipt")
    line = next(x for x in receipt.next_steps if x.startswith("承诺办结日期"))
    assert line == f"承诺办结日期：{cn}（经现场勘查需要外线工程，全过程不超过15个工作日）。"
    notice = forms.build(snapshot, "notice")
    assert notice.expected_completion == f"{cn}（需要外线工程）"
    assert notice.total_limit.startswith("全过程办理时限：经现场勘查需要外线工程，不超过15个工作日")
    slip = progress.render_slip(db, actors["back1"], app_id)
    assert slip.data.startswith(b"%PDF")
    rows = registers.fetch(db, actors["super1"], "register", RegisterFilter(), 0, 50)
    (row,) = [r for r in rows if saved.number in r]
    assert fifteen in row and five not in row


def test_not_needed_keeps_the_promise_and_says_so(surveyed):
    db, actors, saved = surveyed
    recorded = external_works.record(db, actors["back1"], saved.application_id, version=None, needed=False)
    five = _workdays(db, saved.accepted_at, 5)
    assert recorded.due.day == five and recorded.old_due == five and recorded.promised_days == 5
    with db.read() as s:
        receipt = forms.build(forms.collect(s, saved.application_id), "receipt")
    assert any("经现场勘查无需外线工程，全过程不超过5个工作日" in x for x in receipt.next_steps)


def test_refused_before_the_survey_for_other_types_and_for_clerks(hall_db, frozen_now):
    from counter_app.infra.errors import PermissionDenied

    db, actors = hall_db
    fresh = acceptance.save(db, actors["clerk1"], residential(resident_id(72)))
    with pytest.raises(UserError, match="现场勘查后才能确定是否需要外线工程"):
        external_works.record(db, actors["back1"], fresh.application_id, version=None, needed=True)
    with pytest.raises(PermissionDenied):
        external_works.record(db, actors["clerk1"], fresh.application_id, version=None, needed=True)
    assert _due(db, fresh.application_id) == fresh.due_date
    options = stages.move_options(db, actors["back1"], fresh.application_id)
    assert options.external_works_refusal == "现场勘查后才能确定是否需要外线工程"
    change = acceptance.save(db, actors["clerk1"], residential(resident_id(73), business_type="rename",
                                                               account_number="3501000777888",
                                                               previous_holder_name="李四"))
    assert "不涉及外线工程" in stages.move_options(db, actors["back1"], change.application_id).external_works_refusal
