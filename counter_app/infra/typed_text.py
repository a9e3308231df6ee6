"""What a clerk types, a scanner or a card reader sends, made comparable: the Chinese IMEs type
digits and Latin letters full-width (１２３, ＡＢＣ) and spaces as U+3000, other keyboards and pasted
text bring the digits of other scripts (٣, ३, ৩ …), so every number, code and query goes through
here before it is checked or looked up: a blacklisted certificate typed in Arabic-Indic digits is
the same certificate."""

from __future__ import annotations

import unicodedata

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}  # ！ … ～ → ! … ~
_FULL_WIDTH[0x3000] = 0x20  # ideographic space → space


def _ascii_digit(char: str) -> str:
    # isdecimal: the digits of a script's own 0-9 (Nd), not numerals such as 一 or Ⅻ
    return str(unicodedata.decimal(char)) if char.isdecimal() and not char.isascii() else char


def halfwidth(text: str | None) -> str:
    """Full-width ASCII forms and the ideographic space as their half-width characters, and the
    decimal digits of every script as 0-9."""
    return "".join(_ascii_digit(c) for c in (text or "").translate(_FULL_WIDTH))


def compact(text: str | None) -> str:
    """An identifier as typed, made plain: compatibility forms folded (NFKC: full-width, circled or
    superscript digits), every script's digits as 0-9, the spaces removed (also inside: "1101 0519…"
    typed in groups). Tabs and line breaks stay, so that a check can refuse them as control
    characters instead of guessing; whatever is still not ASCII is for the check to refuse
    (``foreign_character``)."""
    return halfwidth(unicodedata.normalize("NFKC", text or "")).replace(" ", "")


def foreign_character(text: str) -> str | None:
    """The first character of a compacted identifier that is not printable ASCII, or None."""
    return next((c for c in text if not (c.isascii() and c.isprintable())), None)
