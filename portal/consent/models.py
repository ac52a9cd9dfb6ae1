"""Consent (samtycke): the request, its units, its signers, their personal links and the
tamper-evident event chain.

Dates and times: naive UTC datetimes (``utcnow``), stored to the whole second so that the
hash chain reads back the same on SQLite and MariaDB (DATETIME has no fraction there)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint, event, func, select
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..enums import LabelledStrEnum
from ..extensions import db
from ..timeutil import today_local, utcnow

# Consent status (persisted; `rules.consent_status` derives it from the facts).
class ConsentStatus(LabelledStrEnum):
    DRAFT = "draft", "Utkast (inte skickat)"
    PENDING = "pending", "Väntar på underskrifter"
    VALID = "valid", "Giltigt"
    DECLINED = "declined", "Inte giltigt – någon har sagt nej"
    WITHDRAWN = "withdrawn", "Återkallat"
    EXPIRED = "expired", "Upphört (tiden har gått ut)"


# Signer roles and statuses.
GUARDIAN, CHILD = "guardian", "child"
ROLE_LABELS = {GUARDIAN: "Vårdnadshavare", CHILD: "Barnet eller den unge"}


class SignerStatus(LabelledStrEnum):
    WAITING = "waiting", "Väntar på underskrift på plats"
    SENT = "sent", "Länken är skickad"
    OPENED = "opened", "Har öppnat länken"
    VERIFIED = "verified", "Har bekräftat sin identitet"
    SIGNED = "signed", "Har skrivit under"
    DECLINED = "declined", "Har sagt nej"
    WITHDRAWN = "withdrawn", "Har återkallat"
    EXPIRED = "expired", "Länken har gått ut"
    # Shown only (derived when read, never stored): see service.signer_display_status.
    LOCKED = "locked", "Spärrad – fel kod för många gånger. Skicka en ny länk"
    LINK_FAILED = "link_failed", "Länken kom inte fram"
    LINK_WAITING = "link_waiting", "Länken har inte kommit fram än – portalen försöker igen"


LINK_SIGN, LINK_WITHDRAW = "sign", "withdraw"


def now_s() -> dt.datetime:
    """utcnow() to the whole second (what every database keeps)."""
    return utcnow().replace(microsecond=0)


class Consent(db.Model):
    """One request for consent on a case: purpose, units, information, period, signers."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # What was last written (`portal consent expire` writes "expired" once the period has ended);
    # read `status`, which is derived when read: a running consent past its end date is expired.
    stored_status: Mapped[str] = mapped_column("status", String(20), default=ConsentStatus.DRAFT, index=True)
    # The request as entered (forms/consent_request.yaml record) and, for drafts, the planned signers.
    record: Mapped[dict] = mapped_column(JSON, default=dict)
    signer_plan: Mapped[list] = mapped_column(JSON, default=list)
    months: Mapped[int] = mapped_column(default=12)
    valid_from: Mapped[dt.date | None] = mapped_column(Date, default=None)
    valid_until: Mapped[dt.date | None] = mapped_column(Date, default=None, index=True)
    contact_unit_key: Mapped[str] = mapped_column(String(100), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_s)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now_s, onupdate=now_s)
    sent_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    valid_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    declined_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    expired_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # SHA-256 of the terms when sent (also in the chain's "created" entry).
    content_sha256: Mapped[str] = mapped_column(String(64), default="")

    units: Mapped[list[ConsentUnit]] = relationship(back_populates="consent", cascade="all, delete-orphan",
                                                    order_by="ConsentUnit.position")
    signers: Mapped[list[ConsentSigner]] = relationship(back_populates="consent", cascade="all, delete-orphan",
                                                        order_by="ConsentSigner.position")
    events: Mapped[list[ConsentEvent]] = relationship(back_populates="consent", order_by="ConsentEvent.seq",
                                                      cascade="all, delete-orphan")
    case = relationship("Case")
    created_by = relationship("User", foreign_keys=[created_by_id])

    @hybrid_property
    def status(self) -> str:
        """The status now: "expired" for a running (pending or valid) consent whose last day has
        passed, even before `portal consent expire` has stored it; else the stored status. Reading
        never writes. In SQL it is the stored column (add `valid_until >= today` where it matters)."""
        if self.stored_status in (ConsentStatus.PENDING, ConsentStatus.VALID) and self.valid_until is not None and self.valid_until < today_local():
            return ConsentStatus.EXPIRED
        return self.stored_status

    @status.inplace.setter
    def _status_setter(self, value: str) -> None:
        self.stored_status = value

    @status.inplace.expression
    @classmethod
    def _status_expression(cls):
        return cls.stored_status

    @property
    def unit_keys(self) -> list[str]:
        return [u.unit_key for u in self.units]

    @property
    def status_label(self) -> str:
        return ConsentStatus.label_of(self.status)

    @property
    def is_draft(self) -> bool:
        return self.status == ConsentStatus.DRAFT

    @property
    def number(self) -> int:
        """What people call it: the consent's ordinal among its case's consents ("Samtycke 1" on a
        case's first). The id runs across all cases and stays in links and logs."""
        if self.id is None:
            return 1
        return db.session.scalar(select(func.count(Consent.id)).where(
            Consent.case_id == self.case_id, Consent.id <= self.id)) or 1

    @property
    def is_open(self) -> bool:
        """Still running: waiting for signatures or valid."""
        return self.status in (ConsentStatus.PENDING, ConsentStatus.VALID)


class ConsentUnit(db.Model):
    """A unit (never a whole authority) that may exchange information under the consent."""

    __tablename__ = "consent_units"
    __table_args__ = (UniqueConstraint("consent_id", "unit_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("consents.id", ondelete="CASCADE"), index=True)
    unit_key: Mapped[str] = mapped_column(String(100), index=True)
    position: Mapped[int] = mapped_column(default=0)

    consent: Mapped[Consent] = relationship(back_populates="units")


class ConsentSigner(db.Model):
    """A guardian or the young person asked to sign, with the exact text they were shown."""

    __tablename__ = "consent_signers"

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("consents.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    role: Mapped[str] = mapped_column(String(20))
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardians.id", ondelete="SET NULL"), default=None)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    required: Mapped[bool] = mapped_column(default=True)
    # "email" (a personal link) or "in_person" (on the staff member's device)
    channel: Mapped[str] = mapped_column(String(20), default="email")
    # "adult" or "child": which version of the text
    audience: Mapped[str] = mapped_column(String(10), default="adult")
    status: Mapped[str] = mapped_column(String(20), default=SignerStatus.WAITING)
    text: Mapped[str] = mapped_column(Text, default="")
    text_sha256: Mapped[str] = mapped_column(String(64), default="")
    sent_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    opened_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    verified_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    identity_provider: Mapped[str] = mapped_column(String(40), default="")
    identity_method: Mapped[str] = mapped_column(String(40), default="")
    assurance: Mapped[str] = mapped_column(String(20), default="")
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    # e-legitimation (portal.oidc): the provider's acr (e.g. LoA3); the name it vouched for is
    # verified_name below (source "eid")
    identity_acr: Mapped[str] = mapped_column(String(100), default="")
    signed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    signed_name: Mapped[str] = mapped_column(String(200), default="")
    # The name the signature is bound to, readable: the signer's name on the case when the typed
    # name matched it ("case_record"), or the name an e-legitimation returned ("eid").
    verified_name: Mapped[str] = mapped_column(String(200), default="")
    verified_name_source: Mapped[str] = mapped_column(String(20), default="")
    declined_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    withdraw_method: Mapped[str] = mapped_column(String(40), default="")
    withdraw_reason: Mapped[str] = mapped_column(Text, default="")
    reminded_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    consent: Mapped[Consent] = relationship(back_populates="signers")
    links: Mapped[list[ConsentLink]] = relationship(back_populates="signer", cascade="all, delete-orphan",
                                                    order_by="ConsentLink.id")
    verified_by = relationship("User", foreign_keys=[verified_by_id])

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


class ConsentLink(db.Model):
    """A personal link for one signer. Only the SHA-256 of the token is stored.

    kind "sign": to read and answer (expires after PORTAL_CONSENT_LINK_DAYS);
    kind "withdraw": sent with the receipt, valid until the consent ends.
    The one-time code (email_otp provider) belongs to the link and is stored as an HMAC."""

    __tablename__ = "consent_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("consent_signers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=LINK_SIGN)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_s)
    expires_at: Mapped[dt.datetime] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    opened_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    otp_hash: Mapped[str] = mapped_column(String(64), default="")
    otp_expires_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    otp_attempts: Mapped[int] = mapped_column(default=0)
    otp_sent_count: Mapped[int] = mapped_column(default=0)
    locked_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    signer: Mapped[ConsentSigner] = relationship(back_populates="links")


class ConsentEvent(db.Model):
    """One entry of a consent's hash chain. Append-only for the application.

    entry_hash = SHA-256(canonical JSON of consent_id, seq, at, event, signer_id, actor, data
    + prev_hash). `data` holds ids, roles, methods and hashes, never personal data."""

    __tablename__ = "consent_events"
    __table_args__ = (UniqueConstraint("consent_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("consents.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column()
    at: Mapped[dt.datetime] = mapped_column(default=now_s)
    event: Mapped[str] = mapped_column(String(30))
    signer_id: Mapped[int | None] = mapped_column(default=None)
    actor: Mapped[str] = mapped_column(String(100), default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))

    consent: Mapped[Consent] = relationship(back_populates="events")


class ConsentChainIsAppendOnly(Exception):
    pass


@event.listens_for(ConsentEvent, "before_update")
def _no_update(*_args):
    raise ConsentChainIsAppendOnly("consent events cannot be changed")


@event.listens_for(ConsentEvent, "before_delete")
def _no_delete(*_args):
    raise ConsentChainIsAppendOnly("consent events cannot be deleted")

EVENT_LABELS = {
    "created": "Begäran skapades",
    "sent": "Länk skickad",
    "opened": "Länken öppnades",
    "verified": "Identiteten bekräftades",
    "signed": "Skrev under",
    "declined": "Sa nej",
    "withdrawn": "Återkallade samtycket",
    "expired": "Samtycket upphörde",
    "reminded": "Påminnelse skickad",
    "resent": "Ny länk skickad",
}
