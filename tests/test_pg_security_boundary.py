"""Issue 14: the database is the security boundary. A throwaway cluster that checks scram-sha-256
passwords over TCP; the hall is migrated by an owner role with CREATEROLE; accounts are made through
the owner-defined functions; then each person connects with plain psycopg (password over TCP, not
through the app) and tries what their role may not. Each attempt must fail with a privilege or policy
error (SQLSTATE 42501) or be corrected (audit identity); the permitted work must still succeed."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import URL

from counter_app.acceptance import service as acceptance
from counter_app.acceptance.clerk_input import AcceptanceInput
from counter_app.hall import hall as halls
from counter_app.infra import schema_upgrade as schema
from counter_app.infra.context import Actor, system_actor
from counter_app.infra.db import Database
from counter_app.infra.errors import PermissionDenied
from counter_app.models import Customer
from counter_app.security import credentials as users
from counter_app.security import db_grants, db_logins, db_policy
from counter_app.security.redaction import mask_id, mask_phone
from counter_app.tracking import application_search
from tests.factories import add_raw_scan, make_case, resident_id
from tests.pg_cluster import scram_cluster  # noqa: F401  (fixture)

pytestmark = pytest.mark.pg

DB = "hall_sec"
OWNER, OWNER_PW = "hall_owner", "Own3r-Secret-pw9"
PW = "Passw0rd1x"
NEW_PW = "Zxcv7890qw"
STAFF = [("clerk1", "clerk", "王小明", 1), ("clerk2", "clerk", "李芳", 2), ("back1", "backoffice", "陈后台", None),
         ("super1", "supervisor", "赵班长", None), ("xchg", "exchange", "交换任务", None)]
CERT = resident_id(321)
OTHER_CERT = resident_id(654)


def _url(cluster, user: str, password: str) -> URL:
    return URL.create("postgresql+psycopg", username=user, password=password, host="127.0.0.1",
                      port=cluster.port, database=DB)


def connect(cluster, username: str, password: str = PW) -> psycopg.Connection:
    """Plain psycopg as the person's own login (autocommit: one statement, one transaction)."""
    return psycopg.connect(host="127.0.0.1", port=cluster.port, dbname=DB, user=f"{username}@{DB}",
                           password=password, autocommit=True, connect_timeout=5)


@pytest.fixture(scope="module")
def hall(scram_cluster):  # noqa: F811
    # pg_signal_backend: disabling an account ends its open sessions
    scram_cluster.owned_database(DB, OWNER, OWNER_PW, grants=("pg_signal_backend",))
    owner = Database(create_engine(_url(scram_cluster, OWNER, OWNER_PW)))
    schema.upgrade(owner.engine)
    with owner.write() as session:
        h = halls.create_hall(session, system_actor(), code="FZGL01", name="福州鼓楼供电营业厅",
                              supervision_phone="0591-87654321", address="福州市鼓楼区五四路100号", phone="0591-87000000")
        windows = {w.number: w.id for w in halls.windows(session)}
        db_logins.create_account(session, username="admin1", name="管理员", role="admin", window_id=None, password=PW)
    admin = Database(create_engine(_url(scram_cluster, f"admin1@{DB}", PW)))
    ids = {}
    with admin.write() as session:
        for username, role, name, window_no in STAFF:
            ids[username] = db_logins.create_account(session, username=username, name=name, role=role,
                                                     window_id=windows.get(window_no), password=PW)
    with owner.write() as session:  # one case at each clerk's window, written as the owner
        mine = make_case(session, window_id=windows[1], clerk_id=ids["clerk1"], cert_number=CERT, agent=True)
        other = make_case(session, window_id=windows[2], clerk_id=ids["clerk2"], name="李四", cert_number=OTHER_CERT)
        session.execute(text("UPDATE customer SET mobile = '13911112222' WHERE id = :c"), {"c": other.customer_id})
        blob = add_raw_scan(session, other.id)
        cases = {"mine": mine.id, "other": other.id, "scan_blob": blob}
    admin.dispose()
    yield {"cluster": scram_cluster, "owner": owner, "ids": ids, "windows": windows, "hall_id": h.id, **cases}
    owner.dispose()


def refused(conn: psycopg.Connection, statement: str, params=None) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement, params)


ROLES = ["clerk1", "back1", "super1", "admin1", "xchg"]


@pytest.mark.parametrize("who", ROLES)
def test_forbidden_for_every_role(hall, who):
    ids = hall["ids"]
    with connect(hall["cluster"], who) as conn:
        assert conn.execute("SELECT session_user").fetchone()[0] == f"{who}@{DB}"
        refused(conn, "SELECT password_hash FROM public.user_account")
        assert conn.execute("SELECT password_hash FROM user_account").fetchall()[0] == (None,)  # the view
        refused(conn, "UPDATE public.user_account SET role = 'admin' WHERE username = %s", [who])
        refused(conn, "UPDATE user_account SET role = 'admin' WHERE username = %s", [who])
        refused(conn, "UPDATE public.user_account SET locked_until = NULL, failed_attempts = 0")
        refused(conn, "UPDATE public.user_account SET password_hash = "
                      "(SELECT password_hash FROM public.user_account WHERE username = 'admin1') WHERE id = %s",
                [ids.get(who, 0)])
        refused(conn, "INSERT INTO public.user_account (username, name, role, password_hash, active, "
                      "must_change_password, failed_attempts, created_at) VALUES ('mallory', 'M', 'admin', '', "
                      "true, false, 0, now())")
        refused(conn, "DELETE FROM public.user_account WHERE username = 'clerk2'")
        for table in ("print_record", "export_record", "audit_entry"):
            refused(conn, f"DELETE FROM public.{table}")
            refused(conn, f"UPDATE public.{table} SET id = id")
            refused(conn, f"TRUNCATE public.{table}")
        refused(conn, "DELETE FROM application")
        refused(conn, "DELETE FROM public.application")
        refused(conn, "UPDATE public.application SET number = 'X' WHERE id = %s", [hall["mine"]])
        refused(conn, "UPDATE public.application SET clerk_id = %s WHERE id = %s", [ids["clerk2"], hall["mine"]])
        refused(conn, "SELECT mobile FROM public.customer")
        refused(conn, "SELECT number FROM public.certificate")
        refused(conn, "SELECT contact_mobile FROM public.application")
        refused(conn, "CREATE ROLE mallory LOGIN PASSWORD 'x'")
        refused(conn, f'ALTER ROLE "clerk2@{DB}" PASSWORD \'Hijack123x\'')
        refused(conn, f'ALTER ROLE "{who}@{DB}" CREATEROLE')
        refused(conn, f'GRANT "{DB}:admin" TO "{who}@{DB}"')
        refused(conn, "DROP TRIGGER stamp_identity ON public.audit_entry")
        refused(conn, "CREATE TABLE public.x (id int)")
        if who != "admin1":
            refused(conn, "UPDATE hall_setting SET value = '0' WHERE key = 'idle_lock_minutes'")
            refused(conn, "INSERT INTO hall_setting (hall_id, key, value, updated_at) "
                          "VALUES (%s, 'idle_lock_minutes', '0', now())", [hall["hall_id"]])
            refused(conn, "SELECT counter_api.create_account('mallory', 'M', 'admin', NULL, %s)",
                    ["SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy"])
            refused(conn, "SELECT counter_api.reset_password('admin1', %s)",
                    ["SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy"])
            refused(conn, "SELECT counter_api.set_active('admin1', false)")
            refused(conn, "SELECT counter_api.update_account('clerk2', '李芳', 'admin', NULL)")


def test_audit_identity_is_stamped_from_the_session(hall):
    admin_id = hall["ids"]  # clerk1 claims to be admin1 (and an invented id)
    with connect(hall["cluster"], "clerk1") as conn:
        row = conn.execute(
            "INSERT INTO audit_entry (at, user_id, username, pc, action, target_type, target_id, outcome, detail) "
            "VALUES (now(), NULL, 'admin1', 'pc', 'forged', '', '', 'ok', '') RETURNING user_id, username").fetchone()
        assert row == (admin_id["clerk1"], "clerk1")
        row = conn.execute("INSERT INTO export_record (kind, filters, row_count, unmasked, reason, path, user_id, "
                           "username, at) VALUES ('x', '{}', 0, false, '', '', NULL, 'super1', now()) "
                           "RETURNING user_id, username").fetchone()
        assert row == (admin_id["clerk1"], "clerk1")
        row = conn.execute("INSERT INTO print_record (document, action, sha256, outcome, user_id, pc, printer, "
                           "path, at) VALUES ('d', 'print', '0', 'ok', NULL, '', '', '', now()) RETURNING user_id").fetchone()
        assert row == (admin_id["clerk1"],)


def test_masking_follows_the_case(hall):
    with connect(hall["cluster"], "clerk1") as conn:
        mine = conn.execute("SELECT contact_mobile, agent_cert_number FROM application WHERE id = %s",
                            [hall["mine"]]).fetchone()
        assert mine[0] == "13812345678" and "*" not in mine[1]  # own window, still in hand
        other = conn.execute("SELECT contact_mobile, contact_phone FROM application WHERE id = %s",
                             [hall["other"]]).fetchone()
        assert other == (mask_phone("13812345678"), mask_phone("0591-83334444"))  # as the app masks
        assert conn.execute("SELECT number FROM certificate WHERE number = %s", [CERT]).fetchone() == (CERT,)
        masked = conn.execute("SELECT c.number, u.mobile FROM certificate c JOIN customer u ON u.id = c.customer_id "
                              "WHERE c.customer_id = (SELECT customer_id FROM application WHERE id = %s)",
                              [hall["other"]]).fetchone()
        assert masked == (mask_id(OTHER_CERT), "139****2222")
        assert conn.execute("SELECT count(*) FROM certificate WHERE number = %s", [OTHER_CERT]).fetchone() == (0,)
        # searching by the full number works without reading it
        find = "SELECT * FROM counter_api.find_ids(%s, %s)"
        found = conn.execute(find, ["customer_by_certificate", [OTHER_CERT]]).fetchall()
        assert len(found) == 1
        assert conn.execute(find, ["customer_by_mobile", ["13911112222"]]).fetchall() == found
    for who in ("back1", "super1", "admin1"):
        with connect(hall["cluster"], who) as conn:
            assert conn.execute("SELECT contact_mobile FROM application WHERE id = %s",
                                [hall["mine"]]).fetchone() == ("138****5678",)


def test_scanned_certificates_are_for_whoever_works_the_case(hall):
    query = "SELECT data FROM stored_blob WHERE id = %s"
    for who, expected in (("clerk1", b""), ("admin1", b""), ("clerk2", b"\xde\xad\xbe\xef"),
                          ("back1", b"\xde\xad\xbe\xef"), ("super1", b"\xde\xad\xbe\xef")):
        with connect(hall["cluster"], who) as conn:
            assert conn.execute(query, [hall["scan_blob"]]).fetchone() == (expected,), who
            refused(conn, "SELECT data FROM public.stored_blob")


def test_a_completed_case_is_masked_for_its_clerk_too(hall):
    owner = hall["owner"]
    with owner.write() as session:
        session.execute(text("UPDATE application SET status = 'completed' WHERE id = :a"), {"a": hall["mine"]})
    try:
        with connect(hall["cluster"], "clerk1") as conn:
            assert conn.execute("SELECT contact_mobile FROM application WHERE id = %s",
                                [hall["mine"]]).fetchone() == ("138****5678",)
    finally:
        with owner.write() as session:
            session.execute(text("UPDATE application SET status = 'active' WHERE id = :a"), {"a": hall["mine"]})


def test_unmasked_export_needs_a_supervisor_and_a_reason_and_lasts_one_transaction(hall):
    query = "SELECT contact_mobile FROM application WHERE id = %s"
    with connect(hall["cluster"], "super1") as conn:
        conn.autocommit = False
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="原因"):
            conn.execute("SELECT counter_api.allow_unmasked_export('register', ' ')")
        conn.rollback()
        conn.execute("SELECT counter_api.allow_unmasked_export('register', '报送监管部门核查')")
        assert conn.execute(query, [hall["other"]]).fetchone() == ("13812345678",)
        conn.commit()
        assert conn.execute(query, [hall["other"]]).fetchone() == ("138****5678",)
        conn.rollback()
        reason = conn.execute("SELECT detail FROM audit_entry WHERE action = 'unmasked_export_allowed' "
                              "ORDER BY id DESC LIMIT 1").fetchone()[0]
        assert "报送监管部门核查" in reason
    for who in ("clerk1", "back1", "admin1"):
        with connect(hall["cluster"], who) as conn:
            refused(conn, "SELECT counter_api.allow_unmasked_export('register', '我想看看')")


def test_admin_functions_touch_counter_logins_of_this_database_only(hall):
    su = create_engine(hall["cluster"].superuser_url(DB), isolation_level="AUTOCOMMIT")
    with su.connect() as conn:  # a role named like a login but not a counter login of this hall
        conn.exec_driver_sql(f'CREATE ROLE "boss@{DB}" LOGIN')
        conn.exec_driver_sql(f'CREATE ROLE "eve2@{DB}" LOGIN')  # a login without an account
        conn.exec_driver_sql("INSERT INTO user_account (username, name, role, password_hash, active, "
                             "must_change_password, failed_attempts, created_at) "
                             "VALUES ('boss', 'B', 'clerk', '', true, false, 0, now())")
    su.dispose()
    with connect(hall["cluster"], "admin1") as conn:
        verifier = conn.pgconn.encrypt_password(b"Hijack123x", b"x", b"scram-sha-256").decode()
        for username in ("boss", OWNER, "postgres", "nobody"):
            for call, args in (("reset_password(%s, %s)", [username, verifier]), ("set_active(%s, false)", [username]),
                               ("update_account(%s, 'x', 'admin', NULL)", [username]), ("unlock(%s)", [username])):
                refused(conn, f"SELECT counter_api.{call}", args)
        with pytest.raises(psycopg.errors.InvalidParameterValue):
            conn.execute("SELECT counter_api.create_account('eve', 'E', 'superuser', NULL, %s)", [verifier])
        with pytest.raises(psycopg.errors.InvalidParameterValue):  # no SQL through the verifier
            conn.execute("SELECT counter_api.create_account('eve', 'E', 'clerk', NULL, %s)",
                         ["x' SUPERUSER --"])
        refused(conn, "SELECT counter_api.create_account('eve2', 'E', 'clerk', NULL, %s)", [verifier])
        refused(conn, "SELECT counter_api.set_active('admin1', false)")  # not oneself


def test_admin_creates_disables_resets_and_the_person_can_or_cannot_sign_in(hall):
    cluster = hall["cluster"]
    admin = Database(create_engine(_url(cluster, f"admin1@{DB}", PW)))
    try:
        with admin.write() as session:
            db_logins.create_account(session, username="temp1", name="临时", role="clerk",
                                     window_id=hall["windows"][3], password=PW)
        with connect(cluster, "temp1") as conn:
            assert conn.execute("SELECT username, must_change_password FROM counter_api.whoami()").fetchone() == (
                "temp1", True)
        live = connect(cluster, "temp1")
        with admin.write() as session:
            db_logins.set_active(session, "temp1", False)
        with pytest.raises(psycopg.OperationalError):
            connect(cluster, "temp1")
        with pytest.raises(psycopg.OperationalError):  # the session that was open ended too
            live.execute("SELECT 1")
        live.close()
        with admin.write() as session:
            db_logins.set_active(session, "temp1", True)
            db_logins.reset_password(session, "temp1", NEW_PW)
        with pytest.raises(psycopg.OperationalError):
            connect(cluster, "temp1", PW)
        temp = Database(create_engine(_url(cluster, f"temp1@{DB}", NEW_PW)))
        with temp.write() as session:
            db_logins.change_own_password(session, PW)
            db_logins.record_sign_in(session, "pc-3")
        with temp.read() as session:
            me = db_logins.whoami(session)
        temp.dispose()
        assert me["username"] == "temp1" and me["must_change_password"] is False
        with pytest.raises(PermissionDenied, match="只能管理本营业厅的柜台账号"):  # refused by the database
            with admin.write() as session:
                db_logins.set_active(session, OWNER, False)
    finally:
        admin.dispose()


def test_a_clerk_saves_and_searches_through_the_app(hall, frozen_now):
    cluster, ids, windows = hall["cluster"], hall["ids"], hall["windows"]
    clerk = Actor(ids["clerk1"], "clerk1", "王小明", "clerk", hall_id=hall["hall_id"], window_id=windows[1],
                  window_no=1, pc="test-pc")
    db = Database(create_engine(_url(cluster, f"clerk1@{DB}", PW)))
    try:
        saved = acceptance.save(db, clerk, AcceptanceInput(
            cert_type="id_card", cert_number="11010519491231002X", holder_name="边界验证", business_type="lv_res_new",
            address_district="福州市鼓楼区", address_detail="五四路1号", contact_name="边界验证",
            contact_mobile="13900000000", applied_capacity="8"))
        loaded = acceptance.load(db, clerk, saved.application_id)
        assert loaded.input.contact_mobile == "13900000000"  # the own case, in hand
        with db.read() as session:
            found = session.scalars(select(Customer.id).where(
                Customer.id.in_(db_logins.find_customer_ids(session, OTHER_CERT)))).all()
            assert len(found) == 1
        with pytest.raises(PermissionDenied):
            with db.write() as session:
                session.execute(text("DELETE FROM application WHERE id = :a"), {"a": saved.application_id})
    finally:
        db.dispose()
    other_clerk = Actor(ids["clerk2"], "clerk2", "李芳", "clerk", hall_id=hall["hall_id"], window_id=windows[2],
                        window_no=2, pc="test-pc-2")
    db2 = Database(create_engine(_url(cluster, f"clerk2@{DB}", PW)))
    try:  # whatever the app decides, another window's clerk gets what the database masked
        assert acceptance.load(db2, other_clerk, saved.application_id).input.contact_mobile == "139****0000"
        # ... and still finds the case by what the customer remembers: the ID number's last 6, or
        # (part of) the name with the phone's last 4, though the view shows those columns masked
        for remembered in ("31002X", "边界 0000", "验证0000"):
            rows = application_search.search(db2, other_clerk, remembered).rows
            assert [r.application_id for r in rows] == [saved.application_id], remembered
    finally:
        db2.dispose()


def test_masked_values_are_never_written_back(hall):
    """clerk2 edits the customer of clerk1's case (seen masked): the full numbers stay as they were."""
    with connect(hall["cluster"], "clerk2") as conn:
        row = conn.execute("SELECT c.id, c.mobile FROM customer c JOIN application a ON a.customer_id = c.id "
                           "WHERE a.id = %s", [hall["mine"]]).fetchone()
        assert row[1] == "138****5678"
        assert conn.execute("UPDATE customer SET name = '张三丰' WHERE id = %s", [row[0]]).rowcount == 1
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="脱敏"):
            conn.execute("UPDATE customer SET mobile = '139****9999' WHERE id = %s", [row[0]])
    with hall["owner"].read() as session:
        full = session.execute(text("SELECT name, mobile FROM customer WHERE id = :c"), {"c": row[0]}).one()
        assert tuple(full) == ("张三丰", "13812345678")
        session.execute(text("UPDATE customer SET name = '张三' WHERE id = :c"), {"c": row[0]})
        session.commit()


def test_optimistic_locking_holds_through_the_view(hall):
    """Two clerks save the same version: the second changes nothing (the ORM reports a stale edit)."""
    cluster = hall["cluster"]
    with connect(cluster, "clerk1") as first, connect(cluster, "clerk1") as second:
        version = first.execute("SELECT version FROM application WHERE id = %s", [hall["mine"]]).fetchone()[0]
        update = "UPDATE application SET remarks = %s, version = %s WHERE id = %s AND version = %s"
        assert first.execute(update, ["第一次", version + 1, hall["mine"], version]).rowcount == 1
        assert second.execute(update, ["第二次", version + 1, hall["mine"], version]).rowcount == 0
        assert first.execute("SELECT remarks FROM application WHERE id = %s", [hall["mine"]]).fetchone() == ("第一次",)


def test_existing_accounts_get_logins_with_temporary_passwords(hall):
    owner = hall["owner"]
    with owner.write() as session:  # an account from before database logins (argon2 hash, no login)
        users.create_user(session, system_actor(hall["hall_id"]), "old1", role="backoffice", name="老账号",
                          password=PW, must_change_password=False)
    created = db_logins.create_missing_logins(owner.engine, database=DB)
    assert set(created) == {"old1"}
    with connect(hall["cluster"], "old1", created["old1"]) as conn:
        assert conn.execute("SELECT must_change_password FROM counter_api.whoami()").fetchone() == (True,)
    with owner.read() as session:
        assert session.execute(text("SELECT password_hash FROM user_account WHERE username = 'old1'")).scalar() == ""
    assert db_logins.create_missing_logins(owner.engine, database=DB) == {}
    admin = create_engine(_url(hall["cluster"], f"admin1@{DB}", PW))
    try:
        with pytest.raises(PermissionDenied, match="数据库所有者"):
            db_logins.create_missing_logins(admin, database=DB)
    finally:
        admin.dispose()


def test_db_grant_is_for_the_owner_only(hall):
    admin = create_engine(_url(hall["cluster"], f"admin1@{DB}", PW))
    try:
        with pytest.raises(PermissionDenied, match="只有数据库所有者"):
            db_grants.grant(admin)
    finally:
        admin.dispose()
    assert any("GRANT" in s for s in db_grants.grant(hall["owner"].engine))  # again: idempotent


def test_every_table_has_a_plan(hall):
    with hall["owner"].engine.connect() as conn:
        tables = set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
    assert tables == set(db_policy.TABLES)


def test_each_role_does_its_work_through_the_app(hall):
    """The grants leave each role the work ``permissions`` gives it: search, move a stage, terminate,
    a hall setting."""
    from counter_app.tracking import application_search, stages

    cluster, ids, windows = hall["cluster"], hall["ids"], hall["windows"]

    def actor(username: str, role: str) -> Actor:
        return Actor(ids.get(username), username, username, role, hall_id=hall["hall_id"], window_id=windows[3],
                     window_no=3, pc="test-pc")

    def as_login(username: str) -> Database:
        return Database(create_engine(_url(cluster, f"{username}@{DB}", PW)))

    back, sup = as_login("back1"), as_login("super1")
    try:
        found = application_search.search(sup, actor("super1", "supervisor"), OTHER_CERT)
        assert len(found.rows) == 1
        with back.read() as session:
            version = session.execute(text("SELECT version FROM application WHERE id = :a"),
                                      {"a": hall["other"]}).scalar_one()
        stages.advance(back, actor("back1", "backoffice"), hall["other"], version=version, handler="陈后台")
        with back.read() as session:
            row = session.execute(text("SELECT version, current_stage, contact_mobile FROM application WHERE id = :a"),
                                  {"a": hall["other"]}).one()
        assert row.version == version + 1 and row.current_stage != "accept" and "*" in row.contact_mobile
        stages.terminate(sup, actor("super1", "supervisor"), hall["other"], version=row.version,
                         reason="客户申请撤销")
        with hall["owner"].read() as session:  # the full number survived both writes
            full = session.execute(text("SELECT status, contact_mobile FROM application WHERE id = :a"),
                                   {"a": hall["other"]}).one()
        assert tuple(full) == ("terminated", "13812345678")
    finally:
        back.dispose()
        sup.dispose()
        with hall["owner"].write() as session:
            session.execute(text("UPDATE application SET status = 'active', current_stage = 'accept' WHERE id = :a"),
                            {"a": hall["other"]})
    admin = as_login("admin1")
    try:
        with admin.write() as session:
            halls.set_setting(session, actor("admin1", "admin"), hall["hall_id"], "idle_lock_minutes", 7)
        with admin.read() as session:
            assert halls.get_setting(session, "idle_lock_minutes", hall["hall_id"]) == 7
    finally:
        admin.dispose()
