"""Regenerate migrations/versions/0001_initial_schema.py from models.py.

Only while no database with schema 0001 has been released (first development session). After the
first release, schema changes get a new revision: `alembic revision --autogenerate` style, via
counter_app.schema.alembic_config."""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from counter_app.db import make_engine
from counter_app.schema import MIGRATIONS_DIR, alembic_config

target = MIGRATIONS_DIR / "versions" / "0001_initial_schema.py"
target.unlink(missing_ok=True)
with tempfile.TemporaryDirectory() as tmp:
    engine = make_engine(f"sqlite:///{Path(tmp) / 'gen.sqlite3'}")
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
    engine.dispose()
text = target.read_text(encoding="utf-8")
text = "\n".join(line for line in text.splitlines() if "Create Date" not in line) + "\n"
text = "\n".join(line for line in text.splitlines() if "### " not in line) + "\n"
target.write_text(text, encoding="utf-8")
print(f"regenerated {target}")
