"""The one way files are written (documents, exports, the marketing-system file, drafts): complete or
not at all, owner-only, and one wording for why not."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from counter_app.infra import atomic_files


def _names(folder):
    return sorted(p.name for p in folder.iterdir())


def test_writes_owner_only_and_replaces(tmp_path):
    target = tmp_path / "单据.pdf"
    target.write_bytes(b"old")
    target.chmod(0o644)
    atomic_files.write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # personal data: not readable by other users
    assert _names(tmp_path) == ["单据.pdf"]


def test_disk_full_keeps_the_old_file_and_removes_the_temporary_one(tmp_path, monkeypatch):
    target = tmp_path / "台账.xlsx"
    target.write_bytes(b"old")

    def no_space(*_args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OSError) as exc:
        atomic_files.write_bytes(target, b"new" * 1000)
    assert target.read_bytes() == b"old" and _names(tmp_path) == ["台账.xlsx"]
    assert "磁盘空间已满" in atomic_files.write_problem(target, exc.value)


def test_a_failing_writer_leaves_nothing(tmp_path):
    target = tmp_path / "x.json"
    with pytest.raises(ValueError), atomic_files.replacing(target) as temp:
        temp.write_text("half")
        raise ValueError("the writer broke")
    assert _names(tmp_path) == []


@pytest.mark.parametrize(("exc", "exists", "text"), [
    (PermissionError(errno.EACCES, "denied"), True, "正在 Excel 或其他程序中打开"),
    (PermissionError(errno.EACCES, "denied"), False, "没有在文件夹"),
    (OSError(errno.EROFS, "read-only"), False, "只读位置"),
    (FileNotFoundError(errno.ENOENT, "x"), False, "不存在或已断开"),
    (NotADirectoryError(errno.ENOTDIR, "x"), False, "不是文件夹"),
    (OSError(errno.EIO, "I/O error"), False, "I/O error"),
])
def test_one_wording_for_each_problem(tmp_path, exc, exists, text):
    target = tmp_path / "a.docx"
    if exists:
        target.write_bytes(b"")
    assert text in atomic_files.write_problem(target, exc)
