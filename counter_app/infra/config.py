"""Where the database and local files live.

Database URL precedence: explicit option > env COUNTER_APP_DATABASE_URL > config file
(``database_url`` in ``config.toml`` of the user config dir) > SQLite file in the user data dir.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import platformdirs

from counter_app import APP_AUTHOR, APP_NAME

ENV_DATABASE_URL = "COUNTER_APP_DATABASE_URL"
ENV_DATA_DIR = "COUNTER_APP_DATA_DIR"


def data_dir() -> Path:
    """User data directory (created owner-only); overridable for tests and portable installs."""
    override = os.environ.get(ENV_DATA_DIR)
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    try:
        path.chmod(0o700)
    except OSError:  # e.g. a directory we do not own; permissions then stay as the admin set them
        pass
    return path


def config_file() -> Path:
    override = os.environ.get(ENV_DATA_DIR)
    base = Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR))
    return base / "config.toml"


def read_config() -> dict:
    path = config_file()
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def default_sqlite_path() -> Path:
    return data_dir() / "counter_app.sqlite3"


def database_url(option: str | None = None) -> str:
    if option:
        return option
    env = os.environ.get(ENV_DATABASE_URL)
    if env:
        return env
    configured = read_config().get("database_url")
    if configured:
        return str(configured)
    return f"sqlite:///{default_sqlite_path().as_posix()}"


def drafts_dir() -> Path:
    path = data_dir() / "drafts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def backups_dir() -> Path:
    path = data_dir() / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path
