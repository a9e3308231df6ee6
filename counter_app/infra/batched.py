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

from sqlalchemy import ColumnElement, Select, String, any_, cast, func, literal_column, select
from sqlalchemy.orm import Session


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


def _converter(sql_type):
    try:
        python_type = sql_type.python_type
    except NotImplementedError:
        return None
    if python_type is dt.datetime:
        return dt.datetime.fromisoformat
    if python_type is dt.date:
        return dt.date.fromisoformat
    if python_type is Decimal:
        return lambda v: v if isinstance(v, Decimal) else Decimal(str(v))
    return None


def read_all(session: Session, statements: Sequence[Select]) -> list[list[Any]]:
    """The rows of each statement (named tuples by column name, typed as the columns say), all from
    one statement on PostgreSQL: each is aggregated to a JSON array of arrays, in its own order."""
    if not _postgres(session):
        return [list(session.execute(stmt).all()) for stmt in statements]
    parts, shapes = [], []
    for n, stmt in enumerate(statements):
        sub = stmt.subquery(f"q{n}")
        cols = list(sub.c)
        row = func.json_build_array(*cols) if cols else literal_column("'[]'::json")
        parts.append(select(func.coalesce(cast(func.json_agg(row), String), "[]")).select_from(sub)
                     .scalar_subquery().label(f"r{n}"))
        names = [c.key for c in stmt.selected_columns]
        shapes.append((namedtuple(f"Row{n}", names, rename=True),
                       [_converter(c.type) for c in stmt.selected_columns]))
    answer = session.execute(select(*parts)).one()
    out = []
    for text, (row_type, converters) in zip(answer, shapes, strict=True):
        rows = json.loads(text, parse_float=Decimal)
        out.append([row_type(*(conv(v) if conv and v is not None else v
                               for conv, v in zip(converters, values, strict=True))) for values in rows])
    return out
