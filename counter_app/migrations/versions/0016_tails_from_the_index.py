"""The customers' tail indexes carry what a lookup returns (PostgreSQL): answered from the index alone

Revision ID: 0016
Revises: 0015

A clerk's "name + last 4 of the phone" finds the customers of the whole province whose mobile ends
so (about 240 of 2,400,000), then their applications in the hall. The tail index of revision 0012
gave their row addresses, and each customer's row was read from the table for its id: 240 random
page reads, which a cache that does not hold the province (a server's first minutes, or one with
default memory settings) turns into milliseconds. PostgreSQL answers from an expression index alone
only when the index also holds the column the expression is of, so the index now includes
``mobile`` and ``id``; the same for the ID number's last 6 (``number``, ``customer_id``). SQLite's
indexes already hold the rowid and are left as they are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from counter_app.models.base import last_chars

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# name, table, column the tail is of, its length, what the lookup returns
TAILS = (("ix_customer_mobile_tail", "customer", "mobile", 4, "id"),
         ("ix_certificate_number_tail", "certificate", "number", 6, "customer_id"))


def _recreate(include: bool) -> None:
    for name, table, column, length, returned in TAILS:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [last_chars(sa.column(column), length)],
                        postgresql_include=[column, returned] if include else [])


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _recreate(include=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _recreate(include=False)
