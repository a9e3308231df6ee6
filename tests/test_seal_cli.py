"""counter-app seal trial / list / passphrase on the server's command line."""

from __future__ import annotations

import os
import stat

from counter_app import cli
from counter_app.signing import certificates as seal_certificates

pytest_plugins = ["tests.hall_fixtures"]  # hall_db


def test_seal_commands(hall_db, capsys, monkeypatch):
    hall_url = str(hall_db[0].engine.url)
    monkeypatch.setenv(seal_certificates.ENV_PASSPHRASE, "cli-passphrase")
    assert cli.main(["--db", hall_url, "seal", "trial"]) == 0
    out = capsys.readouterr().out
    assert "已创建试用证书" in out and "不具法律效力" in out
    assert cli.main(["--db", hall_url, "seal", "list"]) == 0
    assert "【" not in (listing := capsys.readouterr().out) and "[当前使用]" in listing and "试用" in listing
    assert cli.main(["--db", hall_url, "seal", "passphrase"]) == 0
    path = seal_certificates.passphrase_path()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and path.read_text() == "cli-passphrase"
    monkeypatch.setenv(seal_certificates.ENV_PASSPHRASE, "wrong-passphrase")
    assert cli.main(["--db", hall_url, "seal", "passphrase"]) == 1
    assert "盖章口令不正确" in capsys.readouterr().err
