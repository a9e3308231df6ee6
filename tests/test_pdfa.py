"""printing/pdfa.check, the PDF/A-2b checks used in place of veraPDF (which cannot be installed here:
Debian has no package and PyPI only wrappers of its Java program): what the app writes passes, and
each property checked fails on a file that lacks it. ``pdffonts`` (poppler) cross-checks the fonts."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from reportlab.pdfgen import canvas

from counter_app import forms
from counter_app.printing import pdf, pdfa
from tests.factories import add_case

TITLE, AUTHOR = "用电申请表 FZ-1", "福州鼓楼供电营业厅"


@pytest.fixture
def rendered(hall_db, frozen_now) -> bytes:
    """A document as the app renders it (reportlab, embedded TrueType subsets, rare characters)."""
    db, actors = hall_db
    app_id = add_case(db, actors["clerk1"], name="郑䶮")
    with db.read() as session:
        snapshot = forms.collect(session, app_id)
    return pdf.render_pdf(forms.build(snapshot, "form"))


def _base14_pdf(**kwargs) -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out, **kwargs)
    page.setFont("Helvetica", 12)  # a standard font reportlab does not embed
    page.drawString(72, 720, "Helvetica is not embedded")
    page.showPage()
    page.save()
    return out.getvalue()


def _update(data: bytes, change) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_what_the_app_writes_passes_and_pdffonts_agrees(rendered):
    archival = pdfa.to_pdfa(rendered, title=TITLE, author=AUTHOR, subject="郑䶮",
                            attachments=[pdfa.Attachment("原件.pdf", pdfa.to_pdfa(rendered, title=TITLE, author=AUTHOR),
                                                         "签章原件")])
    report = pdfa.check(archival)
    assert report.problems == () and (report.part, report.conformance) == ("2", "B")
    if shutil.which("pdffonts"):  # poppler-utils: an independent reading of the font table
        lines = subprocess.run(["pdffonts", "-"], input=archival, capture_output=True, check=True).stdout.decode()
        fonts = lines.splitlines()[2:]
        assert fonts and all(line.split()[-5] == "yes" for line in fonts), lines  # the "emb" column


def test_a_plain_render_lacks_the_identification_and_the_output_intent(rendered):
    problems = pdfa.check(rendered).problems
    assert any(p.startswith("XMP pdfaid") for p in problems)
    assert "no output intent with an ICC profile" in problems


def test_a_font_not_embedded_is_found():
    problems = pdfa.check(pdfa.to_pdfa(_base14_pdf(), title=TITLE, author=AUTHOR)).problems
    assert problems == ("page 1: font /F1 (/Helvetica) not embedded",)


def test_an_encrypted_file_is_refused():
    assert pdfa.check(_base14_pdf(encrypt="secret")).problems == ("encrypted",)


def test_info_that_disagrees_with_the_xmp_packet_is_found(rendered):
    good = pdfa.to_pdfa(rendered, title=TITLE, author=AUTHOR)
    assert pdfa.check(good).problems == ()

    def retitle(writer):
        info = writer.trailer["/Info"].get_object()
        info[pdf_name("/Title")] = generic.TextStringObject("别的标题")
        writer.mark_update(writer.trailer.raw_get("/Info"))

    problems = pdfa.check(_update(good, retitle)).problems
    assert problems == ("Info /Title '别的标题' not in the XMP metadata",)


def test_javascript_on_opening_is_found(rendered):
    good = pdfa.to_pdfa(rendered, title=TITLE, author=AUTHOR)

    def add_script(writer):
        action = generic.DictionaryObject({pdf_name("/S"): pdf_name("/JavaScript"),
                                           pdf_name("/JS"): generic.TextStringObject("app.alert(1)")})
        writer.root[pdf_name("/OpenAction")] = writer.add_object(action)
        writer.update_root()

    assert pdfa.check(_update(good, add_script)).problems == ("JavaScript or open action",)


def test_an_attachment_that_is_not_pdfa_is_found(rendered):
    archive = pdfa.to_pdfa(rendered, title=TITLE, author=AUTHOR,
                           attachments=[pdfa.Attachment("普通.pdf", rendered, "未转换的单据")])
    problems = pdfa.check(archive).problems
    assert problems and all(p.startswith("attachment 普通.pdf: ") for p in problems)
