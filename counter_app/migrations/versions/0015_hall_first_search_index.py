"""One hall of a province (issue 20, benchmark 10): a hall's applications by customer from the index
alone, its register in acceptance order, and the phone tails of applications with their hall

Revision ID: 0015
Revises: 0009

Customers are shared by every hall, so a common two-character name prefix ("陈婷") matches some
4,000 customers of a province of 2,400,000, nearly all with no application in the searching hall.
Probing each customer's applications for the hall took 20-30 ms (4,000 index probes); with
``(hall_id, customer_id, accepted_at, id)`` PostgreSQL hashes the named customers and reads the
hall's applications from this index alone (15,000 entries for a hall of the province: 6-9 ms,
whatever the name), and the newest of them come from the same entries.

A hall's register in acceptance order: ``(hall_id, accepted_at, id)``. The export reads it through a
cursor, which PostgreSQL plans for the first rows: without it the plan walked the accepted_at index
over every hall's 3,000,000 applications, keeping one in 200 (export per row 1.2-1.3 times the
same hall alone; with it 1.1).

The last 4 digits of a phone match ~300 applications of 3,000,000, spread over every hall: the tail
indexes of revision 0012 now carry ``hall_id`` after the tail, so a clerk's "name + last 4" reads
the hall's few (``counter_api.find_ids`` takes the hall) and a search without a hall still uses the
leading tail.

The security revision 0009 runs before this one (it was re-chained last until now); every upgrade
re-applies it on PostgreSQL (``schema_upgrade``), which is also how the faster caller functions of
``security.db_functions`` and ``find_ids`` with a hall reach databases upgraded before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from counter_app.models.base import last_chars

revision = "0015"
down_revision = "0009"
branch_labels = None
depends_on = None


TAILS = (("ix_application_mobile_tail", "contact_mobile"), ("ix_application_phone_tail", "contact_phone"))


def upgrade() -> None:
    op.create_index("ix_application_hall_customer", "application", ["hall_id", "customer_id", "accepted_at", "id"])
    op.create_index("ix_application_hall_accepted", "application", ["hall_id", "accepted_at", "id"])
    for name, column in TAILS:
        op.drop_index(name, table_name="application")
        op.create_index(name, "application", [last_chars(sa.column(column), 4), sa.column("hall_id")])


def downgrade() -> None:
    for name, column in TAILS:
        op.drop_index(name, table_name="application")
        op.create_index(name, "application", [last_chars(sa.column(column), 4)])
    op.drop_index("ix_application_hall_accepted", table_name="application")
    op.drop_index("ix_application_hall_customer", table_name="application")
