"""Masking of personal data (个人信息保护法) wherever the role or task does not need it in full."""

from __future__ import annotations


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
