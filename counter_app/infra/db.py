"""Engine and sessions for SQLite (one PC) and PostgreSQL (a shared hall).

One unit of work per user action: ``with db.write() as session:`` commits on success and rolls back
on error; transient connection errors are retried in ``run_write`` only, in one place.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import select
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from counter_app.infra.errors import DatabaseUnavailable, PermissionDenied, UserError

log = logging.getLogger(__name__)
T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_MMAP_BYTES = 1 << 30  # address space only; pages are shared with the OS file cache


def _sqlite_connect(dbapi_conn, _record) -> None:
    # let SQLAlchemy's "begin" event emit BEGIN itself so write units can ask for IMMEDIATE
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    # A large hall's file is read at random places (a name search visits ~2,000 index entries):
    # through a memory map each page costs no system call (1M applications: p50 30 -> 9 ms).
    cur.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
    cur.close()


def _sqlite_begin(conn) -> None:
    # Writers take the lock up front: a deferred transaction that reads, then writes, fails at once
    # with "database is locked" instead of waiting for the busy timeout.
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def owner_only(path: Path) -> None:
    """The SQLite file holds personal data: create it readable and writable by its owner only (mode 600;
    SQLite gives its -wal/-shm files the same mode) and tighten an existing one by taking away the
    group's and others' bits only: a file someone made read-only stays read-only. On Windows the user
    profile's ACL protects the data directory; chmod there only toggles read-only."""
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # an empty file is an empty database
    try:
        mode = path.stat().st_mode
        if os.name == "posix" and mode & 0o077:
            path.chmod(mode & 0o700)
    except OSError:  # not our file (e.g. set up by an administrator): leave it as they set it
        pass


def _read_only(path: Path) -> bool:
    # the write bits say what whoever set the file up meant even where access() says yes
    # (the root account may write anywhere); access() also sees a read-only file system
    return not path.stat().st_mode & 0o222 or not os.access(path, os.W_OK)


def require_writable(path: Path) -> None:
    """Refuse a SQLite database the app could not write: a read-only file (or its -wal file), or a
    folder where SQLite cannot create its -wal/-shm files. Refused up front with what to do, rather
    than halfway through a clerk's save; and never "repaired" by making the file writable again,
    since whoever made it read-only meant it."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.exists() and _read_only(path):
        raise UserError(f"数据库文件 {path} 是只读的，本程序不能使用它。"
                        "请让管理员恢复该文件的写权限，或改用其他数据库文件")
    wal = Path(f"{path}-wal")
    if wal.exists() and _read_only(wal):
        raise UserError(f"数据库日志文件 {wal} 是只读的，本程序不能使用该数据库。请让管理员恢复其写权限")
    if _read_only(folder) or not os.access(folder, os.X_OK):
        raise UserError(f"数据库所在文件夹 {folder} 是只读的（SQLite 需要在其中写日志文件），"
                        "本程序不能使用该数据库。请让管理员恢复该文件夹的写权限，或把数据库放到可写的位置")


# greedy to the last "@": a password typed without percent-encoding may itself hold "@"
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*):\S*@")


def hide_password(text: str) -> str:
    """``text`` with the password of every database URL in it replaced by ***: a URL is shown in
    messages, logs and the about box, and a mistyped one cannot be parsed to hide it the usual way."""
    return _URL_PASSWORD.sub(lambda m: f"{m['head']}:***@", str(text))


def application_name(hall: str = "", window: str = "") -> str:
    host = socket.gethostname()
    parts = ["counter_app", hall, f"w{window}" if window else "", host]
    return "/".join(p for p in parts if p)[:63]


def make_engine(url: str, *, app_name: str | None = None, echo: bool = False) -> Engine:
    """Create an engine; raises UserError with a readable message for a malformed URL."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number
        raise UserError(f"数据库地址格式不正确：{hide_password(url)}（示例：postgresql+psycopg://用户@主机/库名）") from exc
    try:
        return _make_engine(parsed, app_name=app_name, echo=echo)
    except NoSuchModuleError as exc:  # e.g. postgresql+nosuchdriver://
        raise UserError(f"不支持的数据库驱动：{parsed.drivername}（请使用 sqlite 或 postgresql+psycopg）") from exc


PREPARE_THRESHOLD = 2  # runs of a statement on a connection before psycopg prepares it


def _make_engine(parsed, *, app_name: str | None, echo: bool) -> Engine:
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            require_writable(Path(database))
            owner_only(Path(database))
        engine = create_engine(parsed, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        # psycopg prepares a statement run a few times on a connection (prepare_threshold): the
        # server then plans it once, not at every run; a clerk's login plans a search over the
        # masked views and row security in 2-3 ms (a certificate lookup: 7.6 -> 1.3 ms). Reads end
        # with COMMIT (``read``): psycopg forgets its prepared statements at every ROLLBACK.
        connect_args = {"application_name": app_name or application_name(), "connect_timeout": 5,
                        "prepare_threshold": PREPARE_THRESHOLD}
        # LIFO: the connection used last serves the next unit, so the statements a clerk repeats
        # are prepared on one connection, not spread over every one a page opened at once
        engine = create_engine(parsed, echo=echo, connect_args=connect_args, pool_use_lifo=True)
        event.listen(engine, "checkout", _pg_checkout)
        from counter_app.infra import pipelined

        pipelined.install(engine)
        return engine
    raise UserError(f"不支持的数据库类型：{backend}（仅支持 sqlite 和 postgresql）")


def _pg_checkout(dbapi_conn, _record, _proxy) -> None:
    """A pooled connection the server has dropped (restart, terminated backend) is replaced before
    use, as pool_pre_ping would, without its round trip per unit of work: a dropped connection's
    socket is readable (the server's FATAL message or end of file), an idle live one's is not. Only
    then is the connection pinged; a connection cut silently fails in the unit, which ``run_write``
    retries."""
    if dbapi_conn.closed:
        raise DisconnectionError("connection closed")
    try:
        readable = select.select([dbapi_conn.fileno()], [], [], 0)[0]
    except (OSError, ValueError):
        raise DisconnectionError("connection socket unusable") from None
    if readable:
        before = dbapi_conn.autocommit
        try:
            dbapi_conn.autocommit = True
            cur = dbapi_conn.cursor()
            try:
                cur.execute(";")
            finally:
                cur.close()
                if not dbapi_conn.closed:
                    dbapi_conn.autocommit = before
        except Exception as exc:
            raise DisconnectionError(str(exc)) from None


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


DISK_FULL_MESSAGE = "数据库所在的磁盘空间已满，本次操作未保存（已全部撤销，没有留下不完整的数据）。请清理磁盘后重试"


def is_disk_full(exc: BaseException) -> bool:
    """SQLite's SQLITE_FULL or PostgreSQL's disk_full (53100): not worth a retry until someone acts."""
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) == "53100":
        return True
    return "database or disk is full" in str(orig).lower()


def is_transient(exc: BaseException) -> bool:
    """A connection dropped, a server restarting, a lock or serialization conflict: worth a retry."""
    if is_disk_full(exc):
        return False
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError):
        message = str(getattr(exc, "orig", exc)).lower()
        if "sqlite" in type(getattr(exc, "orig", None)).__module__:
            # schema errors are OperationalError in sqlite3 too; only lock/IO trouble is transient
            return any(word in message for word in ("locked", "busy", "unable to open", "disk i/o"))
        return True
    orig = getattr(exc, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None)
    return sqlstate in {"40001", "40P01"}  # serialization failure, deadlock


@dataclass
class Database:
    """The one handle every service gets: an engine and its session factories."""

    engine: Engine

    def __post_init__(self) -> None:
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        write_bind = self.engine.execution_options(sqlite_begin="IMMEDIATE") if is_sqlite(self.engine) else self.engine
        self._write = sessionmaker(write_bind, expire_on_commit=False)
        self._brief = None if is_sqlite(self.engine) else sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str, **kw) -> Database:
        return cls(make_engine(url, **kw))

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """Reads in one transaction; nothing a read unit does is kept on SQLite. On PostgreSQL it
        ends with COMMIT, not ROLLBACK, which would make psycopg drop the connection's prepared
        statements (and send DEALLOCATE ALL, one more round trip)."""
        with self._recording_refusals(), _translate_errors(), self._read() as session:
            yield session
            if self._brief is not None and session.in_transaction():
                session.commit()

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: commit on success, roll back on any error."""
        with self._recording_refusals(), _translate_errors(), self._write() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def brief(self, *, writes: bool = False) -> Iterator[Session]:
        """A unit that needs no transaction: reads, and at most ONE write statement, sent last (a
        lookup's audit entry). On PostgreSQL each statement commits on its own (autocommit), which
        spares the BEGIN and COMMIT round trips across a wide-area link; READ COMMITTED gives each
        statement its own snapshot inside a transaction too, so reads see the same. Not for a unit
        that must see or undo several writes together (``write``), nor for a server-side cursor or
        a grant that lasts a transaction (an unmasked export: ``read``). On SQLite, ``read`` or
        ``write`` as before."""
        if self._brief is None:
            with (self.write() if writes else self.read()) as session:
                yield session
            return
        with self._recording_refusals(), _translate_errors(), self._brief() as session:
            yield session
            if writes:
                session.commit()

    @contextlib.contextmanager
    def _recording_refusals(self) -> Iterator[None]:
        """A PermissionDenied raised inside a unit carries its audit entry out of the rollback."""
        try:
            yield
        except PermissionDenied as exc:
            if exc.audit:
                from counter_app.security.permissions import record_refusal

                record_refusal(self, exc)
            raise

    def run_write(self, work: Callable[[Session], T], *, attempts: int = 4, backoff: float = 0.3) -> T:
        """Run ``work`` in one transaction, retrying transient database errors with back-off."""
        with _translate_errors():  # a refusal by the database is not worth a retry
            for attempt in range(1, attempts + 1):
                try:
                    with self._recording_refusals(), self._write() as session, session.begin():
                        return work(session)
                except (OperationalError, DBAPIError) as exc:
                    if not is_transient(exc) or attempt == attempts:
                        raise _unavailable(exc) from exc
                    log.warning("transient database error, retry %d/%d: %s", attempt, attempts, exc)
                    time.sleep(backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()


def _unavailable(exc: BaseException) -> Exception:
    if is_disk_full(exc):
        return DatabaseUnavailable(DISK_FULL_MESSAGE)
    if isinstance(exc, OperationalError | DBAPIError) and is_transient(exc):
        return DatabaseUnavailable(f"数据库暂时无法访问，请检查网络或数据库服务后重试。（{_short(exc)}）")
    return exc if isinstance(exc, Exception) else RuntimeError(str(exc))


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc)).strip().splitlines()
    return hide_password(text[0][:160]) if text else type(exc).__name__


# SQLSTATE 42501 insufficient_privilege: a missing grant, a row-level security policy or a refusal
# raised by the owner's functions and triggers (those carry a Chinese message of their own)
_REFUSED = "42501"


def refused_by_database(exc: BaseException) -> PermissionDenied | None:
    """The database refused the signed-in login (PostgreSQL is the boundary, issue 14): a
    PermissionDenied with a Chinese message, or None for any other error."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) != _REFUSED:
        return None
    primary = getattr(getattr(orig, "diag", None), "message_primary", None) or ""
    if any("\u4e00" <= ch <= "\u9fff" for ch in primary):
        return PermissionDenied(primary)
    detail = f"（{primary[:120]}）" if primary else ""
    return PermissionDenied(f"数据库拒绝了此操作：当前登录的账号没有相应权限，如需办理请联系班长或管理员{detail}")


@contextlib.contextmanager
def _translate_errors() -> Iterator[None]:
    try:
        yield
    except OperationalError as exc:
        raise _unavailable(exc) from exc
    except DBAPIError as exc:
        denied = refused_by_database(exc)
        if denied is None:
            raise
        raise denied from exc


def open_checked(url: str) -> Database:
    """A Database for ``url`` that answered ``SELECT 1``; DatabaseUnavailable (one Chinese line) if not."""
    from sqlalchemy import text

    db = Database.from_url(url)
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, DBAPIError) as exc:
        db.dispose()
        raise DatabaseUnavailable(f"无法连接数据库 {db.url}：{driver_reason(exc)}") from exc
    return db


def driver_reason(exc: BaseException) -> str:
    """The first line of the driver's message, short enough for a message box or stderr."""
    lines = str(getattr(exc, "orig", exc)).strip().splitlines()
    return hide_password(lines[0][:200]) if lines else type(exc).__name__
