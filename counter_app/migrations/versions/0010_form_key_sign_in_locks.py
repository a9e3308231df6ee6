"""application.form_key (idempotent save) and sign_in_lock (lock-out per account and PC)

Revision ID: 0010
Revises: 0008

A save whose commit reached the database but whose answer was lost (the connection dropped) was
retried and created a second application: the key drawn when the form is opened is now unique per
application, and a retry finds the row it already wrote. Wrong passwords were counted on the account
by reading and writing the counter back, so parallel attempts got past the limit, and one stranger
could lock an admin out everywhere: they are counted per account and PC in one statement.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a unique index, not a constraint: SQLite adds it without rebuilding the table, which other
    # tables' foreign keys point at
    op.add_column("application", sa.Column("form_key", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_application_form_key"), "application", ["form_key"], unique=True)
    op.create_table(
        "sign_in_lock",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("pc", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_sign_in_lock_user_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "pc", name=op.f("pk_sign_in_lock")),
    )


def downgrade() -> None:
    op.drop_table("sign_in_lock")
    op.drop_index(op.f("ix_application_form_key"), table_name="application")
    with op.batch_alter_table("application") as batch:
        batch.drop_column("form_key")
