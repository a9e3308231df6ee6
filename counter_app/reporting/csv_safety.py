"""Cells of the CSV files the app writes that a spreadsheet would run as formulas (CSV injection).

Excel and LibreOffice turn a cell starting with ``=``, ``+``, ``-`` or ``@`` (and, in some versions,
a tab or carriage return before one) into a live formula: an organisation named
``=HYPERLINK(…)`` or a handler imported as ``=cmd|…`` would run on the supervisor's PC. Such cells
are written with a leading apostrophe, which both programs show as text (OWASP's advice); reading
the app's own files back strips it again.
"""

from __future__ import annotations

from collections.abc import Iterable

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """``value`` as a CSV cell no spreadsheet evaluates."""
    if value and value.startswith(TRIGGERS):
        return "'" + value
    return value


def neutralise_row(values: Iterable[str]) -> list[str]:
    return [neutralise(v) for v in values]


def restore(value: str) -> str:
    """The original text of a cell ``neutralise`` wrote (other cells unchanged)."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(TRIGGERS):
        return value[1:]
    return value
