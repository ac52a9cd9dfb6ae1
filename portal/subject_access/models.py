"""Registerutdrag prepared ahead (issue 32): a large case's export is built by `portal exports run`
and kept for the person who asked until it expires."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..enums import LabelledStrEnum
from ..extensions import db
from ..timeutil import utcnow

class ExportStatus(LabelledStrEnum):
    WAITING = "waiting", "Väntar på att tas fram"
    BUILDING = "building", "Tas fram"
    READY = "ready", "Klart att hämta"
    FAILED = "failed", "Kunde inte tas fram"


class SubjectAccessExport(db.Model):
    """One asked-for registerutdrag: for a guardian (guardian_id) or the young person (guardian_id
    NULL), asked by a manager (requested_by_id) or by a signer on their personal link (signer_id).
    Only that user or that signer may download it. `pdf` is emptied when it expires."""

    __tablename__ = "subject_access_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardians.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The consent signer (no foreign key: consent is an optional feature with its own chain).
    signer_id: Mapped[int | None] = mapped_column()
    requester_name: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default=ExportStatus.WAITING, index=True)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column()
    ready_at: Mapped[dt.datetime | None] = mapped_column()
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)

    case = relationship("Case")
    guardian = relationship("Guardian")
