"""Render resources/icons/counter-app.svg to the raster icons the packages need (run after editing
the SVG; the outputs are committed): PNG 256/48 for the Linux desktop entry and the window, ICO for
the Windows executable and installer."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format_ARGB32)
    image.fill(Qt.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / "counter-app.svg"))
    for size in (256, 48):
        render(renderer, size).save(str(ICONS / f"counter-app-{size}.png"))
    # Qt's ICO writer stores one image per file; 256 px is what Windows scales down from
    if not render(renderer, 256).save(str(ICONS / "counter-app.ico"), "ICO"):
        print("ICO writer missing (Qt imageformats plugin qico)", file=sys.stderr)
        return 1
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
