"""A throwaway PostgreSQL cluster of a test's own (never the shared server): initdb + pg_ctl as the
postgres user on a free port in a temporary directory.

``Cluster(scram=True)`` checks passwords the way a hall's server must: TCP connections (127.0.0.1)
need a scram-sha-256 password, the superuser connects over the cluster's own socket directory
without one (``superuser_url``). The shared server on 5432 trusts every name and password, so it
proves nothing about signing in. ``cluster`` / ``scram_cluster`` fixtures skip where a cluster cannot
be started (not root, no server binaries) and fail in CI."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

SUPERUSER_PASSWORD = "Sup3r-Secret-pw"


def server_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, bindir: Path, *, scram: bool = False) -> None:
        self.bindir = bindir
        self.scram = scram
        self.dir = Path(tempfile.mkdtemp(prefix="ca-pg-"))
        shutil.chown(self.dir, "postgres")
        self.data = self.dir / "data"
        self.port = free_port()
        auth = ["--auth=trust"]
        if scram:
            pwfile = self.dir / "pw"
            pwfile.write_text(SUPERUSER_PASSWORD + "\n")
            shutil.chown(pwfile, "postgres")
            auth = ["--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}"]
        self._pg("initdb", "-D", str(self.data), "-U", "postgres", *auth, "-E", "UTF8", "--locale=C.UTF-8")

    def _pg(self, tool: str, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bindir / tool), *args], check=True,
                       capture_output=True, timeout=60)

    def url(self, database: str = "postgres", user: str = "postgres", password: str | None = None) -> str:
        """A TCP URL (password checked when ``scram``)."""
        auth = user if password is None else f"{user}:{password}"
        return f"postgresql+psycopg://{auth}@127.0.0.1:{self.port}/{database}"

    def superuser_url(self, database: str = "postgres") -> str:
        """The superuser over the cluster's socket directory (trusted)."""
        return f"postgresql+psycopg://postgres@/{database}?host={self.dir}&port={self.port}"

    def owned_database(self, database: str, owner: str, password: str, *, grants: tuple[str, ...] = ()) -> None:
        """A hall's database as the README sets it up: an owner role that may create roles (the
        accounts' logins; made once per cluster) owning a new database; ``grants`` are granted to it."""
        from sqlalchemy import create_engine, text

        su = create_engine(self.superuser_url(), isolation_level="AUTOCOMMIT")
        try:
            with su.connect() as conn:
                if not conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": owner}).scalar():
                    conn.exec_driver_sql(f"CREATE ROLE {owner} LOGIN CREATEROLE PASSWORD '{password}'")
                conn.exec_driver_sql(f"CREATE DATABASE {database} OWNER {owner}")
                for role in grants:
                    conn.exec_driver_sql(f"GRANT {role} TO {owner}")
        finally:
            su.dispose()

    def start(self, settings: dict[str, str] | None = None) -> None:
        """Start; ``settings`` are server parameters for this start (``-c name=value``)."""
        extra = "".join(f" -c {name}={value}" for name, value in (settings or {}).items())
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-o",
                 f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1{extra}", "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def kill(self) -> None:
        """Stop at once, as a crash would (immediate: no checkpoint, clients cut off)."""
        self.stop("immediate")

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.dir, ignore_errors=True)


def _started(scram: bool):
    bindir = server_bindir()
    if os.geteuid() != 0 or bindir is None or shutil.which("runuser") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the throwaway PostgreSQL tests (needs root and the PostgreSQL binaries)")
        pytest.skip("needs root and the PostgreSQL server binaries to start a throwaway server")
    cluster = Cluster(bindir, scram=scram)
    cluster.start()
    return cluster


@pytest.fixture
def cluster():
    srv = _started(scram=False)
    yield srv
    srv.remove()


@pytest.fixture(scope="module")
def scram_cluster():
    srv = _started(scram=True)
    yield srv
    srv.remove()
