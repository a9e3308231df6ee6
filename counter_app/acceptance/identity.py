"""Certificate types and number checks (一证受理).

python-stdnum does the check-digit arithmetic; its strictness is relaxed in two places, because a
customer with a valid certificate must never be turned away by a stale table: an area code missing
from stdnum's table is a warning (new districts appear, tables lag reality), and credit codes whose
first character (registration authority) is a letter are valid.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from stdnum.cn import ric, uscc

from counter_app.acceptance import area_codes
from counter_app.infra import clock
from counter_app.infra.typed_text import compact, foreign_character

# code -> (Chinese label, subject kind)
PERSON = "person"
ORGANISATION = "organisation"

CERT_TYPES: dict[str, tuple[str, str]] = {
    "id_card": ("居民身份证", PERSON),
    "temp_id_card": ("临时居民身份证", PERSON),
    "household": ("户口簿", PERSON),
    "military": ("军官证/士兵证", PERSON),
    "hk_macau": ("港澳居民来往内地通行证", PERSON),
    "taiwan": ("台湾居民来往大陆通行证", PERSON),
    "passport": ("外国护照", PERSON),
    "foreign_pr": ("外国人永久居留身份证", PERSON),
    "police_proof": ("公安户籍证明", PERSON),
    "business_licence": ("营业执照（统一社会信用代码）", ORGANISATION),
    "institution": ("事业单位法人证书", ORGANISATION),
    "social_org": ("社会团体法人登记证书", ORGANISATION),
    "religious": ("宗教活动场所登记证", ORGANISATION),
    "org_code": ("组织机构代码证", ORGANISATION),
}

# types whose number is an 18-digit resident identity number
RIC_TYPES = {"id_card", "temp_id_card", "household", "police_proof"}
# types whose number is a unified social credit code
USCC_TYPES = {"business_licence", "institution", "social_org", "religious"}


def cert_label(code: str) -> str:
    return CERT_TYPES.get(code, (code, ""))[0]


def cert_kind(code: str) -> str:
    return CERT_TYPES[code][1]


@dataclass
class CertCheck:
    """Outcome of a number check. ``error`` set means refuse; ``warnings`` are shown but accepted."""

    number: str
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    birth_date: dt.date | None = None
    sex: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


def normalize(number: str) -> str:
    """Strip spaces and full-width characters a scanner or IME may produce; upper-case letters."""
    return compact((number or "").strip()).replace("-", "").upper()


def check(cert_type: str, number: str, *, today: dt.date | None = None) -> CertCheck:
    if cert_type not in CERT_TYPES:
        return CertCheck(number, error="请选择证件类型")
    value = normalize(number)
    if not value:
        return CertCheck(value, error=f"请输入{cert_label(cert_type)}号码")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return CertCheck(value, error="证件号码含有不可见的控制字符，请重新输入")
    if foreign_character(value):  # left after folding every script's digits: refuse, never guess
        return CertCheck(value, error=_foreign_message("证件号码", value))
    if cert_type in RIC_TYPES:
        return check_resident_id(value, today=today)
    if cert_type in USCC_TYPES:
        return check_credit_code(value)
    checker = _OTHER_CHECKS.get(cert_type)
    return checker(value) if checker else CertCheck(value)


def suggest_cert_type(cert_type: str, number: str, *, today: dt.date | None = None) -> str | None:
    """The type a number that fails under ``cert_type`` plainly belongs to: a credit code typed
    under 居民身份证 is a 营业执照, an ID number typed under 营业执照 is a 居民身份证."""
    value = normalize(number)
    if len(value) != 18 or check(cert_type, value, today=today).ok:
        return None
    if cert_type in RIC_TYPES and check_credit_code(value).ok:
        return "business_licence"
    if cert_type in USCC_TYPES and check_resident_id(value, today=today).ok:
        return "id_card"
    return None


def wrong_type_message(cert_type: str, suggested: str) -> str:
    return (f"这是{cert_label(suggested)}的号码，不是{cert_label(cert_type)}号码："
            f"请把证件类型改为“{cert_label(suggested)}”")


def check_resident_id(value: str, *, today: dt.date | None = None) -> CertCheck:
    today = today or clock.today()
    if len(value) == 15 and value.isdigit():
        return CertCheck(
            value,
            error="15位旧身份证号码已停止使用，请核对客户所持的18位居民身份证号码后重新输入",
        )
    if len(value) != 18:
        return CertCheck(value, error=f"居民身份证号码应为18位，当前为{len(value)}位，请核对")
    if not re.fullmatch(r"[0-9]{17}[0-9X]", value):
        return CertCheck(value, error="居民身份证号码前17位应为数字，最后一位为数字或X，请核对")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return CertCheck(value, error=f"身份证号码中的出生日期 {value[6:14]} 不是有效日期，请核对第7至14位")
    if birth > today:
        return CertCheck(value, error=f"身份证号码中的出生日期 {birth:%Y-%m-%d} 晚于今天，请核对第7至14位")
    if birth.year < 1890:
        return CertCheck(value, error=f"身份证号码中的出生年份 {birth.year} 不合理，请核对第7至10位")
    if value[:2] not in _PROVINCES:
        return CertCheck(value, error=f"身份证号码前两位 {value[:2]} 不是有效的省级行政区代码，请核对")
    expected = ric.calc_check_digit(value)  # stdnum expects the number with its check digit
    if value[17] != expected:
        return CertCheck(value, error="居民身份证号码校验位错误（最后一位），请逐位核对号码")
    result = CertCheck(value, birth_date=birth, sex="男" if int(value[16]) % 2 else "女")
    if not area_codes.known(value[:6]):  # a code that never existed, not one newer than the birth
        result.warnings.append(f"地区码 {value[:6]} 不在国家行政区划代码表中（含已撤销的代码），已按校验位通过，"
                               "请目视核对证件")
    return result


# GB/T 2260 province-level codes: a first-two-digit outside these is certainly wrong
_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83", "91",
}

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def check_credit_code(value: str) -> CertCheck:
    if len(value) != 18:
        return CertCheck(value, error=f"统一社会信用代码应为18位，当前为{len(value)}位，请核对")
    bad = sorted({c for c in value if c not in _USCC_ALPHABET})
    if bad:
        shown = "、".join(bad)
        return CertCheck(
            value,
            error=f"统一社会信用代码不能含有字符 {shown}（代码中不使用 I、O、Z、S、V 等字母），请核对",
        )
    if not value[2:8].isdigit():
        return CertCheck(value, error="统一社会信用代码第3至8位应为行政区划代码（数字），请核对")
    # stdnum.uscc.validate rejects a letter as first character; its check-digit arithmetic is right
    if uscc.calc_check_digit(value[:17]) != value[17]:
        return CertCheck(value, error="统一社会信用代码校验位（最后一位）错误，请逐位核对")
    return CertCheck(value)


def check_org_code(value: str) -> CertCheck:
    """GB 11714 organisation code: 8 body characters + check character (X stands for 10)."""
    body = value.replace("-", "")
    if not re.fullmatch(r"[0-9A-Z]{8}[0-9X]", body):
        return CertCheck(value, error="组织机构代码应为8位本体代码加1位校验码（如 12345678-9），请核对")
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(w * (int(c) if c.isdigit() else ord(c) - 55) for w, c in zip(weights, body[:8], strict=True))
    code = 11 - total % 11
    expected = {10: "X", 11: "0"}.get(code, str(code))
    if body[8] != expected:
        return CertCheck(value, error="组织机构代码校验码错误，请核对")
    return CertCheck(body)


def _pattern(regex: str, message: str):
    def run(value: str) -> CertCheck:
        return CertCheck(value) if re.fullmatch(regex, value) else CertCheck(value, error=message)

    return run


_OTHER_CHECKS = {
    "org_code": check_org_code,
    "hk_macau": _pattern(r"[HM]\d{8}(\d{2})?", "港澳居民来往内地通行证号码应为 H 或 M 开头加8位或10位数字"),
    "taiwan": _pattern(r"\d{8}(\d{2})?", "台湾居民来往大陆通行证号码应为8位或10位数字"),
    "passport": _pattern(r"[A-Z0-9]{5,17}", "护照号码应为5至17位字母或数字"),
    "foreign_pr": _pattern(r"[A-Z]{3}\d{12}|9\d{16}[\dX]", "外国人永久居留身份证号码应为15位（3个字母加12位数字）或以9开头的18位"),
    "military": _pattern(r"[\u4e00-\u9fffA-Z0-9]{4,20}", "军官证/士兵证号码应为4至20位汉字、字母或数字"),
}


# --- contact numbers -----------------------------------------------------------------------------


def _foreign_message(what: str, value: str) -> str:
    char = foreign_character(value) or ""
    shown = char if char.isprintable() else f"U+{ord(char):04X}"
    return f"{what}含有无法识别的字符“{shown}”：只能是半角数字和字母，请切换到英文输入后重新输入"


def check_mobile(value: str) -> str | None:
    """Mainland mobile number: 11 digits starting 1[3-9]. Returns an error message or None."""
    digits = normalize_mobile(value)
    if foreign_character(digits):
        return _foreign_message("手机号码", digits)
    if not re.fullmatch(r"1[3-9][0-9]{9}", digits):
        return "手机号码应为以1开头的11位数字（如 13812345678），请核对"
    return None


def check_fixed_phone(value: str) -> str | None:
    """Fixed line with area code (0591-12345678), or a service number such as 95598."""
    text = normalize_phone(value)
    if foreign_character(text):
        return _foreign_message("固定电话", text)
    if re.fullmatch(r"0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?|9[0-9]{4}|400-?[0-9]{3}-?[0-9]{4}", text):
        return None
    return "固定电话应为区号加号码（如 0591-87654321），请核对"


def normalize_mobile(value: str) -> str:
    digits = normalize(value)
    return digits.removeprefix("+86")


def normalize_phone(value: str) -> str:
    """A fixed line as typed, made plain (any script's digits); its "-" stays."""
    return compact((value or "").strip())
