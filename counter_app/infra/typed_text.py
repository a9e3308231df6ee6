"""What a clerk types, a scanner or a card reader sends, made comparable: the Chinese IMEs type
digits and Latin letters full-width (１２３, ＡＢＣ) and spaces as U+3000, so every number, code and
query goes through here before it is checked or looked up."""

from __future__ import annotations

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}  # ！ … ～ → ! … ~
_FULL_WIDTH[0x3000] = 0x20  # ideographic space → space


def halfwidth(text: str | None) -> str:
    """Full-width ASCII forms and the ideographic space as their half-width characters."""
    return (text or "").translate(_FULL_WIDTH)


def compact(text: str | None) -> str:
    """Half-width, with the spaces removed (also inside: "1101 0519…" typed in groups). Tabs and line
    breaks stay, so that a check can refuse them as control characters instead of guessing."""
    return halfwidth(text).replace(" ", "")
