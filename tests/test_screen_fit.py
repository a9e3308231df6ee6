"""Every window and dialog fits a 1366×768 and a 1024×768 screen with a taskbar, and the acceptance
form needs no horizontal scrolling at 1024×768 (measured in a subprocess on an offscreen screen of that size)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from counter_app.ui.screen_fit import TITLE_BAR

ROOT = Path(__file__).resolve().parent.parent


def _measure(tmp_path, width: int, height: int) -> dict:
    screens = tmp_path / "screens.json"
    screens.write_text(json.dumps({"screens": [{"name": "COUNTER", "x": 0, "y": 0, "width": width, "height": height,
                                                "logicalDpiX": 96, "logicalDpiY": 96, "dpr": 1}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={screens}", "PYTHONPATH": str(ROOT),
           "COUNTER_APP_DATA_DIR": str(tmp_path / "data")}
    out = subprocess.run([sys.executable, "-m", "tests.screen_fit.measure"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=240)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    assert line, out.stderr[-3000:]
    return json.loads(line[len("RESULT "):])


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1024, 768)])
def test_windows_and_dialogs_fit_the_screen(tmp_path, width, height):
    sizes = _measure(tmp_path, width, height)
    area_w, area_h = sizes.pop("area")
    assert area_h <= height - 40  # room for a taskbar even where the platform reports none
    form_min = sizes.pop("acceptance_form_min_width")
    scroll_w = sizes.pop("acceptance_scroll_width")
    assert sizes["DocumentsDialog"][0] <= width - 16  # the print dialog's buttons wrap, not widen it
    too_big = {name: (w, h) for name, (w, h) in sizes.items() if w > area_w or h + TITLE_BAR > area_h}
    assert not too_big, f"usable {area_w}×{area_h}: {too_big}"
    assert form_min <= scroll_w, "the acceptance form scrolls sideways"  # both columns visible
