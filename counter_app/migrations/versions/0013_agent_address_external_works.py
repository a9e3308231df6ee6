"""application: the agent's address (授权委托书) and 外线工程 after the survey; the customer's side:
a comment typed by the clerk, and which lines a confirmation covered

Revision ID: 0013
Revises: 0012

The 授权委托书 names the principal's and the agent's contact and address: ``agent_address``. Whether
external works (外线工程) are needed is known after the survey; ``external_works`` (NULL until it is
recorded) and ``external_works_at`` move the whole-process promise from 5 to 15 working days
(tracking.time_limits.promised_days).

``service_rating.comment_by_clerk`` marks a 好差评 comment the clerk typed as the customer said it
(the customer saw it on the customer screen before submitting). ``customer_confirmation.line_hashes``
keeps a hash per confirmed line (no personal data), so a reopened and changed case shows the
customer which lines to check again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN (SQLite and PostgreSQL both have it), not a batch: a batch rebuilds the table
    # on SQLite when a column brings a constraint (the Boolean's), and dropping the old service_rating
    # cascaded to rating_follow_up (ON DELETE CASCADE with foreign keys on): the follow-ups were lost
    op.add_column("application", sa.Column("agent_address", sa.String(length=200), nullable=False,
                                           server_default=""))
    op.add_column("application", sa.Column("external_works", sa.Boolean(), nullable=True))
    op.add_column("application", sa.Column("external_works_at", sa.DateTime(), nullable=True))
    op.add_column("service_rating", sa.Column("comment_by_clerk", sa.Boolean(), nullable=False,
                                              server_default=sa.false()))
    op.add_column("customer_confirmation", sa.Column("line_hashes", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customer_confirmation") as batch:
        batch.drop_column("line_hashes")
    with op.batch_alter_table("service_rating") as batch:
        batch.drop_column("comment_by_clerk")
    with op.batch_alter_table("application") as batch:
        for name in ("external_works_at", "external_works", "agent_address"):
            batch.drop_column(name)
