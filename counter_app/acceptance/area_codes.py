"""Administrative division codes (GB/T 2260, 行政区划代码) for the first six digits of an ID number.

The table is python-stdnum's ``stdnum/cn/loc.dat``: every county-level code the Ministry of Civil
Affairs has published since 1980, current and abolished, with the years each was in use, compiled
from the Chinese Wikipedia lists "中华人民共和国行政区划代码 (1区 … 8区)". It is updated by
upgrading python-stdnum (``pyproject.toml`` range, ``tools/refresh-lock.sh``); check its changelog
for "cn/loc" after the Ministry publishes a year's changes.

The six digits are where a person was registered when the number was issued, not where they were
born: someone born in 1949 and registered in 福州市鼓楼区 (code 350102, in use from 1983) carries
350102. So a code is accepted when it ever existed; only a code that never existed is worth a
warning (stdnum's own ``ric.get_birth_place`` checks the birth year and flagged such people)."""

from __future__ import annotations

from functools import lru_cache

from stdnum import numdb

# Prefixes used by numbers that are not registrations on the mainland but follow GB 11643:
# 港澳台居民居住证 (Hong Kong and Macao are in the table; Taiwan's 830000 is not).
SPECIAL = {"830000": "台湾居民居住证"}


@lru_cache(maxsize=4096)
def place(code: str) -> str | None:
    """Province and county for a six-digit code that ever existed ("福建省鼓楼区"), else None."""
    if code in SPECIAL:
        return SPECIAL[code]
    if len(code) != 6 or not code.isdigit():
        return None
    found = {}
    for _part, props in numdb.get("cn/loc").info(code):
        found.update(props)
    county = found.get("county")
    if not county:
        return None
    # "[1983-1989]南头区办事处,[1990-]南山区": the name in use last
    name = county.split(",")[-1].split("]")[-1]
    return f"{found.get('province', '')}{name}"


def known(code: str) -> bool:
    return place(code) is not None
