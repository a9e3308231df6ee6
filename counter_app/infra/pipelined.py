"""A write unit whose statements travel together to PostgreSQL (issue 20: few round trips).

Across a wide-area link each statement the ORM sends costs a round trip, though most of them are
INSERTs and UPDATEs whose answer nobody reads at once. Inside ``unit(session)`` the connection is in
libpq's pipeline mode and:

- the ORM's INSERTs, UPDATEs and DELETEs of a flush are kept and sent as ONE statement,
  ``counter_api.apply_rows`` (``row_batch``, ``security.db_row_writes``), just before the next
  statement that waits or COMMIT (issue 20 counts statements too); an UPDATE matching no row
  aborts it there (``StaleDataError``, nothing written). A write of another shape, or a database
  without the function, is sent on its own without waiting, its row count checked at the next wait;
- anything whose answer is needed (a SELECT, RETURNING, a statement of the caller's own) waits
  for all answers: one round trip for everything queued before it;
- the end queues COMMIT and waits once: the last writes and the commit are one round trip.

So a unit that reads once (one ``batched.read_all``, which may draw a number beside its reads) and
writes costs two round trips and four statements (BEGIN, the reads, the writes, COMMIT), whatever
it writes. Rows get their ids without RETURNING from ``reserve_ids``: ids drawn from their sequences by a
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

from counter_app.infra import row_batch
from counter_app.security import db_row_writes

_IDS = "counter_app.reserved_ids"


@dataclass
class _State:
    pipeline: Any
    pipeline_cm: Any
    rows_in_one: bool = False  # the database has counter_api.apply_rows for this login
    flushing: bool = False
    checks: list[tuple[Any, int, str]] = field(default_factory=list)
    ops: list[dict] = field(default_factory=list)

    def check_rowcounts(self) -> None:
        checks, self.checks = self.checks, []
        for cursor, expected, statement in checks:
            if cursor.rowcount != expected:
                raise StaleDataError(f"{statement.split(' WHERE ')[0]} expected to match {expected} row(s); "
                                     f"{cursor.rowcount} were matched.")

    def take(self, context, parameter_sets: list) -> bool:
        """Keep an ORM write of the flush for the one ``apply_rows`` statement, if it can go there."""
        if not (self.rows_in_one and self.flushing):
            return False
        op = row_batch.operation(context, parameter_sets)
        if op is None:
            return False
        self.ops.append(op)
        if op["op"] != "insert":
            context._rowcount = len(parameter_sets)  # what the flush expects; apply_rows raises otherwise
        return True

    def send_rows(self, connection) -> None:
        """The writes kept so far, as one statement, before anything else is sent (order kept)."""
        if self.ops:
            ops, self.ops = self.ops, []
            connection.cursor().execute(row_batch.CALL, [row_batch.dumps(ops)])

    def sync(self) -> None:
        self.pipeline.sync()
        self.check_rowcounts()


def install(engine: Engine) -> None:
    """Let units of this (PostgreSQL) engine run pipelined; statements outside a unit are untouched.
    Idempotent (``unit`` installs it on an engine made elsewhere)."""
    if event.contains(engine, "do_execute", _execute):
        return
    event.listen(engine, "connect", _probe)
    event.listen(engine, "rollback", _before_rollback)
    event.listen(engine, "do_execute", _execute)
    event.listen(engine, "do_executemany", _executemany)
    event.listen(engine, "do_execute_no_params", _execute_no_params)


def _before_rollback(conn) -> None:
    """A flush failing inside a unit (an error read back mid-unit) rolls back at once: out of pipeline
    mode first, whose aborted state would refuse the ROLLBACK (the unit's own end then finds it done)."""
    if not _UNITS or conn.invalidated:  # a lost connection: nothing to leave (asking for it reconnects)
        return
    dbapi = conn.connection.dbapi_connection
    state = _UNITS.pop(id(dbapi), None)
    if state is not None and dbapi.pgconn.pipeline_status:
        with contextlib.suppress(Exception):
            state.pipeline_cm.__exit__(None, None, None)


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


def _execute_in_unit(state: _State, cursor, statement, parameters, context):
    deferred = _deferred(context, state, 1)
    if deferred and state.take(context, [parameters]):
        return True
    state.send_rows(cursor.connection)
    cursor.execute(statement, parameters)
    if deferred:
        if context.isupdate or context.isdelete:
            state.checks.append((cursor, 1, statement))
    else:
        state.sync()
    return True


def _execute_no_params_in_unit(state: _State, cursor, statement, context):
    state.send_rows(cursor.connection)
    cursor.execute(statement)
    state.sync()
    return True


def _executemany_in_unit(state: _State, cursor, statement, parameters, context):
    if state.take(context, list(parameters)):
        return True
    state.send_rows(cursor.connection)
    if (context.isupdate or context.isdelete) and state.flushing:
        state.sync()  # each parameter set's count is needed: not worth deferring (rare in a flush)
        cursor.executemany(statement, parameters)
        state.sync()
        return True
    cursor.executemany(statement, parameters)
    if not _deferred(context, state, len(parameters)):
        state.sync()
    return True


def _hook(body):
    """A driver-level hook running ``body`` for statements of a unit (others: the driver as usual)."""
    def hook(cursor, *args):
        state = _state(cursor)
        if state is None:
            return None
        with _stale_reported():
            return body(state, cursor, *args)
    return hook


_execute, _execute_no_params = _hook(_execute_in_unit), _hook(_execute_no_params_in_unit)
_executemany = _hook(_executemany_in_unit)


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
    rows_in_one = _rows_in_one(connection.connection, dbapi)
    dbapi.autocommit = True
    pipeline_cm = dbapi.pipeline()
    state = _State(pipeline_cm.__enter__(), pipeline_cm, rows_in_one)
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
            state.send_rows(dbapi)
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

    stale = _stale(exc)
    if stale is not None:
        return stale
    if isinstance(exc, psycopg.Error):
        return DBAPIError.instance("COMMIT", None, exc, psycopg.Error)
    return exc


@contextlib.contextmanager
def _stale_reported() -> Iterator[None]:
    """A stale row met by ``apply_rows`` surfaces at whichever later call reads the pipeline."""
    try:
        yield
    except Exception as exc:
        stale = _stale(exc)
        if stale is None:
            raise
        raise stale from exc


def _stale(exc: Exception) -> StaleDataError | None:
    """``apply_rows`` found an UPDATE matching no row (a colleague's newer version): as the ORM says it."""
    if getattr(exc, "sqlstate", None) == db_row_writes.STALE_SQLSTATE:
        return StaleDataError(str(exc).splitlines()[0])
    return None


_ROWS_IN_ONE = "counter_app.apply_rows"


def _probe(dbapi_connection, record) -> None:
    record.info[_ROWS_IN_ONE] = _has_apply_rows(dbapi_connection)


def _rows_in_one(fairy, dbapi) -> bool:
    """Whether this login may call ``counter_api.apply_rows`` (asked once per connection, when it is
    made: a database not yet upgraded to it gets the writes one statement each, as before)."""
    if _ROWS_IN_ONE not in fairy.info:
        fairy.info[_ROWS_IN_ONE] = _has_apply_rows(dbapi)
    return fairy.info[_ROWS_IN_ONE]


def _has_apply_rows(dbapi) -> bool:
    # from the catalogs, which every role may read: to_regprocedure() raises for a role without
    # USAGE on the schema (a login that is nobody's, refused a moment later with its own message)
    name, _, args = db_row_writes.SIGNATURE.partition("(")
    with dbapi.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = 'counter_api' AND p.proname = %s"
            " AND pg_catalog.oidvectortypes(p.proargtypes) = %s"
            " AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')"
            " AND pg_catalog.has_function_privilege(p.oid, 'EXECUTE'))",
            [name, args.rstrip(")")])
        found = bool(cursor.fetchone()[0])
    if not dbapi.autocommit:
        dbapi.rollback()
    return found


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
