"""PostgreSQL is the security boundary (issue 14): group roles per database, grants, masked views,
audit identity from session_user, account functions. No-op on SQLite (one PC: the OS account is the
boundary).

Revision ID: 0009
Revises: 0008

Run by the database owner, who needs CREATEROLE (the group roles "<database>:clerk" … are
cluster-wide and created here when missing). What is applied lives in ``security.db_policy`` so that
``counter-app db grant`` can apply the same again (e.g. after a restore onto a new server). A later
migration that changes the columns of customer, certificate, application or user_account must call
``db_policy.apply`` again: the masked views list their columns.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from counter_app.security import db_policy

    db_policy.apply(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from counter_app.security import db_policy

    db_policy.remove(bind)
