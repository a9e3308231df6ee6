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


def check(data: bytes, *, _depth: int = 0) -> PdfaReport:
    """Our own structural PDF/A-2b checks (veraPDF cannot be installed here: no Debian package, and
    PyPI only has wrappers around its Java program): XMP identification, Info dictionary agreeing
    with the XMP packet, an output intent with an ICC profile, no encryption, no JavaScript, every
    font embedded, and embedded files that are PDF/A themselves (PDF/A-2 asks so)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    problems: list[str] = []
    if reader.encrypted:  # nothing else can be read without the password
        return PdfaReport("", "", ("encrypted",))
    root = reader.root
    xmp_data = root["/Metadata"].get_object().data.decode("utf-8", "replace") if "/Metadata" in root else ""
    part = _xmp_value(xmp_data, "part")
    conformance = _xmp_value(xmp_data, "conformance")
    if part != "2" or conformance.upper() != "B":
        problems.append(f"XMP pdfaid part={part!r} conformance={conformance!r}")
    intents = root.get("/OutputIntents")
    if not intents or "/DestOutputProfile" not in intents[0].get_object():
        problems.append("no output intent with an ICC profile")
    problems += _info_problems(reader, xmp_data)
    names = root["/Names"] if "/Names" in root else {}
    if "/JavaScript" in names or "/OpenAction" in root:
        problems.append("JavaScript or open action")
    for number, page in enumerate(reader.root["/Pages"].get_object()["/Kids"], 1):
        problems += _page_font_problems(page.get_object(), number)
    if "/EmbeddedFiles" in names and _depth < 2:
        for name, embedded in _embedded_files(names["/EmbeddedFiles"].get_object()):
            inner = check(embedded, _depth=_depth + 1)
            problems += [f"attachment {name}: {p}" for p in inner.problems]
    return PdfaReport(part, conformance, tuple(problems))


def _info_problems(reader, xmp_data: str) -> list[str]:
    """PDF/A: every Info entry that has an XMP equivalent says the same as the XMP packet."""
    from xml.sax.saxutils import escape

    info = reader.trailer_view.get("/Info")
    info = info.get_object() if info is not None else {}
    problems = []
    for key in ("/Title", "/Author", "/Subject"):
        value = str(info.get(key, "") or "") if key in info else ""
        if value and escape(value) not in xmp_data and value not in xmp_data:
            problems.append(f"Info {key} {value!r} not in the XMP metadata")
    return problems


def _embedded_files(tree) -> list[tuple[str, bytes]]:
    """(name, bytes) of the PDF attachments of a /EmbeddedFiles name tree (flat or with kids)."""
    found = []
    kids = tree.get("/Kids")
    for kid in (kids.get_object() if kids is not None else ()):
        found += _embedded_files(kid.get_object())
    names = tree.get("/Names")
    pairs = list(names.get_object()) if names is not None else []
    for name, spec in zip(pairs[::2], pairs[1::2], strict=False):
        spec = spec.get_object()
        stream = spec.get("/EF", {}).get("/F")
        if stream is not None:
            data = stream.get_object().data
            if data.startswith(b"%PDF"):
                found.append((str(spec.get("/UF", name)), data))
    return found


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
