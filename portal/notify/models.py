"""The outbox: every e-mail the portal sends is first a row here (transactional outbox)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..enums import LabelledStrEnum
from ..extensions import db
from ..timeutil import utcnow


class MessageStatus(LabelledStrEnum):
    """An outbox message's status."""
    WAITING = "waiting", "Väntar"
    SENDING = "sending", "Skickas"
    SENT = "sent", "Skickat"
    FAILED = "failed", "Misslyckades"


# How a sent message left the portal.
TRANSPORT_SMTP, TRANSPORT_LOCAL = "smtp", "local"


class OutboxMessage(db.Model):
    """One e-mail to one address, rendered when it was queued.

    Holds no personal data about the child (queue_email guards against personal numbers);
    `last_error` holds an error class and SMTP code only, never addresses or content."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # [{"filename": ..., "mimetype": ..., "data": base64}, ...]
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(191), unique=True)
    # Stable per message, so that receivers can drop a duplicate after a reclaimed send.
    message_id: Mapped[str] = mapped_column(String(191), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=MessageStatus.WAITING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    last_error: Mapped[str] = mapped_column(String(200), default="")
    claimed_by: Mapped[str | None] = mapped_column(String(100), default=None)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    sent_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    transport: Mapped[str | None] = mapped_column(String(10), default=None)

    @property
    def status_label(self) -> str:
        return MessageStatus.label_of(self.status)
