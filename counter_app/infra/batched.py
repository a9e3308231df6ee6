"""Fewer round trips to PostgreSQL (issue 20): several reads answered by one statement.

Across a wide-area link every statement sent costs 10–30 ms whatever it does, so a user action reads
what it needs in one statement where it can. Plumbing only: what is read and what is made of it stay
with the caller. On SQLite (one PC, no network) each statement is run as before, with the same rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import namedtuple
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ColumnElement, Select, String, any_, cast, func, inspect, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.exc import CompileError, DBAPIError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def ids_in(session: Session, column, ids: Select) -> ColumnElement[bool]:
    """``column`` is one of the values ``ids`` selects, in the caller's statement. On PostgreSQL as
    ``= ANY(ARRAY(ids))``: the subquery runs once first (an init plan) and the column's index serves
    the list, the plan the ids fetched by a statement of their own got, without that round trip. On
    SQLite the ids are fetched first, as before."""
    if _postgres(session):
        return column == any_(func.array(ids.scalar_subquery()))
    return column.in_(session.scalars(ids).all())


def _floats(value):
    """JSON as the driver would load it: numbers with a fraction are floats (parsed as Decimal here
    so that Numeric columns keep their digits)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return [_floats(v) for v in value]
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items()}
    return value


def _converter(sql_type):
    if isinstance(sql_type, JSON):
        return _floats
    try:
        python_type = sql_type.python_type
    except NotImplementedError:
        return None
    if python_type is dt.datetime:
        return dt.datetime.fromisoformat
    if python_type is dt.date:
        return dt.date.fromisoformat
    if python_type is float:
        return float
    if python_type is Decimal:
        return lambda v: v if isinstance(v, Decimal) else Decimal(str(v))
    return None


def read_all(session: Session, statements: Sequence[Select], *, writes: Sequence = ()) -> list[list[Any]]:
    """The rows of each statement (named tuples by column name, typed as the columns say), all from
    one statement on PostgreSQL: each is aggregated to a JSON array of arrays, in its own order.
    ``writes``: INSERTs sent in the same statement (data-modifying WITH) that nothing reads back;
    on SQLite they run after the reads."""
    if not _postgres(session):
        rows = [list(session.execute(stmt).all()) for stmt in statements]
        for stmt in writes:
            session.execute(stmt)
        return rows
    parts, shapes = [], []
    for n, stmt in enumerate(statements):
        order = list(stmt._order_by_clauses)
        if order:  # the aggregate keeps the statement's order by its own row numbers, not by chance
            stmt = stmt.add_columns(func.row_number().over(order_by=order).label("batched_row"))
        sub = stmt.subquery(f"q{n}")
        cols = [c for c in sub.c if c.key != "batched_row"]
        row = func.json_build_array(*cols) if cols else literal_column("'[]'::json")
        rows = func.json_agg(aggregate_order_by(row, sub.c.batched_row)) if order else func.json_agg(row)
        parts.append(select(func.coalesce(cast(rows, String), "[]")).select_from(sub)
                     .scalar_subquery().label(f"r{n}"))
        selected = [c for c in stmt.selected_columns if c.key != "batched_row"]
        shapes.append((namedtuple(f"Row{n}", [c.key for c in selected], rename=True),
                       [_converter(c.type) for c in selected]))
    combined = select(*parts)
    for n, stmt in enumerate(writes):
        combined = combined.add_cte(stmt.cte(f"w{n}"))
    answer = session.execute(combined).one()
    out = []
    for text, (row_type, converters) in zip(answer, shapes, strict=True):
        rows = json.loads(text, parse_float=Decimal)
        out.append([row_type(*(conv(v) if conv and v is not None else v
                               for conv, v in zip(converters, values, strict=True))) for values in rows])
    return out


def read_each(session: Session, statements: Sequence[Select]) -> list[list[Any]]:
    """The rows of each statement, as the driver types them, the statements sent together in libpq's
    pipeline mode: one round trip on PostgreSQL in a unit without a transaction (``Database.brief``).
    For statements whose values ``read_all``'s JSON would not bring back typed (computed columns).
    A statement whose values cannot be written into it as literals is run on its own."""
    if not _postgres(session) or len(statements) < 2:
        return [list(session.execute(stmt).all()) for stmt in statements]
    dialect = session.get_bind().dialect
    try:
        texts = [str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True})) for stmt in statements]
    except (CompileError, NotImplementedError):
        return [list(session.execute(stmt).all()) for stmt in statements]
    dbapi = session.connection().connection.dbapi_connection
    cursors = []
    try:
        with dbapi.pipeline():
            for text in texts:
                cursor = dbapi.cursor()
                cursor.execute(text, {})  # {}: the compiled text's %% are the driver's to undo
                cursors.append(cursor)
    except dialect.loaded_dbapi.Error as exc:  # as SQLAlchemy raises it (a refusal, a lost connection)
        raise DBAPIError.instance(texts[0], None, exc, dialect.loaded_dbapi.Error) from exc
    out = []
    for cursor, stmt in zip(cursors, statements, strict=True):
        row_type = namedtuple("Row", [c.key for c in stmt.selected_columns], rename=True)
        out.append([row_type(*row) for row in cursor.fetchall()])
        cursor.close()
    return out


def columns(model) -> list:
    """Every column attribute of ``model``, for a statement whose rows ``attach`` turns into objects."""
    return [getattr(model, attr.key) for attr in inspect(model).column_attrs]


def attach(session: Session, model, row):
    """The persistent object of ``row`` (read with ``columns(model)``), as if the session had loaded
    it, without a query of its own; the session's own object when it already holds that row."""
    mapper = inspect(model)
    key = mapper.identity_key_from_primary_key([getattr(row, c.key) for c in mapper.primary_key])
    if key in session.identity_map:
        return session.identity_map[key]
    obj = mapper.class_manager.new_instance()
    for attr in mapper.column_attrs:
        set_committed_value(obj, attr.key, getattr(row, attr.key))
    make_transient_to_detached(obj)
    session.add(obj)
    # the identity map holds unchanged objects weakly: held here for the unit, session.get finds it
    session.info.setdefault("batched.attached", []).append(obj)
    return obj
