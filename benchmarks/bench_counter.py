"""(6) Counter time: keystrokes and field visits for a residential 新装 after the certificate is read
(the scenario of tests/test_ui_acceptance_keyboard.py, run as is), against the number of fields of
the paper 用电申请表 (the document model in counter_app/forms for the same application)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import ROOT, Result, actor, build_database

TEST = "tests/test_ui_acceptance_keyboard.py::test_residential_new_connection_keyboard_only_and_counted"


def _keystrokes() -> tuple[int, int]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", TEST],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    m = re.search(r"keystrokes after the certificate was read: (\d+), field visits: (\d+)", proc.stdout)
    if proc.returncode != 0 or not m:
        raise RuntimeError(proc.stdout[-3000:] + proc.stderr[-2000:])
    return int(m.group(1)), int(m.group(2))


def _paper_fields() -> tuple[int, int]:
    """(fields printed on the 用电申请表, of which this residential 新装 fills in)."""
    from benchmarks.bench_acceptance import _input
    from counter_app.acceptance import service as acceptance
    from counter_app import forms
    from counter_app.infra.db import Database
    from counter_app.forms.common import NOT_APPLICABLE

    tmp = Path(tempfile.mkdtemp(prefix="bench_counter_"))
    url = f"sqlite:///{tmp / 'hall.sqlite3'}"
    build_database(url, 10)
    db = Database.from_url(url)
    saved = acceptance.save(db, actor(db, "clerk1"), _input(5))
    with db.read() as session:
        model = forms.build(forms.collect(session, saved.application_id), "form")
    fields = [f for section in model.sections for f in section.fields]
    filled = [f for f in fields if f.value and f.value != NOT_APPLICABLE]
    db.dispose()
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()
    return len(fields), len(filled)


def run(full: bool) -> list[Result]:
    keys, visits = _keystrokes()
    total, filled = _paper_fields()
    return [Result("6 counter time", f"keystrokes + field visits after the card is read ({keys} + {visits}); "
                   f"paper 用电申请表: {total} fields, {filled} filled in for this 新装",
                   keys + visits, "keys", filled, "fields the clerk would write on the paper form", "≤ 12 keys",
                   met=keys + visits <= 12)]


if __name__ == "__main__":
    for r in run(False):
        print(r)
