"""The consent API for other features (plans, meetings): which units a family's consent covers.

    from portal.consent.api import covered_units, consent_status_for_units, withdrawn_consents, \
        register_withdrawal_listener

covered_units(case, on=None) -> dict[str, date]
    unit_key -> the last day it is covered, from valid consents only (all required signers have
    signed, nobody said no, not withdrawn, within the period). `on` (default: today) asks about
    another day; a consent counts on a day when it was signed by then, not withdrawn by then and
    the day is within its period. Several consents covering a unit: the latest end date wins.

consent_status_for_units(case, unit_keys, on=None) -> UnitsCoverage
    .covered {unit_key: valid_until}, .missing [unit_key, ...] (not covered), .pending [unit_key]
    (missing but named in a request that still waits for signatures), .all_covered (bool),
    .until (the first end date among the covered units, or None).

withdrawn_consents(case) -> list[WithdrawnConsent]
    Every withdrawn consent on the case, newest first: consent_id, withdrawn_at (naive UTC),
    withdrawn_on (Swedish date), unit_keys, by_role ("guardian"/"child"), method
    ("signer_link"/"reported_to_staff"). For "samtycket återkallades <date>". No personal data.

register_withdrawal_listener(fn)
    fn(consent) is called at once when a consent is withdrawn, inside the same transaction, in a
    savepoint of its own: a failing listener is logged (type only) and rolled back without stopping
    the withdrawal. Register in your feature's init_app. Do not commit inside fn.

All functions read; the caller's transaction is untouched apart from the lazy expiry of consents
past their end date (status "expired" and a chain entry; committed with the caller's next commit)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..timeutil import local, today_local
from .models import Consent, ConsentStatus
from .service import expire_if_due, facts
from .service import register_withdrawal_listener as _register
from .rules import is_valid_on

__all__ = ["covered_units", "consent_status_for_units", "withdrawn_consents", "register_withdrawal_listener",
           "UnitsCoverage", "WithdrawnConsent"]


def _consents(case, statuses=None) -> list[Consent]:
    query = select(Consent).where(Consent.case_id == case.id)
    if statuses:
        query = query.where(Consent.status.in_(statuses))
    consents = db.session.scalars(query.order_by(Consent.id)).all()
    for c in consents:
        expire_if_due(c)
    return consents


def covered_units(case, on: dt.date | None = None) -> dict[str, dt.date]:
    today = today_local()
    day = on or today
    result: dict[str, dt.date] = {}
    candidates = _consents(case) if day != today else _consents(case, (ConsentStatus.VALID,))
    for consent in candidates:
        if day == today:
            ok = consent.status == ConsentStatus.VALID and consent.valid_until >= today
        else:
            ok = is_valid_on(facts(consent), day)
        if not ok:
            continue
        for key in consent.unit_keys:
            if key not in result or consent.valid_until > result[key]:
                result[key] = consent.valid_until
    return result


@dataclass(frozen=True)
class UnitsCoverage:
    covered: dict[str, dt.date] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)

    @property
    def all_covered(self) -> bool:
        return not self.missing

    @property
    def until(self) -> dt.date | None:
        return min(self.covered.values()) if self.covered else None


def consent_status_for_units(case, unit_keys, on: dt.date | None = None) -> UnitsCoverage:
    wanted = list(dict.fromkeys(unit_keys))
    all_covered = covered_units(case, on)
    waiting = {k for c in _consents(case, (ConsentStatus.PENDING,)) for k in c.unit_keys}
    covered = {k: all_covered[k] for k in wanted if k in all_covered}
    missing = [k for k in wanted if k not in all_covered]
    return UnitsCoverage(covered=covered, missing=missing, pending=[k for k in missing if k in waiting])


@dataclass(frozen=True)
class WithdrawnConsent:
    consent_id: int
    withdrawn_at: dt.datetime
    withdrawn_on: dt.date
    unit_keys: tuple[str, ...]
    by_role: str
    method: str


def withdrawn_consents(case) -> list[WithdrawnConsent]:
    result = []
    for consent in _consents(case, (ConsentStatus.WITHDRAWN,)):
        signer = next((s for s in consent.signers if s.withdrawn_at is not None), None)
        at = consent.withdrawn_at or (signer.withdrawn_at if signer else None)
        result.append(WithdrawnConsent(consent.id, at, local(at).date(), tuple(consent.unit_keys),
                                       signer.role if signer else "", signer.withdraw_method if signer else ""))
    return sorted(result, key=lambda w: w.withdrawn_at, reverse=True)


def register_withdrawal_listener(fn) -> None:
    """fn(consent) – called at once when a consent is withdrawn (see the module docstring)."""
    _register(fn)
