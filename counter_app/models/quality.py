"""红黄牌: quality cards given to a person for a case (migration 0012)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from counter_app.models.base import Base


class QualityCard(Base):
    """A yellow or red card: proposed from the stage history (``source_key`` says which event, so a
    proposal is made once) or recorded by a supervisor; issued only by a supervisor's confirmation;
    appealed by the person; withdrawn or upheld with a reason."""

    __tablename__ = "quality_card"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    color: Mapped[str] = mapped_column(String(6))  # yellow | red
    rule: Mapped[str] = mapped_column(String(20))  # stage_overrun | rework | irregular_fee | false_promise
    stage: Mapped[str] = mapped_column(String(30), default="")
    detail: Mapped[str] = mapped_column(String(300), default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    # proposed | issued | appealed | withdrawn | dismissed (a proposal the supervisor did not confirm)
    status: Mapped[str] = mapped_column(String(12), index=True)
    source_key: Mapped[str | None] = mapped_column(String(60), unique=True)
    occurred_on: Mapped[dt.date] = mapped_column(Date, index=True)
    proposed_at: Mapped[dt.datetime | None]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[dt.datetime | None]
    appeal_reason: Mapped[str] = mapped_column(String(200), default="")
    appealed_at: Mapped[dt.datetime | None]
    decision_note: Mapped[str] = mapped_column(String(200), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None]
