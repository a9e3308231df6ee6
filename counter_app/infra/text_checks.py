"""The one check of a piece of free text a person typed or a file brought in (a name, a handler, a
note), before it reaches the database: the same rule on SQLite and PostgreSQL.

- Stripped, because harmless and invisible: white space at both ends, and zero-width characters
  (U+200B–U+200D, U+2060, U+FEFF) anywhere. A name of zero-width characters only is therefore empty.
- Refused, because they change what a printed form or a register shows without being seen, or
  cannot be stored at all: control characters (a line break only where the field has lines), lone
  surrogates (no UTF-8 encoding: PostgreSQL refuses them, SQLite stores garbage) and direction
  marks, embeddings, overrides and isolates (U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), with which
  "王明" can be made to display as something else.
- The length is the column's length in the model (``column_length``), counted after stripping:
  SQLite would store 1,000 characters in a VARCHAR(60), PostgreSQL refuses them with a raw error."""

from __future__ import annotations

import re
import unicodedata

from counter_app.infra.errors import UserError

IMPORT_CELL_MAX = 131_072  # a spreadsheet cell holds at most 32,767; anything longer is not data

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_DIRECTION = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def column_length(column) -> int | None:
    """The length of a String column (``User.name``), None for unbounded Text."""
    return getattr(getattr(column, "type", None), "length", None)


def cleaned(value, *, multiline: bool = False) -> str:
    """What is stored: CRLF as LF, no zero-width characters, no white space at the ends; a single-line
    field gets its line breaks as spaces."""
    text = _ZERO_WIDTH.sub("", str(value or "").replace("\r\n", "\n"))
    if not multiline:
        text = text.replace("\n", " ").replace("\t", " ")
    return text.strip()


def problem(text: str, label: str, *, max_length: int | None = None, required: bool = False,
            multiline: bool = False) -> str | None:
    """What is wrong with the cleaned ``text`` of field ``label``, in one Chinese sentence; None if fine."""
    for char in text:
        if "\ud800" <= char <= "\udfff":
            return f"{label}含有无法保存的残缺字符（孤立代理码位），请删除"
        if _DIRECTION.match(char):
            return f"{label}含有不可见的方向控制符（U+{ord(char):04X}），请删除"
        if unicodedata.category(char) == "Cc" and not (multiline and char in "\n\t"):
            return f"{label}含有不可见的控制字符（U+{ord(char):04X}），请删除"
    if required and not text:
        return f"请填写{label}"
    if max_length is not None and len(text) > max_length:
        return f"{label}不能超过{max_length}个字（当前{len(text)}个）"
    return None


def checked(value, label: str, *, column=None, max_length: int | None = None, required: bool = False,
            multiline: bool = False, field: str | None = None) -> str:
    """The cleaned text, or UserError (for ``field``) saying what to fix. ``column`` gives the length."""
    text = cleaned(value, multiline=multiline)
    limit = max_length if max_length is not None else column_length(column)
    message = problem(text, label, max_length=limit, required=required, multiline=multiline)
    if message:
        raise UserError(message, field=field)
    return text
