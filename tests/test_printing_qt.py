"""printing/qt_print.py: PDF pages through Qt's print system (QtPdf render on white → QPrinter)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from counter_app.printing import qt_print
from counter_app.printing.qt_print import PrinterChoice, PrintFailed
from tests.factories import add_case


@pytest.fixture
def form_pdf(hall_db, frozen_now):
    from counter_app import documents

    db, actors = hall_db
    app_id = add_case(db, actors["clerk1"], name="王䶮", deferred=("property_proof",))
    return documents.render(db, actors["clerk1"], app_id, "form").data


def gray_stats(png_path) -> tuple[float, float]:
    from PIL import Image

    image = Image.open(png_path).convert("L")
    histogram = image.histogram()
    pixels = image.width * image.height
    mean = sum(value * count for value, count in enumerate(histogram)) / pixels
    return mean, sum(histogram[:128]) / pixels


def test_pages_render_on_white_not_black(qapp, form_pdf):
    images = qt_print.page_images(form_pdf, dpi=40)
    assert len(images) == 1
    image = images[0]
    corner = image.pixelColor(2, 2)
    assert (corner.red(), corner.green(), corner.blue()) == (255, 255, 255)


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="pdftoppm (poppler-utils) not installed")
def test_print_to_pdf_file_through_qt(qapp, form_pdf, tmp_path):
    out = tmp_path / "printed.pdf"
    used = qt_print.print_pdfs([form_pdf, form_pdf], output_file=str(out), dpi=150, doc_name="test")
    assert used.paper == "A4"
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           2" in info and "595" in info  # two A4 pages
    subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", str(out), str(tmp_path / "p")], check=True)
    mean, dark = gray_stats(next(tmp_path.glob("p-*.png")))
    assert mean > 200  # white paper, not a black page
    assert dark > 0.01  # and ink on it


def test_no_printer_is_a_clear_message(qapp, monkeypatch, form_pdf):
    monkeypatch.setattr(qt_print, "printer_names", list)
    with pytest.raises(PrintFailed, match="未找到打印机"):
        qt_print.print_pdfs([form_pdf])


def test_unknown_printer_is_a_clear_message(qapp, monkeypatch):
    monkeypatch.setattr(qt_print, "printer_names", lambda: ["柜台打印机"])
    with pytest.raises(PrintFailed, match="“旧打印机”不存在"):
        qt_print.resolve(PrinterChoice("旧打印机"))


def test_printer_and_paper_are_remembered_per_pc(qapp, monkeypatch):
    monkeypatch.setattr(qt_print, "printer_names", lambda: ["柜台打印机", "PDF"])
    monkeypatch.setattr(qt_print, "default_printer_name", lambda: "PDF")
    qt_print.forget()
    assert qt_print.remembered() is None
    assert qt_print.resolve() == PrinterChoice("PDF", "A4")  # the system default
    qt_print.remember(PrinterChoice("柜台打印机", "A5"))
    assert qt_print.remembered() == PrinterChoice("柜台打印机", "A5")
    assert qt_print.resolve() == PrinterChoice("柜台打印机", "A5")
    monkeypatch.setattr(qt_print, "printer_names", lambda: ["PDF"])  # the remembered printer was removed
    assert qt_print.resolve() == PrinterChoice("PDF", "A5")


def test_painter_that_cannot_start_is_reported(qapp, monkeypatch, form_pdf):
    from PySide6.QtGui import QPainter

    monkeypatch.setattr(qt_print, "printer_names", lambda: ["PDF"])
    monkeypatch.setattr(QPainter, "begin", lambda self, device: False)
    with pytest.raises(PrintFailed, match="无法开始打印"):
        qt_print.print_pdfs([form_pdf], PrinterChoice("PDF"), output_file="/nonexistent/dir/x.pdf")
