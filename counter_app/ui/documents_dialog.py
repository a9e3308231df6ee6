"""The documents of one application: preview, print the whole set in one action, print one, choose the
printer, save as PDF or Word, reprint later.

Nothing here builds a document or runs SQL: ``counter_app.documents`` renders and records (always
through ``background.run``, never on the GUI thread), and ``printing.qt_print`` (through
``PrintJob``) prints. A failed print or save never loses anything:
the rendered bytes stay in this window, and after a failed print they are also kept on disk.

Use after saving an acceptance::

    dialog = DocumentsDialog(db, actor, application_id, parent)
    dialog.show()
    dialog.print_all()        # one action, no print dialog, to this PC's remembered printer
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QStandardPaths, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app import documents
from counter_app.documents import Rendered
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError
from counter_app.printing import qt_print
from counter_app.printing.qt_print import PrintFailed
from counter_app.ui import background, file_dialogs
from counter_app.ui.modal import run_modal
from counter_app.ui.print_support import PrinterChoiceDialog, PrintJob
from counter_app.ui.screen_fit import fit_to_screen
from counter_app.ui.tracking_common import plain

ERROR_STYLE = "color: #b00020;"
OK_STYLE = "color: #1b5e20;"


def _problem(exc: Exception) -> str:
    return str(exc) if isinstance(exc, UserError) else f"操作未完成：{exc}"


class DocumentsDialog(QDialog):
    """Preview, print, save and reprint the documents of one application."""

    printed = Signal(list)  # the actions recorded ("print" / "reprint") after a successful print

    def __init__(self, db: Database, actor: Actor, application_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.application_id = application_id
        self._pdf: dict[str, Rendered] = {}
        self._previewed: set[str] = set()
        self._job: PrintJob | None = None
        self._job_items: list[Rendered] = []
        self._printing = False  # rendering for a print that is about to start
        self._print_when_loaded = False
        self.last_message = ""
        self.last_saved: list[Path] = []
        self.setObjectName("DocumentsDialog")
        fit_to_screen(self, 1100, 760)  # a 1366×768 screen with a taskbar has ~690 px
        self._build()
        self.refresh()

    # --- layout ---------------------------------------------------------------------------------

    def _build(self) -> None:
        self.header_label = QLabel(self)
        self.header_label.setObjectName("headerLabel")
        self.header_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.doc_list = QListWidget(self)
        self.doc_list.setObjectName("documentList")
        self.doc_list.setAccessibleName("单据")
        self.doc_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.doc_list.currentItemChanged.connect(self._on_current)
        list_label = QLabel("单据(&L)：", self)
        list_label.setBuddy(self.doc_list)

        self.history = QTableWidget(0, 5, self)
        self.history.setObjectName("historyTable")
        self.history.setAccessibleName("打印记录")
        self.history.setHorizontalHeaderLabels(["时间", "单据", "操作", "操作人", "打印机/文件"])
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.verticalHeader().setVisible(False)
        self.history.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.history.horizontalHeader().setStretchLastSection(True)
        history_label = QLabel("打印记录：", self)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(list_label)
        left_layout.addWidget(self.doc_list, 2)
        left_layout.addWidget(history_label)
        left_layout.addWidget(self.history, 1)

        self.pdf_document = QPdfDocument(self)
        self._pdf_buffer: QBuffer | None = None
        self.preview = QPdfView(self)
        self.preview.setObjectName("preview")
        self.preview.setAccessibleName("单据预览")
        self.preview.setDocument(self.pdf_document)
        self.preview.setPageMode(QPdfView.PageMode.MultiPage)
        self.preview.setZoomMode(QPdfView.ZoomMode.FitToWidth)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([330, 770])

        self.actions: dict[str, QAction] = {}
        self.buttons: dict[str, QPushButton] = {}
        spec = [
            ("print_all", "打印全套(&A)", "Ctrl+Shift+P", self.print_all),
            ("print_one", "打印本单(&P)", "Ctrl+P", self.print_current),
            ("choose_printer", "选择打印机(&R)…", "Ctrl+Alt+P", self.choose_printer),
            ("save_pdf", "另存为PDF(&S)…", "Ctrl+S", self.save_current_pdf),
            ("save_docx", "另存为Word(&W)…", "Ctrl+Shift+S", self.save_current_docx),
            ("save_all", "全套另存到文件夹(&F)…", "Ctrl+Shift+F", self.save_all),
            ("sign", "客户签名(&G)…", "Ctrl+Alt+G", self.open_signing),
            ("scans", "扫描件(&M)…", "Ctrl+Alt+M", self.open_scans),
            ("archive", "案卷归档(&Z)…", "Ctrl+Alt+Z", self.archive_case),
            ("close", "关闭(&C)", "Esc", self.reject),
        ]
        # two rows: printing and the customer on top, files below. One row of ten buttons was
        # 1,073 px wide, wider than a 1024×768 counter screen.
        print_row, file_row = QHBoxLayout(), QHBoxLayout()
        first_row = {"print_all", "print_one", "choose_printer", "sign", "scans"}
        for key, text, shortcut, slot in spec:
            action = QAction(plain(text), self)
            action.setObjectName(f"action_{key}")
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            self.actions[key] = action
            button = QPushButton(text, self)
            button.setObjectName(f"button_{key}")
            button.setAccessibleName(plain(text))
            button.setToolTip(f"{plain(text)}（{QKeySequence(shortcut).toString(QKeySequence.NativeText)}）")
            button.setAutoDefault(False)
            button.clicked.connect(action.trigger)
            self.buttons[key] = button
            row = print_row if key in first_row else file_row
            if key == "close":
                row.addStretch(1)
            row.addWidget(button)
        print_row.addStretch(1)

        self.printer_label = QLabel(self)
        self.printer_label.setObjectName("printerLabel")
        self.progress = QProgressBar(self)
        self.progress.setObjectName("printProgress")
        self.progress.setAccessibleName("打印进度")
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("取消打印", self)
        self.cancel_button.setAccessibleName("取消打印")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self._cancel_print)
        self.message = QLabel(self)
        self.message.setObjectName("messageLabel")
        self.message.setAccessibleName("提示信息")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_folder_button = QPushButton("打开所在文件夹", self)
        self.open_folder_button.setAccessibleName("打开所在文件夹")
        self.open_folder_button.setVisible(False)
        self.open_folder_button.clicked.connect(self._open_folder)
        self._folder: Path | None = None

        status = QHBoxLayout()
        status.addWidget(self.printer_label)
        status.addWidget(self.progress, 1)
        status.addWidget(self.cancel_button)
        status.addWidget(self.open_folder_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.header_label)
        layout.addWidget(splitter, 1)
        layout.addLayout(status)
        layout.addWidget(self.message)
        layout.addLayout(print_row)
        layout.addLayout(file_row)

    # --- state ----------------------------------------------------------------------------------

    def _run(self, op, success, busy: str, failure=None) -> background.BackgroundTask:
        """Service calls (database, rendering, files) off the GUI thread; a UserError is shown here."""
        return background.run(self, op, success, failure or (lambda exc: self._show(_problem(exc), error=True)),
                              busy=busy)

    def refresh(self) -> background.BackgroundTask:
        """Reload the list and the print history (keeps the current selection)."""
        db, actor, app_id = self.db, self.actor, self.application_id

        def failed(exc: Exception) -> None:
            self._show(_problem(exc), error=True)
            self._set_enabled(False)

        return self._run(lambda: (documents.overview(db, actor, app_id), documents.history(db, actor, app_id)),
                         self._show_overview, "正在读取单据…", failed)

    def _show_overview(self, result) -> None:
        info, history = result
        current = self.current_doc()
        self.number = info.number
        self.setWindowTitle(f"单据打印 — {info.number} {info.customer_name}")
        self.header_label.setText(f"申请编号：{info.number}　　客户：{info.customer_name}　　业务：{info.business_name}")
        blocked = self.doc_list.blockSignals(True)
        self.doc_list.clear()
        for entry in info.entries:
            if entry.applicable:
                text = f"{entry.title}（{entry.state}）"
            else:
                text = f"{entry.title}（不适用：{entry.reason}）"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, entry.doc)
            item.setToolTip(entry.reason or (f"最近打印：{entry.last_printed_at:%Y-%m-%d %H:%M}，{entry.last_printer}"
                                              if entry.last_printed_at else "尚未打印"))
            if not entry.applicable:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled & ~Qt.ItemFlag.ItemIsSelectable)
            self.doc_list.addItem(item)
        self.doc_list.blockSignals(blocked)
        self.entries = {e.doc: e for e in info.entries}
        self._fill_history(history)
        self._update_printer_label()
        target = current if current in self.applicable_docs() else (self.applicable_docs() or [None])[0]
        if target:
            self._select(target)
        if self._print_when_loaded:
            self._print_when_loaded = False
            self.print_all()

    def _fill_history(self, history) -> None:
        history = [line for line in history if line.action != "preview"]  # prints and saves; previews are audited
        self.history.setRowCount(len(history))
        for row, line in enumerate(history):
            where = line.printer or (Path(line.path).name if line.path else "")
            outcome = "" if line.outcome == "ok" else f"（{documents.OUTCOME_LABELS.get(line.outcome, line.outcome)}）"
            values = [f"{line.at:%m-%d %H:%M}", line.title, line.action_label + outcome,
                      line.username + (f"（{line.window_no}号窗口）" if line.window_no else ""), where]
            for col, value in enumerate(values):
                self.history.setItem(row, col, QTableWidgetItem(value))

    def _update_printer_label(self) -> None:
        try:
            choice = qt_print.resolve()
        except PrintFailed:
            self.printer_label.setText("打印机：未找到（请先安装打印机）")
            return
        self.printer_label.setText(f"打印机：{choice.label()}")

    def applicable_docs(self) -> list[str]:
        return [code for code, entry in getattr(self, "entries", {}).items() if entry.applicable]

    def current_doc(self) -> str | None:
        item = self.doc_list.currentItem() if hasattr(self, "doc_list") else None
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _select(self, doc: str) -> None:
        for row in range(self.doc_list.count()):
            if self.doc_list.item(row).data(Qt.ItemDataRole.UserRole) == doc:
                self.doc_list.setCurrentRow(row)
                return

    def _set_enabled(self, enabled: bool) -> None:
        for key, action in self.actions.items():
            if key != "close":
                action.setEnabled(enabled)
                self.buttons[key].setEnabled(enabled)

    def _show(self, text: str, *, error: bool = False, folder: Path | None = None) -> None:
        self.last_message = text
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else OK_STYLE)
        self._folder = folder
        self.open_folder_button.setVisible(folder is not None)

    # --- rendering and preview --------------------------------------------------------------------

    def _render(self, docs: list[str], then, busy: str = "正在生成单据…", failure=None) -> background.BackgroundTask:
        """Render the documents not rendered yet (in the background), then ``then(items)`` with all of
        them; the bytes stay in this window, so printing again or saving never renders twice."""
        db, actor, app_id = self.db, self.actor, self.application_id
        missing = [doc for doc in docs if doc not in self._pdf]

        def rendered(new: dict[str, Rendered]) -> None:
            self._pdf.update(new)
            then([self._pdf[doc] for doc in docs])

        return self._run(lambda: {doc: documents.render(db, actor, app_id, doc) for doc in missing}, rendered, busy,
                         failure)

    def _on_current(self, current: QListWidgetItem | None, _previous=None) -> None:
        if current is None:
            return
        doc = current.data(Qt.ItemDataRole.UserRole)

        def preview(items: list[Rendered]) -> None:
            if self.current_doc() != doc:
                return  # the clerk has moved on; that one shows when rendered
            self._show_preview(doc, items[0])

        self._render([doc], preview)

    def _show_preview(self, doc: str, item: Rendered) -> None:
        self._load_preview(item.data)
        if item.missing_chars:
            self._show(f"注意：字符 {''.join(item.missing_chars)} 在本机字体中没有，打印出来会是空框；"
                       "请安装生僻字字体（如花园明朝 fonts-hanazono，Windows 的 SimSun-ExtB）", error=True)
        if doc not in self._previewed:
            self._previewed.add(doc)
            db, actor = self.db, self.actor
            # the preview stays even when its record cannot be written
            self._run(lambda: documents.record(db, actor, [item], "preview"), lambda _a: None, "",
                      lambda exc: self._show(f"预览记录未能保存：{_problem(exc)}", error=True))

    def _load_preview(self, data: bytes) -> None:
        self.pdf_document.close()
        buffer = QBuffer(self)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.pdf_document.load(buffer)
        if self._pdf_buffer is not None:
            self._pdf_buffer.deleteLater()
        self._pdf_buffer = buffer

    # --- printing -------------------------------------------------------------------------------

    def print_all(self) -> bool:
        """Print every document of the set to this PC's printer, without a dialog. False if not started
        (another print still running, or no printer: then the set is kept on disk)."""
        if not hasattr(self, "entries"):  # opened with "print all": print once the list has been read
            self._print_when_loaded = True
            return True
        return self._print(self.applicable_docs())

    def print_current(self) -> bool:
        doc = self.current_doc()
        if not doc:
            self._show("请先在左侧选择要打印的单据", error=True)
            return False
        return self._print([doc])

    def _print(self, docs: list[str]) -> bool:
        if self._job is not None or self._printing:
            self._show("正在打印，请稍候", error=True)
            return False
        try:
            choice = qt_print.resolve()
        except PrintFailed as exc:
            message = str(exc)
            self._render(docs, lambda items: self._print_failed(items, message, printer=""))
            return False
        self._printing = True

        def rendered(items: list[Rendered]) -> None:
            self._printing = False
            self._start_print(items, choice)

        def failed(exc: Exception) -> None:
            self._printing = False
            self._show(_problem(exc), error=True)

        self._render(docs, rendered, "正在生成单据…", failed)
        return True

    def _start_print(self, items: list[Rendered], choice) -> None:
        self._job_items = items
        self._job = PrintJob([i.data for i in items], choice, f"{self.number} 单据", self)
        self._job.progressed.connect(self._on_progress)
        self._job.succeeded.connect(self._on_printed)
        self._job.failed.connect(self._on_print_failed)  # bound methods: queued into the GUI thread
        self._job.finished.connect(self._on_job_finished)
        self._set_enabled(False)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self._show(f"正在发送到打印机 {choice.label()}：{'、'.join(i.title for i in items)}")
        self._job.start()

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _cancel_print(self) -> None:
        if self._job is not None:
            self._job.cancel()

    def _on_printed(self, used) -> None:
        qt_print.remember(used)
        db, actor, items = self.db, self.actor, list(self._job_items)

        def recorded(actions: list[str]) -> None:
            for item in items:  # printed: the next copy is a reprint and is marked 补打件
                self._pdf.pop(item.doc, None)
            reprint = "（补打）" if "reprint" in actions else ""
            self._show(f"已发送到打印机 {used.label()}{reprint}：{'、'.join(i.title for i in items)}")
            self.printed.emit(actions)
            self.refresh()  # the list and history show the print once it is recorded

        self._run(lambda: documents.record(db, actor, items, "print", printer=used.name), recorded, "正在记录打印…",
                  lambda exc: self._show(f"已发送到打印机 {used.label()}，但打印记录未能保存：{_problem(exc)}",
                                         error=True))

    def _on_print_failed(self, message: str) -> None:
        self._print_failed(self._job_items, message, printer=self._job.choice.name if self._job else "")

    def _print_failed(self, items: list[Rendered], message: str, *, printer: str) -> None:
        """Record the failure and keep the documents on disk, so nothing is lost."""
        db, actor = self.db, self.actor

        def keep():
            try:
                documents.record(db, actor, items, "print", printer=printer, outcome="failed", error=message)
            except UserError:
                pass  # the message below still tells the clerk; the documents are kept regardless
            return documents.keep_copy(db, actor, items)

        def kept(folder: Path) -> None:
            self._show(f"{message}。单据已保存在 {folder}，可稍后补打或用其他电脑打印", error=True, folder=folder)
            self.refresh()

        self._run(keep, kept, "正在保存单据副本…",
                  lambda exc: self._show(f"{message}。单据未能另存（{_problem(exc)}），请用“另存为PDF”保存到其他位置",
                                         error=True))

    def _on_job_finished(self) -> None:
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self._set_enabled(True)
        if self._job is not None:
            self._job.deleteLater()
        self._job = None

    def choose_printer(self) -> bool:
        if not qt_print.printer_names():
            self._show(qt_print.NO_PRINTER, error=True)
            return False
        dialog = PrinterChoiceDialog(self)
        accepted = run_modal(dialog) == QDialog.DialogCode.Accepted
        if accepted:
            self._update_printer_label()
            self._show(f"本机打印机已设为 {dialog.choice().label()}")
        return accepted

    # --- saving ---------------------------------------------------------------------------------

    def _default_dir(self) -> str:
        return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())

    def save_current_pdf(self) -> None:
        self._save_current("pdf")

    def save_current_docx(self) -> None:
        self._save_current("docx")

    def _save_current(self, fmt: str) -> None:
        """Render (PDF from this window's copy, Word afresh), ask where, save: the saved path lands in
        ``last_saved`` and the message; a failed save keeps the document here for another place."""
        doc = self.current_doc()
        if not doc:
            self._show("请先在左侧选择要保存的单据", error=True)
            return
        db, actor, app_id = self.db, self.actor, self.application_id

        def ask_and_save(items: list[Rendered]) -> None:
            item = items[0]
            caption = "另存为PDF" if fmt == "pdf" else "另存为Word"
            pattern = "PDF 文件 (*.pdf)" if fmt == "pdf" else "Word 文档 (*.docx)"
            path, _ = file_dialogs.get_save_file_name(self, caption, str(Path(self._default_dir()) / item.filename),
                                                  pattern)
            if not path:
                return
            if not path.lower().endswith(f".{fmt}"):
                path += f".{fmt}"
            self._run(lambda: documents.save(db, actor, item, path), self._saved, "正在保存…")

        if fmt == "pdf":
            self._render([doc], ask_and_save)
        else:
            self._run(lambda: [documents.render(db, actor, app_id, doc, "docx")], ask_and_save, "正在生成Word文档…")

    def _saved(self, saved: Path) -> None:
        self.last_saved = [saved]
        self._show(f"已保存：{saved}", folder=saved.parent)
        self.refresh()

    def save_all(self) -> None:
        folder = file_dialogs.get_existing_directory(self, "全套另存到文件夹", self._default_dir())
        if not folder:
            return
        db, actor = self.db, self.actor

        def save(items: list[Rendered]) -> None:
            def saved(paths: list[Path]) -> None:
                self.last_saved = paths
                self._show(f"已保存{len(paths)}份单据到 {folder}", folder=Path(folder))
                self.refresh()
            self._run(lambda: documents.save_set(db, actor, items, folder), saved, "正在保存全套单据…")

        self._render(self.applicable_docs(), save)

    def _open_folder(self) -> None:
        if self._folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._folder)))

    # --- signing, scans, archive (issue 18) ------------------------------------------------------

    def open_signing(self, pad=None):
        from counter_app.ui.signing_dialog import SigningDialog

        dialog = SigningDialog(self.db, self.actor, self.application_id, self, pad=pad)
        dialog.finished.connect(lambda _code: (self._pdf.clear(), self.refresh()))  # reprints now say "copy"
        dialog.show()
        self.signing_dialog = dialog
        return dialog

    def open_scans(self):
        from counter_app.ui.scans_dialog import ScansDialog

        dialog = ScansDialog(self.db, self.actor, self.application_id, self)
        dialog.show()
        self.scans_dialog = dialog
        return dialog

    def archive_case(self, path: str | None = None) -> None:
        if path is None:
            suggested = Path(self._default_dir()) / documents.suggested_filename(self.number, "案卷", "pdf")
            path, _ = file_dialogs.get_save_file_name(self, "案卷归档", str(suggested), "PDF 文件 (*.pdf)")
            if not path:
                return
        from counter_app.reporting import case_archive
        from counter_app.ui import background

        self._show("正在生成案卷（含签章单据、扫描件、办理环节和操作记录）…")
        self.archiving = True

        def work():
            result = case_archive.build(self.db, self.actor, self.application_id)
            return result, case_archive.save(self.db, self.actor, result, path)

        def done(value) -> None:
            self.archiving = False
            result, target = value
            self._show(f"已生成案卷 {target}：{result.pages}页，已签署单据{result.signed}份，扫描件{result.scans}页，"
                       f"已加盖电子签章（可用 counter-app verify 检验）", folder=target.parent)

        def failed(exc: Exception) -> None:
            self.archiving = False
            self._show(str(exc) if isinstance(exc, UserError) else f"生成案卷失败：{exc}", error=True)

        background.run(self, work, done, failed)

    # --- closing --------------------------------------------------------------------------------

    def reject(self) -> None:
        if self._job is not None:
            self._show("正在打印，请等待打印完成后再关闭", error=True)
            return
        super().reject()


def open_documents(db: Database, actor: Actor, application_id: int, parent: QWidget | None = None, *,
                   print_all: bool = False) -> DocumentsDialog:
    """Show the documents window of an application; ``print_all`` sends the whole set at once."""
    dialog = DocumentsDialog(db, actor, application_id, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    if print_all:
        dialog.print_all()
    return dialog
