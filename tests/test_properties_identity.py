"""Property-based checks: any text typed or scanned as a certificate number or phone gets either an
accepted, normalised value or a Chinese message — never an exception."""

import datetime as dt
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from counter_app.acceptance import identity

TODAY = dt.date(2026, 11, 24)
CJK = re.compile(r"[\u4e00-\u9fff]")


@settings(max_examples=300, deadline=None)
@given(cert_type=st.sampled_from(sorted(identity.CERT_TYPES)), text=st.text(max_size=300))
def test_any_text_gets_a_verdict(cert_type, text):
    result = identity.check(cert_type, text, today=TODAY)
    if not result.ok:
        assert CJK.search(result.error), result.error
    else:
        assert result.number and all(32 <= ord(c) for c in result.number)


@settings(max_examples=200, deadline=None)
@given(birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
       area=st.sampled_from(["110105", "350102", "440305", "510107", "650102"]),
       seq=st.integers(0, 999))
def test_every_well_formed_resident_id_is_accepted(birth, area, seq):
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    number = body + ric.calc_check_digit(body + "0")
    result = identity.check("id_card", number, today=TODAY)
    assert result.ok, result.error
    assert result.birth_date == birth


@settings(max_examples=200, deadline=None)
@given(birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY), seq=st.integers(0, 999),
       wrong=st.sampled_from("0123456789X"))
def test_a_wrong_check_character_is_always_refused(birth, seq, wrong):
    body = f"350102{birth:%Y%m%d}{seq:03d}"
    right = ric.calc_check_digit(body + "0")
    if wrong == right:
        return
    result = identity.check("id_card", body + wrong, today=TODAY)
    assert not result.ok and "校验位" in result.error


ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@settings(max_examples=200, deadline=None)
@given(authority=st.sampled_from(ALPHABET), kind=st.sampled_from(ALPHABET),
       area=st.sampled_from(["350100", "110105", "440300"]),
       body=st.text(alphabet=ALPHABET, min_size=9, max_size=9))
def test_every_well_formed_credit_code_is_accepted(authority, kind, area, body):
    code17 = f"{authority}{kind}{area}{body}"
    code = code17 + uscc.calc_check_digit(code17)
    assert identity.check("business_licence", code).ok


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200))
def test_phone_checks_never_raise(text):
    for check in (identity.check_mobile, identity.check_fixed_phone):
        message = check(text)
        assert message is None or CJK.search(message)
