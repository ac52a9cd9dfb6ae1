"""The green card checklist ticked per case. Every change is a new row (the history);
the current state of an item is its latest row."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow


class ChecklistTick(db.Model):
    """One change of one checklist item in a case: ticked or unticked, by whom, when."""

    __tablename__ = "checklist_ticks"
    __table_args__ = (Index("ix_checklist_ticks_case_item", "case_id", "checklist_key", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    checklist_key: Mapped[str] = mapped_column(String(60), default="grona-kortet")
    item_key: Mapped[str] = mapped_column(String(100))
    ticked: Mapped[bool] = mapped_column(default=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user = relationship("User")
