"""The README's PostgreSQL set-up: counter PCs connect as a role that may append to the audit trail
but not change, delete or truncate it, nor touch the schema. Runs on the test server with a
throwaway role."""

import uuid

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from counter_app.infra import schema_upgrade as schema
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError
from counter_app.security import credentials as users
from counter_app.security import db_grants as db_access
from tests.conftest import PASSWORD, setup_hall


@pytest.fixture
def app_role(pg_url):
    role = f"ct_app_{uuid.uuid4().hex[:8]}"
    owner = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    app_url = make_url(pg_url).set(username=role, password=None).render_as_string(hide_password=False)
    yield role, app_url, owner
    with owner.connect() as conn:
        conn.execute(text(f'DROP OWNED BY "{role}"'))
        conn.execute(text(f'DROP ROLE "{role}"'))
    owner.dispose()


@pytest.mark.pg
def test_app_role_works_but_cannot_rewrite_the_audit_trail(app_role):
    role, app_url, owner = app_role
    statements = db_access.grant_app_role(owner, role)
    assert any("REVOKE UPDATE, DELETE, TRUNCATE ON audit_entry" in s for s in statements)
    db = Database.from_url(app_url)
    try:
        setup_hall(db)  # the app's own writes work: hall, users, audit entries
        users.sign_in(db, "clerk1", PASSWORD)
        with pytest.raises(UserError):
            users.sign_in(db, "clerk1", "bad-pass-1")  # failure counted in sign_in_lock
        assert schema.current_revision(db.engine) == schema.head_revision()
        for statement in ("DELETE FROM audit_entry", "UPDATE audit_entry SET detail = ''",
                          "TRUNCATE audit_entry", "DROP TRIGGER audit_entry_append_only ON audit_entry",
                          "ALTER TABLE audit_entry DISABLE TRIGGER ALL", "DROP TABLE audit_entry",
                          "UPDATE alembic_version SET version_num = '0001'"):
            with pytest.raises(DBAPIError, match=r"permission denied|must be owner"):
                with db.engine.begin() as conn:
                    conn.execute(text(statement))
        with db.read() as s:
            assert s.execute(text("SELECT count(*) FROM audit_entry")).scalar() >= 8
    finally:
        db.dispose()


@pytest.mark.pg
def test_app_role_cannot_upgrade_and_is_told_who_can(app_role):
    role, app_url, owner = app_role
    db_access.grant_app_role(owner, role)
    # the program is newer than the database: the owner takes the newest revision back first
    with owner.begin() as conn:
        cfg = schema.alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "-1")
    assert schema.current_revision(owner) != schema.head_revision()
    try:
        with pytest.raises(UserError, match=r"无权修改表结构.*counter-app db upgrade"):
            schema.connect(app_url)
    finally:
        schema.upgrade(owner)  # the owner can, and that restores the triggers for the other tests
    assert schema.current_revision(owner) == schema.head_revision()


def test_role_names_are_checked():
    assert db_access.grant_statements("counter_app")[0] == 'GRANT USAGE ON SCHEMA public TO "counter_app"'
    with pytest.raises(UserError, match="角色名"):
        db_access.grant_statements('x"; DROP TABLE hall; --')
