"""A save is idempotent per form: the key drawn when the form is opened is stored unique with the
application, so a save retried after its commit went through (the answer lost with the connection)
returns the application it wrote instead of a second one.

On SQLite the lost answer is simulated right after the commit; on a throwaway PostgreSQL server the
server is killed and restarted under 8 writers who retry as a clerk would."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from counter_app.acceptance import saving
from counter_app.acceptance import service as acceptance
from counter_app.acceptance.saving import new_form_key
from counter_app.infra import db as db_mod
from counter_app.infra import schema_upgrade as schema
from counter_app.infra.db import Database, make_engine
from counter_app.infra.errors import DatabaseUnavailable
from counter_app.models import Application, AuditEntry, StageEvent
from tests.acceptance_helpers import residential
from tests.conftest import setup_hall
from tests.factories import resident_id
from tests.pg_cluster import cluster as server  # noqa: F401  (fixture)

WRITERS = 8
SAVES_EACH = 150


class _AnswerLost(Exception):
    """What the driver raises when the connection drops after the server committed."""


def _lose_the_answer_once(calls: list) -> None:
    def after_commit(session):
        if not calls:
            calls.append(1)
            raise OperationalError("COMMIT", {}, _AnswerLost("server closed the connection unexpectedly"),
                                   connection_invalidated=True)

    event.listen(Session, "after_commit", after_commit)
    return after_commit


def _applications(db: Database) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Application))


def test_a_retry_after_the_commit_returns_the_saved_application(sqlite_db, frozen_now, monkeypatch):
    monkeypatch.setattr(db_mod.time, "sleep", lambda _s: None)  # the retries' back-off
    clerk = setup_hall(sqlite_db)["clerk1"]
    key = new_form_key()
    calls: list = []
    listener = _lose_the_answer_once(calls)
    try:
        # WHEN the commit goes through but its answer is lost: run_write retries the same save
        first = acceptance.save(sqlite_db, clerk, residential(materials={"property_proof": "deferred"}),
                                form_key=key)
    finally:
        event.remove(Session, "after_commit", listener)
    assert calls == [1]
    # THEN one application, and the retry answered with it (number, deferred item and all)
    assert _applications(sqlite_db) == 1
    assert first.number.startswith("FZGL01-") and [name for name, _ in first.deferred] != []
    # AND the clerk's own retry with the form's key (the window reports a failure, the clerk saves again)
    again = acceptance.save(sqlite_db, clerk, residential(materials={"property_proof": "deferred"}), form_key=key)
    assert (again.application_id, again.number, again.deferred) == (first.application_id, first.number,
                                                                     first.deferred)
    assert _applications(sqlite_db) == 1
    with sqlite_db.read() as s:
        assert s.scalar(select(func.count()).select_from(StageEvent)) == 1
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "accept")) == 1
    # AND another form (another key) is another application
    acceptance.save(sqlite_db, clerk, residential(), form_key=new_form_key())
    assert _applications(sqlite_db) == 2


def test_a_form_changed_before_the_retry_is_saved_over_the_first_commit(sqlite_db, frozen_now):
    clerk = setup_hall(sqlite_db)["clerk1"]
    key = new_form_key()
    first = acceptance.save(sqlite_db, clerk, residential(), form_key=key)  # the window heard nothing
    # WHEN the clerk corrects the address and saves the same form again
    again = acceptance.save(sqlite_db, clerk, residential(address_detail="五四路88号3座1202室"), form_key=key)
    # THEN still one application, holding what was sent last, and the trail says it was edited
    assert again.application_id == first.application_id and again.version > first.version
    with sqlite_db.read() as s:
        (app,) = s.scalars(select(Application)).all()
        assert app.address_detail == "五四路88号3座1202室"
        assert [e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.target_type == "application")
                                            .order_by(AuditEntry.id))] == ["accept", "edit"]


def test_without_a_key_the_internal_retry_is_still_idempotent(sqlite_db, frozen_now, monkeypatch):
    monkeypatch.setattr(db_mod.time, "sleep", lambda _s: None)
    clerk = setup_hall(sqlite_db)["clerk1"]
    calls: list = []
    listener = _lose_the_answer_once(calls)
    try:
        acceptance.save(sqlite_db, clerk, residential())
    finally:
        event.remove(Session, "after_commit", listener)
    assert calls == [1] and _applications(sqlite_db) == 1


@pytest.mark.pg
def test_killed_server_under_eight_writers_one_application_per_save(server, frozen_now, monkeypatch):
    engine = make_engine(server.url())
    schema.upgrade(engine)
    engine.dispose()
    setup_db = Database.from_url(server.url())
    actors = setup_hall(setup_db)
    setup_db.dispose()
    clerk = actors["clerk1"]
    found_again: list[int] = []  # saves whose retry found the application its lost commit wrote
    real_already_saved = saving._already_saved
    monkeypatch.setattr(saving, "_already_saved",
                        lambda app: found_again.append(app.id) or real_already_saved(app))
    transient: list[int] = []  # connection errors met, by the unit's own retries or the writer's
    real_is_transient = db_mod.is_transient

    def counting_is_transient(exc):
        answer = real_is_transient(exc)
        if answer:
            transient.append(1)
        return answer

    monkeypatch.setattr(db_mod, "is_transient", counting_is_transient)
    keys: list[list[str]] = [[new_form_key() for _ in range(SAVES_EACH)] for _ in range(WRITERS)]
    done = [0] * WRITERS
    retries = [0] * WRITERS
    failures: list[BaseException] = []
    start = threading.Barrier(WRITERS + 1)

    def writer(w: int) -> None:
        wdb = Database.from_url(server.url())
        inp = residential(resident_id(100 + w), holder_name="郑䶮", contact_name="郑䶮")
        start.wait(timeout=30)
        try:
            for key in keys[w]:
                deadline = time.monotonic() + 120
                while True:  # the clerk presses Ctrl+S again until it is saved
                    try:
                        acceptance.save(wdb, clerk, inp, form_key=key)
                        break
                    except DatabaseUnavailable:
                        retries[w] += 1
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.2)
                done[w] += 1
        except BaseException as exc:  # the test reports what each writer got
            failures.append(exc)
        finally:
            wdb.dispose()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    start.wait(timeout=30)
    # WHEN the server is killed (no checkpoint, clients cut off) while all 8 write, and restarted
    while sum(done) < WRITERS * SAVES_EACH // 4 and not failures:
        time.sleep(0.05)
    server.kill()
    time.sleep(1.0)
    server.start()
    for t in threads:
        t.join(timeout=600)
    assert not failures, failures[:3]
    # the kill was felt: inside the unit's own retries (run_write) or as a refusal the writer retried
    assert sum(done) == WRITERS * SAVES_EACH and (sum(retries) > 0 or transient)

    # THEN N saves, N applications: every key exactly once, none lost, none twice
    check = Database.from_url(server.url())
    with check.read() as s:
        rows = s.execute(select(Application.form_key, func.count()).group_by(Application.form_key)).all()
    check.dispose()
    counts = dict(rows)
    expected = {k for ks in keys for k in ks}
    assert set(counts) == expected
    assert sum(counts.values()) == WRITERS * SAVES_EACH and max(counts.values()) == 1
    print(f"\n{WRITERS * SAVES_EACH} saves, {sum(counts.values())} applications, {sum(retries)} retries "
          f"after DatabaseUnavailable, {len(found_again)} found their own committed application")
