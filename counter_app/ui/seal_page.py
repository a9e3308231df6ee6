"""电子签章证书 (admin): the hall's seal certificates — import a PKCS#12 file, create a trial one,
enable sealing on this PC with the seal passphrase. The domain (``seal_certificates``) does the work
off the GUI thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.hall import many_halls
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.signing import certificates as seal_certificates
from counter_app.signing import signed_documents
from counter_app.ui.kit import background, file_dialogs
from counter_app.ui.kit.tracking_common import StatusMessages


class SealPage(StatusMessages, QWidget):
    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.pending = 0
        self.last_message = ""
        self.hall_id: int | None = None  # the hall whose seal is shown (an admin over several halls picks it)
        self.hall = QComboBox(self)
        self.hall.setObjectName("sealHall")
        self.hall.setAccessibleName("营业厅")
        self.hall.currentIndexChanged.connect(self._hall_changed)
        self.hall_label = QLabel("营业厅(&H)：", self)
        self.hall_label.setBuddy(self.hall)
        self.list = QListWidget(self)
        self.list.setObjectName("sealCertificates")
        self.list.setAccessibleName("签章证书")
        self.local = QLabel(self)
        note = QLabel("证书私钥以盖章口令加密后存放在营业厅数据库中；口令不入库，只保存在各盖章电脑本机（仅本用户可读）。"
                      "试用证书为自签名证书，仅供试用，不具法律效力。", self)
        note.setWordWrap(True)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        row = QHBoxLayout()
        for text, slot in [("导入证书(&I)…", self.import_dialog), ("创建试用证书(&T)…", self.trial_dialog),
                           ("设置本机盖章口令(&K)…", self.passphrase_dialog)]:
            button = QPushButton(text, self)
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch(1)
        from counter_app.forms.models import APPLICATION_DOCS, DOC_TITLES

        paper_row = QHBoxLayout()
        paper_row.addWidget(QLabel("以下单据仍打印纸质件由客户手写签字：", self))
        self.paper: dict[str, QCheckBox] = {}
        for doc in APPLICATION_DOCS:
            if doc == "receipt":  # no box for the customer's signature
                continue
            box = QCheckBox(DOC_TITLES[doc], self)
            box.toggled.connect(self._paper_changed)
            self.paper[doc] = box
            paper_row.addWidget(box)
        paper_row.addStretch(1)
        layout = QVBoxLayout(self)
        hall_row = QHBoxLayout()
        hall_row.addWidget(self.hall_label)
        hall_row.addWidget(self.hall)
        hall_row.addStretch(1)
        layout.addLayout(hall_row)
        self.hall.setVisible(False)
        self.hall_label.setVisible(False)
        layout.addWidget(QLabel("电子签章证书（最新导入或创建的为当前使用）：", self))
        layout.addWidget(self.list, 1)
        layout.addWidget(self.local)
        layout.addWidget(note)
        layout.addLayout(paper_row)
        layout.addWidget(self.message)
        layout.addLayout(row)
        self.refresh()

    def activate(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.pending += 1

        db, actor, chosen = self.db, self.actor, self.hall_id

        def work():
            choices = many_halls.managed_hall_choices(db, actor)
            hall_id = chosen if chosen is not None or not choices else choices[0][0]
            return (hall_id, choices, seal_certificates.certificates(db, actor, hall_id),
                    seal_certificates.this_pc_passphrase(), signed_documents.paper_docs(db, actor, hall_id))

        def done(result) -> None:
            self.pending -= 1
            hall_id, choices, rows, passphrase, paper = result
            self._show_halls(hall_id, choices)
            self._filling = True
            for doc, box in self.paper.items():
                box.setChecked(doc in paper)
            self._filling = False
            self.list.clear()
            for info in rows:
                self.list.addItem(f"{'【当前使用】' if info.active else '【已停用】'}{info.label}　指纹 {info.fingerprint[:16]}…")
            if not rows:
                self.list.addItem("尚未配置签章证书：请导入营业厅证书，或创建试用证书")
            has = passphrase is not None
            self.local.setText("本机：" + ("已保存盖章口令，可以盖章" if has else "未保存盖章口令，本机不能盖章"))

        background.run(self, work, done, self._failed)

    def _show_halls(self, hall_id: int | None, choices: list[tuple[int, str]]) -> None:
        """An admin over several halls picks whose seal it is; an admin of one hall sees no choice."""
        self.hall_id = hall_id
        blocked = self.hall.blockSignals(True)
        self.hall.clear()
        for chosen, name in choices:
            self.hall.addItem(name, chosen)
        self.hall.setCurrentIndex(max(0, self.hall.findData(hall_id)))
        self.hall.blockSignals(blocked)
        self.hall.setVisible(bool(choices))
        self.hall_label.setVisible(bool(choices))

    def _hall_changed(self, _index: int) -> None:
        chosen = self.hall.currentData()
        if chosen is not None and chosen != self.hall_id:
            self.hall_id = int(chosen)
            self.refresh()

    def _paper_changed(self) -> None:
        if getattr(self, "_filling", False):
            return
        docs = [doc for doc, box in self.paper.items() if box.isChecked()]
        self.pending += 1
        background.run(self, lambda: signed_documents.set_paper_docs(self.db, self.actor, docs, self.hall_id),
                lambda _r: self._done("已保存：" + ("、".join(b.text() for b in self.paper.values() if b.isChecked())
                                                   + "打印纸质件手写签字" if docs else "全部单据可电子签名")),
                self._failed)

    def _ask(self, title: str, label: str) -> str | None:
        text, ok = QInputDialog.getText(self, title, label, QLineEdit.EchoMode.Password)
        return text if ok else None

    def import_dialog(self) -> None:
        path, _ = file_dialogs.get_open_file_name(self, "导入签章证书", "", "PKCS#12 证书 (*.p12 *.pfx)")
        if not path:
            return
        password = self._ask("导入签章证书", "证书文件密码：")
        passphrase = self._ask("导入签章证书", "设置盖章口令（至少8位，用于加密保存私钥）：") if password is not None else None
        if passphrase is not None:
            self.import_file(path, password, passphrase)

    def import_file(self, path: str, password: str, passphrase: str) -> None:
        self.pending += 1

        def work():
            data = Path(path).read_bytes()
            return seal_certificates.import_pkcs12(self.db, self.actor, data, password, passphrase, self.hall_id)

        background.run(self, work, lambda info: self._done(f"已导入签章证书：{info.label}"), self._failed)

    def trial_dialog(self) -> None:
        passphrase = self._ask("创建试用证书", "设置盖章口令（至少8位）：")
        if passphrase is not None:
            self.create_trial(passphrase)

    def create_trial(self, passphrase: str) -> None:
        self.pending += 1
        background.run(self, lambda: seal_certificates.create_trial(self.db, self.actor, passphrase, hall_id=self.hall_id),
                lambda info: self._done(f"已创建试用证书：{info.label}（仅供试用，不具法律效力）"), self._failed)

    def passphrase_dialog(self) -> None:
        passphrase = self._ask("设置本机盖章口令", "盖章口令：")
        if passphrase is not None:
            self.set_passphrase(passphrase)

    def set_passphrase(self, passphrase: str) -> None:
        self.pending += 1
        background.run(self, lambda: seal_certificates.set_this_pc_passphrase(self.db, self.actor, passphrase),
                lambda path: self._done(f"本机盖章口令已保存（仅本用户可读）：{path}"), self._failed)

    def _done(self, text: str) -> None:
        self.pending -= 1
        self._show(text)
        self.refresh()
