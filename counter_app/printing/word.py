"""Word (.docx) output of the document models, filled from the admin-editable templates in
``resources/templates/<code>.docx`` with docxtpl (Jinja2 in the document XML; no string replacement
across runs).

The context is the model as dicts (``dataclasses.asdict``) plus, for every list of fields, a
``<name>_rows`` list that pairs them two to a row the way the PDF lays them out. Output is
byte-stable for a given ``clock.now()``: zip member dates and core properties come from it.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path
from typing import Any

from counter_app.forms.models import ApplicationForm, Document, Field, ProxyLetter, Receipt
from counter_app.infra import clock
from counter_app.infra.errors import UserError
from counter_app.infra.resources import resource_path

CHECKED, UNCHECKED = "☑", "☐"


def template_path(code: str) -> Path:
    return resource_path("templates", f"{code}.docx")


def field_rows(fields: tuple[Field, ...] | list[dict]) -> list[dict[str, Any]]:
    """Label/value pairs two to a row; a wide field takes its own row."""
    rows: list[dict[str, Any]] = []
    pending: list[dict] = []

    def flush() -> None:
        if pending:
            first = pending[0]
            second = pending[1] if len(pending) > 1 else {"label": "", "value": ""}
            rows.append({"wide": len(pending) == 1, "l1": first["label"], "v1": first["value"],
                         "l2": second["label"], "v2": second["value"]})
            pending.clear()

    for f in fields:
        item = dataclasses.asdict(f) if dataclasses.is_dataclass(f) else f
        if item.get("wide"):
            flush()
            rows.append({"wide": True, "l1": item["label"], "v1": item["value"], "l2": "", "v2": ""})
            continue
        pending.append(item)
        if len(pending) == 2:
            flush()
    flush()
    return rows


def _is_field_list(value: Any) -> bool:
    return isinstance(value, tuple) and bool(value) and all(isinstance(v, Field) for v in value)


def context(model: Document, tpl=None) -> dict[str, Any]:
    ctx = dataclasses.asdict(model)
    ctx["header"]["continuation"] = model.header.continuation
    for f in dataclasses.fields(model):
        value = getattr(model, f.name)
        if _is_field_list(value):
            ctx[f"{f.name}_rows"] = field_rows(value)
    if isinstance(model, ApplicationForm):
        ctx["sections"] = [{"title": s.title, "rows": field_rows(s.fields)} for s in model.sections]
        for item in ctx["materials"]:
            item["box"] = CHECKED if item["checked"] else UNCHECKED
    if isinstance(model, ProxyLetter):
        ctx["parties"] = [{"title": "委托人", "rows": field_rows(model.principal)},
                          {"title": "受托人", "rows": field_rows(model.agent)}]
    if isinstance(model, Receipt) and tpl is not None:
        ctx["qr"] = _qr_image(tpl, model.qr_payload)
    return ctx


def _qr_image(tpl, payload: str):
    import qrcode
    from docx.shared import Mm
    from docxtpl import InlineImage

    image = qrcode.make(payload, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return InlineImage(tpl, buffer, width=Mm(32))


def render_docx(model: Document, settings: dict | None = None, *, copy_note: str = "") -> bytes:
    """``settings``: the hall settings (the same font choice as the PDF's); ``copy_note``: a reprint of
    a signed document says that it is a copy, above the title and in every page's footer (the
    templates' place for the reprint mark), as the PDF does at the top of every page."""
    from docxtpl import DocxTemplate

    from counter_app.printing.fonts import font_set

    fonts = font_set(settings)

    if copy_note:
        marks = [m for m in ("副 本：" + copy_note.removeprefix("副本："), model.header.copy_mark) if m]
        model = dataclasses.replace(model, header=dataclasses.replace(model.header, copy_mark="；".join(marks)))
    code = model.header.code
    path = template_path(code)
    if not path.exists():
        raise UserError(f"缺少 Word 模板 {path}：请重新安装程序，或由管理员运行 tools/make_templates.py 生成模板")
    try:
        tpl = DocxTemplate(str(path))
        tpl.render(context(model, tpl), autoescape=True)
        declare_rare_fonts(tpl.docx, fonts)
    except UserError:
        raise
    except Exception as exc:  # an admin's edit broke a {{ tag }}: say which template
        raise UserError(f"Word 模板 {path.name} 无法填充（{type(exc).__name__}: {exc}）；"
                        "请检查模板中的 {{ … }} 标记是否完整，或运行 tools/make_templates.py 恢复默认模板") from exc
    return _stable_bytes(tpl, title=f"{model.header.title} {model.header.number}", author=model.header.hall_name)


def declare_rare_fonts(document, fonts) -> None:
    """Give every character the templates' 宋体 may lack (生僻字, CJK Ext A and beyond) a run of its
    own declaring the font that has it, the PDF's fallback for that character: HanaMinA/HanaMinB
    (fonts-hanazono) on Debian/UOS, SimSun-ExtB (simsunb.ttf) on Windows. A run declaring only
    宋体/Times New Roman left LibreOffice to guess, and it drew such characters garbled."""
    from docx.oxml.ns import qn

    parts = [document.part]
    for section in document.sections:
        parts.extend(hf.part for hf in (section.header, section.footer, section.first_page_header,
                                         section.first_page_footer)
                     if hf._has_definition)  # a header or footer of its own (not linked to the previous)
    seen = set()
    for part in parts:
        if id(part) in seen:
            continue
        seen.add(id(part))
        for run in list(part.element.iter(qn("w:r"))):
            texts = run.findall(qn("w:t"))
            if len(texts) != 1 or any(child.tag not in (qn("w:rPr"), qn("w:t")) for child in run):
                continue  # fields, breaks, images: leave them as they are
            text = texts[0].text or ""
            pieces = _font_pieces(text, fonts)
            if len(pieces) == 1 and pieces[0][0] is None:
                continue
            _split_run(run, pieces)


def _font_pieces(text: str, fonts) -> list[tuple[str | None, str]]:
    """(family or None for the template's font, text) pieces of ``text``."""
    pieces: list[tuple[str | None, str]] = []
    for char in text:
        name = fonts.font_for(char) if not char.isspace() else None
        family = fonts.family(name) if name and name != fonts.name else None
        if pieces and pieces[-1][0] == family:
            pieces[-1] = (family, pieces[-1][1] + char)
        else:
            pieces.append((family, char))
    return pieces


def _split_run(run, pieces: list[tuple[str | None, str]]) -> None:
    import copy

    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    parent = run.getparent()
    index = parent.index(run)
    for offset, (family, text) in enumerate(pieces):
        new = copy.deepcopy(run)
        t = new.find(qn("w:t"))
        t.text = text
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        if family:
            rpr = new.find(qn("w:rPr"))
            if rpr is None:
                rpr = OxmlElement("w:rPr")
                new.insert(0, rpr)
            rfonts = rpr.find(qn("w:rFonts"))
            if rfonts is None:
                rfonts = OxmlElement("w:rFonts")
                rpr.insert(0, rfonts)
            for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                rfonts.set(qn(attr), family)
            rfonts.set(qn("w:hint"), "eastAsia")
        parent.insert(index + offset, new)
    parent.remove(run)


def _stable_bytes(tpl, *, title: str, author: str) -> bytes:
    moment = clock.now()
    props = tpl.docx.core_properties
    props.title = title
    props.author = author
    props.last_modified_by = author
    props.created = props.modified = moment
    props.revision = 1
    raw = io.BytesIO()
    tpl.save(raw)
    stamp = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)
    return stable_zip(raw.getvalue(), stamp)


def stable_zip(docx: bytes, stamp: tuple[int, int, int, int, int, int]) -> bytes:
    """The .docx (a zip) with every member dated ``stamp``: the same document gives the same bytes
    (a reprint, a regenerated template), not ones that differ by the moment they were zipped."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()
