"""user_account: user names are case-insensitive ("Admin1" beside "admin1" could pass for it)

Revision ID: 0011
Revises: 0010

Existing names are stored in lower case (the form the app now stores and looks up) and a unique
index on lower(username) lets the database refuse a second spelling of one name. Two accounts that
differ only in case cannot be merged silently: the upgrade stops, names them, and changes nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from counter_app.infra.errors import UserError

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEX = "uq_user_account_username_lower"


def upgrade() -> None:
    conn = op.get_bind()
    clashes = conn.execute(sa.text(
        "SELECT lower(username) FROM user_account GROUP BY lower(username) HAVING count(*) > 1")).scalars().all()
    if clashes:
        raise UserError(f"无法升级：以下用户名只有大小写不同，请先停用并改名其中一个账号后再升级：{'、'.join(clashes)}")
    conn.execute(sa.text("UPDATE user_account SET username = lower(username) WHERE username <> lower(username)"))
    op.create_index(INDEX, "user_account", [sa.text("lower(username)")], unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="user_account")
