"""PDF/A-2b for reportlab output: reportlab (open-source) writes no PDF/A, so pyHanko's writer adds
what the standard asks on top of a rendered file — the XMP metadata (pdfaid part 2, conformance B,
consistent with the Info dictionary), an sRGB output intent, and (for archives) embedded files.

What the documents bring themselves: every font embedded (``printing.fonts`` sets all text in
embedded TrueType subsets and no base-14 font is used), no encryption, no JavaScript, no
transparency (signature images are flattened on white). Embedded files are themselves PDF/A-2b
(signed documents pass through here before they are sealed), as PDF/A-2 requires.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.embed import EmbeddedFileObject, EmbeddedFileParams, FileSpec, embed_file
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata import model as xmp

from counter_app.infra import clock

PDFAID = "http://www.aiim.org/pdfa/ns/id/"
CREATOR = "counter_app"


@dataclass(frozen=True)
class Attachment:
    name: str  # file name shown in the reader's attachments pane
    data: bytes
    description: str
    mime: str = "application/pdf"


@functools.cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile (made by Little CMS through Pillow: no profile file to ship)."""
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _moment() -> dt.datetime:
    now = clock.now()
    return now.astimezone() if now.tzinfo is None else now


def to_pdfa(data: bytes, *, title: str, author: str, subject: str = "",
            attachments: Sequence[Attachment] = ()) -> bytes:
    """The rendered PDF ``data`` as PDF/A-2b (one incremental update; the pages are untouched)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    moment = _moment()
    root = writer.root
    # an Info dictionary holding only what the XMP packet states too (PDF/A asks both to agree)
    info = generic.DictionaryObject({
        pdf_name("/Title"): generic.TextStringObject(""),
        pdf_name("/Author"): generic.TextStringObject(""),
        pdf_name("/Creator"): generic.TextStringObject(""),
        pdf_name("/CreationDate"): generic.TextStringObject(""),
        pdf_name("/ModDate"): generic.TextStringObject(""),
    })
    if subject:
        info[pdf_name("/Subject")] = generic.TextStringObject("")
    writer.set_info(info)
    meta = writer.document_meta
    meta.title, meta.author, meta.subject, meta.creator = title, author, subject or None, CREATOR
    meta.created = moment
    meta.last_modified = moment
    meta.xmp_extra = [xmp.XmpStructure.of(
        (xmp.ExpandedName(PDFAID, "part"), xmp.XmpValue("2")),
        (xmp.ExpandedName(PDFAID, "conformance"), xmp.XmpValue("B")),
    )]
    profile = generic.StreamObject({pdf_name("/N"): generic.NumberObject(3)}, stream_data=srgb_profile())
    profile.compress()
    intent = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/OutputIntent"),
        pdf_name("/S"): pdf_name("/GTS_PDFA1"),
        pdf_name("/OutputConditionIdentifier"): generic.TextStringObject("sRGB IEC61966-2.1"),
        pdf_name("/Info"): generic.TextStringObject("sRGB IEC61966-2.1"),
        pdf_name("/DestOutputProfile"): writer.add_object(profile),
    })
    root[pdf_name("/OutputIntents")] = generic.ArrayObject([writer.add_object(intent)])
    root[pdf_name("/MarkInfo")] = generic.DictionaryObject({pdf_name("/Marked"): generic.BooleanObject(False)})
    for item in attachments:
        stream = EmbeddedFileObject.from_file_data(
            writer, item.data, mime_type=item.mime,
            params=EmbeddedFileParams(creation_date=moment, modification_date=moment))
        embed_file(writer, FileSpec(file_spec_string=_ascii_name(item.name), file_name=item.name,
                                    embedded_data=stream, description=item.description))
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _ascii_name(name: str) -> str:
    """The PDFDocEncoding-safe /F of a file spec (/UF carries the Chinese name)."""
    ascii_part = "".join(c if c.isascii() and c.isprintable() else "_" for c in name)
    return ascii_part or "attachment.pdf"


@dataclass(frozen=True)
class PdfaReport:
    """What ``check`` found; ``problems`` empty means the checks passed."""

    part: str
    conformance: str
    problems: tuple[str, ...]


def check(data: bytes) -> PdfaReport:
    """Our own structural PDF/A-2b checks (used where veraPDF is not installed): XMP identification,
    an output intent with an ICC profile, no encryption, no JavaScript, every font embedded."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    problems: list[str] = []
    root = reader.root
    xmp_data = root["/Metadata"].get_object().data.decode("utf-8", "replace") if "/Metadata" in root else ""
    part = _xmp_value(xmp_data, "part")
    conformance = _xmp_value(xmp_data, "conformance")
    if part != "2" or conformance.upper() != "B":
        problems.append(f"XMP pdfaid part={part!r} conformance={conformance!r}")
    intents = root.get("/OutputIntents")
    if not intents or "/DestOutputProfile" not in intents[0].get_object():
        problems.append("no output intent with an ICC profile")
    if reader.encrypted:
        problems.append("encrypted")
    names = root["/Names"] if "/Names" in root else {}
    if "/JavaScript" in names or "/OpenAction" in root:
        problems.append("JavaScript or open action")
    for number, page in enumerate(reader.root["/Pages"].get_object()["/Kids"], 1):
        problems += _page_font_problems(page.get_object(), number)
    return PdfaReport(part, conformance, tuple(problems))


def _xmp_value(xmp_data: str, name: str) -> str:
    import re

    found = re.search(rf"pdfaid:{name}(?:>|=\")([^<\"]*)", xmp_data)
    return found.group(1) if found else ""


def _page_font_problems(page, number: int) -> list[str]:
    problems = []
    if page.get("/Type") == "/Pages":
        for kid in page["/Kids"]:
            problems += _page_font_problems(kid.get_object(), number)
        return problems
    resources = page.get("/Resources", generic.DictionaryObject()).get_object()
    fonts = resources.get("/Font", generic.DictionaryObject()).get_object()
    for key, ref in fonts.items():
        font = ref.get_object()
        descendants = font.get("/DescendantFonts")
        target = descendants[0].get_object() if descendants else font
        descriptor = target.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else None
        if descriptor is None or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            problems.append(f"page {number}: font {key} ({font.get('/BaseFont')}) not embedded")
    return problems
