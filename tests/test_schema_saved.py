"""Every released schema (a saved database in tests/schemas/, see tools/save_schema_db.py) upgrades
to the current one with its data intact, and the counter works on it afterwards."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

from counter_app.acceptance import service as acceptance
from counter_app.tracking import application_search
from counter_app.infra import clock, schema_upgrade as schema
from counter_app.acceptance.clerk_input import AcceptanceInput
from counter_app.infra.db import Database, make_engine
from counter_app.models import Application, AuditEntry, Base, CounterWindow, User
from counter_app.security.credentials import actor_for

SAVED = sorted((Path(__file__).parent / "schemas").glob("*.sqlite3"))


def test_the_current_schema_has_a_saved_database():
    """A release that changes the schema saves its database (tools/save_schema_db.py)."""
    assert schema.head_revision() in [p.stem for p in SAVED]


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                             "AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


@pytest.mark.parametrize("saved", SAVED, ids=[p.stem for p in SAVED])
def test_saved_database_upgrades_and_works(saved, tmp_path):
    path = tmp_path / "hall.sqlite3"
    shutil.copyfile(saved, path)
    before = _counts(path)
    assert before["application"] > 0

    engine = make_engine(f"sqlite:///{path}")
    old, new, _backup = schema.upgrade(engine)
    assert old == saved.stem and new == schema.head_revision()
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata) == []
    engine.dispose()
    after = _counts(path)
    assert {t: n for t, n in after.items() if t in before} == before  # nothing lost or added

    db = Database.from_url(f"sqlite:///{path}")
    clock.freeze(dt.datetime(2026, 11, 25, 9, 0))
    try:
        with db.read() as session:
            user = session.scalar(select(User).where(User.username == "clerk1"))
            window = session.get(CounterWindow, user.window_id)
            known = session.scalar(select(Application.number).order_by(Application.id).limit(1))
            clerk = actor_for(user, hall_id=window.hall_id, window=window, pc="upgrade-test")
        found = application_search.search(db, clerk, known)
        assert [f.number for f in found.rows] == [known]
        saved_app = acceptance.save(db, clerk, AcceptanceInput(
            cert_type="id_card", cert_number="11010519491231002X", holder_name="升级验证", business_type="lv_res_new",
            address_district="福州市鼓楼区", address_detail="五四路1号", contact_name="升级验证",
            contact_mobile="13900000000", applied_capacity="8",
        ))
        with db.read() as session:
            numbers = session.scalars(select(Application.number)).all()
            assert len(numbers) == len(set(numbers)) == before["application"] + 1
            assert session.scalar(select(func.count()).select_from(AuditEntry)) > before["audit_entry"]
        assert saved_app.number in numbers
    finally:
        clock.freeze(None)
        db.dispose()
