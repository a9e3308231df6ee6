"""PDF rendering of the document models (forms/) on A4 with reportlab.

``render_pdf(model, settings)`` returns the bytes; ``settings`` are the hall settings (font choice).
Each ``_story_*`` function only arranges what the model says."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from counter_app.infra import clock
from counter_app.forms.models import (
    ApplicationForm,
    AuthenticityLetter,
    DeferralLetter,
    Document,
    HandoverList,
    Notice,
    ProxyLetter,
    Receipt,
)
from counter_app.forms.progress_slip import ProgressSlip
from counter_app.printing.fonts import FontSet, font_set
from counter_app.printing.pdf_layout import Layout, SignatureMark, build_pdf, landscape_a4

CHECKED, UNCHECKED = "☑", "☐"


def _story_notice(doc: Notice, lay: Layout) -> list[Flowable]:
    story = lay.title_block(doc.header)
    story += [lay.p(doc.intro, lay.indent), Spacer(1, 2 * mm), lay.field_table(doc.facts)]
    story.append(lay.heading_p("一、办理所需资料"))
    story.append(lay.grid(
        ["序号", "资料名称", "提供时间", "本次情况"],
        [(i, m.name, m.when, m.status) for i, m in enumerate(doc.materials, 1)],
        [12 * mm, lay.width - 12 * mm - 28 * mm - 42 * mm, 28 * mm, 42 * mm], align_center=(0, 2),
    ))
    story.append(lay.heading_p("二、办理环节及时限"))
    story.append(lay.grid(
        ["序号", "办理环节", "时限"],
        [(i, s.name, s.limit) for i, s in enumerate(doc.steps, 1)],
        [12 * mm, 50 * mm, lay.width - 62 * mm], align_center=(0,),
    ))
    story.append(Spacer(1, 1.5 * mm))
    story.append(lay.p(doc.total_limit))
    if doc.expected_completion:
        story.append(lay.p(f"预计办结日期：{doc.expected_completion}"))
    story += [lay.heading_p("三、收费标准"), lay.p(doc.fees_text, lay.indent)]
    story.append(lay.heading_p("四、服务承诺"))
    story += lay.bullets(doc.commitments)
    story.append(lay.heading_p("五、进度查询与服务监督"))
    lines = [doc.progress_query_text, f"服务监督电话：{doc.supervision_phones}"]
    if doc.hall_address:
        lines.append(f"营业厅地址：{doc.hall_address}")
    if doc.hall_phone:
        lines.append(f"营业厅电话：{doc.hall_phone}")
    story += lay.bullets([line for line in lines if line], numbered=False)
    story += [Spacer(1, 2 * mm), lay.signature_block(doc.signatures, lead=[lay.p(doc.acknowledgement)])]
    return story


def _story_form(doc: ApplicationForm, lay: Layout) -> list[Flowable]:
    story = lay.title_block(doc.header, subtitle=f"（{doc.business_name}）")
    story.append(lay.p(doc.legend, lay.small))
    story.append(Spacer(1, 1.5 * mm))
    story.append(lay.field_table(sections=[(s.title, s.fields) for s in doc.sections]))
    story.append(lay.signature_block(doc.signatures, lead=[lay.heading_p("客户声明"),
                                                           lay.p(doc.declaration, lay.indent)]))
    office: list[Flowable] = [lay.heading_p("以下由供电企业填写")]
    office.append(lay.grid(
        ["", "已收资料", "说明"],
        [(CHECKED if m.checked else UNCHECKED, m.name, m.note) for m in doc.materials],
        [10 * mm, lay.width - 10 * mm - 52 * mm, 52 * mm], align_center=(0,),
    ))
    office += [Spacer(1, 2 * mm), lay.field_table(doc.office)]
    story.append(KeepTogether(office))
    return story


def _letter_close(lay: Layout) -> Flowable:
    return lay.p("特此承诺。", lay.indent)


def _story_authenticity(doc: AuthenticityLetter, lay: Layout) -> list[Flowable]:
    story = lay.title_block(doc.header)
    story += [lay.field_table(doc.facts), Spacer(1, 4 * mm)]
    story += [lay.p(doc.addressee), lay.p(doc.body, lay.indent)]
    if doc.materials:
        story.append(lay.p("本次提交（含在档）的资料：", lay.indent))
        story += lay.bullets(doc.materials)
    story += [lay.p(doc.consequence, lay.indent), lay.signature_block(doc.signatures, lead=[_letter_close(lay)])]
    return story


def _story_deferral(doc: DeferralLetter, lay: Layout) -> list[Flowable]:
    story = lay.title_block(doc.header)
    story += [lay.field_table(doc.facts), Spacer(1, 4 * mm)]
    story += [lay.p(doc.addressee), lay.p(doc.body, lay.indent), Spacer(1, 2 * mm)]
    story.append(lay.grid(
        ["序号", "容缺资料名称", "补交期限（含当日）"],
        [(item.seq, item.name, item.due) for item in doc.items],
        [12 * mm, lay.width - 12 * mm - 48 * mm, 48 * mm], align_center=(0, 2),
    ))
    story.append(Spacer(1, 2 * mm))
    if doc.deadline:
        story.append(lay.p(f"全部容缺资料最迟于{doc.deadline}前补交齐全。", lay.indent))
    story += [lay.p(doc.consequence, lay.indent), lay.signature_block(doc.signatures, lead=[_letter_close(lay)])]
    return story


def _story_proxy(doc: ProxyLetter, lay: Layout) -> list[Flowable]:
    story = lay.title_block(doc.header)
    story.append(lay.field_table(sections=[("委托人", doc.principal), ("受托人", doc.agent)]))
    story += [Spacer(1, 4 * mm), lay.p(doc.body, lay.indent), Spacer(1, 2 * mm)]
    story.append(lay.field_table(doc.matters))
    story.append(lay.signature_block(doc.signatures))
    return story


def _story_receipt(doc: Receipt, lay: Layout) -> list[Flowable]:
    story = lay.title_block(doc.header)
    qr_size = 34 * mm
    facts_width = lay.width - qr_size - 6 * mm
    inner = Layout(lay.fonts)
    inner.width = facts_width
    facts = inner.field_table(doc.facts, label_width=22 * mm)
    caption = ParagraphStyle("qrcap", parent=lay.small, alignment=1)
    qr_cell = [lay.qr(doc.qr_payload, qr_size), lay.p("扫码查询办理进度", caption)]
    top = Table([[facts, qr_cell]], colWidths=[facts_width + 3 * mm, qr_size + 3 * mm])
    top.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), lay.fonts.name),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("ALIGN", (1, 0), (1, 0), "CENTER"),
    ]))
    story.append(top)
    story.append(lay.heading_p("已收资料"))
    story += lay.bullets(doc.received) if doc.received else [lay.p("无")]
    if doc.deferred:
        story.append(lay.heading_p("容缺资料（请按期补交）"))
        story.append(lay.grid(
            ["序号", "资料名称", "补交期限（含当日）"],
            [(item.seq, item.name, item.due) for item in doc.deferred],
            [12 * mm, lay.width - 12 * mm - 48 * mm, 48 * mm], align_center=(0, 2),
        ))
    story.append(lay.heading_p("后续办理"))
    story += lay.bullets(doc.next_steps)
    story.append(lay.heading_p("进度查询"))
    story += lay.bullets([doc.progress_query_text, *doc.contact_lines], numbered=False)
    story += [Spacer(1, 2 * mm), lay.p(doc.note, lay.small), Spacer(1, 3 * mm), lay.field_table(doc.office)]
    story.append(Spacer(1, 2 * mm))
    story.append(lay.p("受理单位（盖章）", ParagraphStyle("stamp", parent=lay.body, alignment=2, rightIndent=30 * mm)))
    return story


def _story_handover(doc: HandoverList, lay: Layout) -> list[Flowable]:
    story = lay.title_block(doc.header)
    story += [lay.field_table(doc.facts), Spacer(1, 3 * mm)]
    widths_mm = [9, 35, 26, 24, 0, 24, 21, 15, 11, 42, 18]
    fixed = sum(w for w in widths_mm) * mm
    widths = [w * mm if w else lay.width - fixed for w in widths_mm]
    rows = [(r.seq, r.number, r.customer_name, r.business_name, r.address, r.phone, r.accepted_at, r.clerk_name,
             r.copies, r.deferred, r.remark) for r in doc.rows]
    if not rows:
        rows = [("", "（本批次没有申请）", "", "", "", "", "", "", "", "", "")]
    story.append(lay.grid(doc.columns, rows, widths, small=True, align_center=(0, 6, 8)))
    story += [Spacer(1, 2 * mm), lay.p(doc.total)]
    if doc.confirmation:
        story.append(lay.p(doc.confirmation, lay.small))
    story.append(lay.signature_block(doc.signatures))
    return story


def _story_progress_slip(doc: ProgressSlip, lay: Layout) -> list[Flowable]:
    story = lay.title_block(doc.header)
    story += [lay.field_table(doc.facts), lay.heading_p("办理环节")]
    widths_mm = [24, 35, 35, 22, 0, 18]
    fixed = sum(widths_mm) * mm
    story.append(lay.grid(
        ["环节", "开始时间", "完成时间", "处理人", "办理期限", "情况"],
        [(r.stage, r.started, r.ended, r.handler, r.due, r.state) for r in doc.rows],
        [w * mm if w else lay.width - fixed for w in widths_mm], small=True,
    ))
    if doc.deferred:
        story.append(lay.heading_p("容缺资料"))
        story.append(lay.grid(
            ["资料名称", "补交期限（含当日）", "情况"],
            [(item.name, item.due, item.state) for item in doc.deferred],
            [lay.width - 48 * mm - 36 * mm, 48 * mm, 36 * mm], small=True,
        ))
    story.append(Spacer(1, 2 * mm))
    story += lay.bullets(doc.notes, numbered=False)
    if doc.contact_lines:
        story.append(lay.heading_p("进度查询与服务监督"))
        story += lay.bullets(doc.contact_lines, numbered=False)
    if doc.printed_by:
        story += [Spacer(1, 3 * mm), lay.p(doc.printed_by, ParagraphStyle("by", parent=lay.small, alignment=2))]
    return story


STORIES: dict[type, Callable[..., list[Flowable]]] = {
    ProgressSlip: _story_progress_slip,
    Notice: _story_notice,
    ApplicationForm: _story_form,
    AuthenticityLetter: _story_authenticity,
    DeferralLetter: _story_deferral,
    ProxyLetter: _story_proxy,
    Receipt: _story_receipt,
    HandoverList: _story_handover,
}


def _texts(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value):
        return [t for f in dataclasses.fields(value) for t in _texts(getattr(value, f.name))]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _texts(v)]
    return []


def missing_characters(model: Document, fonts: FontSet | None = None, settings: dict | None = None) -> list[str]:
    """Characters of the document no installed font can print (shown to the clerk as a warning)."""
    fonts = fonts or font_set(settings)
    return fonts.missing("".join(_texts(model)))


def story_for(model: Document, settings: dict | None = None,
              signature: SignatureMark | None = None) -> tuple[list[Flowable], Layout]:
    """The flowables of ``model`` and the layout (fonts, page size) they are set in; ``signature``
    goes into the first signature box (the customer's), with the date it was given."""
    fonts = font_set(settings)
    pagesize = landscape_a4() if isinstance(model, HandoverList) else None
    lay = Layout(fonts, pagesize=pagesize) if pagesize else Layout(fonts)
    lay.signature_mark = signature
    return STORIES[type(model)](model, lay), lay


def render_pdf(model: Document, settings: dict | None = None, *, signature: SignatureMark | None = None,
               copy_note: str = "") -> bytes:
    story, lay = story_for(model, settings, signature)
    header = model.header
    footer = f"{header.hall_name}　{header.number_label}：{header.number}　打印时间：{clock.now():%Y-%m-%d %H:%M}"
    return build_pdf(story, lay, title=f"{header.title} {header.number}", author=header.hall_name, footer=footer,
                     subject=header.customer_name, copy_note=copy_note)


def has_signature_box(model: Document) -> bool:
    """Whether the document has boxes for the customer to sign (the receipt, for one, has none)."""
    return bool(getattr(model, "signatures", ()))
