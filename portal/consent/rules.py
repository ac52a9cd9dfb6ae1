"""Consent rules as pure functions (no request, no database).

Facts behind the rules (municipal consent guides, Kunskapsguiden, JO): a valid consent names
which organisations may exchange which information, for what purpose and for how long; it
can always be withdrawn. Under joint custody both guardians consent. Whether the child must
also consent depends on age and maturity, judged case by case; the portal suggests it from
PORTAL_CONSENT_CHILD_SUGGESTED_AGE and requires it from PORTAL_CONSENT_CHILD_REQUIRED_AGE.
From 18 the young person alone decides."""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from ..timeutil import local
from .models import ConsentStatus

ADULT_AGE = 18

# What the child's age means for who signs.
CHILD_ALONE, CHILD_REQUIRED, CHILD_SUGGESTED, CHILD_OPTIONAL = "alone", "required", "suggested", "optional"


def child_signer_rule(age: int, suggested_age: int = 12, required_age: int = 15) -> str:
    """"alone" from 18 (guardians are not asked), "required" from required_age,
    "suggested" from suggested_age, otherwise "optional" (the staff member judges maturity)."""
    if age >= ADULT_AGE:
        return CHILD_ALONE
    if age >= required_age:
        return CHILD_REQUIRED
    if age >= suggested_age:
        return CHILD_SUGGESTED
    return CHILD_OPTIONAL


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def end_date(start: dt.date, months: int) -> dt.date:
    """The last day a consent of `months` months starting on `start` is valid (inclusive)."""
    return add_months(start, months) - dt.timedelta(days=1)


@dataclass(frozen=True)
class SignerFacts:
    required: bool = True
    signed_at: dt.datetime | None = None
    declined_at: dt.datetime | None = None
    withdrawn_at: dt.datetime | None = None


@dataclass(frozen=True)
class ConsentFacts:
    sent: bool
    valid_from: dt.date | None
    valid_until: dt.date | None
    withdrawn_at: dt.datetime | None = None
    signers: tuple[SignerFacts, ...] = field(default_factory=tuple)


def _local_date(value: dt.datetime) -> dt.date:
    return local(value).date()


def became_valid_at(facts: ConsentFacts) -> dt.datetime | None:
    """When the last required signer signed, or None while someone required has not."""
    required = [s for s in facts.signers if s.required]
    if not required or any(s.signed_at is None for s in required):
        return None
    return max(s.signed_at for s in required)


def any_declined(facts: ConsentFacts) -> bool:
    return any(s.required and s.declined_at is not None for s in facts.signers)


def consent_status(facts: ConsentFacts, today: dt.date) -> ConsentStatus:
    """draft, withdrawn, declined, expired, valid or pending."""
    if not facts.sent:
        return ConsentStatus.DRAFT
    if facts.withdrawn_at is not None or any(s.withdrawn_at for s in facts.signers):
        return ConsentStatus.WITHDRAWN
    if any_declined(facts):
        return ConsentStatus.DECLINED
    if facts.valid_until is None or today > facts.valid_until:
        return ConsentStatus.EXPIRED
    if became_valid_at(facts) is not None:
        return ConsentStatus.VALID
    return ConsentStatus.PENDING


def is_valid_on(facts: ConsentFacts, day: dt.date) -> bool:
    """Valid on `day`: every required signer had signed by then, nobody had declined,
    it had not been withdrawn, and `day` is within the period."""
    if not facts.sent or facts.valid_from is None or facts.valid_until is None:
        return False
    if not facts.valid_from <= day <= facts.valid_until or any_declined(facts):
        return False
    became = became_valid_at(facts)
    if became is None or _local_date(became) > day:
        return False
    withdrawn = [w for w in [facts.withdrawn_at] + [s.withdrawn_at for s in facts.signers] if w is not None]
    if withdrawn and _local_date(min(withdrawn)) <= day:
        return False
    return True


def days_left(valid_until: dt.date, today: dt.date) -> int:
    return (valid_until - today).days


def expiry_notice(valid_until: dt.date | None, today: dt.date, warn_days: int = 30) -> str | None:
    """"Samtycket upphör om N dagar" when the end is within warn_days, else None."""
    if valid_until is None:
        return None
    left = days_left(valid_until, today)
    if left < 0 or left > warn_days:
        return None
    if left == 0:
        return "Samtycket upphör efter i dag"
    if left == 1:
        return "Samtycket upphör efter i morgon"
    return f"Samtycket upphör om {left} dagar"
