"""Local drafts of the acceptance form in progress: what the clerk typed survives a crash.

One JSON file per form in ``config.drafts_dir()`` (owner-only data dir), replaced atomically on
every change, removed when the application is saved, offered again on the next start."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from counter_app.infra import atomic_files, clock, config
from counter_app.infra.private_files import private_dir

log = logging.getLogger(__name__)

PREFIX = "acceptance-"
SUFFIX = ".json"


@dataclass(frozen=True)
class Draft:
    key: str
    path: Path
    saved_at: dt.datetime
    username: str
    window_no: int | None
    summary: str  # e.g. "张三 · 低压居民新装"
    data: dict

    def label(self) -> str:
        window = f"{self.window_no}号窗口 " if self.window_no else ""
        return f"{window}{self.saved_at:%Y-%m-%d %H:%M} {self.summary}".strip()


class DraftStore:
    def __init__(self, directory: Path | None = None) -> None:
        # drafts hold full ID numbers and phones: an owner-only folder of owner-only files
        self.directory = private_dir(Path(directory) if directory else config.drafts_dir())

    @staticmethod
    def new_key(username: str) -> str:
        safe = "".join(c for c in username if c.isalnum() or c in "-_") or "user"
        return f"{safe}-{uuid.uuid4().hex[:12]}"

    def path(self, key: str) -> Path:
        return self.directory / f"{PREFIX}{key}{SUFFIX}"

    def save(
        self, key: str, data: dict, *, username: str, window_no: int | None = None, summary: str = ""
    ) -> Path:
        """Write the draft; the old file is replaced only once the new one is complete on disk."""
        payload = {
            "key": key,
            "saved_at": clock.now().isoformat(),
            "username": username,
            "window_no": window_no,
            "summary": summary,
            "data": data,
        }
        target = self.path(key)
        with atomic_files.replacing(target) as temp, temp.open("w", encoding="utf-8") as fh:
            json.dump(payload, fh, ensure_ascii=False, default=str)
        return target

    def load(self, key: str) -> Draft | None:
        return self._read(self.path(key))

    def list(self, username: str | None = None) -> list[Draft]:
        """Drafts on this PC, newest first; unreadable files are set aside, never deleted."""
        found = []
        for path in self.directory.glob(f"{PREFIX}*{SUFFIX}"):
            draft = self._read(path)
            if draft and (username is None or draft.username == username):
                found.append(draft)
        return sorted(found, key=lambda d: d.saved_at, reverse=True)

    def remove(self, key: str) -> None:
        for path in (self.path(key), self.path(key).with_suffix(".tmp")):
            try:
                path.unlink()
            except FileNotFoundError:
                pass

    def _read(self, path: Path) -> Draft | None:
        try:
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)  # a draft written by an older version was world-readable
            payload = json.loads(path.read_text(encoding="utf-8"))
            return Draft(
                key=payload["key"],
                path=path,
                saved_at=dt.datetime.fromisoformat(payload["saved_at"]),
                username=payload.get("username", ""),
                window_no=payload.get("window_no"),
                summary=payload.get("summary", ""),
                data=dict(payload.get("data") or {}),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("unreadable draft %s set aside: %s", path, exc)
            try:
                path.rename(path.with_suffix(".unreadable"))
            except OSError:
                pass
            return None
