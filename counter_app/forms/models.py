"""The document models: what each printed document says, as plain frozen dataclasses.

They hold finished Chinese text (labels, values, dates already formatted), so the PDF and the Word
renderers only lay them out; neither decides content.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from counter_app.forms.common import BLANK_DATE

# one name for the 容缺 commitment on every document, screen and register
DEFERRAL_TITLE = "容缺受理承诺书"

DOC_TITLES: dict[str, str] = {
    "notice": "用电业务办理告知书",
    "form": "用电申请表",
    "commitment": "材料真实性承诺书",
    "deferral": DEFERRAL_TITLE,
    "proxy": "授权委托书",
    "receipt": "受理回执",
    "handover": "业扩报装资料交接清单",
}

# the order of the set handed to the customer
APPLICATION_DOCS: tuple[str, ...] = ("notice", "form", "commitment", "deferral", "proxy", "receipt")


@dataclass(frozen=True)
class DocHeader:
    code: str
    title: str
    hall_name: str
    number: str
    number_label: str = "申请编号"
    customer_name: str = ""
    generated_at: dt.datetime | None = None
    copy_mark: str = ""  # "补打件（原件打印于…）" on a reprint; empty on the original

    @property
    def continuation(self) -> str:
        """What heads every page after the first: the document, its number and the customer."""
        parts = [f"{self.title}（续）", f"{self.number_label}：{self.number}"]
        if self.customer_name:
            parts.append(f"客户：{self.customer_name}")
        return "　".join(parts)


@dataclass(frozen=True)
class Field:
    """One labelled value of a form; ``wide`` values take a whole row."""

    label: str
    value: str
    required: bool = False
    wide: bool = False


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class SignatureLine:
    role: str  # "申请人（签字/盖章）"
    name: str = ""  # printed under the line when known (the clerk), empty for the customer
    date: str = BLANK_DATE


@dataclass(frozen=True)
class MaterialCheck:
    name: str
    checked: bool
    note: str  # 已收 / 在档 / 容缺，2026年11月27日前补交 / 未收


@dataclass(frozen=True)
class NoticeMaterial:
    name: str
    when: str  # 受理时提供 / 可容缺后补 / 后续提供
    status: str  # this application's state of the item


@dataclass(frozen=True)
class Step:
    name: str
    limit: str  # "2个工作日"


@dataclass(frozen=True)
class DeferredLine:
    seq: int
    name: str
    due: str  # "2026年11月27日"


@dataclass(frozen=True)
class Notice:
    header: DocHeader
    intro: str
    facts: tuple[Field, ...]
    materials: tuple[NoticeMaterial, ...]
    steps: tuple[Step, ...]
    total_limit: str
    expected_completion: str
    fees_text: str
    commitments: tuple[str, ...]
    supervision_phones: str
    progress_query_text: str
    hall_address: str
    hall_phone: str
    acknowledgement: str
    signatures: tuple[SignatureLine, ...]


@dataclass(frozen=True)
class ApplicationForm:
    header: DocHeader
    business_name: str
    legend: str
    sections: tuple[Section, ...]
    declaration: str
    signatures: tuple[SignatureLine, ...]
    materials: tuple[MaterialCheck, ...]
    office: tuple[Field, ...]
    office_opinion: str = ""
    office_signatures: tuple[SignatureLine, ...] = ()


@dataclass(frozen=True)
class AuthenticityLetter:
    header: DocHeader
    addressee: str
    facts: tuple[Field, ...]
    body: str
    materials: tuple[str, ...]
    consequence: str
    signatures: tuple[SignatureLine, ...]


@dataclass(frozen=True)
class DeferralLetter:
    header: DocHeader
    addressee: str
    facts: tuple[Field, ...]
    body: str
    items: tuple[DeferredLine, ...]
    deadline: str  # the latest due date, in words
    consequence: str
    signatures: tuple[SignatureLine, ...]
    channels: str = ""  # how the items may be handed in
    copies_note: str = ""  # "一式两份…"
    office_signatures: tuple[SignatureLine, ...] = ()


@dataclass(frozen=True)
class ProxyLetter:
    header: DocHeader
    principal: tuple[Field, ...]
    agent: tuple[Field, ...]
    body: str
    matters: tuple[Field, ...]
    signatures: tuple[SignatureLine, ...]


@dataclass(frozen=True)
class Receipt:
    header: DocHeader
    qr_payload: str
    facts: tuple[Field, ...]
    received: tuple[str, ...]
    deferred: tuple[DeferredLine, ...]
    next_steps: tuple[str, ...]
    progress_query_text: str
    contact_lines: tuple[str, ...]
    note: str
    office: tuple[Field, ...]
    qr_caption: str = "扫码查询办理进度"
    deferred_title: str = "容缺资料（请按期补交）"
    status_note: str = ""  # 已终止 …: printed prominently on a terminated case's receipt


@dataclass(frozen=True)
class HandoverRow:
    seq: int
    number: str
    customer_name: str
    business_name: str
    address: str
    phone: str
    accepted_at: str
    clerk_name: str
    copies: str
    deferred: str
    remark: str


@dataclass(frozen=True)
class HandoverList:
    header: DocHeader
    facts: tuple[Field, ...]
    rows: tuple[HandoverRow, ...]
    total: str
    signatures: tuple[SignatureLine, ...]
    confirmation: str = ""
    columns: tuple[str, ...] = field(default=(
        "序号", "申请编号", "户名", "业务类型", "用电地址", "联系电话", "受理时间", "受理人",
        "资料份数", "容缺资料及期限", "备注",
    ))


Document = Notice | ApplicationForm | AuthenticityLetter | DeferralLetter | ProxyLetter | Receipt | HandoverList
