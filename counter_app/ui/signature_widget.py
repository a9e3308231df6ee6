"""A handwriting area for the customer's signature: touch, pen (with pressure) or mouse.

Self-contained so that the customer screen can embed it as is: it knows nothing about documents or
the database; it records strokes (x, y, milliseconds since the first point, pressure) and hands them
out as a ``signature_pad.CapturedSignature``. The image is drawn from those strokes by the domain
(``CapturedSignature.png``), so what is stored and printed does not depend on this widget.

    widget = SignatureWidget(prompt="请在此处签名")
    widget.changed.connect(...)
    signature = widget.signature()     # None while empty
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QElapsedTimer, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPainterPath, QPen, QTabletEvent, QTouchEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from counter_app.signing.signature_pad import CapturedSignature, Point

MOUSE_PRESSURE = 0.5  # a mouse reports none; a pen or finger that does wins


class SignatureWidget(QWidget):
    changed = Signal()  # a stroke ended or the area was cleared

    def __init__(self, parent: QWidget | None = None, *, prompt: str = "请在此处签名",
                 device: str = "屏幕手写") -> None:
        super().__init__(parent)
        self.setObjectName("signatureArea")
        self.setAccessibleName("签名区")
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(420, 160)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.prompt = prompt
        self.device = device
        self._strokes: list[list[Point]] = []
        self._current: list[Point] | None = None
        self._clock = QElapsedTimer()

    # --- what it holds ----------------------------------------------------------------------------

    def is_empty(self) -> bool:
        return not any(self._strokes)

    def clear(self) -> None:
        self._strokes.clear()
        self._current = None
        self._clock.invalidate()
        self.update()
        self.changed.emit()

    def set_prompt(self, text: str) -> None:
        self.prompt = text
        self.update()

    def signature(self) -> CapturedSignature | None:
        if self.is_empty():
            return None
        strokes = tuple(tuple(s) for s in self._strokes if s)
        return CapturedSignature(strokes, max(self.width(), 1), max(self.height(), 1), self.device)

    # --- input ------------------------------------------------------------------------------------

    def _point(self, pos: QPointF, pressure: float) -> Point:
        if not self._clock.isValid():
            self._clock.start()
        return (round(pos.x(), 1), round(pos.y(), 1), int(self._clock.elapsed()), round(float(pressure), 3))

    def begin_stroke(self, pos: QPointF, pressure: float = MOUSE_PRESSURE) -> None:
        self._current = [self._point(pos, pressure)]
        self._strokes.append(self._current)
        self.update()

    def extend_stroke(self, pos: QPointF, pressure: float = MOUSE_PRESSURE) -> None:
        if self._current is None:
            return
        self._current.append(self._point(pos, pressure))
        self.update()

    def end_stroke(self) -> None:
        if self._current is not None:
            self._current = None
            self.changed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.begin_stroke(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.extend_stroke(event.position())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.end_stroke()

    def tabletEvent(self, event: QTabletEvent) -> None:
        kind = event.type()
        if kind == QTabletEvent.Type.TabletPress:
            self.begin_stroke(event.position(), event.pressure())
        elif kind == QTabletEvent.Type.TabletMove and event.pressure() > 0:
            self.extend_stroke(event.position(), event.pressure())
        elif kind == QTabletEvent.Type.TabletRelease:
            self.end_stroke()
        event.accept()

    def event(self, event) -> bool:
        kind = event.type()
        if kind in (QTouchEvent.Type.TouchBegin, QTouchEvent.Type.TouchUpdate, QTouchEvent.Type.TouchEnd):
            points = event.points()
            if points:
                point = points[0]
                pressure = point.pressure() or MOUSE_PRESSURE
                if kind == QTouchEvent.Type.TouchBegin:
                    self.begin_stroke(point.position(), pressure)
                elif kind == QTouchEvent.Type.TouchUpdate:
                    self.extend_stroke(point.position(), pressure)
                else:
                    self.end_stroke()
            event.accept()
            return True
        return super().event(event)

    # --- drawing ----------------------------------------------------------------------------------

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        painter.fillRect(rect, QColor("white"))
        painter.setPen(QPen(QColor("#9e9e9e"), 1, Qt.PenStyle.DashLine))
        painter.drawRect(rect)
        baseline = rect.bottom() - rect.height() * 0.25
        painter.drawLine(QPointF(rect.left() + 20, baseline), QPointF(rect.right() - 20, baseline))
        if self.is_empty():
            painter.setPen(QColor("#9e9e9e"))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.prompt)
        for stroke in self._strokes:
            if not stroke:
                continue
            for (x0, y0, _t0, p0), (x1, y1, _t1, p1) in itertools.pairwise(stroke):
                painter.setPen(QPen(QColor("black"), 1.5 + 3 * (p0 + p1) / 2, Qt.PenStyle.SolidLine,
                                    Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
                painter.drawLine(QPointF(x0, y0), QPointF(x1, y1))
            if len(stroke) == 1:
                path = QPainterPath()
                path.addEllipse(QPointF(stroke[0][0], stroke[0][1]), 2, 2)
                painter.fillPath(path, QColor("black"))
        painter.end()
