"""Files with personal data are owner-only and nothing with personal data is left behind: Excel
exports 0600 like PDFs, openpyxl's sheet buffers in an owner-only folder (swept after a killed
export), drafts 0600 in a 0700 folder and no draft fragment after a full disk."""

from __future__ import annotations

import errno
import glob
import json
import os
import stat
import tempfile

import pytest

from counter_app.acceptance import drafts
from counter_app.acceptance.drafts import DraftStore
from counter_app.infra import config, private_files
from counter_app.printing.columns import Column
from counter_app.printing.excel import SheetSpec, write_xlsx

FULL_ID = "11010519491231002X"


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    old = os.umask(0o022)  # the usual desktop umask: new files 0644 unless the code says otherwise
    yield
    os.umask(old)


def _spec(rows):
    return SheetSpec(name="台账", title="业扩受理台账", columns=[Column("证件号码", width=20)], rows=rows)


def test_excel_export_is_owner_only_and_buffers_in_a_private_folder(tmp_path, open_umask):
    seen = {}

    def rows():
        for i in range(600):
            if i == 500:  # mid-export: where are openpyxl's buffers?
                seen["private"] = list(private_files.private_temp_dir().glob("openpyxl.*"))
                seen["system"] = glob.glob(os.path.join(tempfile.gettempdir(), "openpyxl.*"))
            yield [FULL_ID]

    target = tmp_path / "台账.xlsx"
    before = set(glob.glob(os.path.join(tempfile.gettempdir(), "openpyxl.*")))
    assert write_xlsx(target, [_spec(rows())]) == [600]
    assert _mode(target) == 0o600
    assert seen["private"] and set(seen["system"]) <= before
    assert _mode(private_files.private_temp_dir()) == 0o700
    assert str(private_files.private_temp_dir()).startswith(str(config.data_dir()))


def test_a_killed_exports_buffers_are_swept(tmp_path):
    stale = private_files.private_temp_dir() / "openpyxl.killed.xml"
    stale.write_text(FULL_ID)
    old = private_files.folder_now(stale.parent) - private_files.STALE_SECONDS - 60  # by the files' clock
    os.utime(stale, (old, old))
    fresh = private_files.private_temp_dir() / "openpyxl.running.xml"  # another export, still running
    fresh.write_text(FULL_ID)
    write_xlsx(tmp_path / "x.xlsx", [_spec([[FULL_ID]])])
    assert not stale.exists() and fresh.exists()


def test_drafts_are_owner_only(tmp_path, open_umask, frozen_now):
    folder = tmp_path / "drafts"
    folder.mkdir(mode=0o755)
    old = folder / "acceptance-clerk1-old.json"
    old.write_text(json.dumps({"key": "clerk1-old", "saved_at": frozen_now.isoformat(), "data": {}}))
    old.chmod(0o644)
    store = DraftStore(folder)
    path = store.save("clerk1-abc", {"cert_number": FULL_ID}, username="clerk1")
    assert _mode(folder) == 0o700 and _mode(path) == 0o600
    store.list()
    assert _mode(old) == 0o600  # older drafts are closed too


def test_full_disk_leaves_the_last_draft_and_no_fragment(tmp_path, frozen_now, monkeypatch):
    store = DraftStore(tmp_path)
    path = store.save("k", {"cert_number": FULL_ID, "holder_name": "张三"}, username="clerk1")

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(drafts.json, "dump", full)
    with pytest.raises(OSError):
        store.save("k", {"cert_number": FULL_ID, "holder_name": "张三丰"}, username="clerk1")
    assert not path.with_suffix(".tmp").exists()
    monkeypatch.undo()
    assert store.load("k").data["holder_name"] == "张三"
