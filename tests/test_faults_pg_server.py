"""The PostgreSQL server stopped during a save and started again: the clerk's input survives, the save
fails with a clear message, the retry succeeds, and no half-written application is left.

A throwaway server of its own (never the shared one): initdb + pg_ctl as the postgres user on a free
port in a temporary directory. Skipped only where that is impossible (not root, no PostgreSQL
binaries); in CI it must run."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from counter_app.acceptance import service as acceptance
from counter_app.infra import db as db_mod
from counter_app.infra import schema_upgrade as schema
from counter_app.infra.db import Database, make_engine
from counter_app.infra.errors import DatabaseUnavailable
from counter_app.models import Application, Certificate, Commitment, Customer, Material, StageEvent
from tests.acceptance_helpers import residential
from tests.conftest import setup_hall
from tests.factories import resident_id
from tests.pg_cluster import cluster as server  # noqa: F401  (fixture)


def _counts(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m))
                for m in (Application, Customer, Certificate, Material, Commitment, StageEvent)}


def test_server_stopped_during_a_save_then_restarted(server, frozen_now, monkeypatch):
    monkeypatch.setattr(db_mod.time, "sleep", lambda _s: None)  # the retries' back-off
    engine = make_engine(server.url())
    schema.upgrade(engine)
    engine.dispose()
    db = Database.from_url(server.url())
    clerk = setup_hall(db)["clerk1"]
    before = _counts(db)
    inp = residential(resident_id(88), holder_name="郑䶮", contact_name="郑䶮",
                      materials={"property_proof": "deferred"})
    typed = copy.deepcopy(inp)

    # GIVEN a save whose rows are being written WHEN the server stops under it
    calls = []

    def stop_server(session, flush_context, instances):
        if not calls:
            calls.append(1)
            server.stop()

    event.listen(Session, "before_flush", stop_server)
    try:
        with pytest.raises(DatabaseUnavailable) as refused:
            acceptance.save(db, clerk, inp)
    finally:
        event.remove(Session, "before_flush", stop_server)

    # THEN a clear Chinese message, and the clerk's input exactly as typed
    assert "数据库暂时无法访问" in str(refused.value)
    assert inp == typed

    # WHEN the server is back and the clerk retries with the same input
    server.start()
    result = acceptance.save(db, clerk, inp)

    # THEN one whole application: nothing half-written from the failed attempt, nothing twice
    after = _counts(db)
    assert after["application"] == before["application"] + 1
    assert after["customer"] == before["customer"] + 1 and after["certificate"] == before["certificate"] + 1
    with db.read() as s:
        app = s.scalar(select(Application).where(Application.number == result.number))
        assert app.customer.name == "郑䶮"
        assert {m.code: m.state for m in app.materials}["property_proof"] == "deferred"
        assert sorted(c.kind for c in s.scalars(select(Commitment))) == ["authenticity", "deferral"]
        assert s.scalar(select(func.count()).select_from(StageEvent)) == 1
    db.dispose()
