import datetime as dt

import pytest

from counter_app.acceptance import identity


@pytest.mark.parametrize("number", ["11010519491231002X", "11010519491231002x", " 110105 19491231 002X "])
def test_valid_resident_id(number):
    result = identity.check("id_card", number)
    assert result.ok, result.error
    assert result.number == "11010519491231002X"
    assert result.birth_date == dt.date(1949, 12, 31)
    assert result.sex == "女"


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("110105194912310021", "校验位"),
        ("110105491231002", "15位旧身份证"),
        ("1101051949123100", "应为18位"),
        ("11010519491331002X", "出生日期"),
        ("11010519490230002X", "出生日期"),
        ("11010520991231002X", "晚于今天"),
        ("1101051949123100XX", "前17位应为数字"),
        ("99010519491231002X", "省级行政区"),
        ("", "请输入"),
    ],
)
def test_invalid_resident_id_messages(number, fragment):
    result = identity.check("id_card", number, today=dt.date(2026, 11, 24))
    assert not result.ok
    assert fragment in result.error


def test_unknown_area_code_is_a_warning_not_a_rejection():
    from stdnum.cn import ric

    body = "11019919800101001"  # 110199 is not in stdnum's table
    number = body + ric.calc_check_digit(body + "0")
    result = identity.check("id_card", number)
    assert result.ok
    assert result.warnings and "地区码" in result.warnings[0]


def test_credit_codes():
    assert identity.check("business_licence", "91350100M000100Y43").ok
    bad = identity.check("business_licence", "91350100M000100Y4Z")
    assert not bad.ok and "Z" in bad.error
    wrong_digit = identity.check("business_licence", "91350100M000100Y44")
    assert "校验位" in wrong_digit.error
    assert "18位" in identity.check("business_licence", "9135010").error


def test_credit_code_with_letter_authority_is_valid():
    from stdnum.cn import uscc

    body = "Y1350100MA2XYZ0"  # not quite right length: build an 17-char body with letter first
    body = "Y2350100MA2Y0B0A1"
    assert len(body) == 17
    code = body + uscc.calc_check_digit(body)
    assert identity.check("business_licence", code).ok


def test_other_certificates():
    assert identity.check("hk_macau", "H12345678").ok
    assert not identity.check("hk_macau", "X12345678").ok
    assert identity.check("passport", "E12345678").ok
    assert identity.check("org_code", "D2143569-X").ok or not identity.check("org_code", "D2143569-X").ok
    assert not identity.check("org_code", "123").ok


def test_org_code_check_digit():
    # body 12345678: weights 3,7,9,10,5,8,4,2 → 3+14+27+40+25+48+28+16 = 201; 11 - 201 % 11 = 8
    assert identity.check("org_code", "12345678-8").ok
    assert not identity.check("org_code", "12345678-7").ok


@pytest.mark.parametrize(("value", "ok"), [("13812345678", True), ("+8613812345678", True), ("12812345678", False),
                                            ("1381234567", False), ("", False)])
def test_mobile(value, ok):
    assert (identity.check_mobile(value) is None) == ok


@pytest.mark.parametrize(("value", "ok"), [("0591-87654321", True), ("059187654321", True), ("95598", True),
                                            ("87654321", False), ("abc", False)])
def test_fixed_phone(value, ok):
    assert (identity.check_fixed_phone(value) is None) == ok


def test_masking():
    from counter_app.security.redaction import mask_id, mask_phone

    assert mask_id("11010519491231002X") == "110105********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert "8765" not in mask_phone("0591-87654321")


# --- issue 16: area codes that ever existed, the type from the number ------------------------------


def _ric(body17: str) -> str:
    from stdnum.cn import ric

    return body17 + ric.calc_check_digit(body17 + "0")


@pytest.mark.parametrize("area", ["350102", "110111", "440305", "810000", "830000"])
def test_current_and_old_area_codes_give_no_warning(area):
    from counter_app.acceptance import identity

    # born 1949, registered later in a district created in 1983/1986: the code is a registration
    result = identity.check("id_card", _ric(area + "19491231002"))
    assert result.ok and result.warnings == []


def test_an_area_code_that_never_existed_is_a_warning():
    from counter_app.acceptance import area_codes, identity

    result = identity.check("id_card", _ric("110199" + "19491231002"))
    assert result.ok and result.warnings == [
        "地区码 110199 不在国家行政区划代码表中（含已撤销的代码），已按校验位通过，请目视核对证件"]
    assert area_codes.place("350102") == "福建省鼓楼区" and area_codes.place("110199") is None


def test_a_credit_code_under_the_id_card_suggests_the_licence():
    from counter_app.acceptance import identity

    assert identity.suggest_cert_type("id_card", "91350100M000100Y43") == "business_licence"
    assert identity.suggest_cert_type("business_licence", "11010519491231002X") == "id_card"
    assert identity.suggest_cert_type("id_card", "11010519491231002X") is None
    assert identity.suggest_cert_type("id_card", "91350100M000100Y4Z") is None  # wrong either way
