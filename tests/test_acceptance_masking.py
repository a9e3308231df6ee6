"""One masking policy (``security.privacy.handles_case``) for an application opened in the window,
found by search and shown as progress: the clerk of another window sees a completed case masked
everywhere, the clerk of its own window in full everywhere."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from counter_app.acceptance import service as acceptance
from counter_app.infra.errors import UserError
from counter_app.models import Application, AuditEntry
from counter_app.security.redaction import mask_id, mask_phone
from counter_app.tracking import application_search, progress
from tests.acceptance_helpers import residential
from tests.factories import resident_id

NUMBER, MOBILE = resident_id(73), "13812345678"


@pytest.fixture
def completed_at_window_1(db, actors, frozen_now) -> int:
    saved = acceptance.save(db, actors["clerk1"], residential(NUMBER, contact_mobile=MOBILE))
    with db.write() as s:
        app = s.get(Application, saved.application_id)
        app.status, app.current_stage = "completed", "archive"
        app.completed_at = frozen_now + dt.timedelta(days=3)
    return saved.application_id


def _three_views(db, actor, application_id):
    opened = acceptance.load(db, actor, application_id)
    (found,) = application_search.search(db, actor, NUMBER).rows
    shown = progress.detail(db, actor, application_id)
    return opened, found, shown


def test_another_windows_clerk_sees_the_case_masked_in_every_view(db, actors, completed_at_window_1):
    opened, found, shown = _three_views(db, actors["clerk2"], completed_at_window_1)
    assert opened.input.cert_number == found.cert_number == mask_id(NUMBER) != NUMBER
    assert opened.input.contact_mobile == found.mobile == mask_phone(MOBILE) != MOBILE
    assert NUMBER not in shown.certificate and MOBILE not in shown.phone
    assert not opened.editable


def test_the_own_windows_clerk_sees_it_in_full_in_every_view(db, actors, completed_at_window_1):
    opened, found, shown = _three_views(db, actors["clerk1"], completed_at_window_1)
    assert opened.input.cert_number == found.cert_number == NUMBER
    assert opened.input.contact_mobile == found.mobile == MOBILE
    assert NUMBER in shown.certificate and MOBILE in shown.phone
    # a colleague who took over window 1 handles its cases too
    colleague = actors["clerk2"].at_window(actors["clerk1"].window_id, actors["clerk1"].window_no)
    assert acceptance.load(db, colleague, completed_at_window_1).input.cert_number == NUMBER


def test_another_windows_clerk_cannot_save_over_a_case_at_accept(db, actors, frozen_now):
    saved = acceptance.save(db, actors["clerk1"], residential(NUMBER, contact_mobile=MOBILE))
    theirs = acceptance.load(db, actors["clerk2"], saved.application_id)
    assert not theirs.editable and theirs.input.cert_number == mask_id(NUMBER)
    with pytest.raises(UserError, match="只有受理该申请的窗口可以修改"):
        acceptance.update(db, actors["clerk2"], saved.application_id, theirs.version,
                          residential(NUMBER, contact_mobile="13900000000"))
    with db.read() as s:  # the opening is recorded as a lookup of a person, masked or not
        assert s.scalar(select(AuditEntry.action).where(AuditEntry.username == "clerk2")) == "lookup"
