"""Two windows saving their edits of the same application at the same moment (threads, each with
its own connection): exactly one wins, the other gets the clear "someone else changed it" message
with its input untouched, and the stored application is the winner's, whole.

(Handing over the same application at once is covered in tests/test_handover.py:
test_two_pcs_racing_one_wins, test_two_windows_hand_over_at_once.)"""

from __future__ import annotations

import copy
import threading

from counter_app.acceptance import service as acceptance
from counter_app.infra.db import Database
from counter_app.infra.errors import StaleEdit
from counter_app.models import Application
from tests.acceptance_helpers import residential


def test_two_windows_save_the_same_application_at_once(db, actors, frozen_now):
    saved = acceptance.save(db, actors["clerk1"], residential(materials={"property_proof": "deferred"}))
    url = db.engine.url.render_as_string(hide_password=False)
    version = saved.version
    # two PCs at window 1 (its cases are theirs to edit): clerk1's and a colleague who took it over
    people = {"clerk1": actors["clerk1"],
              "clerk2": actors["clerk2"].at_window(actors["clerk1"].window_id, actors["clerk1"].window_no)}
    for round_no in range(4):
        windows = {"clerk1": Database.from_url(url), "clerk2": Database.from_url(url)}
        inputs = {}
        for name, wdb in windows.items():
            loaded = acceptance.load(wdb, people[name], saved.application_id)
            assert loaded.version == version
            loaded.input.address_detail = f"五四路88号{round_no}座{name}"
            loaded.input.contact_mobile = "13900000001" if name == "clerk1" else "13900000002"
            inputs[name] = loaded.input
        typed = copy.deepcopy(inputs)
        start = threading.Barrier(2)
        outcome: dict[str, object] = {}

        def save(name: str, wdb: Database, inp, version: int, start=start, outcome=outcome) -> None:
            start.wait(timeout=10)
            try:
                outcome[name] = acceptance.update(wdb, people[name], saved.application_id, version, inp)
            except Exception as exc:  # the test inspects what each window got
                outcome[name] = exc

        threads = [threading.Thread(target=save, args=(n, windows[n], inputs[n], version)) for n in windows]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)

        winners = [n for n, r in outcome.items() if isinstance(r, acceptance.SaveResult)]
        losers = [n for n, r in outcome.items() if isinstance(r, StaleEdit)]
        assert len(winners) == 1 and len(losers) == 1, outcome
        (winner,), (loser,) = winners, losers
        message = str(outcome[loser])
        assert "输入都已保留" in message and f"第 {version} 版" in message
        assert inputs == typed  # neither window's input was changed by saving
        with db.read() as s:
            app = s.get(Application, saved.application_id)
            assert app.address_detail == f"五四路88号{round_no}座{winner}"
            assert app.contact_mobile == inputs[winner].contact_mobile
            assert app.version == version + 1
        version += 1
        for wdb in windows.values():
            wdb.dispose()


def test_two_windows_book_the_last_survey_slot_at_once(db, actors, frozen_now, monkeypatch):
    """The team has one slot left; window 1 has counted the bookings and not yet committed when
    window 2 books the same day: window 2 must wait, see window 1's booking and be refused."""
    import datetime as dt
    import time

    import pytest
    from sqlalchemy import func, select

    from counter_app.acceptance import survey
    from counter_app.hall import hall
    from counter_app.infra.errors import ValidationFailed
    from counter_app.models import SurveyAppointment
    from tests.factories import resident_id

    with db.write() as s:
        hall.set_setting(s, actors["admin1"], actors["admin1"].hall_id, "survey_teams",
                         [{"name": "城区勘查班", "area": "城区", "daily_capacity": 1}])
    appt = survey.AppointmentInput(mode="fixed", day=dt.date(2026, 11, 25), team="城区勘查班", slot="09:30")
    counted = threading.Event()
    real_booked = survey.booked

    def slow_first_count(session, team, day, **kw):
        used = real_booked(session, team, day, **kw)
        if threading.current_thread().name == "window1":
            counted.set()
            time.sleep(0.5)  # window 1 holds its transaction open after counting
        return used

    monkeypatch.setattr(survey, "booked", slow_first_count)
    url = db.engine.url.render_as_string(hide_password=False)
    outcome: dict[str, object] = {}

    def window(name: str, clerk: str, number: str) -> None:
        wdb = Database.from_url(url)
        try:
            if name == "window2":
                assert counted.wait(timeout=10)
            outcome[name] = acceptance.save(wdb, actors[clerk], residential(number, appointment=appt))
        except Exception as exc:
            outcome[name] = exc
        finally:
            wdb.dispose()

    threads = [threading.Thread(target=window, name="window1", args=("window1", "clerk1", resident_id(61))),
               threading.Thread(target=window, name="window2", args=("window2", "clerk2", resident_id(62)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert isinstance(outcome["window1"], acceptance.SaveResult)
    assert isinstance(outcome["window2"], ValidationFailed), outcome["window2"]
    assert "已约满（1/1）" in outcome["window2"].errors["appointment_day"]
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(SurveyAppointment)) == 1
    with pytest.raises(ValidationFailed):  # and stays refused afterwards
        acceptance.save(db, actors["clerk2"], residential(resident_id(63), appointment=appt))
