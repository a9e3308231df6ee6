"""A print to a real queue: Qt → CUPS → cups-pdf printer "PDF" (.ci/start-cups.sh sets it up).

The job's PDF (written by cups-pdf through Ghostscript) is rendered with pdftoppm and compared with
the document as rendered directly: same page, same ink (reportlab's STSong-Light font once lost every
digit and Latin letter on this path, so the text layer is not trusted — the image is).

Skips only when no CUPS scheduler or no "PDF" queue is available; CI exports
COUNTER_APP_REQUIRE_CUPS=1 after starting CUPS, and then a missing queue fails instead."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from counter_app import documents
from counter_app.printing import qt_print
from counter_app.printing.qt_print import PrinterChoice
from tests.factories import add_case

QUEUE = "PDF"


def _cups_problem() -> str | None:
    if not shutil.which("lpstat"):
        return "CUPS is not installed (no lpstat): install cups and printer-driver-cups-pdf, run .ci/start-cups.sh"
    running = subprocess.run(["lpstat", "-r"], capture_output=True, text=True, timeout=20, check=False)
    if "is running" not in running.stdout or "not running" in running.stdout:
        return "the CUPS scheduler is not running: start it with .ci/start-cups.sh"
    queue = subprocess.run(["lpstat", "-p", QUEUE], capture_output=True, text=True, timeout=20, check=False)
    if queue.returncode != 0:
        return f"CUPS has no queue named {QUEUE}: create it with .ci/start-cups.sh (needs printer-driver-cups-pdf)"
    if not shutil.which("pdftoppm"):
        return "pdftoppm (poppler-utils) is not installed"
    return None


@pytest.fixture(scope="module")
def cups_queue():
    problem = _cups_problem()
    if problem:
        if os.environ.get("COUNTER_APP_REQUIRE_CUPS") == "1":
            pytest.fail(f"CUPS print-queue test required here but unavailable: {problem}")
        pytest.skip(problem)
    return QUEUE


def _output_dirs() -> list[Path]:
    dirs = [Path.home() / "PDF", Path("/var/spool/cups-pdf")]
    conf = Path("/etc/cups/cups-pdf.conf")
    if conf.exists():
        dirs += [Path(line.split(None, 1)[1].replace("${HOME}", str(Path.home())))
                 for line in conf.read_text(errors="replace").splitlines() if line.startswith("Out ")]
    return dirs


def _wait_for_job_file(token: str, timeout: float = 90) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for folder in _output_dirs():
            if folder.is_dir():
                for path in folder.rglob(f"*{token}*.pdf"):
                    size = path.stat().st_size
                    time.sleep(0.5)
                    if size and path.stat().st_size == size:
                        return path
        time.sleep(0.5)
    jobs = subprocess.run(["lpstat", "-W", "all", "-o", QUEUE], capture_output=True, text=True, check=False).stdout
    raise AssertionError(f"no PDF for job {token} in {', '.join(map(str, _output_dirs()))}; jobs:\n{jobs}")


def _page_image(pdf: Path, prefix: Path, dpi: int):
    from PIL import Image

    subprocess.run(["pdftoppm", "-png", "-gray", "-r", str(dpi), "-f", "1", "-l", "1", str(pdf), str(prefix)],
                   check=True, timeout=60)
    return Image.open(next(prefix.parent.glob(prefix.name + "-*.png"))).convert("L")


def _ink(image) -> int:
    return sum((255 - value) * count for value, count in enumerate(image.histogram()))


def _tile_ratios(printed, expected, cols: int = 6, rows: int = 10) -> list[float]:
    """Ink printed / ink expected per tile, for the tiles that carry ink."""
    width, height = expected.size
    tw, th = width // cols, height // rows
    ratios = []
    for i in range(cols):
        for j in range(rows):
            box = (i * tw, j * th, (i + 1) * tw, (j + 1) * th)
            want = _ink(expected.crop(box))
            if want > 0.02 * 255 * tw * th:
                ratios.append(_ink(printed.crop(box)) / want)
    return ratios


def test_print_to_a_real_cups_queue(qapp, cups_queue, hall_db, frozen_now, tmp_path):
    db, actors = hall_db
    clerk = actors["clerk1"]
    app_id = add_case(db, clerk, name="王䶮", cert_number="11010519491231002X", deferred=("property_proof",))
    item = documents.render(db, clerk, app_id, "form")
    token = f"counterapp{uuid.uuid4().hex[:10]}"

    used = qt_print.print_pdfs([item.data], PrinterChoice(cups_queue, "A4"), doc_name=token, dpi=150)
    documents.record(db, clerk, [item], "print", printer=used.name)

    job_pdf = _wait_for_job_file(token)
    try:
        info = subprocess.run(["pdfinfo", str(job_pdf)], capture_output=True, text=True, check=True).stdout
        assert "Pages:           1" in info
        original = tmp_path / "original.pdf"
        original.write_bytes(item.data)
        # both at the raster resolution of the job, then averaged down alike: compare ink, tile by tile
        expected = _page_image(original, tmp_path / "expected", 150)
        printed = _page_image(job_pdf, tmp_path / "printed", 150).resize(expected.size)
        expected, printed = expected.reduce(4), printed.reduce(4)
        assert _ink(expected) > 0.02 * 255 * expected.width * expected.height
        assert 0.9 < _ink(printed) / _ink(expected) < 1.1
        ratios = _tile_ratios(printed, expected)
        # a page that lost its digits or Latin letters, came out blank or black, or shifted, fails here
        assert len(ratios) > 20 and all(0.75 < r < 1.33 for r in ratios), sorted(ratios)
    finally:
        job_pdf.unlink(missing_ok=True)
