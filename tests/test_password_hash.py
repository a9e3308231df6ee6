import pytest

from counter_app.security import credentials as users


@pytest.mark.real_hash
def test_production_hashes_use_argon2id_with_real_cost():
    hashed = users.hash_password("Passw0rd1")
    assert hashed.startswith("$argon2id$")
    params = dict(p.split("=") for p in hashed.split("$")[3].split(","))
    assert int(params["m"]) >= 19 * 1024 and int(params["t"]) >= 2
    assert users.verify_password(hashed, "Passw0rd1")
    assert not users.verify_password(hashed, "Passw0rd2")
