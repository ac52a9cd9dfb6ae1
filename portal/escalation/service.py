"""Referring a disagreement and recording the decision: the writes, the audit and the e-mails."""
from __future__ import annotations

from flask import current_app, url_for
from sqlalchemy import select

from ..audit import log_event
from ..cases.models import Case
from ..directory import current_directory
from ..errors import DomainError
from ..extensions import db
from ..notify import queue_email
from ..plans import service as plans
from ..plans.meetings import meeting_word
from ..plans.models import Meeting
from ..timeutil import utcnow
from .models import MinutesShare, Referral
from .paths import Level, contacts, next_level


def process_for(case):
    """The case's routine: the one chosen, else the one it would get (read only: no write on GET)."""
    return plans.process_of(case) or plans.processes()[plans.default_process_key(case)]


def paths() -> dict:
    return current_app.extensions["escalation.paths"]


def referrals(case) -> list[Referral]:
    return list(db.session.scalars(select(Referral).where(Referral.case_id == case.id).order_by(Referral.id)))


def levels_for(process_key: str | None) -> tuple[Level, ...]:
    return paths().get(process_key or "", ())


def level_of(process_key: str, level_key: str) -> Level | None:
    return next((lv for lv in levels_for(process_key) if lv.key == level_key), None)


def next_level_for(case, process_key: str, existing: list[Referral] | None = None) -> Level | None:
    """The next level not yet tried; `existing`: the case's referrals when the caller has them already."""
    existing = referrals(case) if existing is None else existing
    return next_level(levels_for(process_key), [r.level_key for r in existing if r.process_key == process_key])


class EscalationError(DomainError):
    """A referral refused now; the Swedish message is safe to show."""


NOT_NOW = "Frågan kan inte hänskjutas nu: en tidigare nivå har inte svarat än, eller alla nivåer är prövade."


def refer(case, process_key: str, question: str, user) -> tuple[Referral, Level, int]:
    """Refers the case's question to the next level not yet tried. Returns (referral, level, told).
    Raises EscalationError when there is no level left, or one is still open."""
    existing = referrals(case)
    level = next_level(levels_for(process_key), [r.level_key for r in existing if r.process_key == process_key])
    if level is None or any(r.is_open for r in existing):
        raise EscalationError(NOT_NOW)
    referral = Referral(case_id=case.id, process_key=process_key, level_key=level.key, question=question,
                        referred_by_id=user.id)
    db.session.add(referral)
    db.session.flush()
    log_event("escalation.refer", case=case, object_type="referral", object_id=referral.id, detail=level.name)
    link = url_for("cases.view", ref=case.ref, _external=True) + "#oenighet"
    told = 0
    for manager in contacts(current_directory(), level):
        queue_email(manager.email, "escalation/email/referred", {"level": level, "ref": case.ref, "link": link},
                    kind="escalation.refer", case_id=case.id, dedupe_key=f"referral:{referral.id}:{manager.email}")
        told += 1
    return referral, level, told


def decide(case, referral: Referral, decision: str, resolved: bool, user) -> None:
    referral.decision, referral.resolved = decision, resolved
    referral.decided_by_id, referral.decided_at = user.id, utcnow()
    level = level_of(referral.process_key, referral.level_key)
    log_event("escalation.decide", case=case, object_type="referral", object_id=referral.id,
           detail=f"{level.name if level else referral.level_key}: {'löst' if resolved else 'inte löst'}")


def share_minutes(case, meeting) -> int:
    """The minutes of a case's meeting were shared: where the case has been referred to a level whose
    routine says minutes go to all its members (content/escalation.yaml `minutes`), each member may
    read these minutes (a MinutesShare) and is told by e-mail without personal data; members who
    took part were told as participants. Returns how many were told."""
    told_as_participants = {p.email.lower() for p in meeting.participants if p.is_professional and p.email}
    shared = {s.email.lower() for s in db.session.scalars(select(MinutesShare).where(
        MinutesShare.meeting_id == meeting.id))}
    told, seen = 0, set()
    for referral in referrals(case):
        level = level_of(referral.process_key, referral.level_key)
        if level is None or level.minutes is None:
            continue
        members = [m for m in contacts(current_directory(), level) if m.email.lower() not in seen]
        for member in members:
            address = member.email.lower()
            seen.add(address)
            if address not in shared:
                db.session.add(MinutesShare(meeting_id=meeting.id, referral_id=referral.id, email=member.email))
            if address in told_as_participants:
                continue
            queue_email(member.email, "escalation/email/minutes_shared",
                        {"level": level, "ref": case.ref, "word": meeting_word(case),
                         "link": current_app.config["PORTAL_BASE_URL"] + url_for("escalation.minutes",
                                                                                 meeting_id=meeting.id)},
                        kind="escalation.minutes", case_id=case.id,
                        dedupe_key=f"minutes:{meeting.id}:{address}:{meeting.notes_shared_at:%Y%m%d%H%M%S}")
            told += 1
        if members:
            log_event("escalation.minutes_share", case=case, object_type="meeting", object_id=meeting.id,
                   detail=f"{level.name}: {len(members)}")
    return told


def minutes_audience(case) -> str | None:
    """For the meeting page: the levels that will get the minutes when they are shared."""
    names = []
    for referral in referrals(case):
        level = level_of(referral.process_key, referral.level_key)
        if level is not None and level.minutes is not None and level.name not in names:
            names.append(level.name)
    if not names:
        return None
    return (f"Frågan om ansvaret i ärendet är hänskjuten till {' och '.join(names)}. När du delar anteckningarna "
            "får alla medlemmar ett meddelande och kan läsa just de här anteckningarna, enligt rutinen.")


def shared_minutes(meeting_id: int, user):
    """(meeting, case, level) when these minutes were shared with the user as a member of a level
    (by the e-mail address the directory gives them), else None: only those minutes."""
    share = next((s for s in db.session.scalars(select(MinutesShare).where(MinutesShare.meeting_id == meeting_id))
                  if s.email.lower() == (user.email or "").lower()), None)
    if share is None:
        return None
    meeting = db.session.get(Meeting, meeting_id)
    referral = db.session.get(Referral, share.referral_id)
    return meeting, db.session.get(Case, meeting.case_id), level_of(referral.process_key, referral.level_key)
