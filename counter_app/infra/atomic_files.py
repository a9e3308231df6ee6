"""Writing a file the counter hands to someone (a document, an export, a draft): written beside its
target under a temporary name and renamed over it only once complete on disk, so a full disk, a
crash or a cancelled export never leaves half a file where the old one was. The files hold personal
data: created owner-only (0600). And the one wording for why a file could not be written."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path


class ReadOnlyTarget(PermissionError):
    """The file to be replaced is marked read-only: a rename would replace it regardless (it needs
    only the folder's permission), against what whoever marked it meant."""


def refuse_read_only(target: Path) -> None:
    try:
        mode = target.stat().st_mode
    except OSError:  # not there (yet): nothing to protect
        return
    if target.is_file() and (not mode & 0o222 or not os.access(target, os.W_OK)):
        raise ReadOnlyTarget(errno.EACCES, "read-only file", str(target))


@contextlib.contextmanager
def replacing(target: str | os.PathLike) -> Iterator[Path]:
    """Yields a temporary path beside ``target`` (an empty owner-only file) for the caller to write;
    on leaving the block the file is synced and renamed over ``target``. When the block (or the
    rename) fails, the temporary file is removed and ``target`` is left as it was. A read-only
    ``target`` is refused (ReadOnlyTarget) before anything is written."""
    target = Path(target)
    directory = target.parent if str(target.parent) else Path(".")
    refuse_read_only(target)
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".part{target.suffix}", dir=directory)
    os.close(fd)  # mkstemp made it 0600; writers reopen it by name (openpyxl wants a path)
    temp = Path(name)
    try:
        yield temp
        with open(temp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def safe_name(text: str) -> str:
    """``text`` usable as a file name on Windows and Linux: path separators, the characters Windows
    refuses and white space become "_"."""
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text)


def write_bytes(target: str | os.PathLike, data: bytes) -> None:
    with replacing(target) as temp:
        temp.write_bytes(data)


def save_copy(target: Path, data: bytes) -> Path:
    """``data`` saved where a person chose (missing folders made): owner-only, since such copies (a
    scan, a sealed original, a case archive) hold personal data; a UserError in their words when it
    cannot be written."""
    from counter_app.infra.errors import UserError

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(target, data)
    except OSError as exc:
        raise UserError(write_problem(target, exc)) from exc
    return target


def write_problem(target: Path, exc: OSError) -> str:
    """Why ``target`` could not be written, in words a clerk can act on."""
    code = getattr(exc, "errno", None)
    parent = target.parent
    if isinstance(exc, ReadOnlyTarget):
        return f"{target} 是只读文件，未覆盖。请另选保存位置，或先取消该文件的只读属性"
    if code in (errno.ENOSPC, errno.EDQUOT):
        return f"磁盘空间已满，无法保存到 {target}。请清理磁盘或另选保存位置"
    if code == errno.EROFS:
        return f"{parent} 是只读位置，无法写入 {target}，请另选保存位置"
    if isinstance(exc, PermissionError) or code in (errno.EACCES, errno.EPERM):
        if target.exists():
            return (f"无法写入 {target}：文件可能正在 Excel 或其他程序中打开（如 Word、PDF 阅读器），"
                    "或没有写入权限。请关闭该文件后重试，或另选保存位置")
        return f"无法写入 {target}：没有在文件夹 {parent} 中写文件的权限，请另选保存位置"
    if code == errno.ENOTDIR:
        return f"保存位置 {parent} 不是文件夹（路径中有同名文件），请另选保存位置"
    if code == errno.ENOENT:
        return f"保存位置 {parent} 不存在或已断开（如U盘已拔出），请另选保存位置"
    return f"无法写入 {target}：{exc.strerror or exc}。请另选保存位置"
