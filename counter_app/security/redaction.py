"""How personal data (个人信息保护法) is blanked out in text: ID numbers, phones, and both inside free
text. Pure string functions; *whether* a value is shown masked is ``privacy``'s policy."""

from __future__ import annotations

import re


def mask_id(number: str) -> str:
    """110105********002X: keep the area code and the last four characters."""
    n = number or ""
    if len(n) <= 8:
        return n[:2] + "*" * max(len(n) - 2, 0)
    if len(n) == 18:
        return n[:6] + "*" * 8 + n[-4:]
    return n[:3] + "*" * (len(n) - 7) + n[-4:]


def mask_phone(number: str) -> str:
    """138****5678; fixed lines keep area code and last four digits."""
    n = number or ""
    if len(n) == 11 and n.isdigit():
        return n[:3] + "****" + n[-4:]
    if len(n) > 6:
        return n[: len(n) - 8 if len(n) > 8 else 2] + "****" + n[-4:]
    return n


# An 18-character resident ID, a 15-digit old ID, an 11-digit mobile: not glued to other digits/letters
# (Python's \b does not separate Chinese characters from digits, hence the look-arounds).
_ID18 = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])1\d{10}(?![0-9A-Za-z])")


def redact(text: str) -> str:
    """Mask ID numbers and mobile numbers inside free text (search queries, audit details)."""
    text = _ID18.sub(lambda m: mask_id(m.group()), text or "")
    text = _ID15.sub(lambda m: mask_id(m.group()), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group()), text)
