"""(1) Acceptance service without a window: save a residential 新装 with one deferred item and render
its whole document set as PDF. Baseline: reportlab drawing the same pages' text from constant data
with the same embedded CJK font."""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

from benchmarks.common import Result, actor, build_database, median


def _input(seed: int):
    import datetime as dt

    from counter_app.acceptance_input import AcceptanceInput
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


def run(full: bool) -> list[Result]:
    from counter_app import acceptance, clock, documents
    from counter_app.db import Database
    from counter_app.printing import fonts

    repeats = 30 if full else 10
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
    _baseline(texts, font)
    app_times = [once(seed)[0] for seed in range(2, 2 + repeats)]
    base_times = []
    for _ in range(repeats):
        t = time.perf_counter()
        _baseline(texts, font)
        base_times.append(time.perf_counter() - t)
    db.dispose()
    pages = sum(len(d) for d in texts)
    app_ms, base_ms = median(app_times) * 1000, median(base_times) * 1000
    r = Result("1 acceptance", f"save 新装 + 1 容缺 + render {len(pdfs)} PDFs ({pages} pages), median of {repeats}",
               app_ms, "ms", base_ms, "reportlab canvas, same pages' text, same font", "≤ 1.5×")
    r.met = r.ratio <= 1.5
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()
    return [r]


if __name__ == "__main__":
    for r in run(False):
        print(r)
