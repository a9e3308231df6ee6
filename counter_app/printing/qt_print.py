"""Printing PDF bytes through Qt's print system, so any printer the operating system knows works.

Each page is rendered with QtPdf (``QPdfDocument.render``), painted onto white (QtPdf renders onto a
transparent image, which prints black) and drawn onto a ``QPrinter`` page, scaled to fit the paper.
The printer and paper chosen on a counter PC are remembered per PC in QSettings.

This is the only module outside ``counter_app/ui`` that imports PySide6; it needs a running
QGuiApplication / QApplication. Failures raise ``PrintFailed`` with a Chinese message saying what to
check; the caller keeps the documents (see ``documents.keep_copy``).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QRectF, QSettings, QSize, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from counter_app import APP_AUTHOR, APP_NAME
from counter_app.infra.config import ENV_DATA_DIR
from counter_app.infra.errors import UserError

log = logging.getLogger(__name__)

SETTINGS_GROUP = "printing"
DEFAULT_DPI = 300
PAPERS: dict[str, QPageSize.PageSizeId] = {
    "A4": QPageSize.PageSizeId.A4,
    "A5": QPageSize.PageSizeId.A5,
    "B5": QPageSize.PageSizeId.B5,
    "Letter": QPageSize.PageSizeId.Letter,
}
PAPER_LABELS = {"A4": "A4（210×297毫米）", "A5": "A5（148×210毫米）", "B5": "B5（176×250毫米）", "Letter": "Letter（信纸）"}
NO_PRINTER = ("未找到打印机：请在操作系统中安装并连接打印机后重试。单据已保留，可先“另存为 PDF”，"
              "或稍后在本窗口补打")


class PrintFailed(UserError):
    """The job could not be printed; the message says what to check."""


@dataclass(frozen=True)
class PrinterChoice:
    name: str
    paper: str = "A4"

    def label(self) -> str:
        return f"{self.name}（{self.paper}）"


# --- printers and the per-PC choice -----------------------------------------------------------------


def printer_names() -> list[str]:
    return list(QPrinterInfo.availablePrinterNames())


def default_printer_name() -> str:
    return QPrinterInfo.defaultPrinterName() or ""


def _settings() -> QSettings:
    """Per-PC settings; with COUNTER_APP_DATA_DIR set (tests, portable installs) an ini file there."""
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        return QSettings(str(Path(override) / "counter_pc.ini"), QSettings.Format.IniFormat)
    return QSettings(APP_AUTHOR, APP_NAME)


def remembered() -> PrinterChoice | None:
    """The printer and paper last chosen on this PC, if any."""
    settings = _settings()
    name = settings.value(f"{SETTINGS_GROUP}/printer", "", str) or ""
    paper = settings.value(f"{SETTINGS_GROUP}/paper", "A4", str) or "A4"
    if not name:
        return None
    return PrinterChoice(name, paper if paper in PAPERS else "A4")


def remember(choice: PrinterChoice) -> None:
    settings = _settings()
    settings.setValue(f"{SETTINGS_GROUP}/printer", choice.name)
    settings.setValue(f"{SETTINGS_GROUP}/paper", choice.paper)
    settings.sync()


def forget() -> None:
    settings = _settings()
    settings.remove(SETTINGS_GROUP)
    settings.sync()


def resolve(choice: PrinterChoice | None = None) -> PrinterChoice:
    """The printer to use: ``choice``, else the remembered one, else the system default, else the first.

    A remembered printer that is no longer installed is skipped (and the default used)."""
    names = printer_names()
    if not names:
        raise PrintFailed(NO_PRINTER)
    if choice is not None:
        if choice.name not in names:
            raise PrintFailed(f"打印机“{choice.name}”不存在或已被删除，请在“选择打印机”中重新选择"
                              f"（本机可用：{'、'.join(names)}）")
        return choice
    saved = remembered()
    if saved is not None and saved.name in names:
        return saved
    paper = saved.paper if saved else "A4"
    default = default_printer_name()
    return PrinterChoice(default if default in names else names[0], paper)


# --- rendering PDF pages ----------------------------------------------------------------------------


class _LoadedPdf:
    """A QPdfDocument over bytes (the QBuffer must live as long as the document)."""

    def __init__(self, data: bytes) -> None:
        self.buffer = QBuffer()
        self.buffer.setData(QByteArray(data))
        self.buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument()
        self.document.load(self.buffer)
        deadline = time.monotonic() + 10
        while self.document.status() == QPdfDocument.Status.Loading and time.monotonic() < deadline:
            QCoreApplication.processEvents()
        if self.document.status() != QPdfDocument.Status.Ready or self.document.pageCount() == 0:
            raise PrintFailed(f"单据内容无法读取（{self.document.error().name}），未能打印，请重新生成单据")

    def page_count(self) -> int:
        return self.document.pageCount()

    def page_on_white(self, index: int, dpi: int) -> QImage:
        points = self.document.pagePointSize(index)
        size = QSize(max(1, round(points.width() * dpi / 72)), max(1, round(points.height() * dpi / 72)))
        rendered = self.document.render(index, size)
        page = QImage(size, QImage.Format.Format_RGB32)
        page.fill(Qt.GlobalColor.white)  # QtPdf renders onto transparent: printed as is, pages come out black
        painter = QPainter(page)
        painter.drawImage(0, 0, rendered)
        painter.end()
        return page

    def close(self) -> None:
        self.document.close()
        self.buffer.close()


def page_images(data: bytes, dpi: int = 96) -> list[QImage]:
    """Every page of a PDF as an image on white (thumbnails, tests)."""
    pdf = _LoadedPdf(data)
    try:
        return [pdf.page_on_white(i, dpi) for i in range(pdf.page_count())]
    finally:
        pdf.close()


# --- printing ---------------------------------------------------------------------------------------


def make_printer(choice: PrinterChoice, *, doc_name: str, dpi: int = DEFAULT_DPI, copies: int = 1,
                 output_file: str | None = None) -> QPrinter:
    if output_file:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(output_file)
    else:
        printer = QPrinter(QPrinterInfo.printerInfo(choice.name), QPrinter.PrinterMode.HighResolution)
        if not printer.isValid():
            raise PrintFailed(f"打印机“{choice.name}”无法使用（驱动缺失或已被删除），请检查打印机设置")
    printer.setResolution(dpi)
    printer.setPageSize(QPageSize(PAPERS.get(choice.paper, QPageSize.PageSizeId.A4)))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)
    printer.setDocName(doc_name)
    printer.setCopyCount(max(1, copies))
    printer.setColorMode(QPrinter.ColorMode.GrayScale)
    return printer


def print_pdfs(
    pdfs: Sequence[bytes],
    choice: PrinterChoice | None = None,
    *,
    doc_name: str = "counter_app",
    dpi: int = DEFAULT_DPI,
    copies: int = 1,
    output_file: str | None = None,
    progress: Callable[[int, int], bool | None] | None = None,
) -> PrinterChoice:
    """Print the PDFs as one job on ``choice`` (or the remembered/default printer); returns the printer used.

    ``progress(done_pages, total_pages)`` is called after each page; returning False cancels the job.
    ``output_file`` prints to a PDF file instead of a printer (Qt's own PDF engine)."""
    if not pdfs:
        raise ValueError("nothing to print")
    if output_file:
        target = choice or PrinterChoice("PDF 文件", "A4")
    else:
        target = resolve(choice)
    loaded = [_LoadedPdf(data) for data in pdfs]
    try:
        total = sum(p.page_count() for p in loaded)
        printer = make_printer(target, doc_name=doc_name, dpi=dpi, copies=copies, output_file=output_file)
        painter = QPainter()
        if not painter.begin(printer):
            raise PrintFailed(f"打印机“{target.name}”无法开始打印：请检查打印机是否开机、联机、有纸，"
                              "或在“选择打印机”中换一台打印机。单据未丢失，可稍后补打")
        done = 0
        try:
            for pdf in loaded:
                for index in range(pdf.page_count()):
                    if done and not printer.newPage():
                        raise PrintFailed(f"打印机“{target.name}”换页失败，打印已中断：请检查打印机后补打")
                    _draw_page(painter, printer, pdf.page_on_white(index, dpi))
                    done += 1
                    if progress is not None and progress(done, total) is False:
                        printer.abort()
                        raise PrintFailed("打印已取消")
        finally:
            painter.end()
        if printer.printerState() in (QPrinter.PrinterState.Error, QPrinter.PrinterState.Aborted):
            raise PrintFailed(f"打印机“{target.name}”报告错误，打印可能未完成：请检查打印机状态和打印队列后补打")
        return target
    finally:
        for pdf in loaded:
            pdf.close()


def _draw_page(painter: QPainter, printer: QPrinter, image: QImage) -> None:
    """Scale to fit the paper, keep proportions, centre."""
    page = printer.pageLayout().fullRectPixels(printer.resolution())
    scale = min(page.width() / image.width(), page.height() / image.height())
    width, height = image.width() * scale, image.height() * scale
    target = QRectF(page.x() + (page.width() - width) / 2, page.y() + (page.height() - height) / 2, width, height)
    painter.drawImage(target, image)
