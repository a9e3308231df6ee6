"""Files that hold personal data stay owner-only and leave nothing behind.

- ``create_private``: a file created 0600 before anything is written into it (Excel exports were
  0644 while PDFs were 0600).
- openpyxl writes each sheet of a large export to a temporary file in the system temp folder first
  (full ID numbers in clear) and removes it only at a normal exit: ``private_temp_dir`` is an
  owner-only folder under the app's data folder that takes those files instead, and
  ``sweep_stale_temp`` removes what a killed export left there."""

from __future__ import annotations

import logging
import os
import tempfile
import time
from pathlib import Path

from counter_app.infra import config

log = logging.getLogger(__name__)

OPENPYXL_PREFIX = "openpyxl."
STALE_SECONDS = 12 * 3600  # no export runs that long; younger files may belong to another process


def create_private(path: str | os.PathLike) -> Path:
    """Create (or empty) ``path`` readable by its owner only."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # an existing file keeps its old mode through O_CREAT
    finally:
        os.close(fd)
    return path


def private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    try:
        path.chmod(0o700)
    except OSError:  # a folder we do not own: permissions stay as its owner set them
        pass
    return path


def private_temp_dir() -> Path:
    return private_dir(config.data_dir() / "tmp")


def private_temp_file(suffix: str = "", prefix: str = OPENPYXL_PREFIX) -> str:
    fd, name = tempfile.mkstemp(suffix=suffix, prefix=prefix, dir=private_temp_dir())
    os.close(fd)
    return name


def folder_now(folder: Path) -> float:
    """"Now" by the clock that stamps the files of ``folder``: the time stamp of a file written there
    this moment. A file's age is only meaningful against that clock (a network share's server clock
    need not be this PC's)."""
    try:
        with tempfile.TemporaryFile(dir=folder) as probe:
            return os.fstat(probe.fileno()).st_mtime
    except OSError:  # a read-only folder: this PC's clock is all there is
        return time.time()


def sweep_stale_temp(max_age: float = STALE_SECONDS) -> int:
    """Remove temporary export files older than ``max_age`` seconds (left by a killed export)."""
    removed = 0
    now = folder_now(private_temp_dir())
    for path in private_temp_dir().glob(f"{OPENPYXL_PREFIX}*"):
        try:
            if now - path.stat().st_mtime > max_age:
                path.unlink()
                removed += 1
        except OSError as exc:
            log.warning("stale temporary file %s not removed: %s", path, exc)
    return removed
