"""Application numbers under concurrency: 8+ writers, each with its own connection."""

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from counter_app.infra import clock
from counter_app.infra.db import Database
from counter_app.models import Application
from tests.factories import make_accepted_application, make_customer

WRITERS = 8
PER_WRITER = 12


def test_numbers_are_readable_and_sequential(db, actors):
    clerk = actors["clerk1"]
    with db.write() as session:
        cert = make_customer(session, number="11010519491231002X")
        numbers = [make_accepted_application(session, cert, window_id=clerk.window_id, clerk_id=clerk.user_id).number
                   for _ in range(3)]
    day = clock.today().strftime("%Y%m%d")
    assert numbers == [f"FZGL01-{day}-{i:04d}" for i in (1, 2, 3)]


def test_rolled_back_save_gives_its_serial_back(db, actors):
    clerk = actors["clerk1"]
    with pytest.raises(RuntimeError), db.write() as session:
        cert = make_customer(session, number="11010519491231002X")
        make_accepted_application(session, cert, window_id=clerk.window_id, clerk_id=clerk.user_id)
        raise RuntimeError("save failed half-way")
    with db.write() as session:
        cert = make_customer(session, number="11010519491231002X")
        app = make_accepted_application(session, cert, window_id=clerk.window_id, clerk_id=clerk.user_id)
    assert app.number.endswith("-0001")


def test_concurrent_writers_never_duplicate_or_lose_numbers(db_url, actors):
    """GIVEN 8 windows, each its own engine/connection; WHEN all create applications at once;
    THEN every writer finishes, numbers are unique and contiguous (SQLite writers wait, not fail)."""
    clerk = actors["clerk1"]
    errors: list[BaseException] = []
    barrier = threading.Barrier(WRITERS)

    def writer(index: int) -> None:
        database = Database.from_url(db_url)
        try:
            barrier.wait()
            for j in range(PER_WRITER):
                def work(session, j=j):
                    cert = make_customer(session, name=f"客户{index}-{j}", number=f"W{index:02d}{j:04d}")
                    return make_accepted_application(session, cert, window_id=clerk.window_id, clerk_id=clerk.user_id)
                database.run_write(work)
        except BaseException as exc:
            errors.append(exc)
        finally:
            database.dispose()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    with Database.from_url(db_url).read() as session:
        numbers = session.scalars(select(Application.number)).all()
        assert session.scalar(select(func.count()).select_from(Application)) == WRITERS * PER_WRITER
    assert not [n for n, c in Counter(numbers).items() if c > 1]
    serials = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert serials == list(range(1, WRITERS * PER_WRITER + 1))
