"""Cases with the database: opening a case, changing its details and guardians, closing and
reopening it. Each operation writes in the caller's transaction (the view commits with
portal/web/tx.saving) and raises a CaseError the view shows next to its field."""
from __future__ import annotations

from sqlalchemy import select

from ..audit import log_event
from ..errors import DomainError
from ..extensions import db
from ..timeutil import utcnow
from .contact import address_changed
from .models import Case, CaseStatus, Guardian

CASE_FIELDS = ("child_name", "personal_number", "address", "phone", "email")
GUARDIAN_FIELDS = ("name", "personal_number", "address", "phone", "email")


class CaseError(DomainError):
    pass


class NotOwnUnit(CaseError):
    field = "unit_key"

    def __init__(self):
        super().__init__("Välj en av dina egna enheter")


def open_case_in_unit(personal_number: str, unit_key: str) -> Case | None:
    """The open case of the child (the formatted personal number) opened by the unit, if any."""
    return db.session.scalar(select(Case).where(Case.personal_number == personal_number, Case.unit_key == unit_key,
                                                Case.status == CaseStatus.OPEN).order_by(Case.id).limit(1))


def open_case(values: dict, unit_key: str, user) -> Case:
    """A new case of `unit_key` (one of the user's units) with the CASE_FIELDS in `values`."""
    if unit_key not in user.unit_keys:
        raise NotOwnUnit()
    case = Case(unit_key=unit_key, opened_by_id=user.id)
    for f in CASE_FIELDS:
        setattr(case, f, values.get(f) or "")
    db.session.add(case)
    db.session.flush()
    log_event("case.create", case=case, object_type="case", object_id=case.id, unit_key=case.unit_key)
    return case


def _changed(obj, values: dict, fields) -> list[str]:
    return [f for f in fields if (getattr(obj, f) or "") != (values.get(f) or "")]


def update_case(case: Case, values: dict) -> list[str]:
    """Change the case's details; a changed e-mail address tells the old and the new address.
    Returns the names of the fields that changed."""
    changed = _changed(case, values, CASE_FIELDS)
    if "email" in changed:
        address_changed(case, old=case.email, new=values.get("email"), object_type="case", object_id=case.id,
                        action="case.email_change")
    for f in changed:
        setattr(case, f, values.get(f) or "")
    if changed:
        log_event("case.update", case=case, object_type="case", object_id=case.id, detail="fält: " + ", ".join(changed))
    return changed


def toggle_open(case: Case) -> bool:
    """Close an open case, reopen a closed one; returns whether the case is open now."""
    if case.is_open:
        case.status, case.closed_at = CaseStatus.CLOSED, utcnow()
        log_event("case.close", case=case, object_type="case", object_id=case.id)
    else:
        case.status, case.closed_at = CaseStatus.OPEN, None
        log_event("case.reopen", case=case, object_type="case", object_id=case.id)
    return case.is_open


def add_guardian(case: Case, values: dict, has_custody: bool) -> Guardian:
    guardian = Guardian(case=case, has_custody=has_custody)
    for f in GUARDIAN_FIELDS:
        setattr(guardian, f, values.get(f) or "")
    db.session.add(guardian)
    db.session.flush()
    case.updated_at = utcnow()
    log_event("guardian.create", case=case, object_type="guardian", object_id=guardian.id)
    return guardian


def update_guardian(case: Case, guardian: Guardian, values: dict, has_custody: bool) -> list[str]:
    changed = _changed(guardian, values, GUARDIAN_FIELDS)
    if "email" in changed:
        address_changed(case, old=guardian.email, new=values.get("email"), object_type="guardian",
                        object_id=guardian.id, action="guardian.email_change")
    for f in changed:
        setattr(guardian, f, values.get(f) or "")
    if has_custody != guardian.has_custody:
        guardian.has_custody = has_custody
        changed.append("has_custody")
    if changed:
        case.updated_at = utcnow()
        log_event("guardian.update", case=case, object_type="guardian", object_id=guardian.id,
                  detail="fält: " + ", ".join(changed))
    return changed
