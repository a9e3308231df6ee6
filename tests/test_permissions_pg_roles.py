"""The group roles of a PostgreSQL hall (migration 0009, ``db_policy``) on the shared test server: what
each group may do, checked with ``SET ROLE`` to the group (no passwords here; signing in as a person
is tests/test_pg_security_boundary.py on a cluster that checks passwords), and who may change the
schema or the grants."""

import uuid

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from counter_app import cli
from counter_app.infra import schema_upgrade as schema
from counter_app.infra.errors import PermissionDenied, UserError
from counter_app.security import db_grants, db_policy


def _as_group(conn, role: str) -> None:
    database = conn.execute(text("SELECT current_database()")).scalar_one()
    conn.exec_driver_sql(f'SET ROLE "{db_policy.group(role, database)}"')
    conn.exec_driver_sql("SET search_path = counter_api, public")


def _refused(engine, role: str, statement: str) -> None:
    with engine.connect() as conn:
        _as_group(conn, role)
        with pytest.raises(DBAPIError, match=r"permission denied|must be owner|不能|只有"):
            conn.exec_driver_sql(statement)


def _allowed(engine, role: str, statement: str) -> None:
    with engine.connect() as conn:
        _as_group(conn, role)
        conn.exec_driver_sql(statement)
        conn.rollback()


@pytest.mark.pg
def test_groups_mirror_the_permissions(pg_url):
    engine = create_engine(pg_url)
    for role in db_policy.COUNTER_ROLES:
        for statement in ("DELETE FROM audit_entry", "UPDATE audit_entry SET detail = ''", "TRUNCATE audit_entry",
                          "DELETE FROM print_record", "DELETE FROM export_record", "DELETE FROM application",
                          "ALTER TABLE audit_entry DISABLE TRIGGER ALL", "DROP TABLE audit_entry",
                          "UPDATE alembic_version SET version_num = '0001'",
                          "SELECT password_hash FROM public.user_account",
                          "UPDATE user_account SET role = 'admin'", "SELECT mobile FROM public.customer"):
            _refused(engine, role, statement)
        _allowed(engine, role, "SELECT count(*) FROM application")
    for role in ("clerk", "backoffice", "supervisor", "exchange"):
        _refused(engine, role, "UPDATE hall_setting SET value = '0'")
    _allowed(engine, "admin", "UPDATE hall_setting SET value = '0'")
    _refused(engine, "admin", "UPDATE application SET remarks = ''")  # admins do not work on cases
    _allowed(engine, "clerk", "UPDATE application SET remarks = ''")
    _refused(engine, "clerk", "INSERT INTO blacklist_entry (customer_id, reason, added_by_id, added_at) "
                              "VALUES (1, 'x', 1, now())")
    engine.dispose()


@pytest.fixture
def admin_login(pg_url):
    """A login in the admin group (the shared server trusts it without a password)."""
    role = f"ct_admin_{uuid.uuid4().hex[:8]}"
    owner = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        database = conn.execute(text("SELECT current_database()")).scalar_one()
        conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN IN ROLE "{db_policy.group("admin", database)}"')
    yield make_url(pg_url).set(username=role, password=None).render_as_string(hide_password=False), owner
    with owner.connect() as conn:
        conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
        conn.exec_driver_sql(f'DROP ROLE "{role}"')
    owner.dispose()


@pytest.mark.pg
def test_only_the_owner_upgrades_and_grants(admin_login):
    url, owner = admin_login
    admin = create_engine(url)
    try:
        with pytest.raises(PermissionDenied, match="只有数据库所有者"):
            db_grants.grant(admin)
        # the program is newer than the database: the owner takes the newest revision back first
        with owner.begin() as conn:
            cfg = schema.alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "-1")
        assert schema.current_revision(owner) != schema.head_revision()
        with pytest.raises(UserError, match=r"无权修改表结构.*counter-app db upgrade"):
            schema.connect(url)
    finally:
        admin.dispose()
        schema.upgrade(owner)  # the owner can, and that restores grants, views and triggers
    assert schema.current_revision(owner) == schema.head_revision()
    assert any("GRANT" in s for s in db_grants.grant(owner))


@pytest.mark.pg
def test_db_grant_on_the_command_line_refuses_a_non_owner(admin_login, capsys):
    url, owner = admin_login
    code = cli.main(["--db", url, "db", "grant"])
    out, err = capsys.readouterr()
    assert code != 0 and out == ""
    assert err.startswith("错误：只有数据库所有者可以运行 counter-app db grant") and err.count("\n") == 1
    code = cli.main(["--db", owner.url.render_as_string(hide_password=False), "db", "grant"])
    out, err = capsys.readouterr()
    assert code == 0 and "已应用" in out and ":clerk" in out, err


def test_legacy_role_names_are_checked():
    assert db_grants.legacy_revoke_statements("counter_app")[0] == \
        'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "counter_app"'
    with pytest.raises(UserError, match="角色名"):
        db_grants.legacy_revoke_statements('x"; DROP TABLE hall; --')

