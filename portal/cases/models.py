from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..enums import LabelledStrEnum
from ..extensions import db
from ..personal_number import parse_personal_number
from ..timeutil import utcnow


class CaseStatus(LabelledStrEnum):
    OPEN = "open", "Pågående"
    CLOSED = "closed", "Avslutat"


# Unambiguous characters for references read aloud over the phone.
_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    return "".join(secrets.choice(_REF_ALPHABET) for _ in range(8))


class Case(db.Model):
    """Ärende: the collaboration around one child or young person."""

    __tablename__ = "cases"
    # The case list (access.VisibleCases: count and newest_first): a unit's cases newest
    # first, with a status (and counted by status without reading the rows) or without one.
    __table_args__ = (
        Index("ix_cases_unit_status_updated", "unit_key", "status", "updated_at", "id"),
        Index("ix_cases_unit_updated", "unit_key", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(16), unique=True, default=new_reference)
    child_name: Mapped[str] = mapped_column(String(200))
    personal_number: Mapped[str] = mapped_column(String(13), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    unit_key: Mapped[str] = mapped_column(String(100), index=True)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    status: Mapped[str] = mapped_column(String(20), default=CaseStatus.OPEN)
    closed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    notes: Mapped[str] = mapped_column(Text, default="")

    guardians: Mapped[list[Guardian]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Guardian.id"
    )
    opened_by = relationship("User")

    def birth_date(self) -> dt.date:
        # Stored numbers were validated on the way in and are always 12 digits.
        return parse_personal_number(self.personal_number, today=dt.date.max).birth_date

    def age_on(self, day: dt.date) -> int:
        born = self.birth_date()
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN


class Guardian(db.Model):
    """Vårdnadshavare (or another guardian) of the child in a case."""

    __tablename__ = "guardians"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    personal_number: Mapped[str] = mapped_column(String(13), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    has_custody: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="guardians")
