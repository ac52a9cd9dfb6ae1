"""Case access through consent: a unit named in a valid consent sees the case.

Only consents whose status is "valid" and whose end date has not passed count, so a
withdrawal, a "no" or the end date removes the access at once (even before
`portal consent expire` has marked the consent expired)."""
from __future__ import annotations

from sqlalchemy import Select, select

from ..extensions import db
from ..timeutil import today_local
from .models import Consent, ConsentStatus, ConsentUnit


def cases_for_units(unit_keys: set[str]) -> Select:
    return (select(Consent.case_id)
            .join(ConsentUnit, ConsentUnit.consent_id == Consent.id)
            .where(ConsentUnit.unit_key.in_(unit_keys), Consent.status == ConsentStatus.VALID,
                   Consent.valid_until >= today_local()))


def units_for_case(case) -> set[str]:
    rows = db.session.scalars(
        select(ConsentUnit.unit_key).join(Consent, ConsentUnit.consent_id == Consent.id)
        .where(Consent.case_id == case.id, Consent.status == ConsentStatus.VALID, Consent.valid_until >= today_local()))
    return set(rows)
