"""Issue 20 on PostgreSQL: the accounts of several halls, decided by the database's account functions.
On a throwaway scram-sha-256 cluster two halls share one database with an admin each and a province
admin of no hall; each connects with plain psycopg as its own login. The last active admin of a hall
(and the last admin of no hall) keeps the role and stays enabled, whatever other halls' admins there
are, with a message naming the hall; through the app a province admin places an account in a chosen
hall, and a hall's admin is told by name that another hall is not its own (the database refuses it
too: test_pg_hall_isolation)."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy.engine import URL

from counter_app.infra.errors import UserError
from counter_app.security import account_admin, accounts, db_logins, db_sign_in
from tests import pg_halls
from tests.pg_cluster import scram_cluster  # noqa: F401  (fixture)

pytestmark = pytest.mark.pg

DB = "staff_accounts"
OWNER, OWNER_PW = "staff_owner", "Own3r-Secret-pw9"
PW = "Passw0rd1x"
HALLS = {"A": "FZGL01", "B": "FZCS02"}


def connect(cluster, username: str) -> psycopg.Connection:
    return pg_halls.connect(cluster, DB, username, PW)


def _url(cluster, user: str | None = None, password: str | None = None) -> URL:
    return pg_halls.url(cluster, DB, user, password)


@pytest.fixture(scope="module")
def world(scram_cluster):  # noqa: F811
    owner, hall_ids, _windows = pg_halls.owner_with_halls(scram_cluster, DB, OWNER, OWNER_PW, HALLS)
    with owner.write() as session:
        for key in HALLS:
            db_logins.create_account(session, username=f"admin{key.lower()}", name="管理员", role="admin",
                                     window_id=None, password=PW, hall_id=hall_ids[key])
        db_logins.create_account(session, username="prov1", name="省公司管理员", role="admin", window_id=None,
                                 password=PW)  # two halls: none of its own
    yield {"cluster": scram_cluster, "owner": owner, "halls": hall_ids}
    owner.dispose()


def refused(conn: psycopg.Connection, statement: str, params=None) -> str:
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as exc:
        conn.execute(statement, params)
    return exc.value.diag.message_primary


def test_the_last_admin_of_a_hall_is_kept_by_the_database(world):
    # three active admins in the database; each hall has one, and the province one is alone too
    with connect(world["cluster"], "prov1") as conn:
        assert refused(conn, "SELECT counter_api.set_active('adminb', false)") == (
            "这是FZCS02营业厅（FZCS02）唯一启用的管理员账号，不能停用；请先在该营业厅新建另一个管理员")
        assert "FZGL01营业厅（FZGL01）唯一启用的管理员账号，不能改为其他角色" in refused(
            conn, "SELECT counter_api.update_account('admina', '管理员', 'clerk', NULL)")
        assert refused(conn, "SELECT counter_api.update_account('prov1', '省公司管理员', 'supervisor', NULL)") == (
            "这是唯一启用的市、省级管理员账号（不属于任何营业厅），不能改为其他角色；请先新建另一个市、省级管理员")
    with connect(world["cluster"], "adminb") as conn:  # a hall's admin is refused the province's anyway
        refused(conn, "SELECT counter_api.set_active('prov1', false)")


def test_a_province_admin_places_accounts_in_a_chosen_hall_through_the_app(world):
    url = str(_url(world["cluster"]))
    signed = db_sign_in.sign_in(url, "prov1", PW, pc="prov-pc")
    try:
        db, prov = signed.db, signed.actor
        assert prov.hall_id is None
        assert [(h.code, len(h.windows)) for h in accounts.account_halls(db, prov)] == [("FZCS02", 2), ("FZGL01", 2)]
        made = account_admin.create_account(db, prov, "clerkb1", role="clerk", name="仓山受理员",
                                            password="Start1234", window_no=2, hall_code="FZCS02")
        assert (made.hall_code, made.window_no, made.login) == ("FZCS02", 2, f"clerkb1@{DB}")
        account_admin.create_account(db, prov, "adminb2", role="admin", name="仓山副管理员", password="Start1234",
                                     hall_code="FZCS02")
        listed = {a.username: a.hall_code for a in account_admin.list_accounts(db, prov)}
        assert listed["clerkb1"] == listed["adminb2"] == "FZCS02" and listed["prov1"] == ""
    finally:
        signed.db.dispose()
    # hall B has two admins now: one of them may go, in plain SQL too
    with connect(world["cluster"], "prov1") as conn:
        conn.execute("SELECT counter_api.set_active('adminb2', false)")
        refused(conn, "SELECT counter_api.set_active('adminb', false)")
        conn.execute("SELECT counter_api.set_active('adminb2', true)")


def test_a_hall_admin_is_told_another_hall_is_not_its_own(world):
    url = str(_url(world["cluster"]))
    signed = db_sign_in.sign_in(url, "admina", PW, pc="a-pc")
    try:
        db, admin = signed.db, signed.actor
        assert [h.code for h in accounts.account_halls(db, admin)] == ["FZGL01"]  # no choice to offer
        with pytest.raises(UserError, match="营业厅 FZCS02 不在您的管理范围内：您只能为本营业厅（FZGL01营业厅，FZGL01）新建账号"):
            account_admin.create_account(db, admin, "mallory", role="clerk", name="某某", password="Start1234",
                                         hall_code="FZCS02")
        assert "FZCS02" not in {a.hall_code for a in account_admin.list_accounts(db, admin)}
    finally:
        signed.db.dispose()
    with connect(world["cluster"], "admina") as conn:  # the database itself, asked directly
        refused(conn, "SELECT counter_api.create_account('mallory', 'M', 'clerk', NULL, %s, %s)",
                ["SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy", world["halls"]["B"]])
