"""The customer's side: the confirmation on the customer screen (请核对) and the 好差评 rating with
its follow-ups."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from counter_app.models.base import Base

# --- the customer's side: confirmation on the customer screen, 好差评 --------------------------------


class CustomerConfirmation(Base):
    """The customer's answer to 请核对: confirmed (by touch on the customer screen, or told to the
    clerk who pressed the key) or a correction asked for one field. ``fingerprint`` is the hash of
    what was shown, so a later change of the data needs a new confirmation before printing."""

    __tablename__ = "customer_confirmation"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(12))  # confirmed | correction
    method: Mapped[str] = mapped_column(String(12))  # screen | clerk_key
    field: Mapped[str] = mapped_column(String(40), default="")  # the field a correction is about
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    # migration 0013: per line of the sheet, a hash of what was shown (no personal data kept here), so
    # a reopened and changed case shows the customer which lines changed since the last confirmation
    line_hashes: Mapped[dict | None] = mapped_column(JSON, default=None)
    at: Mapped[dt.datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("counter_window.id"))
    pc: Mapped[str] = mapped_column(String(120), default="")


class ServiceRating(Base):
    """One 好差评 per application ("一次一评"); ``level`` none = 未评价 (no answer in time)."""

    __tablename__ = "service_rating"
    __table_args__ = (Index("ix_service_rating_window_level", "window_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), unique=True)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("counter_window.id"))
    level: Mapped[str] = mapped_column(String(20))  # very_satisfied … very_dissatisfied | none
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    # migration 0013: the comment was typed by the clerk as the customer said it (shown to the customer)
    comment_by_clerk: Mapped[bool] = mapped_column(default=False, server_default=false())
    source: Mapped[str] = mapped_column(String(20), default="screen")  # screen | timeout | external | clerk
    requested_at: Mapped[dt.datetime]
    rated_at: Mapped[dt.datetime | None]
    external_system: Mapped[str] = mapped_column(String(40), default="")
    external_ref: Mapped[str] = mapped_column(String(80), default="")
    external_error: Mapped[str] = mapped_column(String(200), default="")


class RatingFollowUp(Base):
    """A 差评 to rectify (整改) within 15 working days and to visit back (回访) by a supervisor."""

    __tablename__ = "rating_follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("service_rating.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[dt.datetime]
    due_date: Mapped[dt.date] = mapped_column(Date, index=True)
    rectification: Mapped[str] = mapped_column(Text, default="")
    rectified_at: Mapped[dt.datetime | None]
    rectified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    visit_result: Mapped[str] = mapped_column(String(20), default="")  # satisfied | basic | dissatisfied
    visit_note: Mapped[str] = mapped_column(Text, default="")
    visited_at: Mapped[dt.datetime | None]
    visited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
