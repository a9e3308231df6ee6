"""Cheap argon2 parameters for tests that create and sign in many users.

The production hasher costs ~0.1 s per hash and per check; a test that sets up five users and signs
in a few times spends most of its time there. Import ``fast_argon2`` into a test module (it is
autouse) to swap in a cheap hasher; hashes stay real argon2id and verification is unchanged
(the parameters travel inside each hash). ``test_users_signin`` checks the production parameters."""

import pytest
from argon2 import PasswordHasher

from counter_app.security import credentials as users

PRODUCTION_HASHER = users._hasher  # captured at import, before any test swaps it


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch):
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
