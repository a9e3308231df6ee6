"""总览 for supervisors: acceptances per day and window, counter time against the 20-minute
standard, warnings and overdue by stage, 容缺 due and overdue, the business mix. The figures come
from ``reporting.supervisor_overview`` in the background; each chart can be saved as a picture,
and all their numbers exported to Excel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QPieSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QAction, QColor, QFont, QImage, QKeySequence, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from counter_app.hall import many_halls
from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError
from counter_app.reporting import supervisor_overview
from counter_app.reporting.supervisor_overview import Chart, Overview
from counter_app.ui.kit import background
from counter_app.ui.kit.export_file import ask_save_path
from counter_app.ui.kit.list_page import opened_just_now
from counter_app.ui.kit.tracking_common import buddy_label, show_message, status_label

# yellow and red as the warning list shows them; the rest a calm palette that prints in grey well
LEVEL_COLOURS = {"预警（黄）": "#f2b705", "超期（红）": "#c62828"}
PALETTE = ("#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#7f7f7f", "#bcbd22")


def make_chart(chart: Chart) -> QChart:
    """A QChart of the figures: bars (stacked or side by side) with a category axis, or a pie."""
    qchart = QChart()
    qchart.setTitle(chart.title)
    qchart.setMargins(QMargins(4, 4, 4, 4))
    qchart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    title_font = QFont(qchart.titleFont())
    title_font.setBold(True)
    qchart.setTitleFont(title_font)
    if chart.kind == "pie":
        pie = QPieSeries()
        (_name, values), = chart.series
        total = sum(values) or 1
        for i, (label, value) in enumerate(zip(chart.categories, values, strict=True)):
            slice_ = pie.append(f"{label} {value:.0f}（{value / total:.0%}）", value)
            slice_.setColor(QColor(PALETTE[i % len(PALETTE)]))
        pie.setLabelsVisible(len(values) <= 6)
        qchart.addSeries(pie)
        qchart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
        return qchart
    bars = QStackedBarSeries() if chart.kind == "stacked" else QBarSeries()
    top = 0.0
    for i, (name, values) in enumerate(chart.series):
        bar_set = QBarSet(name)
        bar_set.append(list(values))
        bar_set.setColor(QColor(LEVEL_COLOURS.get(name, PALETTE[i % len(PALETTE)])))
        bars.append(bar_set)
        top = max([top, *values]) if chart.kind == "bar" else top
    if chart.kind != "bar":
        top = max((sum(v[i] for _n, v in chart.series) for i in range(len(chart.categories))), default=0)
    qchart.addSeries(bars)
    categories = QBarCategoryAxis()
    categories.append(_axis_labels(chart))
    if chart.key == "per_day":
        categories.setTitleText("日")
    values_axis = QValueAxis()
    values_axis.setLabelFormat("%d")
    values_axis.setRange(0, max(4, top * 1.1))
    values_axis.applyNiceNumbers()
    values_axis.setTitleText(chart.unit)
    qchart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
    qchart.addAxis(values_axis, Qt.AlignmentFlag.AlignLeft)
    bars.attachAxis(categories)
    bars.attachAxis(values_axis)
    qchart.legend().setVisible(len(chart.series) > 1)
    qchart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    return qchart


def _axis_labels(chart: Chart) -> list[str]:
    """Category labels that fit a 1024-px screen. Days show the day of the month (every few days for
    a long period); the axis needs unique labels, so the hidden ones are runs of zero-width spaces of
    different lengths, and a day number repeated a month later differs by one too."""
    if chart.key != "per_day":
        return list(chart.categories)
    step = max(1, len(chart.categories) // 15)
    labels = []
    for i, label in enumerate(chart.categories):  # "MM-DD"
        day = str(int(label[3:]))
        labels.append(day + "\u200b" * (i // 28) if i % step == 0 else "\u200b" * (i + 100))
    return labels


class ChartBox(QGroupBox):
    """One chart with its note and a 保存图片 button."""

    def __init__(self, page: OverviewPage, key: str) -> None:
        super().__init__(page)
        self.page, self.key = page, key
        self.setObjectName(f"chart_{key}")
        self.view = QChartView(self)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(250)
        self.note = QLabel(self)
        self.note.setObjectName(f"note_{key}")
        self.save_button = QPushButton("保存图片…", self)
        self.save_button.setAccessibleName("保存图片")
        self.save_button.clicked.connect(lambda: page.save_picture(key))
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        self.chart: Chart | None = None

    def show_chart(self, chart: Chart) -> None:
        old = self.view.chart()
        self.view.setChart(make_chart(chart))
        if old is not None:
            old.deleteLater()
        self.note.setText(chart.note)
        self.setAccessibleName(chart.title)
        self.chart = chart

    def image(self) -> QImage:
        return self.view.grab().toImage()


class OverviewPage(QWidget):
    """``OverviewPage(db, actor, parent=None)`` — the supervisor's 总览."""

    KEYS = ("per_day", "counter_time", "warnings", "deferrals", "business_mix")

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.overview: Overview | None = None
        self._asked = 0  # refreshes started; only the latest one's answer is shown
        self.last_saved: Path | None = None
        self.period = QComboBox(self)
        self.period.setAccessibleName("统计期间")
        for days, label in supervisor_overview.PERIODS.items():
            self.period.addItem(label, days)
        self.period.setCurrentIndex(1)
        self.period.currentIndexChanged.connect(lambda _i: self.refresh())
        self.hall = QComboBox(self)  # a supervisor over several halls picks the hall (hidden for one)
        self.hall.setObjectName("hallFilter")
        self.hall.setAccessibleName("营业厅")
        self.hall.hide()
        self.heading = QLabel(self)
        self.heading.setObjectName("overviewHeading")
        self.refresh_button = QPushButton("刷新(F5)", self)
        self.refresh_button.setAccessibleName("刷新")
        self.export_button = QPushButton("导出Excel(Ctrl+E)", self)
        self.export_button.setAccessibleName("导出Excel")
        self.export_button.setEnabled(False)
        self.messages = status_label(self)
        top = QHBoxLayout()
        top.addWidget(buddy_label("统计期间(&Q)：", self.period, self))
        top.addWidget(self.period)
        self.hall_label = buddy_label("营业厅(&H)：", self.hall, self)
        self.hall_label.hide()
        top.addWidget(self.hall_label)
        top.addWidget(self.hall)
        top.addWidget(self.heading, 1)
        top.addWidget(self.refresh_button)
        top.addWidget(self.export_button)

        self.boxes = {key: ChartBox(self, key) for key in self.KEYS}
        grid_host = QWidget(self)
        grid = QGridLayout(grid_host)
        grid.setContentsMargins(0, 0, 0, 0)
        # a month of days and the stage names need the full width of a 1024-px screen
        grid.addWidget(self.boxes["per_day"], 0, 0, 1, 2)
        grid.addWidget(self.boxes["warnings"], 1, 0, 1, 2)
        grid.addWidget(self.boxes["counter_time"], 2, 0)
        grid.addWidget(self.boxes["deferrals"], 2, 1)
        grid.addWidget(self.boxes["business_mix"], 3, 0, 1, 2)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(grid_host)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.messages)

        for text, key, slot in (("刷新", "F5", self.refresh), ("导出Excel", "Ctrl+E", self.export_excel)):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _=False, s=slot: s())
            self.addAction(action)
        self.refresh_button.clicked.connect(lambda: self.refresh())
        self.export_button.clicked.connect(lambda: self.export_excel())
        background.run(self, lambda: many_halls.hall_choices(db, actor), self._halls_loaded)
        self.refresh()

    def _halls_loaded(self, choices: list[tuple[int, str]]) -> None:
        for hall_id, name in choices:
            self.hall.addItem(name, hall_id)
        self.hall.setVisible(bool(choices))
        self.hall_label.setVisible(bool(choices))
        self.hall.currentIndexChanged.connect(lambda _i: self.refresh())
        if choices:  # show the hall the combo names (the first load took the account's first hall)
            self.refresh()

    def activate(self) -> None:
        if not opened_just_now(self):
            self.refresh()

    def refresh(self) -> background.BackgroundTask:
        db, actor, days, hall_id = self.db, self.actor, self.period.currentData(), self.hall.currentData()
        self._asked += 1
        asked = self._asked

        def loaded(overview: Overview) -> None:
            if asked != self._asked:
                return  # an earlier period or hall whose answer came late: the newest one is shown
            self.overview = overview
            self.heading.setText(f"{overview.hall_name}　{overview.period_label}")
            for chart in overview.charts:
                self.boxes[chart.key].show_chart(chart)
            self.export_button.setEnabled(True)
            show_message(self.messages, f"已更新（{clock.now():%H:%M}）")

        return background.run(self, lambda: supervisor_overview.build(db, actor, days=days, hall_id=hall_id), loaded,
                              self._failed, busy="正在统计…")

    def _failed(self, exc: Exception) -> None:
        show_message(self.messages, str(exc) if isinstance(exc, UserError) else f"操作失败：{exc}", error=True)

    def save_picture(self, key: str, path: str | None = None) -> background.BackgroundTask | None:
        box = self.boxes[key]
        if box.chart is None:
            return None
        path = path or ask_save_path(self, "保存图片", f"{box.chart.title}_{clock.today():%Y%m%d}.png",
                                     "PNG 图片 (*.png)", ".png")
        if not path:
            return None
        image = box.image()  # drawn here on the GUI thread; the file is written in the background

        def write() -> Path:
            if not image.save(path, "PNG"):
                raise UserError(f"无法保存图片到 {path}：请检查文件夹是否可写")
            return Path(path)

        def saved(target: Path) -> None:
            self.last_saved = target
            show_message(self.messages, f"已保存图片：{target}")

        return background.run(self, write, saved, self._failed)

    def export_excel(self, path: str | None = None) -> background.BackgroundTask | None:
        overview = self.overview
        if overview is None:
            return None
        path = path or ask_save_path(self, "导出总览数据", f"总览_{overview.date_to:%Y%m%d}.xlsx",
                                     "Excel 工作簿 (*.xlsx)", ".xlsx")
        if not path:
            return None
        db, actor = self.db, self.actor

        def exported(target: Path) -> None:
            self.last_saved = target
            show_message(self.messages, f"已导出总览数据：{target}")

        return background.run(self, lambda: supervisor_overview.export(db, actor, overview, path), exported,
                              self._failed, busy="正在导出…")
