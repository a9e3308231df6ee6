"""The declarative base every table of the hall database derives from: one metadata, one naming
convention for constraints (so migrations name them the same on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    DateTime,
    MetaData,
    Numeric,
    func,
    literal_column,
)
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        dt.datetime: DateTime(timezone=False),
        Decimal: Numeric(12, 2),
        dict: JSON,
        list: JSON,
    }


def last_chars(column, n: int):
    """The last ``n`` characters of a text column, spelled the same in an index and in a query so
    both databases use the index (substr/length exist in SQLite and PostgreSQL alike; the offset is a
    literal because a bound parameter would not match the indexed expression)."""
    return func.substr(column, func.length(column) - literal_column(str(n - 1)))
