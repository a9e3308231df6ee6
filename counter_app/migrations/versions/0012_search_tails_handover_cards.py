"""search by the digits people remember, the reason for handing over an unprinted case, 红黄牌

Revision ID: 0012
Revises: 0011

- Indexes on the last 4 characters of the contact mobile, the fixed line and the customer's mobile,
  and on the last 6 of a certificate number: "张三 5678" and "12345X" at the counter are indexed
  lookups at 1,000,000 applications instead of scans (the expression is ``models.base.last_chars``).
- ``handover_line.unprinted_reason``: a case whose documents were never printed is handed over only
  with a reason, which the printed list shows.
- ``quality_card``: yellow and red cards per person (proposed from the stage history or recorded by a
  supervisor), with appeal and withdrawal.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from counter_app.models.base import last_chars

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TAILS = (
    ("ix_application_mobile_tail", "application", "contact_mobile", 4),
    ("ix_application_phone_tail", "application", "contact_phone", 4),
    ("ix_customer_mobile_tail", "customer", "mobile", 4),
    ("ix_certificate_number_tail", "certificate", "number", 6),
)


def upgrade() -> None:
    for name, table, column, n in TAILS:
        op.create_index(name, table, [last_chars(sa.column(column), n)])
    with op.batch_alter_table("handover_line") as batch:
        batch.add_column(sa.Column("unprinted_reason", sa.String(length=200), nullable=False, server_default=""))
    op.create_table(
        "quality_card",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("color", sa.String(length=6), nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("stage", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("source_key", sa.String(length=60), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(), nullable=True),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=True),
        sa.Column("appeal_reason", sa.String(length=200), nullable=False),
        sa.Column("appealed_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.String(length=200), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name="fk_quality_card_application_id_application"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user_account.id"],
                                name="fk_quality_card_decided_by_id_user_account"),
        sa.ForeignKeyConstraint(["hall_id"], ["hall.id"], name="fk_quality_card_hall_id_hall"),
        sa.ForeignKeyConstraint(["issued_by_id"], ["user_account.id"],
                                name="fk_quality_card_issued_by_id_user_account"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name="fk_quality_card_user_id_user_account"),
        sa.PrimaryKeyConstraint("id", name="pk_quality_card"),
        sa.UniqueConstraint("source_key", name="uq_quality_card_source_key"),
    )
    for column in ("application_id", "occurred_on", "status", "user_id"):
        op.create_index(f"ix_quality_card_{column}", "quality_card", [column])


def downgrade() -> None:
    op.drop_table("quality_card")
    with op.batch_alter_table("handover_line") as batch:
        batch.drop_column("unprinted_reason")
    for name, table, _column, _n in TAILS:
        op.drop_index(name, table_name=table)
