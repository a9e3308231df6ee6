"""What both 交接 pages show: a list of batches and the lines of the selected one, with the handover
list as Excel, as PDF and on the printer. Every service call runs through ``background.run``."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from counter_app import documents
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError
from counter_app.printing.columns import Column
from counter_app.reporting import exports
from counter_app.tracking import handover
from counter_app.tracking.handover import LineRemark
from counter_app.ui.kit import background
from counter_app.ui.kit.background import BackgroundTask
from counter_app.ui.kit.export_file import ask_save_path, export_task
from counter_app.ui.kit.table_model import RowsTableModel, size_columns
from counter_app.ui.kit.tracking_common import make_table, show_message

BATCH_COLUMNS = (
    Column("批次号", width=23), Column("状态", width=6), Column("件数", "int", width=5), Column("班次", width=6),
    Column("窗口", width=8), Column("移交人", width=8), Column("生成时间", "datetime", width=15.5),
    Column("接收人", width=8), Column("确认时间", "datetime", width=15.5),
)
LINE_COLUMNS = (
    Column("序号", "int", width=5), Column("申请编号", width=20.5), Column("户名", width=12),
    Column("单据打印", width=9), Column("客户签名", width=8),
    Column("业务类型", width=13), Column("用电地址", width=20), Column("联系电话", width=12),
    Column("受理时间", "datetime", width=15.5), Column("资料份数", "int", width=7),
    Column("容缺资料及补交期限", width=26), Column("备注", width=20),
)


def table(model: RowsTableModel, columns, name: str):
    view = make_table(model, name)
    size_columns(view, columns)
    return view


def button(text: str, shortcut: str = "") -> QPushButton:
    widget = QPushButton(f"{text}({shortcut})" if shortcut else text)
    widget.setAccessibleName(text)
    return widget


def remark_text(remark: str, note: str) -> str:
    return f"{remark}：{note}" if remark else ""


def problem(exc: Exception, what: str) -> str:
    return str(exc) if isinstance(exc, UserError) else f"{what}失败：{exc}"


class BatchPanel(QWidget):
    """A list of batches and the lines of the selected one, with Excel export, PDF and printing."""

    batchChanged = Signal()

    def __init__(self, db: Database, actor: Actor, messages: QLabel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.messages = db, actor, messages
        self.summaries: list[handover.BatchSummary] = []
        self.detail: handover.BatchDetail | None = None
        self.remarks: dict[int, LineRemark] = {}  # receiver's remarks not yet saved
        self.export_task: BackgroundTask | None = None
        self.pdf_task: BackgroundTask | None = None

        self.batch_model = RowsTableModel(BATCH_COLUMNS, parent=self)
        self.batch_table = table(self.batch_model, BATCH_COLUMNS, "交接批次")
        self.line_model = RowsTableModel(LINE_COLUMNS, parent=self)
        self.line_table = table(self.line_model, LINE_COLUMNS, "批次明细")
        self.state_label = QLabel()
        self.state_label.setObjectName("batchStateLabel")
        self.export_button = button("导出Excel", "Ctrl+E")
        self.pdf_button = button("交接清单PDF…", "Ctrl+P")
        self.pdf_button.setAccessibleName("保存交接清单PDF")
        self.pdf_button.setToolTip("生成带签字栏的交接清单（PDF），保存后打印，随纸质资料移交")
        self.print_button = button("打印交接清单", "Ctrl+Shift+P")
        self.print_button.setToolTip("用本机记住的打印机直接打印交接清单（带签字栏）")
        self.buttons = QHBoxLayout()
        self.buttons.addWidget(self.state_label, 1)
        for widget in (self.print_button, self.pdf_button, self.export_button):
            widget.setEnabled(False)
            self.buttons.addWidget(widget)

        # the buttons span both tables: under the lines alone their width squeezed the batch list to
        # a sliver on a 1024-pixel screen (batch numbers cut to "JJ-FZG")
        splitter = QSplitter(Qt.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.batch_table)
        splitter.addWidget(self.line_table)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([480, 720])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter, 1)
        layout.addLayout(self.buttons)

        self.batch_table.selectionModel().currentRowChanged.connect(lambda *_: self._load_selected())
        self.export_button.clicked.connect(self.choose_and_export)
        self.pdf_button.clicked.connect(self.choose_and_save_pdf)
        self.print_button.clicked.connect(lambda: self.print_list())

    def ok(self, text: str) -> None:
        show_message(self.messages, text)

    def error(self, text: str) -> None:
        show_message(self.messages, text, error=True)

    # --- batches --------------------------------------------------------------------------------

    def show_batches(self, summaries: list[handover.BatchSummary], keep: int | None = None) -> None:
        keep = keep if keep is not None else (self.detail.batch.id if self.detail else None)
        self.summaries = summaries
        self.batch_model.set_rows([
            (b.number, b.status_label, b.lines, b.shift, b.window_name, b.created_by, b.created_at,
             b.receiver_name, b.confirmed_at) for b in summaries
        ])
        ids = [b.id for b in summaries]
        row = ids.index(keep) if keep in ids else (0 if ids else -1)
        if row >= 0:
            self.batch_table.selectRow(row)
            self._load_selected()
        else:
            self.show_detail(None)

    def select_batch(self, batch_id: int) -> None:
        ids = [b.id for b in self.summaries]
        if batch_id in ids:
            self.batch_table.selectRow(ids.index(batch_id))
            self._load_selected()

    def _selected_id(self) -> int | None:
        row = self.batch_table.currentIndex().row()
        return self.summaries[row].id if 0 <= row < len(self.summaries) else None

    def _load_selected(self) -> None:
        batch_id = self._selected_id()
        if batch_id is None:
            self.show_detail(None)
            return

        def loaded(detail: handover.BatchDetail) -> None:
            if self._selected_id() == batch_id:  # not a batch the clerk has already left
                self.show_detail(detail)

        def failed(exc: Exception) -> None:
            self.error(problem(exc, "读取批次"))
            self.show_detail(None)

        db, actor = self.db, self.actor
        background.run(self, lambda: handover.detail(db, actor, batch_id), loaded, failed, busy="正在读取批次…")

    def show_detail(self, detail: handover.BatchDetail | None) -> None:
        if detail is None or self.detail is None or detail.batch.id != self.detail.batch.id:
            self.remarks = {}
        self.detail = detail
        for widget in (self.export_button, self.pdf_button, self.print_button):
            widget.setEnabled(detail is not None)
        if detail is None:
            self.line_model.set_rows([])
            self.state_label.setText("")
            self.batchChanged.emit()
            return
        self.line_model.set_rows([self._line_row(item) for item in detail.items])
        b = detail.batch
        if b.locked:
            self.state_label.setText(f"批次 {b.number}：已于 {b.confirmed_at:%Y-%m-%d %H:%M} 由 {b.receiver_name} "
                                     f"确认接收，已锁定")
        else:
            self.state_label.setText(f"批次 {b.number}：待接收，共 {len(detail.items)} 件、资料 {detail.total_copies} 份")
        self.batchChanged.emit()

    def _line_row(self, item: handover.FileItem) -> tuple:
        mark = self.remarks.get(item.application_id)
        remark = (handover.line_remark(mark.remark, mark.note, item.unprinted_reason) if mark
                  else item.remark_label)
        return (item.seq, item.number, item.customer_name, item.print_label, item.sign_label, item.business_type,
                item.address, item.phone, item.accepted_at, item.copies, item.deferred, remark)

    def selected_item(self) -> handover.FileItem | None:
        row = self.line_table.currentIndex().row()
        if self.detail is None or not 0 <= row < len(self.detail.items):
            return None
        return self.detail.items[row]

    def set_remark(self, application_id: int, mark: LineRemark) -> None:
        self.remarks[application_id] = mark
        if self.detail is not None:
            row = self.line_table.currentIndex().row()
            self.line_model.set_rows([self._line_row(item) for item in self.detail.items])
            if row >= 0:
                self.line_table.selectRow(row)

    # --- the handover list as PDF (documents pipeline), on the printer and as Excel -------------

    def choose_and_save_pdf(self) -> None:
        if self.detail is None:
            return
        path = ask_save_path(self, "保存交接清单PDF", f"交接清单_{self.detail.batch.number}.pdf",
                             "PDF 文件 (*.pdf)", ".pdf")
        if path:
            self.save_pdf_to(path)

    def save_pdf_to(self, path: str | Path) -> BackgroundTask | None:
        """Render the 交接清单 (with signature lines) and save it; the save is recorded."""
        if self.detail is None:
            return None
        db, actor, batch_id = self.db, self.actor, self.detail.batch.id

        def work():
            return documents.save(db, actor, documents.render_handover_document(db, actor, batch_id), path)

        self.pdf_task = background.run(
            self, work, lambda saved: self.ok(f"已保存交接清单PDF到 {saved}，请打印后由移交人和接收人签字"),
            lambda exc: self.error(problem(exc, "生成PDF")), busy="正在生成交接清单PDF…")
        return self.pdf_task

    def print_if_ready(self) -> None:
        """Ctrl+Shift+P: what the 打印交接清单 button does, when it is enabled."""
        if self.print_button.isEnabled():
            self.print_list()

    def print_list(self, *, output_file: str | None = None) -> BackgroundTask | None:
        """Print the 交接清单 in one action on this PC's remembered printer; every attempt is recorded.
        Rendering and recording run in the background; the printer is fed on the GUI thread, as Qt's
        PDF rendering is not safe on pool threads (a one- or two-page list takes well under a second).
        ``output_file`` sends the job to Qt's PDF engine (tests)."""
        if self.detail is None:
            return None
        from counter_app.printing import qt_print

        db, actor, batch_id = self.db, self.actor, self.detail.batch.id

        def failed(exc: Exception) -> None:
            self.error(f"{problem(exc, '打印')}（可改用“交接清单PDF…”保存后打印）")

        def rendered(item: documents.Rendered) -> None:
            try:
                used = qt_print.print_pdfs([item.data], doc_name=item.filename, output_file=output_file)
            except UserError as exc:
                refused = exc
                background.run(self, lambda: documents.record(db, actor, [item], "print", outcome="failed",
                                                              error=str(refused)),
                               lambda _ids: failed(refused), failed, busy="正在记录打印…")
                return
            background.run(self, lambda: documents.record(db, actor, [item], "print", printer=used.name),
                           lambda _ids: self.ok(f"交接清单已发送到打印机“{used.name}”，请移交人和接收人签字"),
                           failed, busy="正在记录打印…")

        return background.run(self, lambda: documents.render_handover_document(db, actor, batch_id), rendered,
                              failed, busy="正在生成交接清单…")

    def choose_and_export(self) -> None:
        if self.detail is None:
            return
        filename = exports.default_filename("handover", batch_number=self.detail.batch.number)
        path = ask_save_path(self, "导出交接清单", filename, "Excel 工作簿 (*.xlsx)", ".xlsx")
        if path:
            self.export_to(path)

    def export_to(self, path: str | Path) -> BackgroundTask | None:
        """The export checks the target itself (in the background): an unwritable one fails at once."""
        if self.detail is None:
            return None
        request = exports.ExportRequest("handover", batch_id=self.detail.batch.id)
        task = export_task(self, self.db, self.actor, request, path, "正在导出交接清单…")
        task.on_success(lambda r: self.ok(f"已导出交接清单 {r.rows} 件到 {r.path}"))
        task.on_failure(lambda exc: self.error(problem(exc, "导出")))
        task.on_cancel(lambda: self.ok("已取消导出"))
        self.export_task = task
        return task.start()
