from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow
from .lifecycle import DeviationStatus

_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    return "".join(secrets.choice(_REF_ALPHABET) for _ in range(8))


class DeviationReport(db.Model):
    """Avvikelserapport: a report that a party did not follow the collaboration routines.

    The answers of the form (forms/deviation_report.yaml) are kept as a JSON record; the fields
    the inbox and the compilation filter on are copied into columns when the report is saved."""

    __tablename__ = "deviation_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(16), unique=True, default=new_reference)
    status: Mapped[str] = mapped_column(String(30), default=DeviationStatus.DRAFT, index=True)
    record: Mapped[dict] = mapped_column(JSON, default=dict)

    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reporter_unit_key: Mapped[str] = mapped_column(String(100), default="", index=True)
    concerned_unit_key: Mapped[str] = mapped_column(String(100), default="", index=True)
    kind: Mapped[str] = mapped_column(String(40), default="")
    event_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)

    # The reporter's signature: the typed name and the time of submission.
    reporter_name: Mapped[str] = mapped_column(String(200), default="")
    reporter_signed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # The nearest manager's signature and statement.
    line_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    line_manager_name: Mapped[str] = mapped_column(String(200), default="")
    line_manager_statement: Mapped[str] = mapped_column(Text, default="")
    line_manager_signed_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None, index=True)
    concerned_answer: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    feedback: Mapped[str] = mapped_column(Text, default="")
    feedback_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    # Routing: the rule that matched (or "") and whether the report waits in the admin queue.
    routing_rule: Mapped[str] = mapped_column(String(60), default="")
    routing_problems: Mapped[list] = mapped_column(JSON, default=list)
    needs_routing: Mapped[bool] = mapped_column(default=False, index=True)

    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(default=None, index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    reporter = relationship("User", foreign_keys=[reporter_id])
    handler = relationship("User", foreign_keys=[handler_id])
    case = relationship("Case")
    recipients: Mapped[list[DeviationRecipient]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="DeviationRecipient.id")
    events: Mapped[list[DeviationEvent]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="DeviationEvent.id")

    @property
    def status_label(self) -> str:
        return DeviationStatus.label_of(self.status)

    @property
    def is_draft(self) -> bool:
        return self.status == DeviationStatus.DRAFT


CAPACITY_LABELS = {
    "recipient": "Mottagare (närmaste chef)",
    "copy": "Kopia",
    "concerned": "Berörd verksamhet",
}


class DeviationRecipient(db.Model):
    """A manager the report was routed to, as found in the directory when it was submitted
    (or chosen by an administrator). Accounts are matched by e-mail and unit membership."""

    __tablename__ = "deviation_recipients"
    # The inbox finds a manager's rows by e-mail, with the columns it matches on, so that SQLite
    # reads the index only; on MySQL/MariaDB the e-mail's key is its first 191 characters (key
    # columns stay within 191; every real address fits and the full e-mail is compared anyway).
    __table_args__ = (Index("ix_deviation_recipients_inbox", "email", "capacity", "unit_key", "service_key",
                            "report_id", mysql_length={"email": 191}),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("deviation_reports.id", ondelete="CASCADE"), index=True)
    capacity: Mapped[str] = mapped_column(String(20))  # recipient | copy | concerned
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))  # stored in lower case (the inbox compares in SQL)
    role: Mapped[str] = mapped_column(String(60))
    # The manager's own unit; empty for a manager of the whole service.
    unit_key: Mapped[str] = mapped_column(String(100), default="")
    service_key: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(80), default="")  # "rule:<key>", "concerned", "manual"
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    report: Mapped[DeviationReport] = relationship(back_populates="recipients")

    @property
    def capacity_label(self) -> str:
        return CAPACITY_LABELS.get(self.capacity, self.capacity)


class DeviationEvent(db.Model):
    """The report's history: who did what, when (append-only for the application)."""

    __tablename__ = "deviation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("deviation_reports.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str] = mapped_column(String(30), default="")
    to_status: Mapped[str] = mapped_column(String(30), default="")
    # What was written (statement, answer, comment, feedback); shown only to those with access.
    text: Mapped[str] = mapped_column(Text, default="")
    # A short description without personal data (e.g. "tilldelad handläggare", "3 mottagare").
    detail: Mapped[str] = mapped_column(String(300), default="")

    report: Mapped[DeviationReport] = relationship(back_populates="events")


class InboxEntry(db.Model):
    """One submitted report in one account's inbox, with what the inbox sorts and counts on.

    Derived data, kept by portal/deviations/inbox.py in the same transaction as every change to a
    report, its recipients or an account: the role rules in access.py are the definition, and
    ``portal db upgrade`` rebuilds every entry from them (after a change to the directory). With
    it the inbox reads an index range per account (fifty rows, and a count over the account's own
    entries) however many reports the county has."""

    __tablename__ = "deviation_inbox"
    __table_args__ = (
        Index("ix_deviation_inbox_newest", "user_id", "submitted_at", "report_id"),
        Index("ix_deviation_inbox_waiting", "user_id", "waiting", "submitted_at", "report_id"),
        Index("ix_deviation_inbox_open", "user_id", "is_open", "submitted_at", "report_id"),
        Index("ix_deviation_inbox_counts", "user_id", "status", "waiting", "is_open", "submitted_at"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("deviation_reports.id", ondelete="CASCADE"),
                                           primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(30))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    waiting: Mapped[bool] = mapped_column(default=False)  # a forward action of the routine is this account's
    is_open: Mapped[bool] = mapped_column(default=True)   # not closed
