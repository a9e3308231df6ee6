"""Issue 20 on PostgreSQL with own logins (scram-sha-256): a province admin (no hall) and a city
supervisor granted two of three halls sign in as themselves and open every menu entry of the main
window without an error; the database's row security decides what they see, the window says which
hall and lets the province admin pick it (the SQLite side: test_hallless_ui)."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import URL

from counter_app.hall import calendar_notice, many_halls, settings_admin
from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.infra.errors import UserError
from counter_app.security import db_logins, db_sign_in
from tests import hallless_walk, pg_halls
from tests.factories import make_case, resident_id
from tests.pg_cluster import scram_cluster  # noqa: F401  (fixture)
from tests.test_many_halls import NOW

pytestmark = pytest.mark.pg

DB = "hallless_ui"
OWNER, OWNER_PW = "hallless_owner", "Own3r-Secret-pw7"
PW = "Passw0rd1x"
HALLS = {"A": "FZGL01", "B": "FZCS02", "C": "FZJA03"}


def _url(cluster, user: str | None = None, password: str | None = None) -> URL:
    return pg_halls.url(cluster, DB, user, password)


@pytest.fixture(scope="module")
def world(scram_cluster):  # noqa: F811
    owner, hall_ids, windows = pg_halls.owner_with_halls(scram_cluster, DB, OWNER, OWNER_PW, HALLS)
    with owner.write() as session:
        admin_a = db_logins.create_account(session, username="admina", name="鼓楼管理员", role="admin",
                                           window_id=None, password=PW, hall_id=hall_ids["A"])
        clerk = db_logins.create_account(session, username="clerka", name="鼓楼受理员", role="clerk",
                                         window_id=windows["A"][1], password=PW, hall_id=hall_ids["A"])
        db_logins.create_account(session, username="province1", name="省公司管理员", role="admin",
                                 window_id=None, password=PW)
        db_logins.create_account(session, username="city1", name="市公司督查", role="supervisor",
                                 window_id=None, password=PW)
        for key in "ABC":
            make_case(session, window_id=windows[key][1], clerk_id=clerk, name=f"客户{key}",
                      cert_number=resident_id(800 + ord(key)))
    assert admin_a
    many_halls.grant_halls(owner, Actor(None, OWNER, "数据库所有者", "admin"), "city1", [HALLS["A"], HALLS["B"]])
    yield {"cluster": scram_cluster, "owner": owner, "halls": hall_ids}
    owner.dispose()


@pytest.fixture
def signed(world):
    opened = []

    def sign_in(username: str):
        who = db_sign_in.sign_in(str(_url(world["cluster"])), username, PW, pc="pc-pg")
        opened.append(who)
        return who.db, who.actor

    clock.freeze(NOW)
    yield sign_in
    clock.freeze(None)
    for who in opened:
        who.db.dispose()


@pytest.mark.parametrize(("username", "count"), [("province1", 3), ("city1", 2)])
def test_every_menu_entry_opens_without_an_error_with_own_logins(qtbot, world, signed, monkeypatch, tmp_path,
                                                                 username, count):
    from counter_app.infra import config

    monkeypatch.setattr(config, "data_dir", lambda: tmp_path)  # this PC's seal passphrase file
    db, actor = signed(username)
    assert actor.hall_id is None
    seen = hallless_walk.record_problems(monkeypatch)
    window, problems = hallless_walk.walk(qtbot, db, actor, seen)
    assert problems == {}
    assert window.who_label.text().startswith(f"所辖{count}个营业厅")
    notice = calendar_notice.next_year_notice(db, actor)
    named = "、".join(f"{HALLS[k]}营业厅" for k in ("A", "B", "C")[:count])
    assert notice.startswith(f"2027年的法定节假日和调休安排尚未录入（{named}）：")
    window.close()


def test_the_province_admin_reads_any_halls_settings_and_a_hall_admin_its_own(world, signed):
    db, province = signed("province1")
    assert [name for _i, name in settings_admin.load(db, province).hall_choices] == [
        "FZCS02营业厅", "FZGL01营业厅", "FZJA03营业厅"]
    assert settings_admin.load(db, province, world["halls"]["C"]).hall_code == "FZJA03"
    db_a, admin_a = signed("admina")
    assert settings_admin.load(db_a, admin_a).hall_choices == ()
    with pytest.raises(UserError, match="不在您的管理范围内"):
        settings_admin.load(db_a, admin_a, world["halls"]["B"])
