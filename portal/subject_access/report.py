"""What the portal holds about a child, and who has read it: the registerutdrag (GDPR art. 15).

Decisions (docs/subject_access.md):
- The requester is a guardian with custody, or the young person, who proved who they are on
  their personal consent link (or the receipt's link); or the case unit's manager prints it for
  someone who asked in another way.
- Contents: the child's data on the case, the requester's own data, and what exists around it
  (consents, plans and meetings, checklist, deviation reports linked to the case), with dates
  and statuses. Another guardian's contact details and personal number are not included (they
  can ask for their own report: a protected address must never reach the other parent).
  Deviation reports are listed by date, kind and status: their free text is about how the
  organisations followed their routines.
- Who has read and changed the data: every audit event on the case with time, what was done,
  the unit and the role (personal, chef, vårdnadshavare, barnet, systemet) – not the staff
  member's name. Events of the same day with the same action, unit and role are one row with
  the first and last time and how many times (a case followed for a year has thousands of
  page views: one row each would make a report nobody can read, and a PDF that takes minutes). The right of access covers the log's dates and purposes and the recipients
  (units); the employees' identities are not the data subject's personal data (CJEU C-579/21,
  Pankki S, 22 June 2023)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from .. import FEATURES
from ..accounts.models import User
from ..audit.log import action_labels
from ..audit.models import AuditEvent
from ..directory import current_directory
from ..extensions import db
from ..templating import swedish_date, swedish_datetime
from ..timeutil import local, utcnow

ROLE_LABELS = {"staff": "Personal", "manager": "Chef", "admin": "Administratör"}


@dataclass
class Row:
    label: str
    value: str


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)
    items: list[list[Row]] = field(default_factory=list)  # a list of records, each a list of rows
    note: str = ""


@dataclass
class Reading:
    at: dt.datetime                 # the first time that day (UTC)
    action: str
    unit: str
    role: str
    last: dt.datetime | None = None  # the last time that day, when more than once
    count: int = 1


@dataclass
class SubjectAccessReport:
    requester: str
    requester_role: str
    created_at: dt.datetime
    case_ref: str
    sections: list[Section]
    readings: list[Reading]
    contact: str


def _date(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, dt.datetime):
        return swedish_datetime(local(value))
    return swedish_date(value)


def _features() -> set[str]:
    return set(FEATURES)


def build_report(case, *, guardian=None, child_signer: bool = False, requester_name: str = "",
                 contact: str = "") -> SubjectAccessReport:
    """The report for `case`, asked by `guardian` (a Guardian of the case) or by the young person."""
    directory = current_directory()
    unit = directory.unit_label
    sections: list[Section] = []

    child = Section("Barnet eller den unge", rows=[
        Row("Namn", case.child_name), Row("Personnummer", case.personal_number),
        Row("Adress", case.address or "–"), Row("Telefon", case.phone or "–"), Row("E-post", case.email or "–"),
    ])
    sections.append(child)
    sections.append(Section("Ärendet", rows=[
        Row("Ärendenummer", case.ref), Row("Enhet som öppnade ärendet", unit(case.unit_key)),
        Row("Öppnat", _date(case.opened_at)), Row("Senast ändrat", _date(case.updated_at)),
        Row("Status", "Öppet" if case.is_open else "Avslutat"),
        Row("Avslutat", _date(case.closed_at) if case.closed_at else "–"),
    ]))
    if guardian is not None:
        sections.append(Section("Du som vårdnadshavare", rows=[
            Row("Namn", guardian.name), Row("Personnummer", guardian.personal_number or "–"),
            Row("Adress", guardian.address or "–"), Row("Telefon", guardian.phone or "–"),
            Row("E-post", guardian.email or "–"), Row("Vårdnad", "Ja" if guardian.has_custody else "Nej"),
            Row("Registrerad", _date(guardian.created_at)),
        ]))
    others = [g for g in case.guardians if guardian is None or g.id != guardian.id]
    sections.append(Section("Andra vårdnadshavare", rows=[Row("Antal", str(len(others)))],
                            note="Andra vårdnadshavares uppgifter finns inte med i ditt utdrag. De kan begära "
                                 "ett eget utdrag."))
    features = _features()
    if "portal.consent" in features:
        sections.append(_consents(case, unit, guardian))
    if "portal.plans" in features:
        sections.extend(_plans(case))
    if "portal.guidance" in features:
        sections.append(_checklist(case))
    if "portal.deviations" in features:
        sections.append(_deviations(case, unit))
    return SubjectAccessReport(
        requester=requester_name, requester_role="Barnet eller den unge" if child_signer else "Vårdnadshavare",
        created_at=utcnow(), case_ref=case.ref, sections=sections, readings=readings(case), contact=contact)


def _consents(case, unit, guardian) -> Section:
    # local: only read when the feature is installed (FEATURES); the report works without it
    from ..consent.models import ROLE_LABELS as SIGNER_ROLES
    from ..consent.models import Consent, SignerStatus

    section = Section("Samtycken")
    consents = db.session.scalars(select(Consent).where(Consent.case_id == case.id).order_by(Consent.id)).all()
    for consent in consents:
        signers = []
        for s in consent.signers:
            mine = guardian is not None and s.guardian_id == guardian.id
            who = f"{s.name} (du)" if mine else SIGNER_ROLES.get(s.role, s.role)
            signers.append(f"{who}: {SignerStatus.label_of(s.status).lower()}")
        section.items.append([
            Row("Samtycke", f"Nummer {consent.id}"), Row("Status", consent.status_label),
            Row("Gäller", f"{_date(consent.valid_from)} – {_date(consent.valid_until)}" if consent.valid_from else "–"),
            Row("Enheter", "; ".join(unit(u.unit_key) for u in consent.units) or "–"),
            Row("Skickat", _date(consent.sent_at) if consent.sent_at else "–"),
            Row("Återkallat", _date(consent.withdrawn_at) if consent.withdrawn_at else "–"),
            Row("Undertecknare", "; ".join(signers) or "–"),
        ])
    if not consents:
        section.note = "Det finns inga samtycken i ärendet."
    return section


def _plans(case) -> list[Section]:
    # local: only read when the feature is installed (FEATURES); the report works without it
    from ..plans.models import Meeting, MeetingStatus, Plan

    plans = Section("Planer")
    for plan in db.session.scalars(select(Plan).where(Plan.case_id == case.id).order_by(Plan.id)).all():
        versions = "; ".join(f"version {v.number}: {v.status_label.lower()}"
                             + (f", godkänd {_date(v.approved_at)}" if v.approved_at else "") for v in plan.versions)
        plans.items.append([Row("Plan", plan.kind_label), Row("Skapad", _date(plan.created_at)),
                            Row("Versioner", versions or "–")])
    plans.note = ("Planen i sin helhet får du som PDF genom länken till planen, eller av samordnaren."
                  if plans.items else "Det finns inga planer i ärendet.")
    meetings = Section("Möten")
    for m in db.session.scalars(select(Meeting).where(Meeting.case_id == case.id).order_by(Meeting.starts_at)).all():
        meetings.items.append([Row("Tid", _date(m.starts_at)), Row("Plats", m.place or "–"),
                               Row("Status", MeetingStatus.label_of(m.status))])
    if not meetings.items:
        meetings.note = "Det finns inga möten i ärendet."
    return [plans, meetings]


def _checklist(case) -> Section:
    # local: only read when the feature is installed (FEATURES); the report works without it
    from ..guidance.models import ChecklistTick

    ticks = db.session.scalars(select(ChecklistTick).where(ChecklistTick.case_id == case.id)).all()
    return Section("Checklista (gröna kortet)", rows=[Row("Antal ändringar i checklistan", str(len(ticks)))])


def _deviations(case, unit) -> Section:
    # local: only read when the feature is installed (FEATURES); the report works without it
    from ..deviations.lifecycle import DeviationStatus
    from ..deviations.models import DeviationReport

    section = Section("Avvikelserapporter kopplade till ärendet",
                      note="En avvikelserapport handlar om hur verksamheterna har följt rutinerna för samverkan.")
    reports = db.session.scalars(select(DeviationReport).where(DeviationReport.case_id == case.id,
                                                               DeviationReport.status != DeviationStatus.DRAFT)
                                 .order_by(DeviationReport.id)).all()
    for r in reports:
        section.items.append([Row("Skickad", _date(r.submitted_at)), Row("Gäller", unit(r.concerned_unit_key)),
                              Row("Status", r.status_label)])
    if not reports:
        section.note = "Inga avvikelserapporter är kopplade till ärendet."
    return section


def readings(case) -> list[Reading]:
    """Every audit event on the case: time, what, unit and role – never the staff member's name."""
    directory = current_directory()
    signer_roles = _signer_roles(case)
    labels = action_labels()
    rows = db.session.execute(select(AuditEvent, User.role).outerjoin(User, User.id == AuditEvent.user_id)
                              .where(AuditEvent.case_id == case.id).order_by(AuditEvent.at, AuditEvent.id)).all()
    result: list[Reading] = []
    by_day: dict[tuple, Reading] = {}
    for event, role in rows:
        if role:
            who = ROLE_LABELS.get(role, "Personal")
        elif event.actor.startswith("signer:"):
            who = signer_roles.get(event.actor, "Vårdnadshavare eller barnet")
        else:
            who = "Systemet"
        action = labels.get(event.action, event.action)
        unit = directory.unit_label(event.unit_key) if event.unit_key else "–"
        key = (local(event.at).date(), action, unit, who)
        if key in by_day:
            same = by_day[key]
            same.last, same.count = event.at, same.count + 1
        else:
            by_day[key] = Reading(event.at, action, unit, who)
            result.append(by_day[key])
    return result


def _signer_roles(case) -> dict[str, str]:
    """"signer:<id>" -> the signer's role in words, for the consents on the case."""
    if "portal.consent" not in _features():
        return {}
    # local: only read when the feature is installed (FEATURES); the report works without it
    from ..consent.models import ROLE_LABELS as SIGNER_ROLES
    from ..consent.models import Consent, ConsentSigner

    rows = db.session.execute(select(ConsentSigner.id, ConsentSigner.role).join(Consent)
                              .where(Consent.case_id == case.id)).all()
    return {f"signer:{sid}": SIGNER_ROLES.get(role, role) for sid, role in rows}
