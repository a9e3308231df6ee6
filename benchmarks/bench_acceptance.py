"""(1) Acceptance service without a window: save a residential 新装 with one deferred item and render
its whole document set as PDF.

Baseline: reportlab rendering the same pages from constant data — ``SimpleDocTemplate.build`` of the
very flowables (tables, paragraphs, QR code, same embedded CJK font) the app lays out for these five
documents, captured once and deep-copied before each run, on reportlab's own canvas. What the app
adds on top is its own cost: the save, reading the application back, the document models, building
the flowables, the page-number footer, the missing-character check.

A second, informational figure keeps the earlier floor: the same pages' text alone drawn line by line
with ``drawString`` (no tables, rules, QR code nor layout), which no laid-out form can approach."""

from __future__ import annotations

import copy
import io
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks.common import Result, actor, build_database, median


def _input(seed: int):
    import datetime as dt

    from counter_app.acceptance.clerk_input import AcceptanceInput
    from tests.factories import resident_id

    return AcceptanceInput(
        cert_type="id_card", cert_number=resident_id(seed, birth=dt.date(1980, 1, 1) + dt.timedelta(days=seed)),
        holder_name="林晓燕", cert_valid_until="2038-03-01", business_type="lv_res_new",
        address_district="福州市鼓楼区", address_detail="五四路88号3座1201室", contact_name="林晓燕",
        contact_mobile="13912345678", applied_capacity="8", materials={"property_proof": "deferred"},
    )


def _page_texts(pdfs: list[bytes]) -> list[list[list[str]]]:
    """Per document, per page, the lines of text: the constant data the baseline draws."""
    from pypdf import PdfReader

    return [[(page.extract_text() or "").splitlines() for page in PdfReader(io.BytesIO(data)).pages]
            for data in pdfs]


def _baseline(docs: list[list[list[str]]], font: str) -> list[bytes]:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = []
    for pages in docs:
        buf = io.BytesIO()
        c = canvas.Canvas(buf, pagesize=A4)
        for lines in pages:
            y = A4[1] - 60
            for line in lines:
                c.setFont(font, 10)
                c.drawString(50, y, line)
                y -= 14
            c.showPage()
        c.save()
        out.append(buf.getvalue())
    return out


def _captured_stories(db, application_id: int) -> list[tuple[list, tuple[float, float]]]:
    """The app's flowables of each document of the set, and their page size (the constant data)."""
    from counter_app import forms
    from counter_app.hall import hall
    from counter_app.printing import pdf

    with db.read() as session:
        snapshot = forms.collect(session, application_id)
        settings = hall.all_settings(session, snapshot.hall.id)
    out = []
    for doc in forms.applicable(snapshot):
        story, layout = pdf.story_for(forms.build(snapshot, doc), settings)
        out.append((story, layout.pagesize))
    return out


def _reportlab_build(stories: list[tuple[list, tuple[float, float]]]) -> list[bytes]:
    from reportlab.platypus import SimpleDocTemplate

    from counter_app.printing.pdf_layout import MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X

    out = []
    for story, pagesize in stories:
        buf = io.BytesIO()
        SimpleDocTemplate(buf, pagesize=pagesize, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
                          bottomMargin=MARGIN_BOTTOM, invariant=1).build(story)
        out.append(buf.getvalue())
    return out


def run(full: bool) -> list[Result]:
    from counter_app.acceptance import service as acceptance
    from counter_app.infra import clock
    from counter_app import documents
    from counter_app.infra.db import Database
    from counter_app.printing import fonts

    repeats = 60 if full else 30
    tmp = Path(tempfile.mkdtemp(prefix="bench_accept_"))
    url = f"sqlite:///{tmp / 'hall.sqlite3'}"
    build_database(url, 200)
    db = Database.from_url(url)
    clerk = actor(db, "clerk1")
    clock.freeze(None)

    def once(seed: int) -> tuple[float, list[bytes]]:
        t = time.perf_counter()
        saved = acceptance.save(db, clerk, _input(seed))
        rendered = documents.render_set(db, clerk, saved.application_id, "pdf")
        return time.perf_counter() - t, [r.data for r in rendered]

    _, pdfs = once(1)  # warm-up: fonts parsed, catalog loaded (once per process in the app, too)
    texts = _page_texts(pdfs)
    font = fonts.font_set().name
    with db.read() as session:
        from sqlalchemy import func, select

        from counter_app.models import Application

        last_id = session.scalar(select(func.max(Application.id)))
    stories = _captured_stories(db, last_id)
    same = _page_texts(_reportlab_build(copy.deepcopy(stories)))
    # the baseline's pages say what the app's say, character for character (the app adds a footer)
    for app_doc, base_doc in zip(texts, same, strict=True):
        for app_page, base_page in zip(app_doc, base_doc, strict=True):
            app_chars, base_chars = (Counter("".join(lines).replace(" ", "")) for lines in (app_page, base_page))
            assert not base_chars - app_chars, base_chars - app_chars
    _baseline(texts, font)
    app_times, build_times, text_times = [], [], []
    for seed in range(2, 2 + repeats):  # interleaved, so both see the same machine load
        app_times.append(once(seed)[0])
        fresh = copy.deepcopy(stories)
        t = time.perf_counter()
        _reportlab_build(fresh)
        build_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        _baseline(texts, font)
        text_times.append(time.perf_counter() - t)
    db.dispose()
    pages = sum(len(d) for d in texts)
    app_ms = median(app_times) * 1000
    r = Result("1 acceptance", f"save 新装 + 1 容缺 + render {len(pdfs)} PDFs ({pages} pages), median of {repeats}",
               app_ms, "ms", median(build_times) * 1000,
               "reportlab SimpleDocTemplate.build of the same pages' flowables (constant data)", "≤ 1.5×")
    r.met = r.ratio <= 1.5
    floor = Result("1 acceptance", "the same, against the text alone (informational floor)", app_ms, "ms",
                   median(text_times) * 1000, "reportlab drawString of the pages' text lines, no layout", "—")
    return_value = [r, floor]
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()
    return return_value


if __name__ == "__main__":
    for r in run(False):
        print(r)
