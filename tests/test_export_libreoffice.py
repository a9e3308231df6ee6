"""Every export opens in LibreOffice: converted headless to PDF, read back.

A file LibreOffice would have to repair does not convert cleanly. Skipped only where soffice is
absent on a developer machine; in CI (``CI`` set) a missing soffice is a failure."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess

import pdfplumber
import pytest

from counter_app.reporting import exports
from counter_app.reporting.exports import ExportRequest
from counter_app.tracking import handover
from tests.conftest import setup_hall
from tests.factories import make_accepted, mark_printed

KINDS = ["register", "deferred", "commitments", "warnings", "workload"]


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("LibreOffice (soffice) is missing in CI: install libreoffice-calc-nogui (.ci/apt-packages.txt)")
    pytest.skip("LibreOffice (soffice) not installed on this machine")


def convert(files, outdir, profile):
    cmd = [soffice(), "--headless", "--norestore", f"-env:UserInstallation=file://{profile}",
           "--convert-to", "pdf", "--outdir", str(outdir), *map(str, files)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr


def test_exports_convert_to_pdf_in_libreoffice(sqlite_db, frozen_now, tmp_path):
    actors = setup_hall(sqlite_db)
    c1 = actors["clerk1"]
    with sqlite_db.write() as s:
        for i in range(40):
            make_accepted(s, window_id=c1.window_id, clerk_id=c1.user_id, name=f"测试客户{i}",
                          accepted_at=dt.datetime(2026, 11, 2 + i % 20, 9 + i % 8),
                          deferred=("property_proof",) if i % 3 == 0 else (), green=i == 5)
    ids = [i.application_id for i in handover.pending(sqlite_db, c1)][:12]
    mark_printed(sqlite_db, ids)
    batch = handover.create_batch(sqlite_db, c1, ids)
    out = tmp_path / "out"
    out.mkdir()
    files = [exports.export(sqlite_db, actors["super1"], ExportRequest(kind), out / f"{kind}.xlsx").path
             for kind in KINDS]
    files.append(exports.export(sqlite_db, c1, ExportRequest("handover", batch_id=batch.id), out / "handover.xlsx").path)

    convert(files, out, tmp_path / "lo-profile")

    expected = {
        "register": ["业扩受理台账", "申请编号", "证件号码", "合计（40 条）"],
        "deferred": ["容缺受理台账", "应补交日期", "已超期"],
        "commitments": ["承诺书台账", "容缺受理承诺书"],
        "warnings": ["时限预警清单", "红色超期"],
        "workload": ["窗口工作量统计", "王小明", "合计"],
        "handover": ["业扩报装资料交接清单", batch.number, "移交人（签字）", "接收人（签字）"],
    }
    for name, words in expected.items():
        pdf = out / f"{name}.pdf"
        assert pdf.exists(), name
        with pdfplumber.open(pdf) as doc:
            text = "\n".join(page.extract_text() or "" for page in doc.pages)
            first = doc.pages[0]
            assert first.width > first.height, f"{name}: not landscape"
            assert abs(first.width - 842) < 3 and abs(first.height - 595) < 3, f"{name}: not A4"
            assert f"第 1 页 共 {len(doc.pages)} 页" in text, name
        for word in words:
            assert word in text, (name, word)
        assert "350102********" in text or name in ("workload", "deferred", "warnings", "handover")
