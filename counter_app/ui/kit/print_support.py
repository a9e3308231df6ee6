"""Printing from the window: the per-PC printer chooser and the background print job.

Rendering pages and feeding the printer run in a QThread (Qt supports QPainter on a QPrinter outside
the GUI thread), so the counter window stays responsive and shows progress; the result comes back as
a signal and the caller records it."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QThread, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from counter_app.printing import qt_print
from counter_app.printing.qt_print import PAPER_LABELS, PAPERS, PrinterChoice, PrintFailed


class PrintJob(QThread):
    """Prints PDFs on one printer as one job; emits ``progressed``, then ``succeeded`` or ``failed``."""

    progressed = Signal(int, int)
    succeeded = Signal(object)  # the PrinterChoice used
    failed = Signal(str)

    def __init__(self, pdfs: Sequence[bytes], choice: PrinterChoice, doc_name: str, parent=None) -> None:
        super().__init__(parent)
        self.pdfs = list(pdfs)
        self.choice = choice
        self.doc_name = doc_name
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    def _progress(self, done: int, total: int) -> bool:
        self.progressed.emit(done, total)
        return not self._cancelled

    def run(self) -> None:
        try:
            used = qt_print.print_pdfs(self.pdfs, self.choice, doc_name=self.doc_name, progress=self._progress)
        except PrintFailed as exc:
            self.failed.emit(str(exc))
        except Exception as exc:
            self.failed.emit(f"打印出错（{type(exc).__name__}: {exc}），请检查打印机后补打")
        else:
            self.succeeded.emit(used)


class PrinterChoiceDialog(QDialog):
    """Choose this PC's printer and paper; remembered per PC for one-click printing."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("选择打印机")
        self.setObjectName("PrinterChoiceDialog")
        names = qt_print.printer_names()
        current = qt_print.remembered()
        default = qt_print.default_printer_name()

        self.printer_box = QComboBox(self)
        self.printer_box.setObjectName("printerBox")
        self.printer_box.setAccessibleName("打印机")
        for name in names:
            label = f"{name}（系统默认）" if name == default else name
            self.printer_box.addItem(label, name)
        chosen = current.name if current and current.name in names else default
        if chosen in names:
            self.printer_box.setCurrentIndex(names.index(chosen))

        self.paper_box = QComboBox(self)
        self.paper_box.setObjectName("paperBox")
        self.paper_box.setAccessibleName("纸张")
        for code in PAPERS:
            self.paper_box.addItem(PAPER_LABELS[code], code)
        self.paper_box.setCurrentIndex(list(PAPERS).index(current.paper if current else "A4"))

        form = QFormLayout()
        printer_label = QLabel("打印机(&P)：", self)
        printer_label.setBuddy(self.printer_box)
        paper_label = QLabel("纸张(&Z)：", self)
        paper_label.setBuddy(self.paper_box)
        form.addRow(printer_label, self.printer_box)
        form.addRow(paper_label, self.paper_box)
        hint = QLabel("本机记住所选打印机，“打印全套”将直接发送到该打印机。单据为A4版式，其他纸张按比例缩放。", self)
        hint.setWordWrap(True)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确定")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setAccessibleName("确定")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(buttons)

    def choice(self) -> PrinterChoice:
        return PrinterChoice(self.printer_box.currentData(), self.paper_box.currentData())

    def accept(self) -> None:
        if self.printer_box.count() == 0:
            self.reject()
            return
        qt_print.remember(self.choice())
        super().accept()
