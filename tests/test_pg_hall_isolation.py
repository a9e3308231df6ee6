"""Issue 20: many halls on one PostgreSQL database, kept apart by the database itself. On a throwaway
scram-sha-256 cluster three halls share one database; each person connects with plain psycopg as
their own login and tries to read, count, change and add to another hall's rows. Row-level security
(``security.db_rows``) and the hall condition of the masked views must hide them (no rows, count 0,
UPDATE 0) or refuse them (SQLSTATE 42501); the account functions refuse an admin another hall's
staff; a city supervisor sees the two halls it is granted and not the third. The work of one's own
hall still succeeds, through plain SQL and through the app."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from counter_app.hall import hall as halls
from counter_app.hall import many_halls
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import PermissionDenied
from counter_app.reporting import registers
from counter_app.reporting.registers import RegisterFilter
from counter_app.security import db_logins, db_rows, db_sign_in
from counter_app.tracking import warning_list
from tests import pg_halls
from tests.factories import add_raw_scan, make_case, resident_id
from tests.pg_cluster import scram_cluster  # noqa: F401  (fixture)

pytestmark = pytest.mark.pg

DB = "halls_iso"
OWNER, OWNER_PW = "halls_owner", "Own3r-Secret-pw9"
PW = "Passw0rd1x"
HALLS = {"A": "FZGL01", "B": "FZCS02", "C": "FZJA03"}
VERIFIER = "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy"


def connect(cluster, username: str) -> psycopg.Connection:
    return pg_halls.connect(cluster, DB, username, PW)


def _url(cluster, user: str, password: str) -> URL:
    return pg_halls.url(cluster, DB, user, password)


@pytest.fixture(scope="module")
def world(scram_cluster):  # noqa: F811
    owner, hall_ids, windows = pg_halls.owner_with_halls(scram_cluster, DB, OWNER, OWNER_PW, HALLS)
    ids = {}
    with owner.write() as session:
        for key in ("A", "B"):  # each hall's admin, created by the owner
            ids[f"admin{key.lower()}"] = db_logins.create_account(session, username=f"admin{key.lower()}", name="管理员",
                                                          role="admin", window_id=None, password=PW,
                                                          hall_id=hall_ids[key])
        ids["city"] = db_logins.create_account(session, username="city1", name="市公司督查", role="supervisor",
                                               window_id=None, password=PW)  # three halls: none of its own
    owner_actor = Actor(None, OWNER, "数据库所有者", "admin")  # as counter-app hall grant runs it
    assert many_halls.grant_halls(owner, owner_actor, "city1", [HALLS["A"], HALLS["B"]]) == [HALLS["B"], HALLS["A"]]
    for key in ("A", "B"):  # each admin creates the hall's staff in the admin's own hall
        admin = Database(create_engine(_url(scram_cluster, f"admin{key.lower()}@{DB}", PW)))
        with admin.write() as session:
            for role, username in (("clerk", f"clerk{key.lower()}"), ("supervisor", f"super{key.lower()}")):
                ids[username] = db_logins.create_account(
                    session, username=username, name=username, role=role, password=PW,
                    window_id=windows[key][1] if role == "clerk" else None)
        admin.dispose()
    cases = {}
    with owner.write() as session:  # one case in each hall, written as the owner
        for key in ("A", "B", "C"):
            clerk = ids.get(f"clerk{key.lower()}", ids["clerka"])
            app = make_case(session, window_id=windows[key][1], clerk_id=clerk, name=f"客户{key}",
                            cert_number=resident_id(900 + ord(key)))
            cases[key] = app.id
        cases["shared_cert"] = resident_id(900 + ord("A"))
    with owner.write() as session:  # a handover, a print and an export record in hall B
        batch = session.execute(text(
            "INSERT INTO handover_batch (number, window_id, hall_id, shift, created_by_id, created_at, status, "
            "receiver_name, version) VALUES ('JJ-FZCS02-01-20261101-01', :w, :h, '全天', :u, now(), 'open', '', 1) "
            "RETURNING id"), {"w": windows["B"][1], "h": hall_ids["B"], "u": ids["clerkb"]}).scalar_one()
        session.execute(text("INSERT INTO handover_line (batch_id, application_id, seq, copies, remark, remark_note, "
                             "unprinted_reason) VALUES (:b, :a, 1, 1, '', '', '')"), {"b": batch, "a": cases["B"]})
        session.execute(text("INSERT INTO print_record (document, action, application_id, sha256, outcome, pc, "
                             "printer, path, at, hall_id) VALUES ('application_form', 'print', :a, '0', 'ok', '', "
                             "'', '', now(), :h)"), {"a": cases["B"], "h": hall_ids["B"]})
        session.execute(text("INSERT INTO export_record (kind, filters, row_count, unmasked, reason, path, username, "
                             "at, hall_id) VALUES ('register', '{}', 1, false, '', '', 'superb', now(), :h)"),
                        {"h": hall_ids["B"]})
        cases["batch_b"] = batch
        cases["scan_b"] = add_raw_scan(session, cases["B"])
    yield {"cluster": scram_cluster, "owner": owner, "ids": ids, "halls": hall_ids, "windows": windows, **cases}
    owner.dispose()


def refused(conn: psycopg.Connection, statement: str, params=None) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement, params)


def changes_nothing(conn: psycopg.Connection, statement: str, params=None) -> None:
    """Hidden by row security (0 rows) or not the group's to change at all (privilege error)."""
    try:
        assert conn.execute(statement, params).rowcount == 0
    except psycopg.errors.InsufficientPrivilege:
        pass


def one(conn, statement: str, params=None):
    return conn.execute(statement, params).fetchone()[0]


@pytest.mark.parametrize("who", ["clerka", "supera", "admina"])
def test_staff_of_hall_a_see_count_and_change_nothing_of_hall_b(world, who):
    b, b_hall, b_window = world["B"], world["halls"]["B"], world["windows"]["B"][1]
    with connect(world["cluster"], who) as conn:
        # reading and counting: through the masked view and the table alike
        assert one(conn, "SELECT count(*) FROM application WHERE id = %s", [b]) == 0
        assert one(conn, "SELECT count(*) FROM public.application WHERE hall_id = %s", [b_hall]) == 0
        assert one(conn, "SELECT count(*) FROM application") == 1  # hall A's own case
        for table in ("material", "commitment", "stage_event"):
            assert one(conn, f"SELECT count(*) FROM {table} WHERE application_id = %s", [b]) == 0, table
        assert one(conn, "SELECT count(*) FROM hall") == 1
        assert one(conn, "SELECT count(*) FROM hall_setting WHERE hall_id = %s", [b_hall]) == 0
        assert one(conn, "SELECT count(*) FROM counter_window WHERE hall_id = %s", [b_hall]) == 0
        assert one(conn, "SELECT count(*) FROM handover_batch WHERE id = %s", [world["batch_b"]]) == 0
        assert one(conn, "SELECT count(*) FROM handover_line") == 0
        for table in ("print_record", "export_record", "audit_entry"):
            assert one(conn, f"SELECT count(*) FROM {table} WHERE hall_id = %s", [b_hall]) == 0, table
            assert one(conn, f"SELECT count(*) FROM {table} WHERE hall_id IS DISTINCT FROM %s",
                       [world["halls"]["A"]]) == 0, table
        assert one(conn, "SELECT count(*) FROM user_account WHERE username IN ('clerkb', 'superb', 'adminb')") == 0
        assert one(conn, "SELECT count(*) FROM number_counter WHERE prefix LIKE 'FZCS02%%'") == 0
        assert one(conn, "SELECT count(*) FROM counter_api.find_ids('application_by_contact_mobile', "
                         "ARRAY['13812345678'])") == 1  # the same phone in hall B's case is not found
        # changing: no row of hall B is there to change
        changes_nothing(conn, "UPDATE application SET remarks = 'x' WHERE id = %s", [b])
        changes_nothing(conn, "UPDATE public.application SET remarks = 'x' WHERE id = %s", [b])
        changes_nothing(conn, "UPDATE public.material SET copies = 9 WHERE application_id = %s", [b])
        changes_nothing(conn, "UPDATE public.handover_batch SET receiver_name = 'x' WHERE id = %s", [world["batch_b"]])
        if who == "admina":
            assert conn.execute("UPDATE hall_setting SET value = '0' WHERE hall_id = %s", [b_hall]).rowcount == 0
            assert conn.execute("UPDATE counter_window SET name = 'x' WHERE hall_id = %s", [b_hall]).rowcount == 0
            refused(conn, "INSERT INTO hall_setting (hall_id, key, value, updated_at) "
                          "VALUES (%s, 'idle_lock_minutes', '0', now())", [b_hall])
            refused(conn, "INSERT INTO counter_window (hall_id, number, name, active) VALUES (%s, 9, 'x', true)",
                    [b_hall])
        # adding to hall B: refused by the policy (or the group's grants)
        if who == "clerka":
            refused(conn, "INSERT INTO application (number, hall_id, window_id, clerk_id, customer_id, "
                          "certificate_id, business_type, accepted_at, updated_at) SELECT 'X-1', %s, %s, %s, "
                          "customer_id, certificate_id, 'lv_res_new', now(), now() FROM application LIMIT 1",
                    [b_hall, b_window, world["ids"]["clerka"]])
            refused(conn, "INSERT INTO number_counter (prefix, last) VALUES ('FZCS02-20991231', 1)")
        refused(conn, "INSERT INTO public.hall_grant (user_id, hall_id, granted_at) VALUES (%s, %s, now())",
                [world["ids"][who], b_hall])
        # records written by a clerk of hall A land in hall A whatever the client claims
        hall_of_row = one(conn, "INSERT INTO audit_entry (at, username, pc, action, target_type, target_id, outcome, "
                                "detail, hall_id) VALUES (now(), '', '', 'probe', '', '', 'ok', '', %s) "
                                "RETURNING hall_id", [b_hall])
        assert hall_of_row == world["halls"]["A"]


def test_a_scan_of_hall_b_is_shown_to_hall_b_only(world):
    """Back office and supervisors see the scanned certificates of their own halls' cases in full."""
    for who, expected in (("supera", b""), ("admina", b""), ("superb", b"\xde\xad\xbe\xef"),
                          ("city1", b"\xde\xad\xbe\xef")):
        with connect(world["cluster"], who) as conn:
            assert one(conn, "SELECT data FROM stored_blob WHERE id = %s", [world["scan_b"]]) == expected, who
            assert one(conn, "SELECT count(*) FROM scan_page WHERE blob_id = %s", [world["scan_b"]]) == \
                (0 if who.endswith("a") else 1), who


def test_the_permitted_work_of_hall_a_still_succeeds(world):
    a = world["A"]
    with connect(world["cluster"], "clerka") as conn:
        assert conn.execute("UPDATE application SET remarks = '本厅备注' WHERE id = %s", [a]).rowcount == 1
        assert one(conn, "SELECT contact_mobile FROM application WHERE id = %s", [a]) == "13812345678"
        assert conn.execute("INSERT INTO number_counter (prefix, last) VALUES ('FZGL01-20991231', 1) "
                            "ON CONFLICT (prefix) DO UPDATE SET last = number_counter.last + 1").rowcount == 1
        # the shared customer file: hall B's clerk finds hall A's certificate (一证受理 anywhere)
    with connect(world["cluster"], "clerkb") as conn:
        assert one(conn, "SELECT count(*) FROM certificate WHERE customer_id = (SELECT customer_id FROM "
                         "counter_api.certificate WHERE id IN (SELECT * FROM counter_api.find_ids('certificate', %s)))",
                   [[world["shared_cert"]]]) == 1


def test_an_admin_manages_the_logins_of_its_own_hall_only(world):
    with connect(world["cluster"], "admina") as conn:
        refused(conn, "SELECT counter_api.reset_password('clerkb', %s)", [VERIFIER])
        refused(conn, "SELECT counter_api.set_active('clerkb', false)")
        refused(conn, "SELECT counter_api.unlock('superb')")
        refused(conn, "SELECT counter_api.update_account('clerkb', 'x', 'admin', NULL)")
        refused(conn, "SELECT counter_api.create_account('mallory', 'M', 'clerk', NULL, %s, %s)",
                [VERIFIER, world["halls"]["B"]])
        refused(conn, "SELECT counter_api.reset_password('city1', %s)", [VERIFIER])  # a city account neither
        refused(conn, "SELECT counter_api.add_hall('FZXX09', 'x', '0591-1234567', '', '', 2)")
        refused(conn, "INSERT INTO hall_grant (user_id, hall_id, granted_at) VALUES (%s, %s, now())",
                [world["ids"]["admina"], world["halls"]["A"]])
        with pytest.raises(psycopg.errors.InvalidParameterValue):  # hall B's window for a hall A account
            conn.execute("SELECT counter_api.create_account('mallory', 'M', 'clerk', %s, %s)",
                         [world["windows"]["B"][1], VERIFIER])
        conn.execute("SELECT counter_api.unlock('clerka')")  # its own hall's: allowed
    with connect(world["cluster"], "clerkb") as conn:  # hall B's clerk still signs in
        assert one(conn, "SELECT session_user") == f"clerkb@{DB}"


def test_a_city_supervisor_sees_the_halls_it_is_granted_and_not_a_third(world):
    a, b, c = world["A"], world["B"], world["C"]
    with connect(world["cluster"], "city1") as conn:
        assert sorted(one(conn, "SELECT counter_api.my_halls()")) == sorted([world["halls"]["A"], world["halls"]["B"]])
        seen = {row[0] for row in conn.execute("SELECT id FROM application")}
        assert seen == {a, b}
        assert one(conn, "SELECT count(*) FROM public.application WHERE id = %s", [c]) == 0
        assert one(conn, "SELECT count(*) FROM hall") == 2
        assert conn.execute("UPDATE application SET remarks = 'x' WHERE id = %s", [c]).rowcount == 0
        refused(conn, "INSERT INTO public.hall_grant (user_id, hall_id, granted_at) VALUES (%s, %s, now())",
                [world["ids"]["city"], world["halls"]["C"]])
    # through the app: registers and warnings of both halls in one view, and per hall
    signed = db_sign_in.sign_in(str(_url(world["cluster"], "x", "x").set(username=None, password=None)),
                                "city1", PW, pc="city-pc")
    try:
        actor = signed.actor
        assert actor.hall_id is None
        both = registers.count(signed.db, actor, "register", RegisterFilter())
        only_b = registers.count(signed.db, actor, "register", RegisterFilter(hall_id=world["halls"]["B"]))
        assert (both, only_b) == (2, 1)
        choices = registers.filter_choices(signed.db, actor)
        assert sorted(h for h, _name in choices.halls) == sorted([world["halls"]["A"], world["halls"]["B"]])
        warning_list.warning_list(signed.db, actor, hall_id=world["halls"]["A"])  # may be empty: no error
    finally:
        signed.db.dispose()


def test_a_hall_clerk_through_the_app_sees_its_own_hall(world):
    url = str(_url(world["cluster"], "x", "x").set(username=None, password=None))
    signed = db_sign_in.sign_in(url, "clerkb", PW, pc="pc-b", window_no=1)
    try:
        assert signed.actor.hall_id == world["halls"]["B"]
        assert signed.actor.window_id == world["windows"]["B"][1]
        with signed.db.read() as session:
            assert [h.code for h in halls.all_halls(session)] == ["FZCS02"]
            assert [w.hall_id for w in halls.windows(session)] == [world["halls"]["B"]] * 2
    finally:
        signed.db.dispose()


def test_a_province_admin_adds_a_hall_and_a_hall_admin_may_not(world):
    owner = world["owner"]
    with owner.write() as session:
        db_logins.create_account(session, username="province1", name="省公司管理员", role="admin", window_id=None,
                                 password=PW)
    url = str(_url(world["cluster"], "x", "x").set(username=None, password=None))
    signed = db_sign_in.sign_in(url, "province1", PW, pc="prov")
    try:
        row = many_halls.add_hall(signed.db, signed.actor, code="FZMW04", name="马尾营业厅",
                                  supervision_phone="0591-83333333", windows=3)
        assert (row.code, row.windows) == ("FZMW04", 3)
    finally:
        signed.db.dispose()
    signed = db_sign_in.sign_in(url, "admina", PW, pc="a")
    try:
        with pytest.raises(PermissionDenied):
            many_halls.add_hall(signed.db, signed.actor, code="FZMW05", name="x", supervision_phone="0591-83333333")
    finally:
        signed.db.dispose()


def test_every_table_is_hall_scoped_or_shared(world):
    with world["owner"].read() as session:
        tables = set(session.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")))
        secured = set(session.scalars(text("SELECT relname FROM pg_class WHERE relrowsecurity "
                                           "AND relnamespace = 'public'::regnamespace")))
    assert tables == set(db_rows.HALL_ROWS) | set(db_rows.SHARED)
    assert secured == set(db_rows.HALL_ROWS)


def test_the_readme_steps_from_the_command_line(world, monkeypatch, capsys):
    """README “Several halls on one database”: the owner adds a hall, its admin and a grant; the new
    hall's admin creates its staff and is refused another hall's."""
    import io
    import sys

    from counter_app import cli

    port = world["cluster"].port
    owner_url = f"postgresql+psycopg://{OWNER}@127.0.0.1:{port}/{DB}"
    counter_url = f"postgresql+psycopg://127.0.0.1:{port}/{DB}"
    monkeypatch.setenv("COUNTER_APP_PASSWORD", OWNER_PW)
    assert cli.main(["--db", owner_url, "hall", "add", "FZLJ07", "--name", "连江营业厅",
                     "--supervision-phone", "0591-26222222", "--windows", "2"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(PW + "\n"))
    assert cli.main(["--db", owner_url, "user", "add", "adminlj", "--role", "admin", "--name", "连江管理员",
                     "--hall", "FZLJ07", "--password-stdin"]) == 0
    assert cli.main(["--db", owner_url, "hall", "grant", "superb", "FZLJ07"]) == 0
    out = capsys.readouterr().out
    assert "已新增营业厅 FZLJ07 连江营业厅，2 个窗口" in out and "营业厅 FZLJ07" in out
    assert "用户 superb 现可查看以下营业厅的台账和预警：FZCS02、FZLJ07" in out

    monkeypatch.setenv("COUNTER_APP_PASSWORD", PW)  # the initial password: changed first
    monkeypatch.setattr(sys, "stdin", io.StringIO("Admin-pw-2026\n"))
    assert cli.main(["--db", counter_url, "--user", "adminlj", "user", "passwd", "--password-stdin"]) == 0
    monkeypatch.setenv("COUNTER_APP_PASSWORD", "Admin-pw-2026")
    monkeypatch.setattr(sys, "stdin", io.StringIO("Clerk-pw-2026\n"))
    assert cli.main(["--db", counter_url, "--user", "adminlj", "user", "add", "clerklj", "--role", "clerk",
                     "--name", "连江受理员", "--window", "2", "--password-stdin"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("Clerk-pw-2026\n"))
    assert cli.main(["--db", counter_url, "--user", "adminlj", "user", "add", "clerkx", "--role", "clerk",
                     "--name", "越权", "--hall", "FZGL01", "--password-stdin"]) == 1
    # said by name (whether that hall exists or not: another hall is not even visible to it)
    assert "营业厅 FZGL01 不在您的管理范围内：您只能为本营业厅（连江营业厅，FZLJ07）新建账号" in capsys.readouterr().err
    assert cli.main(["--db", counter_url, "--user", "adminlj", "user", "list"]) == 0
    listed = capsys.readouterr().out
    assert "clerklj" in listed and "clerka" not in listed and "clerkb" not in listed
    with connect(world["cluster"], "superb") as conn:
        assert one(conn, "SELECT count(*) FROM hall") == 2


def test_hall_b_works_through_the_app_and_finds_hall_a_customers(world, frozen_now):
    """Every write of an acceptance (number counter, application, materials, stages, commitments,
    audit) and a handover pass the policies for the clerk's own hall; the customer file is shared."""
    from counter_app.acceptance import customer_file
    from counter_app.acceptance import service as acceptance
    from counter_app.tracking import application_search, handover
    from tests.acceptance_helpers import residential

    url = str(_url(world["cluster"], "x", "x").set(username=None, password=None))
    signed = db_sign_in.sign_in(url, "clerkb", PW, pc="pc-b", window_no=1)
    try:
        clerk = signed.actor
        known = customer_file.lookup_customer(signed.db, clerk, "id_card", world["shared_cert"])
        assert known is not None and known.name == "客户A"  # accepted in hall A, on file in hall B
        saved = acceptance.save(signed.db, clerk, residential(world["shared_cert"], holder_name="客户A"))
        assert saved.number.startswith("FZCS02-")
        found = application_search.search(signed.db, clerk, saved.number).rows
        assert [r.application_id for r in found] == [saved.application_id]
        assert application_search.search(signed.db, clerk, "FZGL01").rows == []  # hall A's cases: none
        batch = handover.create_batch(signed.db, clerk, [saved.application_id],
                                      unprinted_reasons={saved.application_id: "测试"})
        assert batch.number.startswith("JJ-FZCS02-01-")
    finally:
        signed.db.dispose()
    with world["owner"].read() as session:
        halls_of = session.execute(text(
            "SELECT (SELECT hall_id FROM application WHERE id = :a), (SELECT hall_id FROM handover_batch "
            "WHERE number = :b), (SELECT count(DISTINCT hall_id) FROM audit_entry WHERE username = 'clerkb')"),
            {"a": saved.application_id, "b": batch.number}).one()
    assert halls_of == (world["halls"]["B"], world["halls"]["B"], 1)


def test_a_pc_moved_to_another_hall_signs_in_there(world):
    from counter_app.hall import counter_pcs

    url = str(_url(world["cluster"], "x", "x").set(username=None, password=None))
    for username in ("clerka", "clerkb"):  # the same PC, first at hall A's window, then at hall B's
        signed = db_sign_in.sign_in(url, username, PW, pc="moved-pc", window_no=1)
        try:
            pc = counter_pcs.on_sign_in(signed.db, signed.actor, HALLS["A" if username == "clerka" else "B"])
            assert pc.window_id == signed.actor.window_id
        finally:
            signed.db.dispose()


def test_each_hall_has_its_own_seal(world, tmp_path, monkeypatch):
    from counter_app.infra import config
    from counter_app.infra.errors import UserError
    from counter_app.signing import certificates

    monkeypatch.setattr(config, "data_dir", lambda: tmp_path)  # the passphrase file of "this PC"
    url = str(_url(world["cluster"], "x", "x").set(username=None, password=None))
    signed_a = db_sign_in.sign_in(url, "admina", PW, pc="a")
    signed_b = db_sign_in.sign_in(url, "adminb", PW, pc="b")
    try:
        made = certificates.create_trial(signed_a.db, signed_a.actor, "Seal-pass-2026")
        assert [c.fingerprint for c in certificates.certificates(signed_a.db, signed_a.actor)] == [made.fingerprint]
        assert certificates.certificates(signed_b.db, signed_b.actor) == []
        with world["owner"].read() as session:
            bundle = session.execute(text("SELECT pkcs12 FROM seal_certificate WHERE id = :i"),
                                     {"i": made.id}).scalar_one()
        with pytest.raises(UserError, match="其他营业厅"):
            certificates.import_pkcs12(signed_b.db, signed_b.actor, bundle, "Seal-pass-2026", "Seal-pass-2026")
    finally:
        signed_a.db.dispose()
        signed_b.db.dispose()


def test_entries_of_no_hall_are_for_the_accounts_of_no_hall(world):
    """A province admin's own actions are recorded with no hall: the accounts of no hall read them
    (as the audit page shows them on SQLite), a hall's staff do not."""
    owner = world["owner"]
    with owner.write() as session:
        db_logins.create_account(session, username="province2", name="省公司管理员", role="admin", window_id=None,
                                 password=PW)
    with connect(world["cluster"], "province2") as conn:
        conn.execute("SELECT counter_api.record_sign_in('prov-pc')")
        seen = one(conn, "SELECT count(*) FROM audit_entry WHERE hall_id IS NULL AND username = 'province2'")
        assert seen >= 1
    with connect(world["cluster"], "clerka") as conn:
        assert one(conn, "SELECT count(*) FROM audit_entry WHERE hall_id IS NULL") == 0
        assert one(conn, "SELECT count(*) FROM audit_entry") > 0  # its own hall's entries
    with connect(world["cluster"], "city1") as conn:  # of no hall too, but given halls: sees its halls'
        assert one(conn, "SELECT count(*) FROM audit_entry WHERE hall_id = %s", (world["halls"]["A"],)) > 0


def test_a_clerk_finds_by_phone_tail_in_its_hall_only_and_without_jit(world):
    """find_ids with a hall reads that hall's rows only, and never another's (row security stays); the
    database's sessions run without JIT (a name search spent 70 of 100 ms compiling)."""
    with world["owner"].read() as session:
        tails = sorted({m[-4:] for m in session.execute(text(
            "SELECT contact_mobile FROM application WHERE id IN (:a, :b)"), {"a": world["A"], "b": world["B"]}).scalars()})
        in_hall = {key: session.execute(text(
            "SELECT array_agg(id ORDER BY id) FROM application WHERE hall_id = :h "
            "AND substr(contact_mobile, length(contact_mobile) - 3) = ANY (:t)"),
            {"h": world["halls"][key], "t": tails}).scalar() for key in ("A", "B")}
    assert world["A"] in in_hall["A"] and world["B"] in in_hall["B"]
    find = ("SELECT array_agg(f.id ORDER BY f.id) FROM "
            "counter_api.find_ids('application_by_contact_mobile_tail', %s, %s) AS f(id)")
    with connect(world["cluster"], "clerka") as conn:
        assert one(conn, "SHOW jit") == "off"
        assert one(conn, find, (tails, world["halls"]["A"])) == in_hall["A"]
        assert one(conn, find, (tails, world["halls"]["B"])) is None  # hall B's cases stay hidden
        assert not set(one(conn, find, (tails, None)) or []) & set(in_hall["B"])
    with connect(world["cluster"], "superb") as conn:
        assert one(conn, find, (tails, world["halls"]["B"])) == in_hall["B"]


def test_the_customers_phone_tail_finds_their_cases_in_the_asked_hall_only(world):
    """Applications of the customers whose own mobile ends so (find_ids reads them as the owner, from
    the tail index and the hall's index): the asked hall's only, and none of a hall not the caller's,
    even when asked for it."""
    with world["owner"].read() as session:
        tails = sorted({m[-4:] for m in session.execute(text(
            "SELECT u.mobile FROM application a JOIN customer u ON u.id = a.customer_id "
            "WHERE a.id IN (:a, :b) AND u.mobile <> ''"), {"a": world["A"], "b": world["B"]}).scalars()})
        in_hall = {key: session.execute(text(
            "SELECT array_agg(a.id ORDER BY a.id) FROM application a JOIN customer u ON u.id = a.customer_id "
            "WHERE a.hall_id = :h AND substr(u.mobile, length(u.mobile) - 3) = ANY (:t)"),
            {"h": world["halls"][key], "t": tails}).scalar() for key in ("A", "B")}
    assert tails and world["A"] in in_hall["A"] and world["B"] in in_hall["B"]
    find = ("SELECT array_agg(f.id ORDER BY f.id) FROM "
            "counter_api.find_ids('application_by_customer_mobile_tail', %s, %s) AS f(id)")
    with connect(world["cluster"], "clerka") as conn:
        assert one(conn, find, (tails, world["halls"]["A"])) == in_hall["A"]
        assert one(conn, find, (tails, world["halls"]["B"])) is None
        assert one(conn, find, (tails, None)) == in_hall["A"]
    with connect(world["cluster"], "superb") as conn:
        assert one(conn, find, (tails, world["halls"]["B"])) == in_hall["B"]
