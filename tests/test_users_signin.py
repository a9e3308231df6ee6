"""Signing in: wrong passwords count (even though the sign-in is refused), lock-out for a while per
account and PC, unlocking the idle screen, and the audit entries each leaves. Parallel attempts,
one message for every refusal and lifting a lock: ``test_signin_lockout.py``."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from counter_app.infra import clock
from counter_app.infra.errors import UserError
from counter_app.models import AuditEntry, SignInLock, User
from counter_app.security import audit_trail
from counter_app.security import credentials as users
from tests.conftest import PASSWORD


def _actions(db, username):
    with db.read() as s:
        return [(e.action, e.outcome, e.detail) for e in
                s.scalars(select(AuditEntry).where(AuditEntry.username == username).order_by(AuditEntry.id))]


def test_sign_in_ok_records_login_with_window_and_pc(db, actors, frozen_now):
    user = users.sign_in(db, "clerk1", PASSWORD, pc="PC-07", window_no=1)
    assert user.username == "clerk1"
    with db.read() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "login")).one()
        assert (entry.username, entry.pc, entry.window_no, entry.at) == ("clerk1", "PC-07", 1, frozen_now)
        assert s.scalar(select(User.last_login_at).where(User.username == "clerk1")) == frozen_now


def test_wrong_password_n_times_locks_the_account_on_that_pc_for_a_while(db, actors, frozen_now):
    # GIVEN clerk1 mistypes the password MAX_FAILED_ATTEMPTS times at PC-07
    for _ in range(users.MAX_FAILED_ATTEMPTS):
        with pytest.raises(UserError, match="用户名或密码不正确"):
            users.sign_in(db, "clerk1", "wrong-1234", pc="PC-07")
    # THEN even the right password is refused there until the lock runs out, with the same message
    with pytest.raises(UserError) as refused:
        users.sign_in(db, "clerk1", PASSWORD, pc="PC-07")
    assert str(refused.value) == users.SIGN_IN_REFUSED
    clock.freeze(frozen_now + dt.timedelta(minutes=users.LOCKOUT_MINUTES - 1))
    with pytest.raises(UserError):
        users.sign_in(db, "clerk1", PASSWORD, pc="PC-07")
    # AND at another PC the account is not locked (a stranger at one PC cannot lock it everywhere)
    assert users.sign_in(db, "clerk1", PASSWORD, pc="PC-08").username == "clerk1"
    clock.freeze(frozen_now + dt.timedelta(minutes=users.LOCKOUT_MINUTES, seconds=1))
    assert users.sign_in(db, "clerk1", PASSWORD, pc="PC-07").username == "clerk1"
    # AND every attempt is in the audit log, committed although the sign-in was refused
    actions = _actions(db, "clerk1")
    failures = [a for a in actions if a[0] == "login_failed"]
    assert len(failures) == users.MAX_FAILED_ATTEMPTS + 2
    assert [a[2] for a in failures].count("bad password") == users.MAX_FAILED_ATTEMPTS
    assert [a[2] for a in failures].count("locked") == 2
    assert all(a[1] == "refused" for a in failures)
    assert actions[-1][:2] == ("login", "ok")


def test_the_attempt_that_reaches_the_limit_with_the_right_password_gets_in(db, actors):
    for _ in range(users.MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(UserError):
            users.sign_in(db, "clerk1", "wrong-1234", pc="PC-07")
    assert users.sign_in(db, "clerk1", PASSWORD, pc="PC-07").username == "clerk1"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(SignInLock)) == 0


def test_a_success_resets_the_failure_count(db, actors):
    for _ in range(users.MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(UserError):
            users.sign_in(db, "clerk1", "nope-nope1")
    users.sign_in(db, "clerk1", PASSWORD)
    for _ in range(users.MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(UserError):
            users.sign_in(db, "clerk1", "nope-nope1")
    assert users.sign_in(db, "clerk1", PASSWORD).username == "clerk1"  # 4 + 4 failures: not locked


def test_unknown_user_and_disabled_account(db, actors):
    with pytest.raises(UserError, match="用户名或密码不正确"):
        users.sign_in(db, "nobody", PASSWORD, pc="PC-01")
    with db.write() as s:
        s.scalar(select(User).where(User.username == "clerk2")).active = False
    with pytest.raises(UserError, match="用户名或密码不正确"):
        users.sign_in(db, "clerk2", PASSWORD)
    assert _actions(db, "nobody") == [("login_failed", "refused", "unknown user")]
    assert _actions(db, "clerk2")[-1] == ("login_failed", "refused", "disabled")


def test_unlock_screen_needs_the_own_password_and_counts_failures(db, actors):
    clerk = actors["clerk1"]
    users.record_session_event(db, clerk, "lock")
    with pytest.raises(UserError, match="用户名或密码不正确"):
        users.unlock_screen(db, clerk, "wrong-1234")
    assert users.unlock_screen(db, clerk, PASSWORD).id == clerk.user_id
    users.record_session_event(db, clerk, "logout")
    assert [a[:2] for a in _actions(db, "clerk1")] == [
        ("lock", "ok"), ("unlock_failed", "refused"), ("unlock", "ok"), ("logout", "ok")]
    with db.read() as s:
        assert all(e.window_no == 1 and e.pc == "test-pc"
                   for e in s.scalars(select(AuditEntry).where(AuditEntry.username == "clerk1")))


def test_unlock_screen_locks_out_like_a_sign_in(db, actors):
    clerk = actors["clerk1"]
    for _ in range(users.MAX_FAILED_ATTEMPTS):
        with pytest.raises(UserError):
            users.unlock_screen(db, clerk, "wrong-1234")
    with pytest.raises(UserError, match="用户名或密码不正确"):
        users.unlock_screen(db, clerk, PASSWORD)  # locked on this PC now


def test_authenticate_keeps_its_session_contract(db, actors):
    """The session-level function still writes the failure into the caller's session."""
    with db.write() as s:
        with pytest.raises(UserError):
            users.authenticate(s, "back1", "bad-pass-1")
        assert s.scalar(select(SignInLock.failures).join(User).where(User.username == "back1")) == 1
    with db.read() as s:
        assert [r.action for r in audit_trail.entries(s, username="back1")] == ["login_failed"]


@pytest.mark.real_hash
def test_production_hashes_are_argon2id_with_strong_parameters():
    from argon2 import extract_parameters

    stored = users.hash_password("Passw0rd1")
    params = extract_parameters(stored)
    assert stored.startswith("$argon2id$")
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2  # OWASP minimum for argon2id
    assert users.verify_password(stored, "Passw0rd1") and not users.verify_password(stored, "Passw0rd2")
