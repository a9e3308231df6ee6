"""Realistic ingredients for the demo hall: Fuzhou names, addresses, phones, and certificate numbers
whose check digits are right (GB 11643 resident IDs, GB 32100 credit codes with GB 11714 bodies).

Every generator takes a ``random.Random`` so the demo stays deterministic for a seed."""

from __future__ import annotations

import datetime as dt
import functools
import random

from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

# --- people ---------------------------------------------------------------------------------------

# surnames common in Fujian first, weights roughly by frequency
SURNAMES = (
    ("陈", 12), ("林", 11), ("黄", 7), ("张", 5), ("吴", 4), ("王", 4), ("李", 4), ("郑", 4), ("刘", 3),
    ("杨", 2), ("许", 2), ("蔡", 2), ("何", 1), ("郭", 2), ("洪", 1), ("邱", 1), ("曾", 1), ("谢", 1),
    ("罗", 1), ("苏", 1), ("叶", 1), ("周", 1), ("方", 1), ("卢", 1), ("游", 1), ("江", 1), ("余", 1),
    ("詹", 1), ("翁", 1), ("施", 1), ("廖", 1), ("魏", 1), ("高", 1), ("傅", 1), ("朱", 1), ("潘", 1),
    ("徐", 1), ("薛", 1), ("欧阳", 1),
)
_SURNAME_LIST = [s for s, _ in SURNAMES]
_SURNAME_WEIGHTS = [w for _, w in SURNAMES]

GIVEN_MALE = "伟强军磊勇杰涛斌超明辉建华志平文俊鹏宇航浩然子豪宏亮振国锦荣清泉榕生德福金水天佑晨阳"
GIVEN_FEMALE = "芳娟敏静丽艳玲燕萍婷雪琳慧颖婧怡欣悦晓梅兰秀英美玉凤琴霞莉珊倩雅馨诗涵梓萱"

# names with characters outside GB2312 (CJK Ext A/B and GBK-only): they must print correctly
RARE_NAMES = ("王䶮", "陈𠇔", "林䶮", "张𠇔辉", "郑䶮鑫", "黄喆", "刘堃", "吴垚", "邱珺", "蔡昶")

# area codes of a resident ID (place of first registration): mostly Fuzhou, the rest of Fujian, a few
# from elsewhere. Some (长乐区 350112, 福清市 350181, 晋江市 350582 …) are missing from stdnum's
# table: identity.check accepts them with a warning, as DOMAIN.md asks.
AREA_CODES = (
    ("350102", 14), ("350103", 10), ("350104", 10), ("350105", 4), ("350111", 8), ("350112", 3),
    ("350121", 6), ("350122", 3), ("350123", 2), ("350124", 2), ("350125", 2), ("350128", 1),
    ("350181", 4), ("350182", 2), ("350203", 2), ("350206", 1), ("350302", 2), ("350402", 1),
    ("350502", 2), ("350582", 2), ("350602", 1), ("350702", 1), ("350802", 1), ("350902", 1),
    ("330106", 1), ("110105", 1), ("440305", 1), ("360102", 1),
)
_AREA_LIST = [a for a, _ in AREA_CODES]
_AREA_WEIGHTS = [w for _, w in AREA_CODES]

POLICE = {
    "350102": "福州市公安局鼓楼分局", "350103": "福州市公安局台江分局", "350104": "福州市公安局仓山分局",
    "350105": "福州市公安局马尾分局", "350111": "福州市公安局晋安分局", "350112": "福州市公安局长乐分局",
    "350121": "闽侯县公安局", "350122": "连江县公安局", "350181": "福清市公安局",
}


def person_name(rng: random.Random, *, rare_ratio: float = 0.005) -> tuple[str, str]:
    """(name, sex) — sex 男/女; a small share of names carries rare characters."""
    sex = "男" if rng.random() < 0.5 else "女"
    if rng.random() < rare_ratio:
        return rng.choice(RARE_NAMES), sex
    surname = rng.choices(_SURNAME_LIST, _SURNAME_WEIGHTS)[0]
    pool = GIVEN_MALE if sex == "男" else GIVEN_FEMALE
    given = rng.choice(pool) if rng.random() < 0.3 else rng.choice(pool) + rng.choice(pool)
    return surname + given, sex


def resident_id(rng: random.Random, *, sex: str, today: dt.date, min_age: int = 18, max_age: int = 85,
                area: str | None = None, table_miss_ratio: float = 0.08) -> tuple[str, dt.date]:
    """A valid 18-digit resident ID (GB 11643 check digit) and the birth date it encodes.

    stdnum's area table lags reality and knows when each code existed; a number it cannot place is
    accepted with a warning by identity.check. Only about ``table_miss_ratio`` of the numbers are
    left like that, so the demo shows such warnings without flooding the screen with them."""
    keep_miss = rng.random() < table_miss_ratio
    for _attempt in range(8):
        number, birth = _resident_id(rng, sex, today, min_age, max_age, area)
        if keep_miss or area is not None:
            return number, birth
        if _stdnum_knows(number[:6], birth.year):
            return number, birth
    return number, birth


@functools.cache
def _stdnum_knows(area: str, year: int) -> bool:
    """Whether stdnum places this area code in this birth year (its table works by year)."""
    body = f"{area}{year}0101001"
    try:
        ric.get_birth_place(body + ric.calc_check_digit(body + "0"))
    except ValidationError:
        return False
    return True


def _resident_id(rng: random.Random, sex: str, today: dt.date, min_age: int, max_age: int,
                 area: str | None) -> tuple[str, dt.date]:
    area = area or rng.choices(_AREA_LIST, _AREA_WEIGHTS)[0]
    oldest = today.replace(year=today.year - max_age, day=min(today.day, 28))
    youngest = today.replace(year=today.year - min_age, day=min(today.day, 28))
    birth = oldest + dt.timedelta(days=rng.randrange((youngest - oldest).days))
    order = rng.randrange(0, 100)
    sex_digit = rng.randrange(1, 10, 2) if sex == "男" else rng.randrange(0, 10, 2)
    body = f"{area}{birth:%Y%m%d}{order:02d}{sex_digit}"
    return body + ric.calc_check_digit(body + "0"), birth


def id_card_valid_until(rng: random.Random, birth: dt.date, today: dt.date) -> dt.date | None:
    """Second-generation ID cards: 10 years (under 26), 20 years (26-45), long-term (46+)."""
    age = (today - birth).days // 365
    if age >= 46:
        return None
    years = 10 if age < 26 else 20
    issued = today - dt.timedelta(days=rng.randrange(30, 365 * (years - 1)))
    try:
        return issued.replace(year=issued.year + years)
    except ValueError:  # 29 February
        return issued.replace(year=issued.year + years, day=28)


MOBILE_PREFIXES = (
    "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "158", "159", "166",
    "177", "180", "181", "183", "185", "186", "187", "188", "189", "191", "198", "199",
)


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def fixed_phone(rng: random.Random) -> str:
    return f"0591-{rng.choice('2368')}{rng.randrange(10**7):07d}"


def taiwan_permit(rng: random.Random) -> str:
    return f"{rng.randrange(10**8):08d}"


def hk_macau_permit(rng: random.Random) -> str:
    return rng.choice("HM") + f"{rng.randrange(10**10):010d}"


# --- organisations --------------------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_BODY_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def org_code_check(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(w * (int(c) if c.isdigit() else ord(c) - 55) for w, c in zip(weights, body, strict=True))
    code = 11 - total % 11
    return {10: "X", 11: "0"}.get(code, str(code))


def credit_code(rng: random.Random, authority: str, kind: str, area: str, *, new_style: bool = True) -> str:
    """A unified social credit code: authority + kind + area + organisation code (with its own check
    character) + GB 32100 check character. ``authority`` may be a letter (N 农业, Y 其他)."""
    if new_style:
        body = "MA" + "".join(rng.choice(_ORG_BODY_ALPHABET) for _ in range(6))
    else:
        body = f"{rng.randrange(10**8):08d}"
    first17 = f"{authority}{kind}{area}{body}{org_code_check(body)}"
    return first17 + uscc.calc_check_digit(first17)


BRAND_WORDS = (
    "闽江", "榕城", "海峡", "鼓山", "坊巷", "西湖", "金山", "融侨", "恒宇", "瑞丰", "鑫源", "宏达", "华信",
    "博远", "新纪元", "东南", "闽都", "冠城", "安泰", "嘉禾", "福榕", "乌山", "屏山", "南台", "江滨",
    "晋安", "长乐", "鑫诚", "泰和", "永盛", "凯隆", "星辰", "青禾", "同创", "远景", "顺昌", "百汇",
)
INDUSTRY_WORDS = (
    ("食品", "制造业"), ("餐饮管理", "住宿和餐饮业"), ("商贸", "批发和零售业"), ("电子科技", "制造业"),
    ("信息技术", "信息传输、软件和信息技术服务业"), ("建筑工程", "建筑业"), ("物业管理", "房地产业"),
    ("医疗器械", "制造业"), ("新能源科技", "充换电服务业"), ("机械制造", "制造业"), ("纺织", "制造业"),
    ("酒店管理", "住宿和餐饮业"), ("文化传媒", "其他"), ("物流", "交通运输、仓储和邮政业"),
    ("汽车服务", "批发和零售业"), ("充电科技", "充换电服务业"), ("冷链仓储", "交通运输、仓储和邮政业"),
    ("房地产开发", "房地产业"), ("生物科技", "制造业"), ("水产养殖", "农、林、牧、渔业"),
)
COMPANY_FORMS = ("有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司")
SHOP_KINDS = ("便利店", "小吃店", "理发店", "五金店", "水果店", "茶叶店", "汽车修理部", "面馆", "药店")
SCHOOLS = ("第二中心小学", "实验幼儿园", "社区卫生服务中心", "图书馆", "文化馆", "第三中学")
SOCIETIES = ("餐饮行业协会", "个体劳动者协会", "老年体育协会", "电子商务协会")
VILLAGES = ("上街镇厚美村", "南屿镇五都村", "甘蔗街道昙石村", "新店镇赤桥村", "宦溪镇降虎村", "鼓山镇鳝溪村")


def organisation(rng: random.Random, area: str) -> dict:
    """An organisation: name, certificate type and number, industry, usage category hint."""
    roll = rng.random()
    district = DISTRICT_NAMES.get(area, "福州市")
    if roll < 0.86:
        brand = rng.choice(BRAND_WORDS)
        word, industry = rng.choice(INDUSTRY_WORDS)
        prefix = rng.choice(("福州", "福建", "福州市", f"福州市{district}", "福建省"))
        return {"name": f"{prefix}{brand}{word}{rng.choice(COMPANY_FORMS)}", "cert_type": "business_licence",
                "number": credit_code(rng, "9", "1", area), "industry": industry}
    if roll < 0.91:
        owner, _ = person_name(rng, rare_ratio=0)
        return {"name": f"福州市{district}{owner[:1]}记{rng.choice(SHOP_KINDS)}", "cert_type": "business_licence",
                "number": credit_code(rng, "9", "2", area), "industry": "批发和零售业", "individual": True}
    if roll < 0.95:
        return {"name": f"福州市{district}{rng.choice(SCHOOLS)}", "cert_type": "institution",
                "number": credit_code(rng, "1", "2", area, new_style=False), "industry": "公共服务及管理组织"}
    if roll < 0.96:
        return {"name": f"福州市{district}{rng.choice(SOCIETIES)}", "cert_type": "social_org",
                "number": credit_code(rng, "5", "1", area, new_style=False), "industry": "公共服务及管理组织"}
    # registration authority given by a letter (N 农业农村部门: 农村集体经济组织; Y 其他)
    if roll < 0.99:
        return {"name": f"闽侯县{rng.choice(VILLAGES)}股份经济合作社", "cert_type": "business_licence",
                "number": credit_code(rng, "N", "2", "350121"), "industry": "农、林、牧、渔业"}
    return {"name": f"福州{rng.choice(BRAND_WORDS)}律师事务所", "cert_type": "business_licence",
            "number": credit_code(rng, "Y", "1", area), "industry": "其他"}


BANKS = (
    "中国工商银行福州鼓楼支行", "中国建设银行福州城南支行", "中国农业银行福州台江支行", "中国银行福州五四支行",
    "兴业银行福州湖东支行", "福建海峡银行福州分行营业部", "招商银行福州分行营业部", "交通银行福州鼓楼支行",
)


def bank_account(rng: random.Random) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(rng.choice((17, 19))))


# --- addresses ------------------------------------------------------------------------------------

# district -> (area code, streets, sub-districts (街道/镇), urban?)
DISTRICTS = {
    "鼓楼区": ("350102", ("五四路", "东街", "杨桥中路", "湖东路", "华林路", "铜盘路", "温泉路", "西二环中路", "北大路"),
              ("东街街道", "南街街道", "温泉街道", "鼓东街道", "华大街道", "五凤街道", "水部街道"), True),
    "台江区": ("350103", ("八一七中路", "工业路", "江滨中大道", "宁化路", "群众路", "五一中路", "达江路"),
              ("瀛洲街道", "上海街道", "新港街道", "苍霞街道", "宁化街道"), True),
    "仓山区": ("350104", ("首山路", "则徐大道", "金山大道", "浦上大道", "南江滨西大道", "建新北路", "对湖路"),
              ("仓山镇", "金山街道", "城门镇", "盖山镇", "建新镇", "对湖街道"), True),
    "晋安区": ("350111", ("福新中路", "连江北路", "岳峰路", "长乐北路", "福马路", "鼓山大道", "化工路"),
              ("岳峰镇", "鼓山镇", "新店镇", "王庄街道", "象园街道", "茶园街道"), True),
    "马尾区": ("350105", ("江滨东大道", "罗星路", "儒江西路", "沿山西路"), ("罗星街道", "马尾镇", "亭江镇"), True),
    "长乐区": ("350112", ("吴航路", "郑和中路", "首占路"), ("航城街道", "吴航街道", "首占镇"), False),
    "闽侯县": ("350121", ("上街大学城学府路", "甘蔗街道昙石山西大道", "南屿镇旗山大道"),
              ("上街镇", "甘蔗街道", "南屿镇", "南通镇"), False),
}
DISTRICT_NAMES = {code: name for name, (code, *_rest) in DISTRICTS.items()}
_DISTRICT_LIST = list(DISTRICTS)
_DISTRICT_WEIGHTS = (22, 14, 16, 16, 6, 4, 6)
COMMUNITIES = (
    "融侨锦江", "三盛国际", "泰禾红峪", "金辉淮安", "阳光城翡丽湾", "世茂外滩", "万科金域", "榕城花园",
    "温泉公园小区", "冶山春秋", "鼓楼苑", "金山碧水", "建发央誉", "中庚城", "东二环泰禾", "华润橡树湾",
    "正祥林语", "红星天铂", "象园新村", "樟林新村", "湖前新村", "屏西小区", "省府宿舍", "梅峰小区",
)
INDUSTRIAL_PARKS = ("软件园", "海西高新技术产业园", "金山工业区", "长安投资区", "马尾科技园", "江南智慧产业园")


def residential_address(rng: random.Random) -> tuple[str, str, bool]:
    """(district incl. sub-district, detail, urban?)."""
    district = rng.choices(_DISTRICT_LIST, _DISTRICT_WEIGHTS)[0]
    _code, streets, subs, urban = DISTRICTS[district]
    sub = rng.choice(subs)
    detail = (f"{rng.choice(streets)}{rng.randrange(1, 400)}号{rng.choice(COMMUNITIES)}"
              f"{rng.randrange(1, 30)}座{rng.randrange(1, 33)}{rng.randrange(1, 5):02d}室")
    if not urban and rng.random() < 0.5:  # a village house
        detail = f"{rng.choice(('前村', '后埔', '新厝', '溪头'))}{rng.randrange(1, 200)}号"
    return f"福州市{district}{sub}", detail, urban


def business_address(rng: random.Random) -> tuple[str, str, bool]:
    district = rng.choices(_DISTRICT_LIST, _DISTRICT_WEIGHTS)[0]
    _code, streets, subs, urban = DISTRICTS[district]
    if rng.random() < 0.35:
        detail = f"{rng.choice(INDUSTRIAL_PARKS)}{rng.randrange(1, 60)}号楼{rng.randrange(1, 12)}层"
    else:
        detail = f"{rng.choice(streets)}{rng.randrange(1, 600)}号{rng.choice(('', '一层', '1-2层', '101店面', 'A座'))}"
    return f"福州市{district}{rng.choice(subs)}", detail, urban


def district_of(address_district: str) -> str:
    for name in DISTRICTS:
        if name in address_district:
            return name
    return ""
