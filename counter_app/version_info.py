"""What this build is: the program version and the database schema version it brings (the Alembic
head revision; a database at that revision is current, an older one is upgraded on start).

One text for ``counter-app --version`` and 帮助 → 关于, so an IT person reading either sees the same."""

from __future__ import annotations

import functools
import sys

from counter_app import __version__


@functools.cache  # the scripts do not change while the program runs
def schema_head() -> str:
    from counter_app.infra import (
        schema_upgrade as schema,  # Alembic reads the migration scripts: only when asked
    )

    return schema.head_revision()


def build_kind() -> str:
    """How this copy runs: the installed package (PyInstaller bundle) or Python from a virtualenv."""
    return "安装包" if getattr(sys, "frozen", False) else f"Python {sys.version.split()[0]}"


def version_lines() -> list[str]:
    return [
        f"counter-app {__version__}",
        f"数据库结构版本 {schema_head()}（本程序支持的最新版本）",
        f"运行方式：{build_kind()}",
    ]


def version_text() -> str:
    return "\n".join(version_lines())
