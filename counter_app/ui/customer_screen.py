"""The window facing the customer (双屏): idle notice, the data as the clerk types it, 请核对 with
confirm / correction, and the 好差评 question.

It never takes the clerk's keyboard focus (Qt.WindowDoesNotAcceptFocus, WA_ShowWithoutActivating,
no control accepts focus): the customer uses touch or the mouse, the clerk keeps typing. Type sizes
follow the window's height, so the same view reads at 1920×1080 and at 1366×768.

The window only shows and reports (signals); ``customer_side`` decides what happens."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.customer import ratings
from counter_app.customer.settings import CustomerSideSettings
from counter_app.customer.view import LINE_LABELS, CustomerSheet

COMMENT_PHRASES = ("希望缩短等候时间", "希望一次性告知所需材料", "希望提高办理效率", "服务热情周到，谢谢")
CHANGED_STYLE = "color: #b35c00; background: #fff3e0;"
LEVEL_COLOURS = {
    "very_satisfied": "#1b5e20", "satisfied": "#2e7d32", "basic": "#5d6d1e",
    "dissatisfied": "#b35c00", "very_dissatisfied": "#b00020",
}

STYLE = """
#customerWindow, #customerWindow QScrollArea, #customerWindow QWidget#sheetLines {{ background: #f4f7fb; }}
#customerWindow QLabel {{ color: #1a1a1a; font-size: {body}px; }}
#customerWindow QLabel#hallName {{ font-size: {title}px; font-weight: bold; color: #0b4f8a; }}
#customerWindow QLabel#pageTitle {{ font-size: {title}px; font-weight: bold; color: #0b4f8a; }}
#customerWindow QLabel#subtitle {{ font-size: {small}px; color: #444; }}
#customerWindow QLabel#footer {{ font-size: {small}px; color: #333; }}
#customerWindow QLabel#lineLabel {{ color: #555; }}
#customerWindow QLabel#lineValue {{ font-weight: bold; }}
#customerWindow QLabel#thanks {{ font-size: {title}px; font-weight: bold; color: #1b5e20; }}
#customerWindow QLabel#countdown {{ font-size: {small}px; color: #666; }}
#customerWindow QPushButton {{ font-size: {body}px; padding: {pad}px {pad2}px; border-radius: 8px;
    border: 2px solid #0b4f8a; background: white; color: #0b4f8a; min-height: {button}px; }}
#customerWindow QPushButton:checked {{ background: #0b4f8a; color: white; }}
#customerWindow QPushButton#reason, #customerWindow QPushButton#commentPhrase {{ font-size: {small}px;
    min-height: {button_small}px; padding: 2px {pad}px; }}
#customerWindow QPushButton#confirmButton, #customerWindow QPushButton#submitRating {{
    background: #1b5e20; color: white; border-color: #1b5e20; font-weight: bold; }}
#customerWindow QPushButton#correctButton {{ color: #b35c00; border-color: #b35c00; }}
#customerWindow QPushButton#submitRating:disabled {{ background: #cfd8dc; color: #5f6b70; border-color: #cfd8dc; }}
"""


def _button(text: str, name: str, parent: QWidget | None = None) -> QPushButton:
    button = QPushButton(text, parent)
    button.setObjectName(name)
    button.setAccessibleName(text)
    button.setFocusPolicy(Qt.NoFocus)
    button.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
    return button


def _label(text: str = "", name: str = "", *, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    if name:
        label.setObjectName(name)
    label.setWordWrap(wrap)
    label.setFocusPolicy(Qt.NoFocus)
    return label


class CustomerWindow(QWidget):
    """Views: ``idle``, ``sheet`` (live or 请核对), ``correction``, ``rating``, ``thanks``."""

    confirmed = Signal()
    correctionRequested = Signal(str)  # a code of customer_view.LINE_LABELS
    rated = Signal(str, tuple, str)  # level, reasons, comment
    ratingTimedOut = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.Window | Qt.WindowDoesNotAcceptFocus)
        self.setAttribute(Qt.WA_ShowWithoutActivating)
        self.setFocusPolicy(Qt.NoFocus)
        self.setObjectName("customerWindow")
        self.setWindowTitle("客户屏 — 请核对您的办理信息")
        self.setAccessibleName("客户屏")
        self.setMinimumSize(QSize(640, 480))
        self.mode = "idle"
        self.sheet: CustomerSheet | None = None
        self.clerk_comment = ""  # the customer's words as the clerk typed them (ui.rating_entry)
        self._unit = 0
        self._remaining = 0
        self._build()
        self.show_idle()

    # --- layout ---------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 20, 32, 16)
        self.hall_name = _label("", "hallName")
        self.hall_name.setAlignment(Qt.AlignCenter)
        self.hall_name.setAccessibleName("营业厅名称")
        outer.addWidget(self.hall_name)
        line = QFrame()
        line.setFrameShape(QFrame.HLine)
        outer.addWidget(line)
        self.stack = QStackedWidget()
        self.stack.setFocusPolicy(Qt.NoFocus)
        outer.addWidget(self.stack, 1)
        self.footer = _label("", "footer")
        self.footer.setAlignment(Qt.AlignCenter)
        self.footer.setAccessibleName("监督电话")
        outer.addWidget(self.footer)

        self.pages: dict[str, QWidget] = {}
        self._build_idle()
        self._build_sheet()
        self._build_correction()
        self._build_rating()
        self._build_thanks()
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)

    def _page(self, key: str) -> QVBoxLayout:
        page = QWidget()
        page.setObjectName(f"customerPage_{key}")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 8, 0, 8)
        self.stack.addWidget(page)
        self.pages[key] = page
        return layout

    def _build_idle(self) -> None:
        layout = self._page("idle")
        layout.addStretch(1)
        self.welcome = _label("欢迎光临", "pageTitle")
        self.welcome.setAlignment(Qt.AlignCenter)
        self.notice = _label("", "notice")
        self.notice.setAlignment(Qt.AlignCenter)
        self.notice.setAccessibleName("办理须知")
        layout.addWidget(self.welcome)
        layout.addSpacing(24)
        layout.addWidget(self.notice)
        layout.addStretch(2)

    def _build_sheet(self) -> None:
        layout = self._page("sheet")
        self.sheet_title = _label("", "pageTitle")
        self.sheet_title.setAlignment(Qt.AlignCenter)
        self.sheet_subtitle = _label("", "subtitle")
        self.sheet_subtitle.setAlignment(Qt.AlignCenter)
        layout.addWidget(self.sheet_title)
        layout.addWidget(self.sheet_subtitle)
        grid_host = QWidget()
        self.grid = QGridLayout(grid_host)
        self.grid.setHorizontalSpacing(24)
        self.grid.setColumnStretch(1, 1)
        self.line_labels: dict[str, QLabel] = {}
        self.line_values: dict[str, QLabel] = {}
        for row, (code, text) in enumerate(LINE_LABELS.items()):
            label = _label(f"{text}：", "lineLabel", wrap=False)
            label.setAlignment(Qt.AlignRight | Qt.AlignTop)
            value = _label("", "lineValue")
            value.setObjectName("lineValue")
            value.setProperty("code", code)
            self.grid.addWidget(label, row, 0)
            self.grid.addWidget(value, row, 1)
            self.line_labels[code], self.line_values[code] = label, value
        # a long list of materials on a small training window scrolls instead of squeezing the lines
        scroll = QScrollArea()
        scroll.setObjectName("sheetScroll")
        scroll.setWidget(grid_host)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setFocusPolicy(Qt.NoFocus)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        grid_host.setObjectName("sheetLines")
        self.grid.setAlignment(Qt.AlignTop)
        layout.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        self.confirm_button = _button("信息无误，确认", "confirmButton")
        self.correct_button = _button("需要更正", "correctButton")
        self.confirm_button.clicked.connect(self.confirmed)
        self.correct_button.clicked.connect(self.show_correction_choice)
        buttons.addWidget(self.confirm_button, 2)
        buttons.addWidget(self.correct_button, 1)
        self.sheet_buttons = QWidget()
        self.sheet_buttons.setLayout(buttons)
        layout.addWidget(self.sheet_buttons)

    def _build_correction(self) -> None:
        layout = self._page("correction")
        title = _label("请点选需要更正的项目", "pageTitle")
        title.setAlignment(Qt.AlignCenter)
        layout.addWidget(title)
        host = QWidget()
        self.correction_grid = QGridLayout(host)
        self.correction_buttons: dict[str, QPushButton] = {}
        for index, (code, text) in enumerate(LINE_LABELS.items()):
            button = _button(text, f"correct_{code}")
            button.clicked.connect(lambda _=False, c=code: self._correction_chosen(c))
            self.correction_grid.addWidget(button, index // 3, index % 3)
            self.correction_buttons[code] = button
        layout.addWidget(host)
        layout.addStretch(1)
        back = _button("返回核对", "correctionBack")
        back.clicked.connect(lambda: self.show_sheet(self.sheet, confirm=True) if self.sheet else None)
        layout.addWidget(back)

    def _build_rating(self) -> None:
        layout = self._page("rating")
        self.rating_title = _label("请您对本次服务进行评价", "pageTitle")
        self.rating_title.setAlignment(Qt.AlignCenter)
        layout.addWidget(self.rating_title)
        self.countdown = _label("", "countdown")
        self.countdown.setAlignment(Qt.AlignCenter)
        layout.addWidget(self.countdown)
        levels = QHBoxLayout()
        self.level_group = QButtonGroup(self)
        self.level_group.setExclusive(True)
        self.level_buttons: dict[str, QPushButton] = {}
        for code, text in ratings.LEVELS.items():
            button = _button(text, f"level_{code}")
            button.setCheckable(True)
            button.setStyleSheet(f"QPushButton {{ border-color: {LEVEL_COLOURS[code]}; color: {LEVEL_COLOURS[code]}; }}"
                                 f"QPushButton:checked {{ background: {LEVEL_COLOURS[code]}; color: white; }}")
            self.level_group.addButton(button)
            levels.addWidget(button)
            self.level_buttons[code] = button
        self.level_group.buttonClicked.connect(self._level_chosen)
        layout.addLayout(levels)
        self.reasons_box = QWidget()
        reasons = QGridLayout(self.reasons_box)
        reasons.setContentsMargins(0, 0, 0, 0)
        hint = _label("请点选不满意的原因（可多选）：", "subtitle")
        reasons.addWidget(hint, 0, 0, 1, 3)
        # checkable buttons, not check boxes: the whole button is the touch target
        self.reason_checks: dict[str, QPushButton] = {}
        for index, reason in enumerate(ratings.REASONS):
            check = _button(reason, "reason")
            check.setCheckable(True)
            check.setAccessibleName(f"原因：{reason}")
            check.toggled.connect(self._restart_countdown)
            reasons.addWidget(check, 1 + index // 3, index % 3)
            self.reason_checks[reason] = check
        layout.addWidget(self.reasons_box)
        phrases = QGridLayout()
        phrases.addWidget(_label("意见建议（可选，点选添加）：", "subtitle", wrap=False), 0, 0, 1, 2)
        self.phrase_buttons = []
        for index, phrase in enumerate(COMMENT_PHRASES):
            button = _button(phrase, "commentPhrase")
            button.setCheckable(True)
            button.toggled.connect(self._update_comment)
            phrases.addWidget(button, 1 + index // 2, index % 2)
            self.phrase_buttons.append(button)
        layout.addLayout(phrases)
        self.comment_label = _label("", "subtitle")
        self.comment_label.setAccessibleName("意见建议")
        layout.addWidget(self.comment_label)
        layout.addStretch(1)
        self.submit_rating = _button("提交评价", "submitRating")
        self.submit_rating.clicked.connect(self._submit)
        layout.addWidget(self.submit_rating)

    def _build_thanks(self) -> None:
        layout = self._page("thanks")
        layout.addStretch(1)
        self.thanks = _label("感谢您的评价！", "thanks")
        self.thanks.setAlignment(Qt.AlignCenter)
        self.thanks_detail = _label("", "subtitle")
        self.thanks_detail.setAlignment(Qt.AlignCenter)
        layout.addWidget(self.thanks)
        layout.addWidget(self.thanks_detail)
        layout.addStretch(2)

    # --- large type ------------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._scale()

    def _scale(self) -> None:
        """Sizes from the window's height: 1080 px → 36 px body text, 768 px → 25 px."""
        unit = max(16, self.height() // 30)
        if unit == self._unit:
            return
        self._unit = unit
        self.setStyleSheet(STYLE.format(
            body=unit, title=int(unit * 1.5), small=max(14, int(unit * 0.8)), pad=unit // 3, pad2=unit // 2,
            button=int(unit * 1.9), button_small=int(unit * 1.3),
        ))

    # --- views -----------------------------------------------------------------------------------

    def set_settings(self, settings: CustomerSideSettings) -> None:
        self.hall_name.setText(settings.hall_name)
        self.notice.setText(settings.notice)
        phones = [f"监督电话：{settings.supervision_phone}"] if settings.supervision_phone else []
        if settings.service_phone:
            phones.append(f"供电服务热线：{settings.service_phone}")
        self.footer.setText("　　".join(phones))

    def _show(self, key: str) -> None:
        self.mode = key
        self.stack.setCurrentWidget(self.pages[key])
        if key != "rating":
            self._timer.stop()

    def show_idle(self) -> None:
        self.sheet = None
        self._show("idle")

    def show_sheet(self, sheet: CustomerSheet, *, confirm: bool = False, changed: tuple[str, ...] = ()) -> None:
        """The lines of ``sheet``; with ``confirm`` the 请核对 buttons; ``changed``: lines that differ
        from what the customer confirmed before (a reopened case), marked so they are checked again."""
        self.sheet = sheet
        present = {line.code: line for line in sheet.lines}
        for code, value in self.line_values.items():
            line = present.get(code)
            visible = line is not None
            self.line_labels[code].setVisible(visible)
            value.setVisible(visible)
            text = line.value if line else ""
            mark = "　（已更改）" if code in changed else ""
            value.setText((text or "—") + mark)
            value.setStyleSheet(CHANGED_STYLE if mark else "")
            value.setAccessibleName(f"{LINE_LABELS[code]}：{text or '未填写'}{mark.strip()}")
        if confirm and changed:
            self.sheet_title.setText("信息已更改，请重新核对")
            names = "、".join(LINE_LABELS.get(c, c) for c in changed)
            self.sheet_subtitle.setText(f"申请编号 {sheet.number}　请核对标出的项目（{names}），确认无误后将打印单据")
        elif confirm:
            self.sheet_title.setText("请核对您的办理信息")
            self.sheet_subtitle.setText(f"申请编号 {sheet.number}　确认无误后将打印单据供您签字")
        else:
            self.sheet_title.setText("受理员正在为您录入")
            self.sheet_subtitle.setText("请同步核对屏幕上的信息，如有错误请当场告知受理员")
        self.sheet_buttons.setVisible(confirm)
        self._show("sheet")
        self.mode = "confirm" if confirm else "live"

    def show_correction_choice(self) -> None:
        present = {line.code for line in self.sheet.lines} if self.sheet else set()
        for code, button in self.correction_buttons.items():
            button.setVisible(code in present)
        self._show("correction")

    def _correction_chosen(self, code: str) -> None:
        self.correctionRequested.emit(code)

    def show_waiting(self, text: str, code: str = "") -> None:
        """After a correction was asked: the sheet without buttons, the line to correct in orange."""
        if self.sheet is not None:
            self.show_sheet(self.sheet)
        self.sheet_title.setText("正在为您更正")
        self.sheet_subtitle.setText(text)
        if code in self.line_values:
            self.line_values[code].setStyleSheet("color: #b35c00;")

    def show_rating(self, timeout_seconds: int) -> None:
        for button in self.level_buttons.values():
            button.setChecked(False)
        self.level_group.setExclusive(False)
        for button in self.level_buttons.values():
            button.setChecked(False)
        self.level_group.setExclusive(True)
        for check in self.reason_checks.values():
            check.setChecked(False)
        for button in self.phrase_buttons:
            button.setChecked(False)
        self.clerk_comment = ""
        self._update_comment()
        self.reasons_box.hide()
        self.submit_rating.setEnabled(False)
        self._timeout = int(timeout_seconds)
        self._show("rating")
        self._restart_countdown()
        self._timer.start()

    def stop_rating(self) -> None:
        """The rating question is put aside: no time-out is reported for it."""
        self._timer.stop()

    def show_thanks(self, detail: str = "") -> None:
        self.thanks_detail.setText(detail)
        self._show("thanks")

    # --- rating ----------------------------------------------------------------------------------

    def chosen_level(self) -> str:
        button = self.level_group.checkedButton()
        return next((code for code, b in self.level_buttons.items() if b is button), "")

    def _level_chosen(self, _button: QAbstractButton) -> None:
        level = self.chosen_level()
        self.reasons_box.setVisible(level in ratings.BAD)
        if level not in ratings.BAD:
            for check in self.reason_checks.values():
                check.setChecked(False)
        self.submit_rating.setEnabled(bool(level))
        self._restart_countdown()

    def comment(self) -> str:
        parts = [b.text() for b in self.phrase_buttons if b.isChecked()]
        if self.clerk_comment:
            parts.append(self.clerk_comment)
        return "；".join(parts)

    def set_clerk_comment(self, text: str) -> None:
        """What the clerk types as the customer says it (ui.rating_entry), shown for the customer to check."""
        self.clerk_comment = text
        self._update_comment()

    def _update_comment(self) -> None:
        text = self.comment()
        note = "（含受理员代录的内容，请核对）" if self.clerk_comment else ""
        self.comment_label.setText(f"您的意见{note}：{text}" if text else "")
        self.comment_label.setAccessibleName(f"意见建议：{text}" if text else "意见建议")
        self._restart_countdown()

    def _restart_countdown(self) -> None:
        """Every touch gives the customer the full time again."""
        self._remaining = getattr(self, "_timeout", 60)
        self.countdown.setText(f"{self._remaining} 秒内未评价将记为“未评价”")

    def _tick(self) -> None:
        self._remaining -= 1
        if self._remaining <= 0:
            self._timer.stop()
            self.ratingTimedOut.emit()
            return
        self.countdown.setText(f"{self._remaining} 秒内未评价将记为“未评价”")

    def _submit(self) -> None:
        level = self.chosen_level()
        if not level:
            return
        self._timer.stop()
        reasons = tuple(r for r, check in self.reason_checks.items() if check.isChecked()) if level in ratings.BAD else ()
        self.rated.emit(level, reasons, self.comment())
