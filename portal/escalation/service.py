"""Referring a disagreement and recording the decision: the writes, the audit and the e-mails."""
from __future__ import annotations

from flask import current_app, url_for
from sqlalchemy import select

from ..audit import record
from ..directory import current_directory
from ..extensions import db
from ..notify import queue_email
from ..plans import service as plans
from ..timeutil import utcnow
from .models import Referral
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


def next_level_for(case, process_key: str) -> Level | None:
    return next_level(levels_for(process_key), [r.level_key for r in referrals(case) if r.process_key == process_key])


def refer(case, process_key: str, question: str, user) -> tuple[Referral, Level, int]:
    """Refers the case's question to the next level not yet tried. Returns (referral, level, told).
    Raises LookupError when there is no level left, or one is still open."""
    existing = referrals(case)
    if any(r.is_open for r in existing):
        raise LookupError("open")
    level = next_level(levels_for(process_key), [r.level_key for r in existing if r.process_key == process_key])
    if level is None:
        raise LookupError("none")
    referral = Referral(case_id=case.id, process_key=process_key, level_key=level.key, question=question,
                        referred_by_id=user.id)
    db.session.add(referral)
    db.session.flush()
    record("escalation.refer", case=case, object_type="referral", object_id=referral.id, detail=level.name)
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
    record("escalation.decide", case=case, object_type="referral", object_id=referral.id,
           detail=f"{level.name if level else referral.level_key}: {'löst' if resolved else 'inte löst'}")
