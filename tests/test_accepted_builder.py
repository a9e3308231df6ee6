"""The one builder of "an application as acceptance leaves it" (acceptance.accepted), which the demo
and the test factories use, against the acceptance service itself: the same input gives the same
deadlines, open 受理 event, materials and commitments."""

from __future__ import annotations

import datetime as dt

import pytest

from counter_app.acceptance import accepted
from counter_app.acceptance import service as acceptance
from counter_app.hall import catalog
from counter_app.models import Application, Certificate
from tests.acceptance_helpers import enterprise_increase, residential
from tests.factories import build_accepted


def _left(session, application_id: int) -> dict:
    """What acceptance left, without ids and what the clerk typed."""
    app = session.get(Application, application_id)
    return {
        "state": (app.status, app.current_stage, app.current_handler, app.stage_due_date, app.due_date,
                  app.due_estimated, app.accepted_at),
        "events": [(e.stage, e.action, e.started_at, e.ended_at, e.due_date, e.due_estimated, e.handler, e.actor_id)
                   for e in app.stage_events],
        "materials": [(m.seq, m.code, m.name, m.state, m.copies, m.due_date, m.due_estimated)
                      for m in sorted(app.materials, key=lambda m: m.seq)],
        "commitments": sorted((c.kind, c.signed_at, c.due_date, c.items) for c in app.commitments),
    }


CASES = {
    "residential, property proof deferred": (residential(materials={"property_proof": "deferred"}), False),
    "enterprise increase by an agent, two deferred": (enterprise_increase(), True),
    "residential, nothing deferred": (residential(), False),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_builder_leaves_what_the_service_leaves(db, actors, frozen_now, name):
    inp, agent = CASES[name]
    clerk = actors["clerk1"]
    saved = acceptance.save(db, clerk, inp)
    with db.write() as s:
        by_service = _left(s, saved.application_id)
        cert = s.get(Application, saved.application_id).certificate
        deferred = tuple(code for code, state in inp.materials.items() if state == "deferred")
        built = build_accepted(s, s.get(Certificate, cert.id), window_id=clerk.window_id, clerk_id=clerk.user_id,
                        business_type=inp.business_type, deferred=deferred, agent=agent,
                        load_importance=inp.load_importance)
        s.flush()
        assert _left(s, built.id) == by_service


def test_important_loads_get_the_dual_supply_limit():
    hv = catalog.load().business_type("hv_new")

    def days(start: dt.date, n: int) -> tuple[dt.date, bool]:
        return start + dt.timedelta(days=n), False

    at = dt.datetime(2026, 11, 24, 10)
    assert accepted.deadlines(days, at, hv, "普通", 1).due_date == at.date() + dt.timedelta(days=hv.total_limit)
    assert accepted.deadlines(days, at, hv, "重要", 1).due_date == at.date() + dt.timedelta(days=hv.total_limit_dual)
    assert hv.total_limit_dual != hv.total_limit


def test_the_kept_entries_are_form_fields_and_application_columns():
    """One list says what an application keeps as typed (read back for an edit) and, within it, what a
    customer's next form starts from."""
    import dataclasses

    from counter_app.acceptance.clerk_input import KEPT_FIELDS, PREFILL_FIELDS, AcceptanceInput

    form = {f.name for f in dataclasses.fields(AcceptanceInput)}
    columns = set(Application.__table__.c.keys())
    assert set(KEPT_FIELDS) <= form & columns and len(set(KEPT_FIELDS)) == len(KEPT_FIELDS)
    assert set(PREFILL_FIELDS) <= set(KEPT_FIELDS)
