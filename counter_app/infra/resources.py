"""Where the packaged resources (catalog, Word templates, style sheet) are.

A source checkout (editable install, git worktree) uses its own top-level ``resources/``; an installed
wheel ships the same folder as the package ``counter_app._resources``. The installed package (a
PyInstaller bundle, ``sys.frozen``) also carries the fonts the documents need (see packaging/FONTS.md)."""

from __future__ import annotations

import sys
from importlib import resources as _importlib_resources
from pathlib import Path


def resources_dir() -> Path:
    checkout = Path(__file__).resolve().parents[2] / "resources"
    if (checkout / "catalog.toml").exists():
        return checkout
    return Path(str(_importlib_resources.files("counter_app._resources")))


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


BUNDLED_FONT_FILES = {
    "main": ("wqy-microhei.ttc",),
    "fallback": ("HanaMinA.ttf", "HanaMinB.ttf"),
}


def bundled_fonts_dir() -> Path | None:
    """``fonts/`` of the installed bundle (next to the program's libraries), None when running from
    Python: then the system's fonts are used."""
    if not getattr(sys, "frozen", False):
        return None
    base = Path(getattr(sys, "_MEIPASS", Path(sys.executable).resolve().parent))
    path = base / "fonts"
    return path if path.is_dir() else None


def bundled_fonts(kind: str) -> list[Path]:
    """The bundled font files of ``kind`` ("main" or "fallback") that are present, best first."""
    folder = bundled_fonts_dir()
    if folder is None:
        return []
    return [folder / name for name in BUNDLED_FONT_FILES[kind] if (folder / name).is_file()]
