"""A referral (hänskjutning) of a disagreement about responsibility in a case to the next level."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow

QUESTION_MAX = 2000
DECISION_MAX = 2000


class Referral(db.Model):
    __tablename__ = "case_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    process_key: Mapped[str] = mapped_column(String(40))
    level_key: Mapped[str] = mapped_column(String(40))
    question: Mapped[str] = mapped_column(Text)
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    referred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decision: Mapped[str] = mapped_column(Text, default="")
    resolved: Mapped[bool] = mapped_column(default=False)   # the level settled the question
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    @property
    def is_open(self) -> bool:
        return self.decided_at is None


class MinutesShare(db.Model):
    """Minutes of a meeting of a referred case, shared with a member of the level the routine names
    (content/escalation.yaml `minutes`). The member may read those minutes, and only those."""

    __tablename__ = "minutes_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("case_referrals.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    shared_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
