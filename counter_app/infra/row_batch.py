"""The ORM's INSERT, UPDATE and DELETE statements of a flush as operations for ONE statement on
PostgreSQL, ``counter_api.apply_rows`` (``security.db_row_writes``): issue 20 counts statements, and a
save writes ten rows or more.

Driven by the compiled statement and its table alone, so a column added to a model flows through:
an operation names the table, its columns (by their SQL names) and the values the driver would have
sent. A statement of any other shape (SQL expressions among the values, RETURNING, a WHERE that is
not ``column = value`` for each key, a value JSON cannot carry exactly) gives ``None``: the caller
sends it as it is, so nothing is ever written differently, only in fewer statements."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine.interfaces import ExecuteStyle
from sqlalchemy.sql import operators
from sqlalchemy.sql.dml import Delete, Insert, Update
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList, ColumnClause

CALL = "SELECT counter_api.apply_rows(%s::jsonb)"


class _Unsupported(Exception):
    pass


def operation(context, parameter_sets: list[dict]) -> dict | None:
    """The ``apply_rows`` operation for this execution of an ORM statement, or None to send it as is."""
    compiled = getattr(context, "compiled", None)
    stmt = getattr(compiled, "statement", None)
    if (not isinstance(stmt, Insert | Update | Delete) or not isinstance(stmt.table, Table) or stmt.table.schema
            or getattr(compiled, "effective_returning", None) or getattr(stmt, "_values", None)
            or getattr(stmt, "_multi_values", None) or getattr(stmt, "_post_values_clause", None) is not None
            or getattr(stmt, "select", None) is not None or getattr(stmt, "_extra_froms", None)
            or context.execute_style is ExecuteStyle.INSERTMANYVALUES or not parameter_sets):
        return None
    table = stmt.table
    unescaped = {v: k for k, v in (compiled.escaped_bind_names or {}).items()}
    try:
        key = {} if isinstance(stmt, Insert) else _key_binds(stmt, table)
        rows, cols = [], None
        for params in parameter_sets:
            new, old = {}, {}
            for name, value in params.items():
                name = unescaped.get(name, name)
                if name in key:
                    old[key[name]] = _plain(value)
                elif name in table.c:
                    new[table.c[name].name] = _plain(value)
                else:
                    return None
            if cols is None:
                cols = list(new)
            elif list(new) != cols:
                return None
            if isinstance(stmt, Insert):
                rows.append(new)
            else:
                if set(old) != set(key.values()):
                    return None
                rows.append([new, old])
    except _Unsupported:
        return None
    if isinstance(stmt, Insert):
        return {"op": "insert", "t": table.name, "cols": cols, "rows": rows}
    if isinstance(stmt, Update) and not cols:
        return None
    # the ORM raises for an UPDATE matching no row; for a DELETE only when it carries a version
    check = isinstance(stmt, Update) or bool(set(key.values()) - {c.name for c in table.primary_key})
    return {"op": "update" if isinstance(stmt, Update) else "delete", "t": table.name, "cols": cols,
            "key": sorted(set(key.values())), "check": check, "rows": rows}


def dumps(ops: list[dict]) -> str:
    return json.dumps(ops, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _criteria(stmt):
    for criterion in stmt._where_criteria:
        yield from _flatten(criterion)


def _flatten(clause):
    if isinstance(clause, BooleanClauseList) and clause.operator is operators.and_:
        for inner in clause.clauses:
            yield from _flatten(inner)
    else:
        yield clause


def _key_binds(stmt, table: Table) -> dict[str, str]:
    """bind name -> column name of a WHERE made of ``column = :bind`` terms only (the ORM's own)."""
    out = {}
    for clause in _criteria(stmt):
        if not (isinstance(clause, BinaryExpression) and clause.operator is operators.eq
                and isinstance(clause.left, ColumnClause) and getattr(clause.left, "table", None) is table
                and isinstance(clause.right, BindParameter) and not clause.right.expanding):
            raise _Unsupported
        out[clause.right.key] = clause.left.name
    if not out:
        raise _Unsupported
    return out


def _plain(value: Any) -> Any:
    """A driver parameter as JSON that ``jsonb_populate_record`` turns back into the same value."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _Unsupported
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _Unsupported
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    from psycopg import Binary
    from psycopg.types.json import Json, Jsonb

    if isinstance(value, Binary):  # a LargeBinary column's value
        return _plain(bytes(value.obj))
    if isinstance(value, Json | Jsonb):  # a JSON column's value
        if value.obj is None:  # JSON null, which a record built from JSON would make SQL NULL
            raise _Unsupported
        return json.loads((value.dumps or json.dumps)(value.obj))
    raise _Unsupported
