"""customer name index carries the customer id on PostgreSQL (index-only name prefix lookup)

Revision ID: 0003
Revises: 0002

The name search reads the ids of all customers whose name starts with what the clerk typed (about
2,000 for a 2-character prefix in a hall of 1,000,000 applications). With the id in the index,
PostgreSQL answers from the index alone instead of visiting 2,000 table pages. SQLite's index
already holds the rowid (customer.id): nothing changes there.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_customer_name", table_name="customer")
    op.create_index("ix_customer_name", "customer", ["name"], postgresql_ops={"name": "text_pattern_ops"},
                    postgresql_include=["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_customer_name", table_name="customer")
    op.create_index("ix_customer_name", "customer", ["name"], postgresql_ops={"name": "text_pattern_ops"})
