"""The lock-out holds under attack and cannot be turned against an admin:

- 32 parallel wrong passwords (threads, each with its own connection, as 32 PCs' windows would be)
  get exactly MAX_FAILED_ATTEMPTS password checks, on a SQLite file and on PostgreSQL;
- unknown, disabled, locked and wrong-password accounts get one message and one argon2 verification
  each (counted, not timed);
- a lock is per account and PC, and a second admin or the database owner lifts it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, select

from counter_app.infra.db import Database
from counter_app.infra.errors import UserError
from counter_app.models import SignInLock, User
from counter_app.security import accounts
from counter_app.security import credentials as users
from tests.conftest import PASSWORD

ATTACKERS = 32


@pytest.fixture
def verifications(monkeypatch):
    """Every argon2 verification, as (hash, password): the dummy hash's too."""
    seen: list[tuple[str, str]] = []
    real = users._hasher.verify

    class Spy:
        def __getattr__(self, name):
            return getattr(real.__self__, name)

        def verify(self, password_hash, password):
            seen.append((password_hash, password))
            return real(password_hash, password)

    monkeypatch.setattr(users, "_hasher", Spy())
    return seen


def _stored_hash(db: Database, username: str) -> str:
    with db.read() as s:
        return s.scalar(select(User.password_hash).where(User.username == username))


def test_parallel_wrong_passwords_get_exactly_the_allowed_checks(db, actors, verifications):
    url = db.engine.url.render_as_string(hide_password=False)
    stored = _stored_hash(db, "admin1")
    windows = [Database.from_url(url) for _ in range(ATTACKERS)]
    start = threading.Barrier(ATTACKERS)
    refusals: list[str] = []

    def attack(wdb: Database, n: int) -> None:
        start.wait(timeout=30)
        try:
            users.sign_in(wdb, "admin1", f"guess-{n:04d}", pc="PC-X")
        except UserError as exc:
            refusals.append(str(exc))

    threads = [threading.Thread(target=attack, args=(w, n)) for n, w in enumerate(windows)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for w in windows:
        w.dispose()

    # THEN all refused with one message, and only MAX_FAILED_ATTEMPTS guesses were checked for real
    assert len(refusals) == ATTACKERS and set(refusals) == {users.SIGN_IN_REFUSED}
    real_checks = [p for h, p in verifications if h == stored]
    assert len(real_checks) == users.MAX_FAILED_ATTEMPTS
    assert len(verifications) == ATTACKERS  # the others cost the same work against the dummy hash
    # AND the right password is refused at that PC now, accepted at another
    with pytest.raises(UserError):
        users.sign_in(db, "admin1", PASSWORD, pc="PC-X")
    assert users.sign_in(db, "admin1", PASSWORD, pc="PC-A").username == "admin1"


def test_one_message_and_one_argon2_verification_for_every_refusal(db, actors, verifications):
    with db.write() as s:
        s.scalar(select(User).where(User.username == "clerk2")).active = False
    for _ in range(users.MAX_FAILED_ATTEMPTS):
        with pytest.raises(UserError):
            users.sign_in(db, "back1", "wrong-1234", pc="PC-1")
    cases = {
        "unknown": ("nobody", PASSWORD),
        "disabled": ("clerk2", PASSWORD),
        "locked": ("back1", PASSWORD),
        "wrong password": ("clerk1", "wrong-1234"),
    }
    messages = {}
    for case, (username, password) in cases.items():
        verifications.clear()
        with pytest.raises(UserError) as refused:
            users.sign_in(db, username, password, pc="PC-1")
        messages[case] = str(refused.value)
        assert len(verifications) == 1, case  # the same argon2 work whatever the reason
    assert set(messages.values()) == {users.SIGN_IN_REFUSED}
    # the unknown, disabled and locked accounts were checked against the dummy hash, not their own
    verifications.clear()
    with pytest.raises(UserError):
        users.sign_in(db, "clerk2", PASSWORD, pc="PC-1")
    assert verifications[0][0] != _stored_hash(db, "clerk2")


def test_a_second_admin_lifts_a_lock_on_every_pc(db, actors):
    for pc in ("PC-1", "PC-2"):
        for _ in range(users.MAX_FAILED_ATTEMPTS):
            with pytest.raises(UserError):
                users.sign_in(db, "admin1", "wrong-1234", pc=pc)
    second = accounts.create_account(db, actors["admin1"], "admin2", role="admin", name="第二管理员",
                                     password="Start1234")
    assert second.username == "admin2"
    admin2 = users.actor_for(users.sign_in(db, "admin2", "Start1234", pc="PC-3"),
                             hall_id=actors["admin1"].hall_id, window=None, pc="PC-3")
    assert accounts.get_account(db, admin2, "admin1").is_locked()
    accounts.unlock_account(db, admin2, "admin1")
    assert not accounts.get_account(db, admin2, "admin1").is_locked()
    for pc in ("PC-1", "PC-2"):
        assert users.sign_in(db, "admin1", PASSWORD, pc=pc).username == "admin1"


def test_the_database_owner_lifts_a_lock_by_deleting_its_row(db, actors):
    for _ in range(users.MAX_FAILED_ATTEMPTS):
        with pytest.raises(UserError):
            users.sign_in(db, "admin1", "wrong-1234", pc="PC-1")
    with db.write() as s:  # what the owner runs in psql: DELETE FROM sign_in_lock WHERE ...
        s.execute(delete(SignInLock).where(SignInLock.pc == "PC-1"))
    assert users.sign_in(db, "admin1", PASSWORD, pc="PC-1").username == "admin1"
