"""Generate the Word templates of the counter documents (resources/templates/*.docx).

    /work/venv/bin/python tools/make_templates.py [--out resources/templates]

The templates are docxtpl (Jinja2) documents built with python-docx: every placeholder is written as
one run, table rows repeat with ``{%tr for %}`` and paragraphs with ``{%p for %}``, so they fill
correctly and stay correct after an admin edits the wording in Word (keep the ``{{ … }}`` tags whole).
The variables are the fields of the document models in ``counter_app/forms/models.py``; field lists
also come as ``<name>_rows`` (two label/value pairs per row, ``wide`` rows take the whole line).
Run this again after changing a model; the test suite checks the committed templates are current.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from counter_app.printing.word import stable_zip

BODY_FONT = "宋体"
TITLE_FONT = "黑体"
LATIN_FONT = "Times New Roman"
LABEL_FILL = "EFEFEF"
SECTION_FILL = "DADADA"
FIXED_STAMP = (2026, 1, 1, 0, 0, 0)  # zip member dates, so regenerating gives identical bytes


# --- low-level helpers ------------------------------------------------------------------------------


def _fonts(run_or_style, east_asia: str = BODY_FONT, size: float | None = None, bold: bool | None = None):
    font = run_or_style.font
    font.name = LATIN_FONT
    if size:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    rpr = run_or_style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:ascii"), LATIN_FONT)
    rfonts.set(qn("w:hAnsi"), LATIN_FONT)


def new_document(*, landscape: bool = False):
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.left_margin = section.right_margin = Mm(18)
    section.top_margin = Mm(15)
    section.bottom_margin = Mm(18)
    normal = doc.styles["Normal"]
    _fonts(normal, size=10.5)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.line_spacing = 1.2
    # page 1 carries the title block; every later page is headed by title, number and customer
    section.different_first_page_header_footer = True
    _footer(section.footer)
    _footer(section.first_page_footer)
    _continuation_header(section.header)
    return doc


def _continuation_header(header) -> None:
    p = header.paragraphs[0]
    p.text = ""
    _fonts(p.add_run("{{ header.continuation }}"), size=8.5)
    _bottom_rule(p)


def _bottom_rule(paragraph) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    ppr.append(border)


def _field(run, code: str) -> None:
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {code} "
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(begin)
    run._r.append(instr)
    run._r.append(end)


def _footer(footer) -> None:
    """Footer: hall and number on the left, "第 X 页 共 Y 页" (Word fields) on the right; a reprint
    says so on every page."""
    p = footer.paragraphs[0]
    p.text = ""
    _fonts(p.add_run("{{ header.hall_name }}　{{ header.number_label }}：{{ header.number }}　{{ header.copy_mark }}　　"),
           size=8)
    for text, code in (("第 ", None), ("", "PAGE"), (" 页 共 ", None), ("", "NUMPAGES"), (" 页", None)):
        run = p.add_run(text)
        _fonts(run, size=8)
        if code:
            _field(run, code)


def para(doc_or_cell, text: str = "", *, size: float | None = None, bold: bool = False, align=None,
         indent: bool = False, east_asia: str = BODY_FONT, space_before: float = 0, space_after: float = 0,
         keep: bool = False):
    """A paragraph; ``keep`` keeps it on the page of what follows (a heading, the sentence signed for)."""
    p = doc_or_cell.add_paragraph()
    if keep:
        p.paragraph_format.keep_with_next = True
    if text:
        _fonts(p.add_run(text), east_asia=east_asia, size=size, bold=bold)
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(21)
    p.paragraph_format.space_before = Pt(space_before)
    p.paragraph_format.space_after = Pt(space_after)
    return p


def _cell_text(cell, text: str, *, align=None, size: float = 10, fill: str | None = None) -> None:
    p = cell.paragraphs[0]
    p.text = ""
    p.paragraph_format.space_before = Pt(1)
    p.paragraph_format.space_after = Pt(1)
    if text:
        _fonts(p.add_run(text), size=size)
    if align is not None:
        p.alignment = align
    if fill:
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:color"), "auto")
        shading.set(qn("w:fill"), fill)
        cell._tc.get_or_add_tcPr().append(shading)


def _table(doc, cols: int, widths_mm: list[float]):
    table = doc.add_table(rows=0, cols=cols)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)  # w:gridCol, which LibreOffice and Word lay out by
    table._widths = widths_mm  # remembered for rows added later
    return table


def _row(table, texts: list[str], *, fills: list[str | None] | None = None, aligns=None, size: float = 10,
         keep: bool = False):
    """A table row that never splits across pages; ``keep`` also keeps it with the next row."""
    row = table.add_row()
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for i, cell in enumerate(row.cells):
        cell.width = Mm(table._widths[i])
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        fill = fills[i] if fills and i < len(fills) else None
        align = aligns[i] if aligns and i < len(aligns) else None
        _cell_text(cell, texts[i] if i < len(texts) else "", fill=fill, align=align, size=size)
        if keep:
            for p in cell.paragraphs:
                p.paragraph_format.keep_with_next = True
    return row


def _tag_row(table, tag: str):
    """A row holding only a ``{%tr … %}`` tag (docxtpl removes the row and keeps the tag)."""
    row = table.add_row()
    _cell_text(row.cells[0], tag)
    return row


def _merge(row, start: int = 0, end: int | None = None):
    cells = row.cells
    end = len(cells) - 1 if end is None else end
    merged = cells[start].merge(cells[end])
    # merging keeps the text of every merged cell as separate paragraphs: keep the first only
    for p in merged.paragraphs[1:]:
        p._element.getparent().remove(p._element)
    return merged


CENTER = WD_ALIGN_PARAGRAPH.CENTER
RIGHT = WD_ALIGN_PARAGRAPH.RIGHT


# --- building blocks --------------------------------------------------------------------------------


def title_block(doc, width_mm: float, subtitle: str = "") -> None:
    para(doc, "{{ header.title }}", size=18, bold=True, align=CENTER, east_asia=TITLE_FONT, space_after=4)
    para(doc, "{%p if header.copy_mark %}")
    para(doc, "【{{ header.copy_mark }}】", size=10.5, align=CENTER, space_after=2)
    para(doc, "{%p endif %}")
    if subtitle:
        para(doc, subtitle, size=10.5, align=CENTER, space_after=4)
    meta = doc.add_table(rows=1, cols=2)
    meta.autofit = False
    left, right = meta.rows[0].cells
    left.width = right.width = Mm(width_mm / 2)
    _cell_text(left, "{{ header.hall_name }}", size=9)
    _cell_text(right, "{{ header.number_label }}：{{ header.number }}", size=9, align=RIGHT)
    para(doc, "", space_after=2)


def field_table(doc, var: str, width_mm: float, label_mm: float = 30, *, keep: bool = False) -> None:
    """Rows of ``<var>`` (made by printing/word.py): wide rows span, the others hold two pairs;
    ``keep`` keeps the rows with what follows them."""
    value_mm = (width_mm - 2 * label_mm) / 2
    table = _table(doc, 4, [label_mm, value_mm, label_mm, value_mm])
    _rows_of_fields(table, var, keep=keep)


def _rows_of_fields(table, var: str, item: str = "r", *, keep: bool = False) -> None:
    _tag_row(table, f"{{%tr for {item} in {var} %}}")
    _tag_row(table, f"{{%tr if {item}.wide %}}")
    wide = _row(table, [f"{{{{ {item}.l1 }}}}", f"{{{{ {item}.v1 }}}}", "", ""], fills=[LABEL_FILL],
                aligns=[CENTER], keep=keep)
    _merge(wide, 1)
    _tag_row(table, "{%tr else %}")
    _row(table, [f"{{{{ {item}.l1 }}}}", f"{{{{ {item}.v1 }}}}", f"{{{{ {item}.l2 }}}}", f"{{{{ {item}.v2 }}}}"],
         fills=[LABEL_FILL, None, LABEL_FILL, None], aligns=[CENTER, None, CENTER, None], keep=keep)
    _tag_row(table, "{%tr endif %}")
    _tag_row(table, "{%tr endfor %}")


def sections_table(doc, var: str, width_mm: float, label_mm: float = 30) -> None:
    value_mm = (width_mm - 2 * label_mm) / 2
    table = _table(doc, 4, [label_mm, value_mm, label_mm, value_mm])
    _tag_row(table, f"{{%tr for s in {var} %}}")
    head = _row(table, ["{{ s.title }}", "", "", ""], fills=[SECTION_FILL] * 4, aligns=[CENTER])
    _merge(head)
    _rows_of_fields(table, "s.rows")
    _tag_row(table, "{%tr endfor %}")


def grid(doc, headers: list[str], var: str, cells: list[str], widths_mm: list[float], *,
         centered: tuple[int, ...] = (), size: float = 10, keep: bool = False) -> None:
    table = _table(doc, len(headers), widths_mm)
    head = _row(table, headers, fills=[LABEL_FILL] * len(headers), aligns=[CENTER] * len(headers), size=size,
                keep=True)
    head._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))  # repeated on every page
    _tag_row(table, f"{{%tr for it in {var} %}}")
    _row(table, [f"{{{{ {c} }}}}" for c in cells], aligns=[CENTER if i in centered else None for i in range(len(cells))],
         size=size, keep=keep)
    _tag_row(table, "{%tr endfor %}")


def signatures(doc, width_mm: float, var: str = "signatures") -> None:
    """Signature rows kept together and with the paragraphs before them (those pass ``keep``)."""
    para(doc, "", space_after=3, keep=True)
    role_mm, date_label_mm, date_mm = 44, 14, 46
    table = _table(doc, 4, [role_mm, width_mm - role_mm - date_label_mm - date_mm, date_label_mm, date_mm])
    _tag_row(table, f"{{%tr for sg in {var} %}}")
    row = _row(table, ["{{ sg.role }}", "{{ sg.name }}", "日期", "{{ sg.date }}"],
               fills=[LABEL_FILL, None, LABEL_FILL, None], aligns=[CENTER, CENTER, CENTER, RIGHT], keep=True)
    row.height = Mm(13)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    _tag_row(table, "{%tr endfor %}")


def heading(doc, text: str) -> None:
    para(doc, text, size=11.5, bold=True, east_asia=TITLE_FONT, space_before=6, space_after=3, keep=True)


def bullets(doc, var: str, *, numbered: bool = True, keep: bool = False) -> None:
    para(doc, f"{{%p for line in {var} %}}")
    prefix = "{{ loop.index }}. " if numbered else "· "
    p = para(doc, prefix + "{{ line }}", keep=keep)
    p.paragraph_format.left_indent = Pt(16)
    p.paragraph_format.first_line_indent = Pt(-16)
    para(doc, "{%p endfor %}")


# --- the documents ----------------------------------------------------------------------------------

WIDTH = 174  # A4 portrait text width in mm (210 - 2 * 18)
WIDTH_LANDSCAPE = 261


def notice():
    doc = new_document()
    title_block(doc, WIDTH)
    para(doc, "{{ intro }}", indent=True, space_after=4)
    field_table(doc, "facts_rows", WIDTH)
    heading(doc, "一、办理所需资料")
    grid(doc, ["序号", "资料名称", "提供时间", "本次情况"], "materials",
         ["loop.index", "it.name", "it.when", "it.status"], [12, WIDTH - 12 - 28 - 42, 28, 42], centered=(0, 2))
    heading(doc, "二、办理环节及时限")
    grid(doc, ["序号", "办理环节", "时限"], "steps", ["loop.index", "it.name", "it.limit"], [12, 50, WIDTH - 62],
         centered=(0,))
    para(doc, "{{ total_limit }}", space_before=3)
    para(doc, "{%p if expected_completion %}")
    para(doc, "承诺办结日期：{{ expected_completion }}")
    para(doc, "{%p endif %}")
    heading(doc, "三、收费标准")
    para(doc, "{{ fees_text }}", indent=True)
    heading(doc, "四、服务承诺")
    bullets(doc, "commitments")
    # the last section, the sentence signed for and the signature stay on one page
    heading(doc, "五、进度查询与服务监督")
    para(doc, "· {{ progress_query_text }}", keep=True)
    para(doc, "· 服务监督电话：{{ supervision_phones }}", keep=True)
    para(doc, "{%p if hall_address %}")
    para(doc, "· 营业厅地址：{{ hall_address }}", keep=True)
    para(doc, "{%p endif %}")
    para(doc, "{%p if hall_phone %}")
    para(doc, "· 营业厅电话：{{ hall_phone }}", keep=True)
    para(doc, "{%p endif %}")
    para(doc, "{{ acknowledgement }}", space_before=6, keep=True)
    signatures(doc, WIDTH)
    return doc


def form():
    doc = new_document()
    title_block(doc, WIDTH, subtitle="（{{ business_name }}）")
    para(doc, "{{ legend }}", size=8.5, space_after=3)
    sections_table(doc, "sections", WIDTH)
    heading(doc, "客户声明")
    para(doc, "{{ declaration }}", indent=True, keep=True)
    signatures(doc, WIDTH)
    # the supplier's part stays together (on page 2 the continuation header names the form)
    heading(doc, "以下由供电企业填写")
    grid(doc, ["", "已收资料", "说明"], "materials", ["it.box", "it.name", "it.note"], [10, WIDTH - 10 - 52, 52],
         centered=(0,), keep=True)
    para(doc, "", space_after=3, keep=True)
    field_table(doc, "office_rows", WIDTH, keep=True)
    office_signatures(doc, WIDTH, opinion=True)
    return doc


def office_signatures(doc, width_mm: float, *, opinion: bool = False) -> None:
    """The supplier's line: 受理意见 (form only), then each signature or stamp box beside its label."""
    label_mm, lead_mm = 22, 56
    count = 2
    box_mm = (width_mm - (label_mm + lead_mm if opinion else 0) - label_mm * count) / count
    widths = ([label_mm, lead_mm] if opinion else []) + [label_mm, box_mm] * count
    table = _table(doc, len(widths), widths)
    texts = (["受理意见", "{{ office_opinion }}"] if opinion else []) + [
        "{{ office_signatures[0].role }}", "", "{{ office_signatures[1].role }}", ""]
    fills = ([LABEL_FILL, None] if opinion else []) + [LABEL_FILL, None, LABEL_FILL, None]
    row = _row(table, texts, fills=fills, aligns=[CENTER if f else None for f in fills], size=9)
    row.height = Mm(12)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST


def commitment():
    doc = new_document()
    title_block(doc, WIDTH)
    field_table(doc, "facts_rows", WIDTH)
    para(doc, "{{ addressee }}", space_before=10)
    para(doc, "{{ body }}", indent=True)
    para(doc, "{%p if materials %}")
    para(doc, "本次提交（含在档）的资料：", indent=True)
    bullets(doc, "materials")
    para(doc, "{%p endif %}")
    para(doc, "{{ consequence }}", indent=True, keep=True)
    para(doc, "特此承诺。", indent=True, keep=True)
    signatures(doc, WIDTH)
    return doc


def deferral():
    doc = new_document()
    title_block(doc, WIDTH)
    field_table(doc, "facts_rows", WIDTH)
    para(doc, "{{ addressee }}", space_before=10)
    para(doc, "{{ body }}", indent=True, space_after=4)
    grid(doc, ["序号", "容缺资料名称", "补交期限（含当日）"], "items", ["it.seq", "it.name", "it.due"],
         [12, WIDTH - 12 - 48, 48], centered=(0, 2))
    para(doc, "{%p if deadline %}")
    para(doc, "全部容缺资料最迟于{{ deadline }}前补交齐全。", indent=True, space_before=4)
    para(doc, "{%p endif %}")
    para(doc, "{{ channels }}", indent=True)
    para(doc, "{{ consequence }}", indent=True, keep=True)
    para(doc, "特此承诺。", indent=True, keep=True)
    para(doc, "{{ copies_note }}", indent=True, keep=True)
    signatures(doc, WIDTH)
    para(doc, "", space_after=4)
    signatures(doc, WIDTH, var="office_signatures")
    return doc


def proxy():
    doc = new_document()
    title_block(doc, WIDTH)
    sections_table(doc, "parties", WIDTH)
    para(doc, "{{ body }}", indent=True, space_before=10, space_after=4)
    field_table(doc, "matters_rows", WIDTH)
    signatures(doc, WIDTH)
    return doc


def receipt():
    doc = new_document()
    title_block(doc, WIDTH)
    top = doc.add_table(rows=1, cols=2)
    top.autofit = False
    left, right = top.rows[0].cells
    left.width, right.width = Mm(WIDTH - 40), Mm(40)
    _cell_text(left, "申请编号：{{ header.number }}", size=14)
    para(left, "{{ qr_caption }}", size=9, space_before=4)
    _cell_text(right, "{{ qr }}", align=CENTER)
    para(doc, "", space_after=3)
    field_table(doc, "facts_rows", WIDTH)
    para(doc, "{%p if status_note %}")
    para(doc, "{{ status_note }}", size=14, bold=True, align=CENTER, space_before=6, space_after=4)
    para(doc, "{%p endif %}")
    heading(doc, "已收资料")
    bullets(doc, "received")
    para(doc, "{%p if deferred %}")
    heading(doc, "{{ deferred_title }}")
    grid(doc, ["序号", "资料名称", "补交期限（含当日）"], "deferred", ["it.seq", "it.name", "it.due"],
         [12, WIDTH - 12 - 48, 48], centered=(0, 2))
    para(doc, "{%p endif %}")
    heading(doc, "后续办理")
    bullets(doc, "next_steps")
    heading(doc, "进度查询")
    para(doc, "· {{ progress_query_text }}")
    bullets(doc, "contact_lines", numbered=False)
    para(doc, "{{ note }}", size=8.5, space_before=4, space_after=6, keep=True)
    field_table(doc, "office_rows", WIDTH)
    para(doc, "受理单位（盖章）", align=RIGHT, space_before=10)
    return doc


def handover():
    doc = new_document(landscape=True)
    title_block(doc, WIDTH_LANDSCAPE)
    field_table(doc, "facts_rows", WIDTH_LANDSCAPE)
    para(doc, "", space_after=4)
    widths = [9, 35, 26, 24, 0, 24, 21, 15, 11, 42, 18]
    widths[4] = WIDTH_LANDSCAPE - sum(widths)
    grid(doc, ["序号", "申请编号", "户名", "业务类型", "用电地址", "联系电话", "受理时间", "受理人", "资料份数",
               "容缺资料及期限", "备注"], "rows",
         ["it.seq", "it.number", "it.customer_name", "it.business_name", "it.address", "it.phone", "it.accepted_at",
          "it.clerk_name", "it.copies", "it.deferred", "it.remark"], widths, centered=(0, 6, 8), size=8.5)
    para(doc, "{{ total }}", space_before=4, keep=True)
    para(doc, "{%p if confirmation %}")
    para(doc, "{{ confirmation }}", size=8.5, keep=True)
    para(doc, "{%p endif %}")
    signatures(doc, WIDTH_LANDSCAPE)
    return doc


TEMPLATES = {
    "notice": notice, "form": form, "commitment": commitment, "deferral": deferral, "proxy": proxy,
    "receipt": receipt, "handover": handover,
}


def normalized_bytes(doc) -> bytes:
    """The .docx with fixed zip dates and core properties, so regenerating changes nothing."""
    import datetime as dt

    props = doc.core_properties
    props.author = "counter_app"
    props.last_modified_by = "counter_app"
    props.created = props.modified = dt.datetime(*FIXED_STAMP)
    props.revision = 1
    raw = io.BytesIO()
    doc.save(raw)
    return stable_zip(raw.getvalue(), FIXED_STAMP)


def build_all() -> dict[str, bytes]:
    return {code: normalized_bytes(make()) for code, make in TEMPLATES.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "resources" / "templates")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for code, data in build_all().items():
        (args.out / f"{code}.docx").write_bytes(data)
        print(f"{args.out / (code + '.docx')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
