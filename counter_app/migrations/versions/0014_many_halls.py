"""Many halls on one database (issue 20): the hall of each account, handover batch and record, and the
halls a city/province supervisor is given

Revision ID: 0014
Revises: 0013

``user_account.hall_id``: the hall an account works in (NULL: a city/province account). The print,
export and audit records and the handover batches carry the hall they belong to, so PostgreSQL's
row-level security (``security.db_policy``, re-applied by 0009) filters them without a join.
``hall_grant``: the halls a supervisor over several halls sees (written by the owner only).
Existing rows belong to the one hall a database had until now (the first, if an older database
somehow had several).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLES = ("user_account", "handover_batch", "print_record", "export_record", "audit_entry")


def _add_hall_column(table: str) -> None:
    fk = f"fk_{table}_hall_id_hall"
    if op.get_bind().dialect.name == "sqlite":
        # no batch (it rebuilds the table and cascades deletes on SQLite): ADD COLUMN with an inline,
        # named reference, which SQLite allows for a column whose default is NULL
        op.execute(f"ALTER TABLE {table} ADD COLUMN hall_id INTEGER CONSTRAINT {fk} REFERENCES hall (id)")
    else:
        op.add_column(table, sa.Column("hall_id", sa.Integer(), nullable=True))
        op.create_foreign_key(fk, table, "hall", ["hall_id"], ["id"])
    op.create_index(f"ix_{table}_hall_id", table, ["hall_id"])


def upgrade() -> None:
    for table in TABLES:
        _add_hall_column(table)
    first_hall = "(SELECT min(id) FROM hall)"
    op.execute("UPDATE handover_batch SET hall_id = (SELECT w.hall_id FROM counter_window w "
               "WHERE w.id = handover_batch.window_id)")
    for table in ("user_account", "print_record", "export_record"):
        op.execute(f"UPDATE {table} SET hall_id = {first_hall}")
    _stamp_audit_entries(first_hall)
    op.create_table(
        "hall_grant",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name="fk_hall_grant_user_id_user_account",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["hall_id"], ["hall.id"], name="fk_hall_grant_hall_id_hall", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "hall_id", name="pk_hall_grant"),
    )


def _stamp_audit_entries(hall: str) -> None:
    """The trail is append-only (revision 0002); this one stamp of a new column is the exception,
    inside the migration's transaction, with the guard back in place before it commits."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_entry_no_update")
        op.execute(f"UPDATE audit_entry SET hall_id = {hall}")
        op.execute("CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
                   "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END")
        return
    op.execute("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")
    op.execute(f"UPDATE audit_entry SET hall_id = {hall}")
    op.execute("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only")


def downgrade() -> None:
    op.drop_table("hall_grant")
    for table in reversed(TABLES):
        op.drop_index(f"ix_{table}_hall_id", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("hall_id")
