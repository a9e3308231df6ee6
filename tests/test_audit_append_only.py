"""Audit entries cannot be edited or deleted: the domain API has no way to, and the database refuses."""

import inspect

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from counter_app.infra.context import system_actor
from counter_app.infra.errors import PermissionDenied
from counter_app.models import AuditEntry
from counter_app.security import audit, audit_trail

# SQLite's trigger aborts (a driver error); PostgreSQL's refuses with 42501, which reaches the app as
# PermissionDenied (infra.db) carrying the trigger's message
REFUSED = (DBAPIError, PermissionDenied)
FORBIDDEN_WORDS = ("delete", "remove", "update", "edit", "purge", "clear", "truncate", "modify", "rewrite", "set_")


@pytest.mark.parametrize("module, known", [(audit, "record"), (audit_trail, "search")])
def test_audit_modules_offer_no_edit_or_delete(module, known):
    public = [name for name, obj in inspect.getmembers(module, callable) if not name.startswith("_")
              and getattr(obj, "__module__", "") == module.__name__]
    assert known in public  # the check sees the module's functions
    assert [n for n in public if any(w in n.lower() for w in FORBIDDEN_WORDS)] == []
    source = inspect.getsource(module)
    assert "session.delete" not in source and ".update(" not in source and "delete(" not in source


def test_no_module_of_the_app_deletes_or_updates_audit_entries():
    """No service anywhere in the package issues DELETE/UPDATE on audit_entry."""
    import pathlib

    import counter_app

    offenders = []
    for path in pathlib.Path(counter_app.__file__).parent.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        code = path.read_text(encoding="utf-8")
        needles = ("delete(AuditEntry", "update(AuditEntry", "DELETE FROM audit_entry", "UPDATE audit_entry")
        offenders += [f"{path.name}: {n}" for n in needles if n.lower() in code.lower()]
    assert offenders == []


def _one_entry(db) -> int:
    with db.write() as s:
        entry = audit.record(s, system_actor(), "settings_change", "setting", "x", detail="before")
        s.flush()
        return entry.id


def test_database_refuses_update_of_an_entry(db):
    entry_id = _one_entry(db)
    with pytest.raises(REFUSED, match="append-only"):
        with db.write() as s:
            s.get(AuditEntry, entry_id).detail = "rewritten"
    with pytest.raises(REFUSED, match="append-only"):
        with db.write() as s:
            s.execute(text("UPDATE audit_entry SET outcome = 'ok'"))
    with db.read() as s:
        assert s.get(AuditEntry, entry_id).detail == "before"


def test_database_refuses_delete_of_an_entry(db):
    entry_id = _one_entry(db)
    with pytest.raises(REFUSED, match="append-only"):
        with db.write() as s:
            s.delete(s.get(AuditEntry, entry_id))
    with pytest.raises(REFUSED, match="append-only"):
        with db.write() as s:
            s.execute(text("DELETE FROM audit_entry"))
    with db.read() as s:
        assert s.scalar(select(AuditEntry.id)) == entry_id


def test_inserting_still_works_after_a_refusal(db):
    _one_entry(db)
    with pytest.raises(REFUSED):
        with db.write() as s:
            s.execute(text("DELETE FROM audit_entry"))
    _one_entry(db)
    with db.read() as s:
        assert len(s.scalars(select(AuditEntry)).all()) == 2
