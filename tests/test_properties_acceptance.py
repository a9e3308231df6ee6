"""Bad input through the acceptance service, generated: every bad value is refused with a Chinese
message at its own field, nothing crashes, nothing is stored."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from counter_app.acceptance import service as acceptance
from counter_app.acceptance.clerk_input import MAX_LEN
from counter_app.infra.errors import ValidationFailed
from counter_app.models import Application, Certificate, Customer, Material
from tests.acceptance_helpers import residential
from tests.conftest import FROZEN_NOW, setup_hall

EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CJK = re.compile(r"[\u4e00-\u9fff]")
CONTROL = st.sampled_from([chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]])


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    """One migrated SQLite hall for all examples (nothing may be written to it anyway)."""
    from counter_app.infra import clock, schema_upgrade as schema
    from counter_app.infra.db import Database, make_engine

    url = f"sqlite:///{tmp_path_factory.mktemp('props') / 'hall.sqlite3'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    db = Database.from_url(url)
    clock.freeze(FROZEN_NOW)
    clerk = setup_hall(db)["clerk1"]
    yield db, clerk
    clock.freeze(None)
    db.dispose()


def _counts(db) -> tuple[int, ...]:
    with db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Application, Customer, Certificate, Material))


def refused_at(hall, field: str, **values) -> str:
    """Save with ``values``: must be refused at ``field`` with a Chinese message, nothing stored."""
    db, clerk = hall
    before = _counts(db)
    with pytest.raises(ValidationFailed) as refused:
        acceptance.save(db, clerk, residential(**values))
    assert _counts(db) == before
    message = refused.value.errors.get(field)
    assert message and CJK.search(message), (field, values, refused.value.errors)
    return message


ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=20)


def _text_with_control():
    return st.builds(lambda a, c, b: a + c + b, ANY_TEXT, CONTROL, ANY_TEXT)


@EXAMPLES
@given(mobile=st.one_of(
    st.from_regex(r"\A\d{1,10}\Z"),  # too short
    st.from_regex(r"\A\d{12,20}\Z").filter(lambda s: not s.startswith("86")),  # too long
    st.from_regex(r"\A[02-9]\d{10}\Z"),  # not starting with 1
    st.from_regex(r"\A1[0-2]\d{9}\Z"),  # no such network
    st.from_regex(r"\A1[3-9]\d{3}[A-Za-z]\d{5}\Z"),  # a letter inside
))
def test_bad_mobile(hall, mobile):
    refused_at(hall, "contact_mobile", contact_mobile=mobile)


@EXAMPLES
@given(phone=st.one_of(
    st.from_regex(r"\A[1-9]\d{3}-\d{7,8}\Z"),  # no leading 0 in the area code
    st.from_regex(r"\A0\d{2,3}-\d{1,5}\Z"),  # number too short
    st.from_regex(r"\A0\d{2,3}-\d{9,12}\Z"),  # too long
    st.from_regex(r"\A0591-[a-z]{8}\Z"),
))
def test_bad_fixed_line(hall, phone):
    refused_at(hall, "contact_phone", contact_phone=phone)


@EXAMPLES
@given(birth=st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2008, 1, 1)),
       seq=st.integers(0, 999), data=st.data())
def test_bad_certificate_number(hall, birth, seq, data):
    from stdnum.cn import ric

    body = f"350102{birth:%Y%m%d}{seq:03d}"
    right = ric.calc_check_digit(body + "0")
    wrong = data.draw(st.sampled_from([c for c in "0123456789X" if c != right]))
    broken = data.draw(st.sampled_from([
        body + wrong,  # wrong check digit
        body,  # one character short
        body + right + "1",  # one too many
        body[:6] + "20261399" + body[14:] + right,  # no such date
        body[:10] + "AB" + body[12:] + right,  # letters inside
    ]))
    refused_at(hall, "cert_number", cert_number=broken)


@EXAMPLES
@given(capacity=st.one_of(
    st.decimals(max_value=Decimal("-0.01"), allow_nan=False, allow_infinity=False, places=2),
    st.decimals(min_value=Decimal("10000000"), allow_nan=False, allow_infinity=False, places=0),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99"), places=3).filter(lambda d: d != d.quantize(Decimal("0.01"))),
    st.just("0"),
    st.sampled_from(["NaN", "inf", "-Infinity", "八", "8千瓦时", "1e", "--8"]),
    st.from_regex(r"\A[A-Za-z]{1,8}\Z"),
))
def test_bad_capacity(hall, capacity):
    refused_at(hall, "applied_capacity", applied_capacity=str(capacity))


@EXAMPLES
@given(valid_until=st.one_of(
    st.dates(max_value=FROZEN_NOW.date() - dt.timedelta(days=1)).map(dt.date.isoformat),  # expired
    st.sampled_from(["2026-02-30", "2030-13-01", "20301301", "2030/00/10", "明年", "2030-1-1-1"]),
    st.from_regex(r"\A[a-z]{1,10}\Z"),
))
def test_bad_certificate_validity(hall, valid_until):
    refused_at(hall, "cert_valid_until", cert_valid_until=valid_until)


@EXAMPLES
@given(field=st.sampled_from(["holder_name", "address_detail", "contact_name", "remarks"]), data=st.data())
def test_control_characters_in_free_text(hall, field, data):
    value = "张" + data.draw(_text_with_control()) + "三"  # inside the text: the ends are trimmed as blanks
    values = {field: value}
    if field == "holder_name":
        values["contact_name"] = "张三"
    message = refused_at(hall, field, **values)
    assert "控制字符" in message or field == "holder_name"


@EXAMPLES
@given(field=st.sampled_from(["holder_name", "address_detail", "contact_name", "remarks"]),
       extra=st.integers(min_value=1, max_value=5000), char=st.sampled_from(["张", "a", "䶮", "𠇔"]))
def test_very_long_text(hall, field, extra, char):
    limit = MAX_LEN.get(field, 200)
    message = refused_at(hall, field, **{field: char * (limit + extra)})
    assert str(limit) in message


def test_the_good_input_is_stored(hall):
    """The oracle of the properties above: their base input is accepted as it is."""
    db, clerk = hall
    before = _counts(db)
    acceptance.save(db, clerk, residential())
    assert _counts(db)[0] == before[0] + 1
