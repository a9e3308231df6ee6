"""Certificate readers: where the holder's data comes from at the counter.

A reader is pluggable: ``KeyboardEntry`` is what every counter has today (the clerk types the
number, a barcode scanner types it too); a hardware ID-card reader driver registers itself with
``register()`` and returns the same ``CardData``. ``SimulatedReader`` answers the way a real reader
does (raw, space-padded strings; dates as YYYYMMDD; validity "YYYYMMDD-YYYYMMDD" or "长期") and is
used by tests and, with ``COUNTER_APP_CARD_READER=simulated``, for training at a counter."""

from __future__ import annotations

import datetime as dt
import os
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from counter_app.infra.errors import UserError

ENV_READER = "COUNTER_APP_CARD_READER"


class ReaderError(UserError):
    """No reader, no card on it, or a card that could not be read: the clerk types instead."""


@dataclass(frozen=True)
class CardData:
    """What a second-generation resident ID card holds (photo left out: it is not stored)."""

    number: str
    name: str
    sex: str = ""  # 男 | 女
    birth_date: dt.date | None = None
    address: str = ""
    valid_until: dt.date | None = None  # None with ``permanent`` = 长期
    valid_from: dt.date | None = None
    permanent: bool = False
    issuer: str = ""
    nation: str = ""
    cert_type: str = "id_card"

    def validity_label(self) -> str:
        if self.permanent:
            return "长期"
        return f"{self.valid_until:%Y-%m-%d}" if self.valid_until else ""


class CertificateReader(Protocol):
    label: str  # shown to the clerk, e.g. "键盘输入"
    manual: bool  # True when nothing can be read: the clerk types the number

    def read(self) -> CardData:
        """The card on the reader now; raises ReaderError with a Chinese message otherwise."""
        ...


def _date(text: str) -> dt.date | None:
    text = (text or "").strip().replace("-", "").replace(".", "")
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


_SEX_CODES = {"1": "男", "2": "女", "男": "男", "女": "女"}


def from_raw(fields: Mapping[str, str]) -> CardData:
    """Turn a reader's raw text fields into CardData.

    Vendor SDKs return fixed-width, space-padded strings: name, sex (code 1/2 or 男/女), nation,
    birth (YYYYMMDD), address, number, issuer, and the validity period as
    "YYYYMMDD-YYYYMMDD" or "YYYYMMDD-长期"."""
    get = lambda key: (fields.get(key) or "").strip().replace("\u3000", "")  # noqa: E731
    number = get("number").upper()
    if not number:
        raise ReaderError("读卡失败：未读到证件号码，请重新放置证件或手工输入")
    start, _, end = get("valid_period").partition("-")
    permanent = end.strip() == "长期"
    return CardData(
        number=number,
        name=get("name"),
        sex=_SEX_CODES.get(get("sex"), ""),
        birth_date=_date(get("birth")),
        address=get("address"),
        valid_from=_date(start),
        valid_until=None if permanent else _date(end),
        permanent=permanent,
        issuer=get("issuer"),
        nation=get("nation"),
    )


class KeyboardEntry:
    """No reader attached: the clerk types or scans the number into the field."""

    label = "键盘输入"
    manual = True

    def read(self) -> CardData:
        raise ReaderError("本窗口未连接身份证读卡器，请直接输入证件号码（扫码枪可直接扫入号码栏）")


class SimulatedReader:
    """A reader fed with raw card records; each ``read()`` takes the next card placed on it."""

    label = "模拟读卡器"
    manual = False

    def __init__(self, cards: Iterable[Mapping[str, str]] = (), *, repeat: bool = False) -> None:
        self._cards: deque[Mapping[str, str]] = deque(cards)
        self._repeat = repeat
        self.reads = 0

    def place(self, raw: Mapping[str, str]) -> None:
        """Put a card on the reader."""
        self._cards.append(raw)

    def read(self) -> CardData:
        if not self._cards:
            raise ReaderError("未检测到证件，请将身份证平放在读卡器感应区后再读卡")
        raw = self._cards[0] if self._repeat else self._cards.popleft()
        if self._repeat:
            self._cards.rotate(-1)
        self.reads += 1
        return from_raw(raw)


def raw_card(
    number: str,
    name: str,
    *,
    sex: str = "",
    birth: str = "",
    address: str = "",
    valid_period: str = "",
    issuer: str = "",
    nation: str = "汉",
) -> dict[str, str]:
    """A raw record as a reader SDK hands it over (fixed-width fields padded with spaces)."""
    return {
        "name": name.ljust(15),
        "sex": sex or ("1" if number[16:17].isdigit() and int(number[16]) % 2 else "2"),
        "nation": nation,
        "birth": birth or number[6:14],
        "address": address.ljust(35),
        "number": number,
        "issuer": issuer,
        "valid_period": valid_period,
    }


def _training_cards() -> list[dict[str, str]]:
    """Sample cards for training with the simulated reader (valid numbers, made-up people)."""
    from stdnum.cn import ric

    def number(body: str) -> str:
        return body + ric.calc_check_digit(body + "0")

    return [
        raw_card(
            number("35010219850615123"),
            "林晓燕",
            address="福建省福州市鼓楼区五四路88号3座1201室",
            valid_period="20180301-20380301",
            issuer="福州市公安局鼓楼分局",
        ),
        raw_card(
            number("35012119700101457"),
            "陈建国",
            address="福建省福州市闽侯县上街镇溪源宫路2号",
            valid_period="20100512-长期",
            issuer="闽侯县公安局",
        ),
        raw_card(
            number("35010319921130304"),
            "郑䶮",
            address="福建省福州市台江区江滨中大道368号",
            valid_period="20200801-20300801",
            issuer="福州市公安局台江分局",
        ),
    ]


_REGISTRY: dict[str, Callable[[], CertificateReader]] = {
    "keyboard": KeyboardEntry,
    "simulated": lambda: SimulatedReader(_training_cards(), repeat=True),
}


def register(name: str, factory: Callable[[], CertificateReader]) -> None:
    """Make a reader driver available under ``name`` (selected with COUNTER_APP_CARD_READER)."""
    _REGISTRY[name] = factory


def available() -> list[str]:
    return sorted(_REGISTRY)


def create(name: str | None = None) -> CertificateReader:
    """The reader configured for this PC; unknown names fall back to keyboard entry."""
    key = name or os.environ.get(ENV_READER, "keyboard")
    factory = _REGISTRY.get(key, KeyboardEntry)
    return factory()
