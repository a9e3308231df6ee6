"""Issue 14 on the command line, against a throwaway cluster that checks scram-sha-256 passwords: a
hall set up as the README says (owner role with CREATEROLE: db upgrade, setup, user add), then every
command signs in as a person (--user + COUNTER_APP_PASSWORD) or is refused in one line."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import create_engine, select, text

from counter_app import cli
from counter_app.infra import schema_upgrade
from counter_app.infra.db import Database
from counter_app.models import AuditEntry
from counter_app.security import db_sign_in
from tests.factories import make_case, resident_id
from tests.pg_cluster import scram_cluster  # noqa: F401  (fixture)

pytestmark = pytest.mark.pg

DB = "hall_cli"
OWNER, OWNER_PW = "cli_owner", "Own3r-Secret-pw9"
ADMIN_PW, PW = "Adm1n-first-pw", "Passw0rd1x"
TEMP_PW = "Tempor4ry-pw8"  # what an admin hands out: must be changed before any other command
CERT = resident_id(417)


def run(capsys, monkeypatch, url, *args, password=None, stdin=None):
    if password is None:
        monkeypatch.delenv("COUNTER_APP_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("COUNTER_APP_PASSWORD", password)
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(["--db", url, *args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_refusal(code, err, *words):
    assert code != 0 and err.count("\n") == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, (word, err)


@pytest.fixture(scope="module")
def hall(scram_cluster):  # noqa: F811
    """The README's steps for a new hall, as the owner on the server."""
    scram_cluster.owned_database(DB, OWNER, OWNER_PW)
    port = scram_cluster.port
    urls = {"owner": f"postgresql+psycopg://{OWNER}@127.0.0.1:{port}/{DB}",
            "counter": f"postgresql+psycopg://127.0.0.1:{port}/{DB}"}
    mp = pytest.MonkeyPatch()
    try:
        mp.setenv("COUNTER_APP_PASSWORD", OWNER_PW)
        assert cli.main(["--db", urls["owner"], "db", "upgrade"]) == 0
        assert cli.main(["--db", urls["owner"], "db", "grant"]) == 0
        mp.setattr("sys.stdin", io.StringIO(ADMIN_PW + "\n"))
        assert cli.main(["--db", urls["owner"], "setup", "--hall-code", "FZGL01", "--hall-name", "福州鼓楼供电营业厅",
                         "--supervision-phone", "0591-87654321", "--admin", "admin1", "--admin-name", "林管理",
                         "--password-stdin"]) == 0
        # the first admin chose nothing yet: the owner typed the password, so it must be changed
        admin = db_sign_in.sign_in(urls["counter"], "admin1", ADMIN_PW)
        assert admin.user.must_change_password
        db_sign_in.change_own_password(admin.db, admin.actor, ADMIN_PW, PW, PW)
        admin.db.dispose()
        mp.setenv("COUNTER_APP_PASSWORD", PW)
        for username, role, name, window in (("clerk1", "clerk", "王小明", "1"), ("super1", "supervisor", "赵班长", ""),
                                             ("xchg", "exchange", "交换任务", "")):
            mp.setenv("COUNTER_APP_PASSWORD", PW)
            mp.setattr("sys.stdin", io.StringIO(TEMP_PW + "\n"))
            assert cli.main(["--db", urls["counter"], "--user", "admin1", "user", "add", username, "--role", role,
                             "--name", name, *(["--window", window] if window else []), "--password-stdin"]) == 0
            change_temporary_password(mp, urls["counter"], username, TEMP_PW, PW)
    finally:
        mp.undo()
    owner = owner_db(urls)
    with owner.write() as s:  # one case at window 1, written as the owner
        clerk_id = s.scalar(text("SELECT id FROM user_account WHERE username = 'clerk1'"))
        window_id = s.scalar(text("SELECT id FROM counter_window WHERE number = 1"))
        make_case(s, window_id=window_id, clerk_id=clerk_id, cert_number=CERT)
    owner.dispose()
    yield {"cluster": scram_cluster, **urls}


def change_temporary_password(mp, url: str, username: str, temporary: str, chosen: str) -> None:
    mp.setenv("COUNTER_APP_PASSWORD", temporary)
    mp.setattr("sys.stdin", io.StringIO(chosen + "\n"))
    assert cli.main(["--db", url, "--user", username, "user", "passwd", "--password-stdin"]) == 0


def owner_db(urls) -> Database:
    return Database(create_engine(urls["owner"].replace(f"{OWNER}@", f"{OWNER}:{OWNER_PW}@")))


def test_a_counter_url_without_a_person_runs_nothing(hall, capsys, monkeypatch):
    code, _out, err = run(capsys, monkeypatch, hall["counter"], "user", "list", password=PW)
    one_line_refusal(code, err, "--user")


def test_clerk_is_refused_an_admin_command_admin_is_allowed(hall, capsys, monkeypatch):
    code, _out, err = run(capsys, monkeypatch, hall["counter"], "--user", "clerk1", "user", "disable", "super1",
                          password=PW)
    one_line_refusal(code, err, "无权管理用户")
    code, out, err = run(capsys, monkeypatch, hall["counter"], "--user", "admin1", "user", "list", password=PW)
    assert code == 0, err
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert f"clerk1@{DB}" in rows["clerk1"] and f"admin1@{DB}" in rows["admin1"]
    assert "数据库登录名" in out.splitlines()[0]


def unsealed_pdf(path):
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(path))
    page.drawString(72, 720, "receipt")
    page.save()
    return path


def test_commands_that_only_read_sign_in_as_a_person_too(hall, capsys, monkeypatch, tmp_path):
    # db current and verify read the database as well: without a person they do not connect as nobody
    code, _out, err = run(capsys, monkeypatch, hall["counter"], "db", "current", password=PW)
    one_line_refusal(code, err, "--user")
    pdf = unsealed_pdf(tmp_path / "slip.pdf")
    code, out, err = run(capsys, monkeypatch, hall["counter"], "verify", str(pdf), password=PW)
    assert code == 1 and "没有电子签章" in out  # the file is still checked, only without the hall's register
    assert "未能读取营业厅登记的证书" in err and "--user" in err, err
    # as a person, verify reads the hall's registered certificates (no hint) and db current answers
    code, out, err = run(capsys, monkeypatch, hall["counter"], "--user", "clerk1", "verify", str(pdf), password=PW)
    assert code == 1 and "没有电子签章" in out and err == "", err
    code, out, err = run(capsys, monkeypatch, hall["counter"], "--user", "clerk1", "db", "current", password=PW)
    assert code == 0 and "最新" in out, err
    # a database role that is not the owner (the old shared app role) is no person either
    owner = owner_db(hall)
    with owner.write() as s:
        s.execute(text("DROP ROLE IF EXISTS legacy_app"))
        s.execute(text(f"CREATE ROLE legacy_app LOGIN PASSWORD '{PW}'"))
        s.execute(text(f"GRANT CONNECT ON DATABASE {DB} TO legacy_app"))
    owner.dispose()
    legacy = hall["counter"].replace("127.0.0.1", "legacy_app@127.0.0.1")
    code, _out, err = run(capsys, monkeypatch, legacy, "db", "current", password=PW)
    one_line_refusal(code, err, "不是该库的所有者")


def test_a_wrong_password_is_the_same_refusal_as_an_unknown_name(hall, capsys, monkeypatch):
    wrong = run(capsys, monkeypatch, hall["counter"], "--user", "clerk1", "user", "list", password="Wrong-pw-12")
    unknown = run(capsys, monkeypatch, hall["counter"], "--user", "nobody", "user", "list", password=PW)
    one_line_refusal(wrong[0], wrong[2], db_sign_in.SIGN_IN_REFUSED)
    assert wrong[2] == unknown[2] and wrong[0] == unknown[0]


def test_db_upgrade_and_grant_need_the_owner(hall, capsys, monkeypatch):
    code, _out, err = run(capsys, monkeypatch, hall["counter"], "--user", "admin1", "db", "upgrade", password=PW)
    one_line_refusal(code, err, "数据库所有者", f"admin1@{DB}")
    code, _out, err = run(capsys, monkeypatch, hall["counter"], "--user", "admin1", "db", "grant", password=PW)
    one_line_refusal(code, err, "数据库所有者")
    code, out, err = run(capsys, monkeypatch, hall["owner"], "db", "upgrade", password=OWNER_PW)
    assert code == 0 and "已是最新版本" in out, err
    code, out, err = run(capsys, monkeypatch, hall["counter"], "--user", "clerk1", "db", "current", password=PW)
    assert code == 0 and "最新" in out, err  # anyone may ask which version it is


def test_an_older_schema_met_by_a_person_says_who_must_upgrade(hall, capsys, monkeypatch):
    monkeypatch.setattr(schema_upgrade, "head_revision", lambda: "9999")
    code, _out, err = run(capsys, monkeypatch, hall["counter"], "--user", "admin1", "db", "upgrade", password=PW)
    one_line_refusal(code, err, "数据库所有者", "counter-app db upgrade")


def test_user_logins_gives_old_accounts_logins_that_must_change(hall, capsys, monkeypatch):
    # GIVEN an account from before the upgrade (a row without a login)
    owner = owner_db(hall)
    with owner.write() as s:
        s.execute(text("INSERT INTO user_account (username, name, role, password_hash, active, must_change_password, "
                       "failed_attempts, created_at) VALUES ('back9', '陈后台', 'backoffice', '', true, false, 0, now())"))
    owner.dispose()
    # an admin may not run it; the owner may
    code, _out, err = run(capsys, monkeypatch, hall["counter"], "--user", "admin1", "user", "logins", password=PW)
    one_line_refusal(code, err, "数据库所有者")
    code, out, err = run(capsys, monkeypatch, hall["owner"], "user", "logins", password=OWNER_PW)
    assert code == 0, err
    line = next(line for line in out.splitlines() if line.strip().startswith("back9"))
    temporary = line.split()[1]
    # THEN back9 signs in with it, and must change it first
    signed = db_sign_in.sign_in(hall["counter"], "back9", temporary)
    try:
        assert signed.user.must_change_password and signed.actor.role == "backoffice"
    finally:
        signed.db.dispose()
    code, out, _err = run(capsys, monkeypatch, hall["owner"], "user", "logins", password=OWNER_PW)
    assert code == 0 and "都已有数据库登录账号" in out


def test_the_exchange_job_signs_in_with_its_own_account(hall, capsys, monkeypatch, tmp_path):
    target = tmp_path / "exchange.json"
    code, _out, err = run(capsys, monkeypatch, hall["counter"], "--user", "xchg", "exchange", "export", "-o", str(target),
                         password=PW)
    assert code == 0, err
    # the marketing system gets the full number: the database let the exchange job read it, once
    assert CERT in target.read_text(encoding="utf-8")
    owner = owner_db(hall)
    with owner.read() as s:
        who = s.scalars(select(AuditEntry.username).where(AuditEntry.action.like("exchange%"))).all()
    owner.dispose()
    assert who and set(who) == {"xchg"}, who


def test_a_supervisor_exports_unmasked_only_with_a_reason(hall, capsys, monkeypatch, tmp_path):
    import openpyxl

    def cells(path):
        return {str(c.value) for row in openpyxl.load_workbook(path).active.iter_rows() for c in row if c.value}

    masked, full = tmp_path / "masked.xlsx", tmp_path / "full.xlsx"
    code, _out, err = run(capsys, monkeypatch, hall["counter"], "--user", "super1", "export", "register",
                          "-o", str(masked), password=PW)
    assert code == 0, err
    assert CERT not in cells(masked) and any(v.startswith(CERT[:6]) and "*" in v for v in cells(masked))
    code, _out, err = run(capsys, monkeypatch, hall["counter"], "--user", "super1", "export", "register",
                          "--unmasked", "--reason", "监管抽查", "-o", str(full), password=PW)
    assert code == 0, err
    assert CERT in cells(full)
    # a clerk may not, whatever the command line says
    code, _out, err = run(capsys, monkeypatch, hall["counter"], "--user", "clerk1", "export", "register",
                          "--unmasked", "--reason", "监管抽查", "-o", str(tmp_path / "c.xlsx"), password=PW)
    one_line_refusal(code, err, "无权")


def test_a_temporary_password_runs_only_user_passwd(hall, capsys, monkeypatch, tmp_path):
    # GIVEN an account an admin just created: its password is the admin's, not yet the person's
    code, _out, err = run(capsys, monkeypatch, hall["counter"], "--user", "admin1", "user", "add", "super7",
                          "--role", "supervisor", "--name", "钱班长", "--password-stdin", password=PW,
                          stdin=TEMP_PW + "\n")
    assert code == 0, err
    # THEN every other command refuses in one line that says what to run
    for command in (("export", "register", "-o", str(tmp_path / "r.xlsx")), ("seal", "list"), ("user", "list"),
                    ("db", "current")):
        code, _out, err = run(capsys, monkeypatch, hall["counter"], "--user", "super7", *command, password=TEMP_PW)
        one_line_refusal(code, err, "临时密码", "counter-app --user super7 user passwd")
    assert not (tmp_path / "r.xlsx").exists()
    # the database agrees: the refusal is not a stale flag of the client
    owner = owner_db(hall)
    with owner.read() as s:
        assert s.scalar(text("SELECT must_change_password FROM user_account WHERE username = 'super7'"))
    owner.dispose()
    code, out, err = run(capsys, monkeypatch, hall["counter"], "--user", "super7", "user", "passwd",
                         "--password-stdin", password=TEMP_PW, stdin=PW + "\n")
    assert code == 0 and "已修改用户 super7 的密码" in out, err
    code, _out, err = run(capsys, monkeypatch, hall["counter"], "--user", "super7", "export", "register",
                          "-o", str(tmp_path / "r.xlsx"), password=PW)
    assert code == 0, err


def test_demo_by_the_owner_gives_the_demo_staff_logins(scram_cluster, capsys, monkeypatch):  # noqa: F811
    scram_cluster.owned_database("hall_demo", OWNER, OWNER_PW)
    owner_url = f"postgresql+psycopg://{OWNER}@127.0.0.1:{scram_cluster.port}/hall_demo"
    code, _out, err = run(capsys, monkeypatch, owner_url, "demo", "--applications", "30", "--today", "2026-11-24",
                         "--password", "Yanshi2026", password=OWNER_PW)
    assert code == 0, err
    counter = f"postgresql+psycopg://127.0.0.1:{scram_cluster.port}/hall_demo"
    for username in ("clerk1", "super1", "admin1"):
        signed = db_sign_in.sign_in(counter, username, "Yanshi2026")
        try:
            assert signed.actor.username == username and not signed.user.must_change_password
        finally:
            signed.db.dispose()
