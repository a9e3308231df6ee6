"""客户签名: the customer signs each document of the set that has a signature box, on the screen
(touch or mouse, ``SignatureWidget``) or on a signature pad (``signature_pad``); each confirmed
signature is placed in the document, sealed with the hall's certificate and stored
(``signed_documents.sign``, run off the GUI thread). The clerk sees the progress per document.

Opened from the documents window of an application (单据打印 → 客户签名).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from counter_app import documents
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError
from counter_app.signing import signature_pad, signed_documents
from counter_app.ui.kit import background, file_dialogs
from counter_app.ui.kit.pdf_preview import PdfPreview
from counter_app.ui.kit.tracking_common import StatusMessages
from counter_app.ui.signature_widget import SignatureWidget


class SigningDialog(StatusMessages, QDialog):
    def __init__(self, db: Database, actor: Actor, application_id: int, parent: QWidget | None = None, *,
                 pad: signature_pad.SignaturePad | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.application_id = db, actor, application_id
        self.pad = pad or signature_pad.create()
        self.targets: list[signed_documents.SignTarget] = []
        self.busy = False
        self.pending = 0
        self.last_message = ""
        self._previews: dict[str, bytes] = {}
        self.setObjectName("SigningDialog")
        self.setWindowTitle("客户签名")
        self.resize(1180, 760)
        self._build()
        self.refresh()

    def _build(self) -> None:
        self.header = QLabel(self)
        self.progress_label = QLabel(self)
        self.progress_label.setObjectName("signProgressLabel")
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("签署进度")
        self.doc_list = QListWidget(self)
        self.doc_list.setObjectName("signDocuments")
        self.doc_list.setAccessibleName("待签单据")
        self.doc_list.currentRowChanged.connect(self._on_current)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("需客户签名的单据：", self))
        left_layout.addWidget(self.doc_list, 1)
        left_layout.addWidget(self.progress_label)
        left_layout.addWidget(self.progress)

        self.preview = PdfPreview(self)

        self.prompt = QLabel(self)
        self.prompt.setObjectName("signPrompt")
        self.prompt.setWordWrap(True)
        self.area = SignatureWidget(self, prompt="请客户在此处签名（手指、手写笔或鼠标）")
        self.area.changed.connect(self._update_buttons)
        self.clear_button = QPushButton("重签(&C)", self)
        self.clear_button.clicked.connect(self.area.clear)
        self.pad_button = QPushButton("从签批屏读取(&R)", self)
        self.pad_button.setToolTip(f"签名设备：{self.pad.label}")
        self.pad_button.clicked.connect(self.read_pad)
        self.pad_button.setVisible(not self.pad.on_screen)
        self.confirm_button = QPushButton("确认签名并盖章(&S)", self)
        self.confirm_button.setObjectName("confirmSignature")
        self.confirm_button.clicked.connect(self.confirm)
        self.save_button = QPushButton("另存签章原件(&E)…", self)
        self.save_button.clicked.connect(self.save_signed)
        close = QPushButton("关闭", self)
        close.clicked.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.confirm)
        buttons = QHBoxLayout()
        for b in (self.clear_button, self.pad_button, self.confirm_button, self.save_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        self.message = QLabel(self)
        self.message.setObjectName("signMessage")
        self.message.setWordWrap(True)

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.preview, 3)
        right_layout.addWidget(self.prompt)
        right_layout.addWidget(self.area, 2)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([300, 880])
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

    # --- state ------------------------------------------------------------------------------------

    def refresh(self, select: str | None = None) -> None:
        self.pending += 1

        def work():
            return (signed_documents.targets(self.db, self.actor, self.application_id),
                    documents.overview(self.db, self.actor, self.application_id))

        def failed(exc: Exception) -> None:
            self.pending -= 1
            self._show(str(exc) if isinstance(exc, UserError) else f"读取失败：{exc}", error=True)

        background.run(self, work, lambda result: self._fill(result, select), failed)

    def _fill(self, result, select: str | None) -> None:
        self.pending -= 1
        self.targets, info = result
        self.header.setText(f"申请编号：{info.number}　　客户：{info.customer_name}　　业务：{info.business_name}"
                            f"　　签名设备：{self.pad.label}")
        self.setWindowTitle(f"客户签名 — {info.number} {info.customer_name}")
        blocked = self.doc_list.blockSignals(True)
        self.doc_list.clear()
        for t in self.targets:
            state = f"已签 {t.signed_at:%m-%d %H:%M}" if t.signed_at else "未签"
            item = QListWidgetItem(f"{'✔' if t.signed_at else '○'} {t.title}（{state}）")
            item.setData(Qt.ItemDataRole.UserRole, t.doc)
            self.doc_list.addItem(item)
        self.doc_list.blockSignals(blocked)
        done = sum(1 for t in self.targets if t.signed_at)
        self.progress.setRange(0, max(len(self.targets), 1))
        self.progress.setValue(done)
        self.progress_label.setText(f"签署进度：{done}/{len(self.targets)}" +
                                    ("　全部签署完成" if self.targets and done == len(self.targets) else ""))
        docs = [t.doc for t in self.targets]
        target = select if select in docs else next((t.doc for t in self.targets if not t.signed_at),
                                                     docs[0] if docs else None)
        if target:
            self.doc_list.setCurrentRow(docs.index(target))
            self._on_current(docs.index(target))
        self._update_buttons()

    def current(self) -> signed_documents.SignTarget | None:
        row = self.doc_list.currentRow()
        return self.targets[row] if 0 <= row < len(self.targets) else None

    def signed_count(self) -> int:
        return sum(1 for t in self.targets if t.signed_at)

    def _on_current(self, row: int) -> None:
        target = self.current()
        if target is None:
            return
        again = "（已签署，再次签署将替换）" if target.signed_at else ""
        self.prompt.setText(f"请客户阅读《{target.title}》后，在下方签名，签名将放入“{target.signer_role}”栏{again}")
        self.area.clear()
        self.area.set_prompt(f"请在此处签署：{target.title}")
        self._load_preview(target.doc)

    def _load_preview(self, doc: str) -> None:
        if doc in self._previews:
            self.preview.show_pdf(self._previews[doc])
            return

        def work():
            return documents.render(self.db, self.actor, self.application_id, doc).data

        def done(data: bytes) -> None:
            self._previews[doc] = data
            target = self.current()
            if target and target.doc == doc:
                self.preview.show_pdf(data)

        background.run(self, work, done, lambda exc: self._show(background.problem(exc, "生成预览"), error=True))

    def _update_buttons(self) -> None:
        target = self.current()
        self.confirm_button.setEnabled(not self.busy and target is not None and not self.area.is_empty())
        self.clear_button.setEnabled(not self.busy and not self.area.is_empty())
        self.pad_button.setEnabled(not self.busy and target is not None)
        self.save_button.setEnabled(not self.busy and target is not None and target.signed_at is not None)

    # --- actions ----------------------------------------------------------------------------------

    def read_pad(self) -> bool:
        """Take the signature from the pad (pads answer quickly; a driver that waits runs in its SDK)."""
        target = self.current()
        if target is None:
            return False
        try:
            captured = self.pad.capture(f"请签署：{target.title}")
        except UserError as exc:
            self._show(str(exc), error=True)
            return False
        return self._sign(target, captured)

    def confirm(self) -> bool:
        target = self.current()
        captured = self.area.signature()
        if target is None or self.busy:
            return False
        if captured is None:
            self._show("请客户先在签名区签名", error=True)
            return False
        return self._sign(target, captured)

    def _sign(self, target: signed_documents.SignTarget, captured) -> bool:
        try:
            captured.check()
        except UserError as exc:
            self._show(str(exc), error=True)
            return False
        self.busy = True
        self._update_buttons()
        self._show(f"正在盖章：{target.title}…")

        def work():
            return signed_documents.sign(self.db, self.actor, self.application_id, target.doc, captured)

        def done(info: signed_documents.SignedInfo) -> None:
            self.busy = False
            self._show(f"已签署并盖章：{info.title}（{info.signed_at:%H:%M}，签章：{info.sealed_by}）")
            following = next((t.doc for t in self.targets if not t.signed_at and t.doc != target.doc), None)
            self.refresh(select=following or target.doc)

        def failed(exc: Exception) -> None:
            self.busy = False
            self._update_buttons()
            self._show(background.problem(exc, "盖章"), error=True)

        background.run(self, work, done, failed)
        return True

    def save_signed(self) -> None:
        target = self.current()
        if target is None or target.signed_id is None:
            return
        path = file_dialogs.ask_save_path(self, "另存签章原件", f"{target.title}（已签署）.pdf", "pdf")
        if path:
            self.save_signed_to(target.signed_id, path)

    def save_signed_to(self, signed_id: int, path: str) -> None:
        db, actor = self.db, self.actor
        background.run(self, lambda: signed_documents.save_signed(db, actor, signed_id, path),
                       lambda saved: self._show(f"已保存签章原件：{saved}"),
                       lambda exc: self._show(background.problem(exc, "保存"), error=True), busy="正在保存…")

    def reject(self) -> None:
        if self.busy:
            self._show("正在盖章，请稍候再关闭", error=True)
            return
        super().reject()
