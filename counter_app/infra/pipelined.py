"""A write unit whose statements travel together to PostgreSQL (issue 20: few round trips).

Across a wide-area link each statement the ORM sends costs a round trip, though most of them are
INSERTs and UPDATEs whose answer nobody reads at once. Inside ``unit(session)`` the connection is in
libpq's pipeline mode and:

- an INSERT without RETURNING is sent without waiting (BEGIN goes with the first statement);
- an UPDATE or DELETE of the ORM's flush too: its "1 row matched" is taken on trust and checked
  when the answers come back (``StaleDataError`` then, as the ORM would have raised at once);
- anything whose answer is needed (a SELECT, RETURNING, a statement of the caller's own) waits
  for all answers: one round trip for everything queued before it;
- the end queues COMMIT and waits once: the last writes and the commit are one round trip.

So a unit that reads once (with what ``queue`` sent beside it) and writes costs two round trips,
whatever it writes. Rows get their ids without RETURNING from ``reserve_ids``: ids drawn from their sequences by a
statement the unit sends anyway (``batched.read_all``), handed to new rows at flush. Plumbing
only: what is written, and every rule deciding it, is the caller's ORM code, unchanged; on SQLite
(one PC), or in a transaction begun before it, ``unit`` does nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, func, inspect, literal, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

_IDS = "counter_app.reserved_ids"


@dataclass
class _State:
    pipeline: Any
    flushing: bool = False
    checks: list[tuple[Any, int, str]] = field(default_factory=list)

    def check_rowcounts(self) -> None:
        checks, self.checks = self.checks, []
        for cursor, expected, statement in checks:
            if cursor.rowcount != expected:
                raise StaleDataError(f"{statement.split(' WHERE ')[0]} expected to match {expected} row(s); "
                                     f"{cursor.rowcount} were matched.")

    def sync(self) -> None:
        self.pipeline.sync()
        self.check_rowcounts()


def install(engine: Engine) -> None:
    """Let units of this (PostgreSQL) engine run pipelined; statements outside a unit are untouched.
    Idempotent (``unit`` installs it on an engine made elsewhere)."""
    if event.contains(engine, "do_execute", _execute):
        return
    event.listen(engine, "do_execute", _execute)
    event.listen(engine, "do_executemany", _executemany)
    event.listen(engine, "do_execute_no_params", _execute_no_params)


_UNITS: dict[int, _State] = {}  # id of the driver connection -> its unit (only while the unit runs)


def _state(cursor) -> _State | None:
    return _UNITS.get(id(cursor.connection)) if _UNITS else None


def _deferred(context, state: _State, parameter_sets: int) -> bool:
    """Whether this statement's answer can wait; an ORM UPDATE/DELETE's row count is checked later."""
    compiled = getattr(context, "compiled", None)
    if compiled is None or getattr(compiled, "effective_returning", None):
        return False
    if context.isinsert:
        return True
    if (context.isupdate or context.isdelete) and state.flushing:
        context._rowcount = parameter_sets  # what the flush expects; verified at the next wait
        return True
    return False


def _execute(cursor, statement, parameters, context):
    state = _state(cursor)
    if state is None:
        return None
    cursor.execute(statement, parameters)
    if _deferred(context, state, 1):
        if context.isupdate or context.isdelete:
            state.checks.append((cursor, 1, statement))
    else:
        state.sync()
    return True


def _execute_no_params(cursor, statement, context):
    state = _state(cursor)
    if state is None:
        return None
    cursor.execute(statement)
    state.sync()
    return True


def _executemany(cursor, statement, parameters, context):
    state = _state(cursor)
    if state is None:
        return None
    if (context.isupdate or context.isdelete) and state.flushing:
        state.sync()  # each parameter set's count is needed: not worth deferring (rare in a flush)
        cursor.executemany(statement, parameters)
        state.sync()
        return True
    cursor.executemany(statement, parameters)
    if not _deferred(context, state, len(parameters)):
        state.sync()
    return True


@contextlib.contextmanager
def unit(session: Session) -> Iterator[None]:
    """Run the body with this write session's statements pipelined, then commit in the same round
    trip as the last writes (the session's own commit afterwards finds nothing left to do).

    The transaction is opened by a BEGIN queued with the first statement: psycopg's own BEGIN waits
    for its answer in pipeline mode, so the driver runs in autocommit mode for the unit and the
    server-side transaction is this unit's (BEGIN … COMMIT, or ROLLBACK on any error)."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else getattr(bind, "engine", None)
    if engine is None or engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        yield
        return
    connection = session.connection()
    dbapi = connection.connection.dbapi_connection
    if dbapi.info.transaction_status != 0:  # a transaction begun already: it stays as it is
        yield
        return
    install(engine)
    dbapi.autocommit = True
    pipeline_cm = dbapi.pipeline()
    state = _State(pipeline_cm.__enter__())
    _UNITS[id(dbapi)] = state

    def flushing(*_args) -> None:
        state.flushing = True

    def flushed(*_args) -> None:
        state.flushing = False

    event.listen(session, "before_flush", flushing)
    event.listen(session, "after_flush_postexec", flushed)
    try:
        dbapi.cursor().execute("BEGIN")
        yield
        session.flush()
        try:  # the one wait for the last writes and COMMIT; a refusal met here as SQLAlchemy says it
            dbapi.cursor().execute("COMMIT")
            _UNITS.pop(id(dbapi), None)
            pipeline_cm.__exit__(None, None, None)
        except Exception as exc:
            raise _wrapped(exc) from exc
        state.check_rowcounts()
    except BaseException as exc:
        _UNITS.pop(id(dbapi), None)
        if dbapi.pgconn.pipeline_status:
            with contextlib.suppress(Exception):
                pipeline_cm.__exit__(type(exc), exc, exc.__traceback__)
        with contextlib.suppress(Exception):
            if not dbapi.closed and dbapi.info.transaction_status != 0:  # not IDLE: ours to end
                dbapi.execute("ROLLBACK")
        raise
    finally:
        _UNITS.pop(id(dbapi), None)
        event.remove(session, "before_flush", flushing)
        event.remove(session, "after_flush_postexec", flushed)
        if not dbapi.closed:
            with contextlib.suppress(Exception):
                dbapi.autocommit = False


def _wrapped(exc: Exception) -> Exception:
    """A driver error met at the final wait, as SQLAlchemy would have raised it (IntegrityError …),
    so the unit's retries see what they expect."""
    import psycopg

    if isinstance(exc, psycopg.Error):
        return DBAPIError.instance("COMMIT", None, exc, psycopg.Error)
    return exc


# --- a statement sent with the next one -----------------------------------------------------------


class Queued:
    """The answer of a statement sent ahead (``queue``): its rows once the next wait is over."""

    def __init__(self, cursor=None, rows: list | None = None) -> None:
        self._cursor, self._rows = cursor, rows

    def rows(self) -> list:
        if self._rows is None:
            try:
                self._rows = [tuple(row) for row in self._cursor.fetchall()]
            except Exception as exc:
                raise _wrapped(exc) from exc
            self._cursor.close()
        return self._rows


def queue(session: Session, stmt) -> Queued:
    """Send ``stmt`` now and read its answer later: inside ``unit`` it travels with the next statement
    that waits (the unit's reads), so it costs no round trip of its own; elsewhere it runs at once."""
    bind = session.get_bind()
    dbapi = session.connection().connection.dbapi_connection
    if _UNITS.get(id(dbapi)) is None:
        return Queued(rows=[tuple(row) for row in session.execute(stmt).all()])
    compiled = stmt.compile(dialect=bind.dialect)
    cursor = dbapi.cursor()
    try:
        cursor.execute(compiled.string, compiled.construct_params())
    except Exception as exc:
        raise _wrapped(exc) from exc
    return Queued(cursor)


# --- ids without RETURNING --------------------------------------------------------------------------


def reserve_ids(session: Session, wanted: dict[type, int]) -> list:
    """Statements (for ``batched.read_all``) drawing ``n`` ids for each model's new rows; give their
    answers to ``keep_ids``. Nothing on SQLite. Unused ids are gaps in surrogate keys only."""
    if session.get_bind().dialect.name != "postgresql":
        return []
    out = []
    for model, n in wanted.items():
        table = inspect(model).local_table
        sequence = func.pg_get_serial_sequence(literal(f"public.{table.name}"), literal("id"))
        out.append(select(func.nextval(sequence).label("id")).select_from(func.generate_series(1, n)))
    return out


def keep_ids(session: Session, wanted: dict[type, int], answers: list[list]) -> None:
    if not answers:  # nothing reserved (SQLite)
        return
    pool = session.info.setdefault(_IDS, {})
    for model, rows in zip(wanted, answers, strict=True):
        pool.setdefault(inspect(model).local_table.name, []).extend(r.id for r in rows)


@event.listens_for(Session, "before_flush")
def _hand_out_ids(session: Session, _context, _instances) -> None:
    pool = session.info.get(_IDS)
    if not pool:
        return
    for obj in session.new:
        mapper = inspect(obj).mapper
        ids = pool.get(mapper.local_table.name)
        if ids and getattr(obj, "id", 0) is None:
            obj.id = ids.pop(0)
