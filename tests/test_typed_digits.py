"""Identifiers typed with other scripts' digits (full-width ０-９, Arabic-Indic ٠-٩, Devanagari ०-९ …)
are the same identifiers: folded to ASCII before any check, so a blacklisted certificate typed that
way is still blacklisted (no new customer, no deferral); what cannot be folded is refused clearly."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from counter_app.acceptance import identity
from counter_app.acceptance import service as acceptance
from counter_app.infra.errors import ValidationFailed
from counter_app.infra.typed_text import compact, foreign_character
from counter_app.models import Application, Customer
from counter_app.tracking import application_search, deferrals
from tests.acceptance_helpers import residential
from tests.factories import resident_id

# the zero of every script's 0-9 run (Unicode keeps each script's decimal digits contiguous)
ZEROS = [chr(c) for c in range(sys.maxunicode + 1)
         if chr(c).isdecimal() and unicodedata.decimal(chr(c)) == 0 and c != ord("0")]


def in_script(number: str, zero: str) -> str:
    return "".join(chr(ord(zero) + int(c)) if c.isdigit() else c for c in number)


def mixed_scripts(number: str):
    """``number`` with each digit drawn from any script (the X check digit stays, maybe full-width)."""
    def digit(c: str):
        if c.isdigit():
            return st.sampled_from(["0", *ZEROS]).map(lambda z: chr(ord(z) + int(c)))
        return st.sampled_from([c, chr(ord(c) + 0xFEE0)])
    return st.tuples(*(digit(c) for c in number)).map("".join)


def test_there_are_many_scripts_of_digits():
    assert len(ZEROS) > 50 and "０" in ZEROS and "٠" in ZEROS and "०" in ZEROS


@pytest.mark.parametrize("typed", ["３５０１０２", "٣٥٠١٠٢", "३५०१०२", "৩৫০১০২", "३5０1٠२", "③⑤⓪①⓪②", "35 01 02"])
def test_typed_digits_fold_to_ascii(typed):
    assert compact(typed) == "350102"


@given(st.text(alphabet="0123456789", min_size=1, max_size=24).flatmap(
    lambda n: st.tuples(st.just(n), mixed_scripts(n))))
def test_every_script_folds(pair):
    number, typed = pair
    assert compact(typed) == number


@pytest.mark.parametrize("look_alike", [
    "35010219850615112\u0425",  # Cyrillic Х for the check digit X
    "3501021985\u200b0615112X",  # a zero-width space inside
    "35010219850615112\u03a7",  # Greek Χ
])
def test_what_cannot_be_folded_is_refused_with_a_clear_message(look_alike):
    result = identity.check("id_card", look_alike)
    assert not result.ok and "无法识别的字符" in result.error and "半角" in result.error
    assert foreign_character(identity.normalize(look_alike))
    assert "无法识别的字符" in identity.check_mobile("138\u0665234567\u0425")  # ٥ folds, Х does not
    assert identity.check_mobile("138\u0665234567\u0968") is None  # ٥ and २ fold


@pytest.fixture
def blacklisted(db, actors, frozen_now) -> str:
    number = resident_id(61)
    saved = acceptance.save(db, actors["clerk1"], residential(number))
    with db.read() as s:
        customer_id = s.get(Application, saved.application_id).customer_id
    deferrals.blacklist_add(db, actors["super1"], customer_id, reason="逾期未补交容缺资料")
    return number


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_blacklisted_certificate_in_any_scripts_digits_stays_blacklisted(db, actors, blacklisted, data):
    typed = data.draw(mixed_scripts(blacklisted))
    with db.read() as s:
        customers = s.scalar(select(func.count()).select_from(Customer))
    # the window's lookup finds the customer and the blacklist
    known = acceptance.lookup_customer(db, actors["clerk1"], "id_card", typed)
    assert known is not None and known.blacklisted and known.certificate_known
    # the service refuses a deferral, and creates no second customer
    with pytest.raises(ValidationFailed) as refused:
        acceptance.save(db, actors["clerk1"], residential(typed, materials={"property_proof": "deferred"}))
    assert "失信名单" in refused.value.errors["material.property_proof"]
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == customers


@pytest.mark.parametrize("zero", ["０", "٠", "०", "০"])
def test_a_blacklisted_certificate_in_one_script_is_the_same_customer(db, actors, blacklisted, zero):
    saved = acceptance.save(db, actors["clerk1"], residential(in_script(blacklisted, zero),
                                                              contact_mobile=in_script("13812345678", zero),
                                                              contact_phone=in_script("0591-87000001", zero)))
    with db.read() as s:
        app = s.get(Application, saved.application_id)
        assert app.certificate.number == blacklisted
        assert (app.contact_mobile, app.contact_phone) == ("13812345678", "0591-87000001")
        assert s.scalar(select(func.count()).select_from(Customer)) == 1
    # and a search typed the same way finds it
    found = application_search.search(db, actors["clerk1"], in_script(blacklisted, zero))
    assert saved.number in [r.number for r in found.rows]
