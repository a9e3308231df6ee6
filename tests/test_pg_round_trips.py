"""Issue 20, item 3: round trips per user action on PostgreSQL, counted at the wire.

A clerk (and a supervisor for the supervisor's pages) signs in the way the app does, on a cluster
that checks scram passwords, through tests/pg_wire_proxy.py, which counts every message that makes
the client wait for the server: each statement (its Sync), each BEGIN/COMMIT/ROLLBACK/SAVEPOINT
(psycopg sends those as simple queries), each flush. Pages are opened from the main window's menu
and counted until their background work has reported. The limits are the issue's (save ≤ 4, lookup
≤ 2, page ≤ 3) or lower where the app does better, so a change that adds a round trip fails here
with the statements sent listed.

Before issue 20 (this test on the code before it): a save 20 round trips (a new customer; 18 with
the customer on file), a search 5–6, the certificate lookup 11, opening 受理 14, 时限预警 25,
交接清单 24, 台账 13, 交接接收 16, 总览 18, 红黄牌 16, 差评整改 10; opening an application 13 (查询) and
10 (受理, for an edit), an edit at 受理 15.

Statements, counted the same way (each Execute, each simple query): before they were folded (the
number draw into the reads, every row written into one ``counter_api.apply_rows``) a save sent 14
(11 with the customer on file) and an edit 7, each in 2 round trips; now 4 (BEGIN, the reads, the
writes, COMMIT). Opening 台账 sent 5 statements (3 round trips), 总览 5 (2): now 3 and 2."""

from __future__ import annotations

import datetime as dt

import pytest

from counter_app.acceptance import service as acceptance
from counter_app.acceptance.clerk_input import AcceptanceInput
from counter_app.infra import clock
from counter_app.infra.errors import StaleEdit
from counter_app.tracking import application_search
from tests.factories import resident_id
from tests.pg_cluster import scram_cluster  # noqa: F401  (fixture)
from tests.pg_round_trip_hall import set_up
from tests.pg_wire_proxy import WireProxy

pytestmark = pytest.mark.pg

NOW = dt.datetime(2026, 11, 24, 9, 30)


def form(seed: int, **extra) -> AcceptanceInput:
    values = dict(cert_type="id_card", cert_number=resident_id(500 + seed), holder_name="陈静",
                  business_type="lv_res_new", address_district="福州市鼓楼区", address_detail=f"东街{seed}号",
                  contact_name="陈静", contact_mobile="13700000000", applied_capacity="8",
                  materials={"property_proof": "deferred"})
    return AcceptanceInput(**{**values, **extra})


@pytest.fixture(scope="module")
def hall(scram_cluster):  # noqa: F811
    previous = clock._frozen
    clock.freeze(NOW)
    with WireProxy("127.0.0.1", scram_cluster.port) as proxy:
        h = set_up(scram_cluster.superuser_url(), "127.0.0.1", scram_cluster.port, proxy)
        clerk_db, super_db = h.sign_in("clerk1"), h.sign_in("super1")
        clerk = h.actor("clerk1")
        first = acceptance.save(clerk_db, clerk, form(0))
        for db in (clerk_db, super_db):  # a page's loads may run at once: counts exclude connecting
            with db.engine.connect(), db.engine.connect(), db.engine.connect():
                pass
        yield {"hall": h, "proxy": proxy, "clerk_db": clerk_db, "clerk": clerk, "super_db": super_db,
               "supervisor": h.actor("super1"), "first": first}
        clerk_db.dispose()
        super_db.dispose()
        h.owner.dispose()
    clock.freeze(previous)


def counted(proxy: WireProxy, action, limit: tuple[int, int]):
    """``limit``: (round trips, statements) at most, besides psycopg preparing a statement the
    second time it runs on a connection: one round trip, once per statement and connection (after
    that the server does not plan it again: db.PREPARE_THRESHOLD)."""
    with proxy.counting() as tally:
        result = action()
    assert tally.connections == 0, tally.describe()
    assert tally.round_trips - tally.prepares <= limit[0], tally.describe()
    assert tally.prepares <= tally.messages["E"], tally.describe()
    assert tally.statements_sent <= limit[1], tally.describe()
    return result, tally


def test_an_acceptance_save_new_customer(hall):
    saved, _ = counted(hall["proxy"], lambda: acceptance.save(hall["clerk_db"], hall["clerk"], form(1)), SAVE)
    assert saved.number.endswith("-0002") and saved.deferred


def test_an_acceptance_save_customer_on_file(hall):
    saved, _ = counted(hall["proxy"], lambda: acceptance.save(hall["clerk_db"], hall["clerk"], form(0)), SAVE)
    assert saved.application_id != hall["first"].application_id


def test_an_edit_at_acceptance(hall):
    saved = acceptance.save(hall["clerk_db"], hall["clerk"], form(2))
    edited, _ = counted(hall["proxy"], lambda: acceptance.update(
        hall["clerk_db"], hall["clerk"], saved.application_id, saved.version,
        form(2, address_detail="东街2号之一", materials={})), SAVE)
    assert edited.version == saved.version + 1 and edited.deferred == []
    with pytest.raises(StaleEdit):  # the version checked through the clerk's view, at the one wait
        acceptance.update(hall["clerk_db"], hall["clerk"], saved.application_id, saved.version, form(2))


@pytest.mark.parametrize("what", ["number", "certificate", "cert_tail", "mobile", "name", "name_phone", "serial"])
def test_a_search(hall, what):
    first = hall["first"]
    query = {"number": first.number, "certificate": resident_id(500), "cert_tail": resident_id(500)[-6:],
             "mobile": "13700000000", "name": "陈静", "name_phone": "陈静 0000", "serial": first.number[-4:]}[what]
    found, _ = counted(hall["proxy"], lambda: application_search.search(hall["clerk_db"], hall["clerk"], query),
                       LOOKUP)
    assert first.application_id in [r.application_id for r in found.rows]


def test_opening_an_application(hall):
    """The 查询 page's detail of a found row, and the 受理 page loading one for an edit."""
    first = hall["first"]
    shown, _ = counted(hall["proxy"], lambda: application_search.detail(
        hall["clerk_db"], hall["clerk"], first.application_id), LOOKUP)
    loaded, _ = counted(hall["proxy"], lambda: acceptance.load(hall["clerk_db"], hall["clerk"], first.application_id),
                        LOOKUP)
    assert shown.number == loaded.number == first.number and shown.materials and shown.history
    assert loaded.input.contact_mobile == "13700000000"  # the own case, in full through the view


def test_the_certificate_lookup_of_the_acceptance_page(hall):
    before = _lookups_recorded(hall)
    known, _ = counted(hall["proxy"], lambda: acceptance.lookup_customer(
        hall["clerk_db"], hall["clerk"], "id_card", resident_id(500)), CERTIFICATE_LOOKUP)
    assert known is not None and known.name == "陈静" and known.application_count >= 1
    assert _lookups_recorded(hall) == [*before, (str(known.customer_id), "clerk1")]  # in the same trip
    assert acceptance.lookup_customer(hall["clerk_db"], hall["clerk"], "id_card", resident_id(999)) is None
    assert _lookups_recorded(hall) == [*before, (str(known.customer_id), "clerk1")]  # none: not found


def _lookups_recorded(hall) -> list[tuple[str, str]]:
    from sqlalchemy import text

    with hall["hall"].owner.read() as session:
        return [tuple(r) for r in session.execute(text(
            "SELECT target_id, username FROM audit_entry WHERE action = 'lookup' AND target_type = 'customer' "
            "ORDER BY id"))]


# the counter's pages (受理, 查询, 进度查询, 时限预警, 交接清单, 容缺跟踪, 单据打印) and a supervisor's
# (台账, 交接接收, 总览, 红黄牌, 差评整改)
CLERK_PAGES = ["accept", "find", "progress", "warnings", "handover", "deferrals", "documents"]
SUPERVISOR_PAGES = ["registers", "warnings", "handover_receive", "overview", "quality_cards", "rating_followups"]


@pytest.mark.parametrize(("who", "key"), [("clerk", k) for k in CLERK_PAGES]
                         + [("supervisor", k) for k in SUPERVISOR_PAGES])
def test_opening_a_page(qtbot, hall, who, key):
    """受理: form defaults, then the survey team's load for the default day; 查询 and 进度查询 read
    nothing until asked; 时限预警: the windows, then the list (hall calendar with the active cases,
    then their rows); 交接清单: files waiting and batches, one statement each; 容缺跟踪: the windows,
    the items with the hall calendar, the blacklist; 单据打印: the recent applications; 台账: filter
    choices, the hall context, then count and first page together; 交接接收: batches and files in no
    batch; 总览: the hall's calendar, then the charts' counts together; 红黄牌: cards and register;
    差评整改: the list."""
    from tests.main_window_driver import wait_idle
    from counter_app.ui.main_window import MainWindow

    db = hall["clerk_db"] if who == "clerk" else hall["super_db"]
    window = MainWindow(db, hall[who])
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot)

    def open_it():
        if key == "accept":  # the window opened it at start: what it reads when opened, again
            page = next(s for s in window._specs if s.key == key).load()(db, hall[who])
            qtbot.addWidget(page)
        else:
            title = next(s.title for s in window._specs if s.key == key)
            next(a for a in window.actions() if a.text() == title).trigger()
        wait_idle(qtbot)

    counted(hall["proxy"], open_it, PAGE[key])


# the limits are 4, 2 and 3 (round trips; statements too, BEGIN and COMMIT counted, as a
# server's log_statement = all would list them); these are what the app reaches, so that none creeps
# back up: (round trips, statements)
SAVE, LOOKUP, CERTIFICATE_LOOKUP = (2, 4), (2, 2), (1, 1)
PAGE = {"accept": (3, 3), "find": (0, 0), "progress": (0, 0), "warnings": (3, 3), "handover": (2, 2),
        "deferrals": (3, 3), "documents": (1, 1), "registers": (3, 3), "handover_receive": (2, 2),
        "quality_cards": (2, 2), "rating_followups": (1, 1), "overview": (2, 2)}


def test_a_repeated_search_runs_prepared_after_a_read_unit_too(hall):
    """The server plans a clerk's search once per connection: psycopg prepares it at its second run,
    and a read unit in between (which ends with COMMIT, not ROLLBACK) does not make it forget."""
    from sqlalchemy import text

    db, clerk = hall["clerk_db"], hall["clerk"]
    for _ in range(3):
        application_search.search(db, clerk, "陈静")
    with db.read() as session:
        session.execute(text("SELECT 1")).all()
    _, tally = counted(hall["proxy"], lambda: application_search.search(db, clerk, "陈静"), LOOKUP)
    assert tally.messages["P"] == 0 and tally.messages["B"] >= 1, tally.describe()  # no statement parsed again
