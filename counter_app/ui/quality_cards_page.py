"""红黄牌 page. A supervisor turns the stage history into proposals, confirms or dismisses each,
records red (and yellow) cards with evidence, decides appeals, withdraws cards, and reads and exports
the month's register per person and department. A clerk or back-office colleague sees their own
cards of the month and appeals one. All service calls run through ``background.run``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError, ValidationFailed
from counter_app.security.permissions import Perm, allowed
from counter_app.tracking import quality_cards as qc
from counter_app.ui.kit import background
from counter_app.ui.kit.export_file import ask_save_path
from counter_app.ui.kit.form_widgets import dialog_buttons
from counter_app.ui.kit.list_page import opened_just_now
from counter_app.ui.kit.modal import run_modal
from counter_app.ui.kit.reason_dialog import ReasonDialog
from counter_app.ui.kit.table_model import RowsTableModel, size_columns
from counter_app.ui.kit.tracking_common import buddy_label, make_table, show_message, status_label

CARD_COLOURS = {"yellow": "#fff3c4", "red": "#ffd6d6"}


def _problem(exc: Exception) -> str:
    return str(exc) if isinstance(exc, UserError) else f"操作失败：{exc}"


class IssueCardDialog(QDialog):
    """登记红黄牌: the case, the person, the rule, the facts and evidence. Saved in the background;
    a refusal is shown at its field and nothing typed is lost."""

    def __init__(self, db: Database, actor: Actor, people: list[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.card_id: int | None = None
        self.setWindowTitle("登记红黄牌")
        self.setMinimumWidth(520)
        self.number = QLineEdit(self)
        self.number.setPlaceholderText("如 FZGL01-20261124-0003")
        self.person = QComboBox(self)
        for username, label in people:
            self.person.addItem(label, username)
        self.rule = QComboBox(self)
        for code, (colour, label) in qc.RULES.items():
            self.rule.addItem(f"{qc.COLOR_LABELS[colour]}：{label}", code)
        self.rule.setCurrentIndex(list(qc.RULES).index("irregular_fee"))
        self.evidence = QPlainTextEdit(self)
        self.evidence.setTabChangesFocus(True)
        self.evidence.setFixedHeight(90)
        form = QFormLayout()
        for text, widget in (("申请编号(&N)：", self.number), ("人员(&P)：", self.person), ("依据(&R)：", self.rule),
                             ("事实和证据(&E)：", self.evidence)):
            widget.setAccessibleName(text.split("(")[0])
            form.addRow(buddy_label(text, widget, self), widget)
        self.fields = {"number": self.number, "user": self.person, "rule": self.rule, "evidence": self.evidence}
        self.message = status_label(self)
        box, self.ok_button, _cancel = dialog_buttons(self, "登记", "取消")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(box)

    def accept(self) -> None:
        number, username = self.number.text(), self.person.currentData() or ""
        rule, evidence = self.rule.currentData(), self.evidence.toPlainText()
        db, actor = self.db, self.actor

        def saved(card_id: int) -> None:
            self.card_id = card_id
            QDialog.accept(self)

        def failed(exc: Exception) -> None:
            field = next(iter(exc.errors)) if isinstance(exc, ValidationFailed) else None
            show_message(self.message, _problem(exc), error=True)
            if field in self.fields:
                self.fields[field].setFocus()

        self.saving = background.run(self, lambda: qc.issue(db, actor, number=number, username=username, rule=rule,
                                                            evidence=evidence), saved, failed, busy="正在登记…")


class QualityCardsPage(QWidget):
    """``QualityCardsPage(db, actor, parent=None)`` — 红黄牌 of the month."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.manager = allowed(actor, Perm.MANAGE_QUALITY_CARDS)
        self.rows: list[qc.CardRow] = []
        self.last_dialog: QDialog | None = None
        self.month = QDateEdit(QDate(clock.today()), self)
        self.month.setDisplayFormat("yyyy年MM月")
        self.month.setAccessibleName("月份")
        self.month.dateChanged.connect(lambda _d: self.refresh())
        self.messages = status_label(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("cardSummary")

        self.card_model = RowsTableModel(qc.CARD_COLUMNS, parent=self, background=self._colour)
        self.card_table = make_table(self.card_model, "红黄牌", self)
        size_columns(self.card_table, qc.CARD_COLUMNS)
        self.card_table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        top = QHBoxLayout()
        top.addWidget(buddy_label("月份(&M)：", self.month, self))
        top.addWidget(self.month)
        top.addWidget(self.summary, 1)
        self.buttons: dict[str, QPushButton] = {}
        actions: list[tuple[str, str, str, Callable]] = [("refresh", "刷新", "F5", self.refresh)]
        if self.manager:
            actions += [("propose", "生成建议", "", self.propose), ("confirm", "确认发出", "", self.confirm),
                        ("dismiss", "不予采纳…", "", self.dismiss), ("issue", "登记红黄牌…", "Ctrl+Shift+N", self.issue),
                        ("uphold", "维持…", "", self.uphold), ("withdraw", "撤销…", "", self.withdraw),
                        ("export", "导出登记表", "Ctrl+E", self.export_register)]
        else:
            actions += [("appeal", "申诉…", "", self.appeal)]
        row = QHBoxLayout()
        for key, text, shortcut, slot in actions:
            button = QPushButton(f"{text}({shortcut})" if shortcut else text, self)
            button.setAccessibleName(text.rstrip("…"))
            button.clicked.connect(lambda _=False, s=slot: s())
            self.buttons[key] = button
            row.addWidget(button)
            if shortcut:
                action = QAction(text, self)
                action.setShortcut(QKeySequence(shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                action.triggered.connect(lambda _=False, s=slot: s())
                self.addAction(action)
        row.addStretch(1)
        cards_box = QGroupBox("红黄牌（本月）" if self.manager else "本人的红黄牌（本月）", self)
        cards_layout = QVBoxLayout(cards_box)
        cards_layout.addWidget(self.card_table, 1)
        cards_layout.addLayout(row)

        self.register_model = RowsTableModel(qc.REGISTER_COLUMNS, parent=self)
        self.register_table = make_table(self.register_model, "红黄牌登记表", self)
        size_columns(self.register_table, qc.REGISTER_COLUMNS)
        register_box = QGroupBox("登记表（按人员、部门；两张黄牌折合一张红牌，已撤销的不计）", self)
        QVBoxLayout(register_box).addWidget(self.register_table)
        register_box.setVisible(self.manager)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(cards_box)
        splitter.addWidget(register_box)
        splitter.setSizes([400, 220])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.messages)
        self._update_buttons()
        self.refresh()

    def activate(self) -> None:
        if not opened_just_now(self):
            self.refresh()
        self.card_table.setFocus()

    def period(self) -> tuple[dt.date, dt.date]:
        first = self.month.date().toPython().replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        return first, last

    @staticmethod
    def _colour(cells: tuple) -> QColor | None:
        """Cards that count in their colour; proposals, dismissed and withdrawn ones plain."""
        counted = {qc.STATUS_LABELS[s] for s in qc.COUNTED}
        colour = {qc.COLOR_LABELS[c]: CARD_COLOURS[c] for c in CARD_COLOURS}.get(cells[3])
        return QColor(colour) if colour and cells[9] in counted else None

    def refresh(self, then: Callable[[], None] | None = None) -> background.BackgroundTask:
        db, actor, (first, last) = self.db, self.actor, self.period()

        def loaded(result) -> None:
            self.rows, people = result
            self.card_model.set_rows([qc.card_cells(r) for r in self.rows])
            self.register_model.set_rows([(r.person, r.department, r.yellow, r.red, r.red_equivalent)
                                          for r in people + qc.by_department(people)])
            yellow, red = sum(r.yellow for r in people), sum(r.red for r in people)
            proposed = sum(1 for r in self.rows if r.status == "proposed")
            self.summary.setText(f"{first:%Y年%m月}：黄牌 {yellow} 张，红牌 {red} 张"
                                 + (f"，待确认建议 {proposed} 条" if proposed else ""))
            self._update_buttons()
            if then is not None:
                then()

        return background.run(self, lambda: (qc.cards(db, actor, first, last), qc.register(db, actor, first, last)),
                              loaded, lambda exc: show_message(self.messages, _problem(exc), error=True),
                              busy="正在读取红黄牌…")

    def current(self) -> qc.CardRow | None:
        index = self.card_table.currentIndex().row()
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def _update_buttons(self) -> None:
        card = self.current()
        status = card.status if card else ""
        wanted = {"confirm": status == "proposed", "dismiss": status == "proposed",
                  "uphold": status == "appealed", "withdraw": status in qc.COUNTED, "appeal": status == "issued"}
        for key, enabled in wanted.items():
            if key in self.buttons:
                self.buttons[key].setEnabled(enabled)

    def _run(self, op: Callable[[], object], done: str) -> background.BackgroundTask:
        def finished(_result) -> None:
            self.refresh(then=lambda: show_message(self.messages, done))

        return background.run(self, op, finished, lambda exc: show_message(self.messages, _problem(exc), error=True),
                              busy="正在保存…")

    def propose(self) -> background.BackgroundTask:
        db, actor, (first, last) = self.db, self.actor, self.period()

        def done(n: int) -> None:
            self.refresh(then=lambda: show_message(
                self.messages, f"按环节记录生成建议 {n} 条，请逐条核实后确认或不予采纳" if n else "没有新的红黄牌建议"))

        return background.run(self, lambda: qc.propose(db, actor, first, last), done,
                              lambda exc: show_message(self.messages, _problem(exc), error=True), busy="正在分析环节记录…")

    def confirm(self) -> background.BackgroundTask | None:
        card = self.current()
        if card is None:
            return None
        return self._run(lambda: qc.confirm(self.db, self.actor, card.id), f"已向{card.person}发出{card.color_label}")

    def _with_reason(self, title: str, label: str, what: str, op, done: str) -> background.BackgroundTask | None:
        card = self.current()
        if card is None:
            return None
        dialog = ReasonDialog(title, f"{card.person} {card.color_label}：{card.rule_label}（申请 {card.number}）",
                              self, label=label)
        dialog.check = lambda text: qc.check_reason(text, what)
        self.last_dialog = dialog
        if run_modal(dialog) != QDialog.Accepted:
            return None
        reason = dialog.reason.toPlainText()
        return self._run(lambda: op(self.db, self.actor, card.id, reason), done)

    def dismiss(self):
        return self._with_reason("不予采纳", "原因(&R)：", "不予采纳的原因", qc.dismiss, "已不予采纳该建议（原因已记录）")

    def withdraw(self):
        return self._with_reason("撤销红黄牌", "撤销原因(&R)：", "撤销原因", qc.withdraw, "已撤销（原因已记录）")

    def uphold(self):
        return self._with_reason("维持红黄牌", "维持理由(&R)：", "维持的理由", qc.uphold, "申诉不成立，已维持")

    def appeal(self):
        return self._with_reason("申诉", "申诉理由(&R)：", "申诉理由", qc.appeal, "已提出申诉，等待班长处理")

    def issue(self) -> background.BackgroundTask | None:
        if not self.manager:
            return None
        db, actor = self.db, self.actor

        def show(people) -> None:
            dialog = IssueCardDialog(db, actor, people, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.accepted.connect(lambda: self.refresh(then=lambda: show_message(self.messages, "已登记")))
            self.last_dialog = dialog
            dialog.open()

        return background.run(self, lambda: qc.people(db, actor), show,
                              lambda exc: show_message(self.messages, _problem(exc), error=True))

    def export_register(self, path: str | None = None) -> background.BackgroundTask | None:
        first, last = self.period()
        path = path or ask_save_path(self, "导出红黄牌登记表", f"红黄牌登记表_{first:%Y%m}.xlsx",
                                     "Excel 工作簿 (*.xlsx)", ".xlsx")
        if not path:
            return None
        return self._run(lambda: qc.export_register(self.db, self.actor, first, last, path),
                         f"已导出红黄牌登记表：{path}")
