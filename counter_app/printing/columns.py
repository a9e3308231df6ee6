"""Column descriptions of registers and exports, without openpyxl: the register views (and the main
window's start) need them, and importing openpyxl costs ~0.15 s."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Column kinds → Excel number format (None: General). Text columns are always stored as text.
NUMBER_FORMATS: dict[str, str | None] = {
    "text": None,
    "int": "0",
    "number": "General",
    "money": "#,##0.00",
    "decimal1": "0.0",
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
DEFAULT_WIDTHS = {
    "text": 14,
    "int": 8,
    "number": 10,
    "money": 12,
    "decimal1": 10,
    "percent": 9,
    "date": 11.5,
    "datetime": 16.5,
}
SUBTOTAL_FUNCTIONS = {"sum": 9, "average": 1, "count": 3}  # SUBTOTAL ignores rows hidden by a filter


def display_width(text: str) -> float:
    """Width in Excel character units: CJK and full-width characters count double."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text))


class Cancelled(Exception):
    """The person cancelled a long export; the partly written file must be discarded."""


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = "text"  # a key of NUMBER_FORMATS
    width: float | None = None  # Excel character units; default by kind, at least the title's width
    total: str | None = None  # sum | average | count: a SUBTOTAL formula in the totals row
    wrap: bool = False
    number_format: str | None = None  # overrides the kind's format
    # for rows that are objects (a service's dataclasses) rather than tuples: what the cell shows
    value: Callable[[Any], Any] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in NUMBER_FORMATS:
            raise ValueError(f"unknown column kind {self.kind!r}")
        if self.total is not None and self.total not in SUBTOTAL_FUNCTIONS:
            raise ValueError(f"unknown total {self.total!r}")

    @property
    def format(self) -> str | None:
        return self.number_format or NUMBER_FORMATS[self.kind]

    @property
    def excel_width(self) -> float:
        base = self.width if self.width is not None else DEFAULT_WIDTHS[self.kind]
        # header cells wrap onto two lines, so half the title's width (plus padding) is enough
        return max(base, math.ceil(display_width(self.title) / 2) + 2)
