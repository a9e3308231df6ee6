"""Regenerate migrations/versions/0001_initial_schema.py from models.py.

Only while no database with schema 0001 has been released (first development session). After the
first release, schema changes get a new revision: `alembic revision --autogenerate` style, via
counter_app.infra.schema_upgrade.alembic_config."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

# Import the checkout this script lives in, not whichever counter_app the virtualenv has installed
# (an editable install of another worktree would otherwise get its migration rewritten).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alembic import command

from counter_app.infra.db import make_engine
from counter_app.infra.schema_upgrade import MIGRATIONS_DIR, alembic_config

versions = MIGRATIONS_DIR / "versions"
target = versions / "0001_initial_schema.py"
target.unlink(missing_ok=True)
# Hand-written later revisions (e.g. 0002 triggers) name 0001 as their parent: set them aside while
# 0001 is generated against an empty database, then put them back.
later = [p for p in versions.glob("[0-9][0-9][0-9][0-9]_*.py") if not p.name.startswith("0001")]
with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as aside:
    for path in later:
        shutil.move(path, Path(aside) / path.name)
    try:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'gen.sqlite3'}")
        cfg = alembic_config(engine)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
        engine.dispose()
    finally:
        for path in later:
            shutil.move(Path(aside) / path.name, path)
text = target.read_text(encoding="utf-8")
text = "\n".join(line for line in text.splitlines() if "Create Date" not in line) + "\n"
text = "\n".join(line for line in text.splitlines() if "### " not in line) + "\n"
target.write_text(text, encoding="utf-8")
print(f"regenerated {target}")
