"""Building blocks shared by the document models: hall data, labels and Chinese formatting.

Everything a document says about the hall (name, address, phones, fees, service commitments,
progress-query text) comes from the Hall row and the hall settings, never from this code. The
standard wording of the letters has defaults here that a hall may override with the hall setting
``document_texts`` ({key: text}), so an admin can adapt them without a release.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

MATERIAL_STATE_LABELS = {
    "received": "已收",
    "on_file": "在档",
    "deferred": "容缺后补",
    "supplied": "已补交",
    "missing": "未收",
}

APPOINTMENT_MODE_LABELS = {"fixed": "约时", "halfday": "限时", "by_date": "限期"}
SLOT_LABELS = {"am": "上午", "pm": "下午", "": ""}

# where the customer leaves a blank for the hand-written date
BLANK_DATE = "\u3000\u3000\u3000\u3000年\u3000\u3000月\u3000\u3000日"
NOT_APPLICABLE = "/"

DEFAULT_TEXTS: dict[str, str] = {
    "notice_intro": (
        "尊敬的客户：感谢您选择我们的服务。您申请办理的业务已由本营业厅受理，"
        "现将办理所需资料、办理环节及时限、收费标准和服务承诺告知如下，请仔细阅读。"
    ),
    "notice_ack": "本人（单位）已阅读并知悉上述告知内容。",
    "form_declaration": (
        "本申请表中的信息和提供的有关资料真实准确，本人（单位）已知晓并同意遵守供用电有关规定，"
        "如因信息或资料不实造成的后果由本人（单位）承担。"
    ),
    "authenticity_body": (
        "本人（单位）向{hall}申请办理{business}业务（申请编号：{number}），"
        "郑重承诺：所提供的全部资料及所填报的信息真实、准确、完整、合法、有效，"
        "复印件与原件一致，不存在隐瞒、虚构、伪造等情况。"
    ),
    "authenticity_consequence": (
        "如有虚假，本人（单位）愿承担由此产生的一切法律责任和经济损失，供电企业有权终止办理本次业务，"
        "并将失信情况按规定纳入信用记录。"
    ),
    "deferral_body": (
        "本人（单位）向{hall}申请办理{business}业务（申请编号：{number}），"
        "因下列资料暂时无法提供，申请按“容缺受理”方式先行办理。本人（单位）承诺在下表所列日期前"
        "（含当日）将资料补交至营业厅："
    ),
    "deferral_consequence": (
        "逾期未补交的，本人（单位）同意供电企业终止办理本次业务，由此产生的后果由本人（单位）承担，"
        "失信情况按规定纳入信用记录；补交资料与承诺内容不一致的，视同未补交。"
    ),
    "proxy_body": (
        "兹委托{agent}（{agent_cert}：{agent_number}）作为本人（单位）的代理人，"
        "代为办理下列用电业务，代理人在办理过程中签署的有关文件，本人（单位）均予以承认，"
        "并承担相应的法律责任。"
    ),
    "proxy_scope": "代为提交申请资料、填写并确认申请信息、签署告知书及承诺书、领取受理回执等与本次业务有关的事项",
    "proxy_validity": "自签署之日起至本次业务办结之日止",
    "receipt_note": "请妥善保管本回执，凭申请编号或二维码可查询办理进度。",
    "deferral_channels": (
        "补交方式：可到{hall}窗口递交，也可邮寄至{address}（以寄出日期为准，请在信封上注明申请编号），"
        "咨询电话：{phone}。"
    ),
    "deferral_copies": "本承诺书一式两份，客户与供电企业各执一份，具有同等效力。",
}


@dataclass(frozen=True)
class HallInfo:
    """What documents print about the hall: the Hall row plus its settings."""

    id: int
    code: str
    name: str
    address: str
    phone: str
    supervision_phone: str
    service_phone: str
    fees_text: str
    service_commitments: tuple[str, ...]
    progress_query_text: str
    deferral_working_days: int
    texts: dict[str, str]
    business_texts: dict = field(default_factory=dict)  # hall setting: {group: {"fees", "commitments"}}
    progress_url_template: str = ""  # e.g. https://…/progress?no={number}; empty: the QR holds the number

    def texts_for(self, business_type: str) -> tuple[str, tuple[str, ...]]:
        """(收费标准, 服务承诺) of ``business_type``: the hall's wording of its group, else the catalog's."""
        from counter_app.hall import catalog

        cat = catalog.load()
        bt = cat.business_type(business_type)
        own = self.business_texts.get(bt.group) if isinstance(self.business_texts, dict) else None
        fees, commitments = cat.texts_for(business_type)
        if isinstance(own, dict):
            if str(own.get("fees") or "").strip():
                fees = catalog.fill_limits(str(own["fees"]), bt)
            if own.get("commitments"):
                commitments = tuple(catalog.fill_limits(str(c), bt) for c in own["commitments"] if str(c).strip())
        return fees, commitments

    def progress_link(self, number: str) -> str:
        """The progress page of ``number`` when the hall has a link template, else ""."""
        template = self.progress_url_template.strip()
        if "{number}" not in template:
            return ""
        from urllib.parse import quote

        return template.replace("{number}", quote(number, safe=""))

    @property
    def supervision_phones(self) -> str:
        """"95598、0591-87654321": the service hotline and the hall's own supervision number."""
        phones = [p for p in (self.service_phone, self.supervision_phone) if p]
        return "、".join(dict.fromkeys(phones))

    def text(self, key: str, **values: Any) -> str:
        template = self.texts.get(key) or DEFAULT_TEXTS[key]
        try:
            return template.format(**values) if values else template
        except (KeyError, IndexError, ValueError):  # an admin's text with a stray brace prints as typed
            return template


def hall_info(hall_row, settings: dict[str, Any]) -> HallInfo:
    commitments = settings.get("service_commitments") or []
    if isinstance(commitments, str):
        commitments = [line for line in commitments.splitlines() if line.strip()]
    texts = settings.get("document_texts") or {}
    return HallInfo(
        id=hall_row.id,
        code=hall_row.code,
        name=hall_row.name,
        address=hall_row.address or "",
        phone=hall_row.phone or "",
        supervision_phone=hall_row.supervision_phone or "",
        service_phone=str(settings.get("service_phone") or ""),
        fees_text=str(settings.get("fees_text") or ""),
        service_commitments=tuple(str(c) for c in commitments),
        progress_query_text=str(settings.get("progress_query_text") or ""),
        deferral_working_days=int(settings.get("deferral_working_days") or 0),
        texts={str(k): str(v) for k, v in texts.items()} if isinstance(texts, dict) else {},
        business_texts=settings.get("business_texts") or {},
        progress_url_template=str(settings.get("progress_url_template") or ""),
    )


# --- formatting -----------------------------------------------------------------------------------


def cn_date(day: dt.date | dt.datetime | None) -> str:
    if day is None:
        return ""
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def cn_datetime(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return f"{cn_date(moment)} {moment:%H:%M}"


def iso_date(value: str | dt.date | None) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def capacity(value: Decimal | float | None, unit: str = "kW") -> str:
    """"8 kW", "12.5 kVA"; zero or missing prints empty (the field is not filled)."""
    if value is None:
        return ""
    number = Decimal(str(value))
    if number == 0:
        return ""
    text = format(number.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {unit or 'kW'}"


def wording(text: str, is_organisation: bool) -> str:
    """The default texts say 本人（单位）: an individual reads 本人, an organisation 本单位."""
    return text.replace("本人（单位）", "本单位" if is_organisation else "本人")


def or_blank(value: Any) -> str:
    return "" if value is None else str(value)


def join_address(district: str, detail: str) -> str:
    district = (district or "").strip()
    detail = (detail or "").strip()
    if district and detail.startswith(district):
        return detail
    return f"{district}{detail}"
