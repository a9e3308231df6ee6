"""the customer's side: confirmations on the customer screen, 好差评 ratings and their follow-ups

Revision ID: 0006
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0003"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"),
                                   ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "customer_confirmation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("window_id", sa.Integer(), nullable=True),
        sa.Column("pc", sa.String(length=120), nullable=False),
        _fk("customer_confirmation", "application_id", "application", "CASCADE"),
        _fk("customer_confirmation", "user_id", "user_account"),
        _fk("customer_confirmation", "window_id", "counter_window"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_confirmation")),
    )
    op.create_index(op.f("ix_customer_confirmation_application_id"), "customer_confirmation", ["application_id"])

    op.create_table(
        "service_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("clerk_id", sa.Integer(), nullable=True),
        sa.Column("window_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("rated_at", sa.DateTime(), nullable=True),
        sa.Column("external_system", sa.String(length=40), nullable=False),
        sa.Column("external_ref", sa.String(length=80), nullable=False),
        sa.Column("external_error", sa.String(length=200), nullable=False),
        _fk("service_rating", "application_id", "application", "CASCADE"),
        _fk("service_rating", "clerk_id", "user_account"),
        _fk("service_rating", "window_id", "counter_window"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_rating")),
        sa.UniqueConstraint("application_id", name=op.f("uq_service_rating_application_id")),
    )
    op.create_index(op.f("ix_service_rating_clerk_id"), "service_rating", ["clerk_id"])
    op.create_index("ix_service_rating_window_level", "service_rating", ["window_id", "level"])

    op.create_table(
        "rating_follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rating_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("rectification", sa.Text(), nullable=False),
        sa.Column("rectified_at", sa.DateTime(), nullable=True),
        sa.Column("rectified_by_id", sa.Integer(), nullable=True),
        sa.Column("visit_result", sa.String(length=20), nullable=False),
        sa.Column("visit_note", sa.Text(), nullable=False),
        sa.Column("visited_at", sa.DateTime(), nullable=True),
        sa.Column("visited_by_id", sa.Integer(), nullable=True),
        _fk("rating_follow_up", "rating_id", "service_rating", "CASCADE"),
        _fk("rating_follow_up", "rectified_by_id", "user_account"),
        _fk("rating_follow_up", "visited_by_id", "user_account"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_follow_up")),
        sa.UniqueConstraint("rating_id", name=op.f("uq_rating_follow_up_rating_id")),
    )
    op.create_index(op.f("ix_rating_follow_up_due_date"), "rating_follow_up", ["due_date"])


def downgrade() -> None:
    op.drop_table("rating_follow_up")
    op.drop_table("service_rating")
    op.drop_table("customer_confirmation")
