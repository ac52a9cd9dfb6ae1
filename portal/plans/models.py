"""Plans, their versions and approvals; the case's process steps; meetings and participants.

An approved plan version is immutable: the model layer refuses updates and deletes
(PlanVersionLocked). A follow-up starts a new version from the last one."""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..errors import DomainError
from ..enums import LabelledStrEnum
from ..extensions import db
from ..timeutil import utcnow


class VersionStatus(LabelledStrEnum):
    """A plan version's status."""
    DRAFT = "draft", "Utkast"
    PROPOSED = "proposed", "Väntar på godkännande"
    APPROVED = "approved", "Godkänd"


class MeetingStatus(LabelledStrEnum):
    PLANNED = "planned", "Planerat"
    HELD = "held", "Hållet"
    CANCELLED = "cancelled", "Inställt"


PLAN_KIND_LABELS = {"sip": "Samordnad individuell plan (SIP)", "barnets_plan": "Barnets plan"}


class PlanError(DomainError):
    """A plan or meeting step refused; the Swedish message belongs next to `field`."""


class PlanVersionLocked(Exception):
    """An approved plan version (or its approvals) cannot be changed or deleted."""


class CaseProcess(db.Model):
    """Which process (content/processes/<key>.yaml) a case follows, and whether it is acute."""

    __tablename__ = "case_processes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    process_key: Mapped[str] = mapped_column(String(40))
    acute: Mapped[bool] = mapped_column(default=False)
    chosen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    chosen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class StepRecord(db.Model):
    """A process step that was done: when, and who did it."""

    __tablename__ = "process_step_records"
    __table_args__ = (UniqueConstraint("case_id", "step_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    step_key: Mapped[str] = mapped_column(String(40))
    done_on: Mapped[dt.date] = mapped_column(Date)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Who did it when it was not a staff account, or how it was recorded ("Samtycke i portalen").
    done_by_label: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    automatic: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    done_by = relationship("User", foreign_keys=[done_by_id])


class Plan(db.Model):
    """SIP (genomförandeplan) or Barnets plan for a case; the content lives in its versions."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    process_key: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", order_by="PlanVersion.number", cascade="all, delete-orphan")
    case = relationship("Case")

    @property
    def kind_label(self) -> str:
        return PLAN_KIND_LABELS.get(self.kind, self.kind)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def latest(self) -> PlanVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def current_approved(self) -> PlanVersion | None:
        approved = [v for v in self.versions if v.status == VersionStatus.APPROVED]
        return approved[-1] if approved else None

    def version(self, number: int) -> PlanVersion | None:
        for v in self.versions:
            if v.number == number:
                return v
        return None


class PlanVersion(db.Model):
    """One version of a plan. Drafts are saved server-side; an approved version never changes."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default=VersionStatus.DRAFT)
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    approved_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    plan: Mapped[Plan] = relationship(back_populates="versions")
    approvals: Mapped[list[PlanApproval]] = relationship(
        back_populates="version", order_by="PlanApproval.id", cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        return VersionStatus.label_of(self.status)

    @property
    def is_approved(self) -> bool:
        return self.status == VersionStatus.APPROVED

    @property
    def editable(self) -> bool:
        return self.status in (VersionStatus.DRAFT, VersionStatus.PROPOSED)


def _was_approved(target) -> bool:
    history = inspect(target).attrs.status.history
    before = list(history.unchanged) + list(history.deleted)
    return VersionStatus.APPROVED in before


@event.listens_for(PlanVersion, "before_update")
def _lock_approved_version(_mapper, _connection, target):
    if _was_approved(target):
        raise PlanVersionLocked("an approved plan version cannot be changed; start a follow-up instead")


@event.listens_for(PlanVersion, "before_delete")
def _no_delete_approved_version(_mapper, _connection, target):
    if _was_approved(target):
        raise PlanVersionLocked("an approved plan version cannot be deleted")


class PlanApproval(db.Model):
    """An approval asked of a party: a participating unit (a logged-in staff member approves for
    it), a guardian or the child/young person (personal link and one-time code)."""

    __tablename__ = "plan_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    party: Mapped[str] = mapped_column(String(20))          # unit | guardian | child
    unit_key: Mapped[str] = mapped_column(String(100), default="")
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardians.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    # The signing request in the consent machinery that carries the family's approval.
    signer_ref: Mapped[str] = mapped_column(String(100), default="")
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    method: Mapped[str] = mapped_column(String(40), default="")

    version: Mapped[PlanVersion] = relationship(back_populates="approvals")
    approved_by = relationship("User")

    @property
    def done(self) -> bool:
        return self.approved_at is not None


@event.listens_for(PlanApproval, "before_update")
def _lock_approvals_of_an_approved_version(_mapper, _connection, target):
    version = target.version
    if version is not None and _was_approved(version):
        raise PlanVersionLocked("the approvals of an approved plan version cannot be changed")


class ContactChange(db.Model):
    """A contact person replaced in a plan: shown in every version at once (Kronoberg:
    Byte av kontaktpersoner), without changing an approved version."""

    __tablename__ = "plan_contact_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    old_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    new_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    new_unit_key: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class FollowUp(db.Model):
    """Uppföljning: a follow-up of an approved version, which starts the next version."""

    __tablename__ = "plan_followups"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    from_version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"))
    to_version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"))
    held_on: Mapped[dt.date] = mapped_column(Date)
    # Norrbus: deviations are reported at the follow-up.
    deviations: Mapped[str] = mapped_column(String(20), default="none")  # none | reported | to_report
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PlanUnit(db.Model):
    """A unit taking part in a case's plans or meetings while a valid consent covers it
    (feeds the access provider; rows are refreshed on changes and on withdrawal)."""

    __tablename__ = "plan_units"
    __table_args__ = (UniqueConstraint("case_id", "unit_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    unit_key: Mapped[str] = mapped_column(String(100), index=True)
    valid_until: Mapped[dt.date | None] = mapped_column(Date, default=None)


def new_uid() -> str:
    return f"{uuid.uuid4()}@samverkansportalen"


class Meeting(db.Model):
    """Nätverksmöte / samverkansmöte."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[dt.datetime] = mapped_column()     # naive UTC
    ends_at: Mapped[dt.datetime] = mapped_column()
    place: Mapped[str] = mapped_column(String(300), default="")
    digital_link: Mapped[str] = mapped_column(String(500), default="")
    child_participation: Mapped[str] = mapped_column(String(30), default="")
    child_voice_by: Mapped[str] = mapped_column(String(200), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    lead_time_agreed: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default=MeetingStatus.PLANNED)
    uid: Mapped[str] = mapped_column(String(191), unique=True, default=new_uid)
    sequence: Mapped[int] = mapped_column(default=0)
    invited_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    notes: Mapped[str] = mapped_column(Text, default="")
    notes_shared_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    participants: Mapped[list[MeetingParticipant]] = relationship(
        back_populates="meeting", order_by="MeetingParticipant.id", cascade="all, delete-orphan")
    created_by = relationship("User")

    @property
    def chair(self):
        return next((p for p in self.participants if p.is_chair), None)

    @property
    def secretary(self):
        return next((p for p in self.participants if p.is_secretary), None)


class MeetingParticipant(db.Model):
    __tablename__ = "meeting_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))     # staff | unit | guardian | child | guest
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    unit_key: Mapped[str] = mapped_column(String(100), default="")
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardians.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    purpose: Mapped[str] = mapped_column(String(500), default="")
    is_chair: Mapped[bool] = mapped_column(default=False)
    is_secretary: Mapped[bool] = mapped_column(default=False)
    invited_sequence: Mapped[int | None] = mapped_column(default=None)
    absent: Mapped[bool] = mapped_column(default=False)
    absence_reported_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    absence_note: Mapped[str] = mapped_column(String(500), default="")
    # A guest (someone without an account, forms/meeting_guest.yaml): their role, an optional phone,
    # and the staff member who confirmed that the family agreed to their presence.
    guest_role: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    family_agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship(back_populates="participants")
    user = relationship("User", foreign_keys=[user_id])

    @property
    def is_professional(self) -> bool:
        return self.kind in ("staff", "unit")
