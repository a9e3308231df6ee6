"""Scan files for tests: an A4 page as JPEG/PNG/TIFF at a chosen resolution, colour (with a red seal)
or grey, and a scanner-style PDF (one JPEG page image per page)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw


def page_image(dpi: int = 300, *, colour: bool = True, fmt: str = "JPEG", text: str = "营业执照",
               write_dpi: bool = True) -> bytes:
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for y in range(40, height - 40, 60):
        draw.line((40, y, width - 40, y), fill=(40, 40, 40), width=2)
    if colour:
        draw.ellipse((width // 2, height // 2, width // 2 + dpi, height // 2 + dpi), outline=(220, 20, 20), width=max(4, dpi // 25))
    else:
        image = image.convert("L")
    out = io.BytesIO()
    kwargs = {"dpi": (dpi, dpi)} if write_dpi else {}
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def scanner_pdf(pages: int = 2, dpi: int = 300) -> bytes:
    """A PDF as document cameras write it: each A4 page one full-page JPEG."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    for _ in range(pages):
        c.drawImage(ImageReader(io.BytesIO(page_image(dpi, write_dpi=False))), 0, 0, *A4)
        c.showPage()
    c.save()
    return out.getvalue()
