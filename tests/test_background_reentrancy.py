"""The crash behind the suite's random "Fatal Python error: Segmentation fault": a window-modal progress
dialog runs the event loop inside setValue(); the task's result arrived in there, and a callback that
closed the page owning the dialog destroyed it under its own setValue(). Run in a child process, so a
regression fails this test instead of killing the whole run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCENARIO = textwrap.dedent("""
    import time
    import shiboken6
    from PySide6.QtWidgets import QApplication, QWidget
    from counter_app.ui.kit.background import BackgroundTask, pending

    app = QApplication([])
    page = QWidget()
    page.show()
    results = []

    def work(progress):
        for done in range(2000):
            progress.report(done, 2000)
        return "fertig"

    def on_success(result):
        results.append(result)
        shiboken6.delete(page)  # the page (and its progress dialog) goes at once

    task = BackgroundTask(work).with_progress(page, "正在导出…")
    task.on_success(on_success)
    task.dialog.setMinimumDuration(0)
    task.start()
    deadline = time.monotonic() + 30
    while pending() and time.monotonic() < deadline:
        app.processEvents()
    print("RESULT", results, pending())
""")


def test_a_callback_that_deletes_the_page_during_progress_does_not_crash(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for _ in range(3):  # the result arrives at a different progress step each time
        run = subprocess.run([sys.executable, "-X", "faulthandler", "-c", SCENARIO], env=env,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr[-2000:]
        assert "RESULT ['fertig'] 0" in run.stdout
