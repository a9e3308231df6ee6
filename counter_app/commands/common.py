"""What the sub-commands share: opening the database with a readable failure."""

from __future__ import annotations

import argparse
import datetime as dt

from counter_app.infra import config, date_checks
from counter_app.infra import schema_upgrade as schema
from counter_app.infra.db import Database, open_checked
from counter_app.infra.errors import UserError


def open_database(args: argparse.Namespace, *, upgrade: bool = True) -> Database:
    """Connect (and bring the schema to head unless told not to); one-line errors when it fails."""
    db = open_checked(config.database_url(getattr(args, "db", None)))
    if upgrade:
        schema.upgrade(db.engine)
    return db


def parse_date(value: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期 {value!r} 格式不对，应为 YYYY-MM-DD") from None
    try:
        return date_checks.checked(day)
    except date_checks.DateOutOfRange as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} 不是整数") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"{value} 应为正整数")
    return number


__all__ = ["UserError", "open_database", "parse_date", "positive_int"]
