"""PostgreSQL is the security boundary (issue 14): group roles per database, grants, masked views,
audit identity from session_user, account functions. No-op on SQLite (one PC: the OS account is the
boundary).

Revision ID: 0009
Revises: 0014

Run by the database owner, who needs CREATEROLE (the group roles "<database>:clerk" … are
cluster-wide and created here when missing). What is applied lives in ``security.db_policy``:
``counter-app db grant`` applies the same again (e.g. after a restore onto a new server), and every
later upgrade on PostgreSQL re-applies it (``schema_upgrade``), so the masked views list the columns
of the day and a new table gets the grants its entry in ``db_policy.TABLES`` says (none without one).
A later migration that drops or retypes a column of customer, certificate, application, user_account
or stored_blob must drop the view ``counter_api.<table>`` first (the re-apply recreates it).
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0014"  # re-chained after 0010-0014 (the lead may re-chain again)
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
