"""Where the packaged resources (catalog, Word templates, style sheet) are.

A source checkout (editable install, git worktree) uses its own top-level ``resources/``; an installed
wheel ships the same folder as the package ``counter_app._resources``."""

from __future__ import annotations

from importlib import resources as _importlib_resources
from pathlib import Path


def resources_dir() -> Path:
    checkout = Path(__file__).resolve().parents[2] / "resources"
    if (checkout / "catalog.toml").exists():
        return checkout
    return Path(str(_importlib_resources.files("counter_app._resources")))


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
