"""application: internal note, previous holder (过户/更名), high-voltage supply data

Revision ID: 0008
Revises: 0003

The remark printed on the form the customer signs and the clerk's note for colleagues were one
field, so "老人独居，请耐心沟通" reached the customer: ``internal_note`` never appears on a customer
document. 过户/更名 forms show 原户名 → 新户名 (``previous_holder_name``); high-voltage forms show
电源数/供电方式, 保安负荷, main equipment and transformers, and the planned load.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = (
    ("internal_note", sa.Text()),
    ("previous_holder_name", sa.String(length=120)),
    ("supply_mode", sa.String(length=60)),
    ("security_load", sa.String(length=60)),
    ("main_equipment", sa.Text()),
    ("planned_load", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("application") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("application") as batch:
        for name, _kind in COLUMNS:
            batch.drop_column(name)
