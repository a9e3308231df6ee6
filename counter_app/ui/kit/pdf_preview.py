"""A PDF shown from bytes in memory (a rendered document, a signed original): one view for the
documents window and the signing window."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QWidget


class PdfPreview(QPdfView):
    """Every page, fit to the width; ``show_pdf(data)`` replaces what is shown."""

    def __init__(self, parent: QWidget | None = None, *, name: str = "单据预览") -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        # the document and its buffers belong to the window, not the view: the view is destroyed
        # first and must not take the document it still shows down with it (a crash when the
        # window closes)
        self._owner = parent
        self.pdf_document = QPdfDocument(parent)
        self.setDocument(self.pdf_document)
        self.setPageMode(QPdfView.PageMode.MultiPage)
        self.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self._buffer: QBuffer | None = None

    def show_pdf(self, data: bytes) -> None:
        # QPdfDocument reads from the device while it renders: the buffer lives until the next one
        self.pdf_document.close()
        buffer = QBuffer(self._owner)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.pdf_document.load(buffer)
        if self._buffer is not None:
            self._buffer.deleteLater()
        self._buffer = buffer
