"""The consent gate: plans and meetings only reach units a valid consent covers.

A thin adapter on portal.consent.api (covered_units, withdrawn_consents,
register_withdrawal_listener). Without the consent feature nothing is covered, so no unit can
be chosen in a plan or invited to a meeting: the gate fails closed."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select

from .. import FEATURES
from ..consent import api
from ..consent.models import Consent, ConsentStatus
from ..extensions import db
from ..timeutil import local, today_local

log = logging.getLogger("portal.plans")


def available() -> bool:
    return "portal.consent" in FEATURES


def covered_units(case, on: dt.date | None = None) -> dict[str, dt.date]:
    """unit_key -> the last day a ConsentStatus.VALID consent covers it (empty without the consent feature)."""
    if not available():
        return {}
    return api.covered_units(case, on=on)


def consent_given_on(case) -> dt.date | None:
    """The day the case's first consent that is valid now became valid (the process step
    "consent" counts from it), or None."""
    if not available():
        return None
    valid_at = db.session.scalar(select(Consent.valid_at).where(Consent.case_id == case.id, Consent.status == ConsentStatus.VALID,
                                                                Consent.valid_until >= today_local(),
                                                                Consent.valid_at.is_not(None))
                                 .order_by(Consent.valid_at))
    return local(valid_at).date() if valid_at is not None else None


@dataclass(frozen=True)
class Withdrawal:
    withdrawn_on: dt.date
    unit_keys: tuple[str, ...]


def withdrawals(case) -> list[Withdrawal]:
    if not available():
        return []
    return [Withdrawal(w.withdrawn_on, tuple(w.unit_keys)) for w in api.withdrawn_consents(case)]


def register_withdrawal_listener(app, fn) -> bool:
    if not available():
        log.info("the consent feature is not installed: no withdrawal listener, no unit is covered")
        return False
    api.register_withdrawal_listener(app, fn)
    return True
