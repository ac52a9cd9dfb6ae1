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

register_withdrawal_listener(app, fn)
    fn(consent) is called at once when a consent is withdrawn, inside the same transaction, in a
    savepoint of its own: a failing listener is logged (type only) and rolled back without stopping
    the withdrawal. Register in your feature's init_app. Do not commit inside fn.

All the functions above read and write nothing: a consent past its end date counts as expired
when read (`portal consent expire` stores that status, see docs/deploy.md).

The signer's personal links (consent's own pages, the family's plan pages, the registerutdrag):

find_link(token, kinds) -> ConsentLink | None
    The link for a token if it is of one of `kinds` (what the page takes), else None.
link_state(link) -> str
    LINK_OK, or why the link does not work (replaced, expired, locked, withdrawn, consent_expired,
    declined). Reads only.
issue_link(signer, kind) -> token
    A new personal link of `kind` (e.g. "plan") for the signer, valid until the consent ends; the
    signer's earlier links of that kind stop working.
signer_link(token) -> (link, None) | (None, page)
    A consent link (to sign or to withdraw) that works, or the page that explains why not.
verified_signer(token) -> (link, verified, None) | (None, None, response)
    The consent link whose signer has confirmed who they are in this browser session, or the
    response to send instead (the link's page, or a redirect to the signer's start page).
verified_for(link) -> Verified | None, remember_verified(link, verified)
    The verification kept in the browser session for a link (it lasts
    PORTAL_CONSENT_SESSION_MINUTES from the last page opened).
accept_verification(link, verified)
    Stores that the signer confirmed who they are (chain entry, audit), commits, remembers it.
code_step(link, token, here=, locked=, contact=) -> response | Verified
    The one-time-code page: send a code by e-mail, check the typed code (portal.consent.otp).
signer_actor(signer) -> str
    The audit actor for a signer ("signer:<id>")."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import time

from flask import current_app, redirect, render_template, session, url_for
from sqlalchemy import select

from ..extensions import db
from ..memo import remembered
from ..timeutil import local, today_local
from ..web.tx import saving
from .identity import Verified, providers_for
from .models import LINK_SIGN, LINK_WITHDRAW, Consent, ConsentStatus
from .otp import code_step
from .rules import is_valid_on
from .service import LINK_OK, facts, link_state, mark_verified, new_link, signer_actor
from .service import register_withdrawal_listener as _register
from .tokens import find_link

__all__ = ["covered_units", "consent_status_for_units", "withdrawn_consents", "register_withdrawal_listener",
           "UnitsCoverage", "WithdrawnConsent", "find_link", "link_state", "LINK_OK", "issue_link", "signer_link",
           "verified_signer", "verified_for", "remember_verified", "accept_verification", "code_step",
           "signer_actor", "Verified"]


def _consents(case, statuses=None) -> tuple[Consent, ...]:
    # Read once per transaction for the case page's panels (portal/memo.py).
    return remembered(("consents", case.id, tuple(statuses or ())), (Consent,), lambda: _read_consents(case, statuses))


def _read_consents(case, statuses) -> tuple[Consent, ...]:
    query = select(Consent).where(Consent.case_id == case.id)
    if statuses:
        query = query.where(Consent.status.in_(statuses))
    consents = db.session.scalars(query.order_by(Consent.id)).all()
    # the stored status may still say pending/valid for a consent past its end (derived: expired)
    return tuple(c for c in consents if not statuses or c.status in statuses)


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


def register_withdrawal_listener(app, fn) -> None:
    """fn(consent) – called at once when a consent is withdrawn (see the module docstring)."""
    _register(app, fn)


# --------------------------------------------------------------------------- the signer's personal links

def issue_link(signer, kind: str) -> str:
    """A new personal link of ``kind`` for the signer (see the module docstring); returns the token."""
    return new_link(signer, kind)[0]


def _verified_sessions() -> dict:
    value = session.get("consent_verified")
    return value if isinstance(value, dict) else {}


def remember_verified(link, verified: Verified) -> None:
    entries = _verified_sessions()
    entries[str(link.id)] = {"at": int(time.time()), "provider": verified.provider, "method": verified.method,
                             "assurance": verified.assurance, "acr": verified.acr}
    # keep the session small: the newest few links only
    session["consent_verified"] = dict(sorted(entries.items(), key=lambda kv: kv[1]["at"])[-5:])


def verified_for(link) -> Verified | None:
    entry = _verified_sessions().get(str(link.id))
    if not isinstance(entry, dict) or entry.get("provider") not in _allowed(link):
        return None
    if time.time() - entry.get("at", 0) > current_app.config["PORTAL_CONSENT_SESSION_MINUTES"] * 60:
        return None
    # the time counts from the last page the signer opened (reading takes time)
    entries = _verified_sessions()
    entries[str(link.id)] = {**entry, "at": int(time.time())}
    session["consent_verified"] = entries
    return Verified(entry.get("provider", ""), entry.get("method", ""), entry.get("assurance", ""), acr=entry.get("acr", ""))


def _allowed(link) -> set[str]:
    return {p.name for p in providers_for(link, current_app.config)}


def accept_verification(link, verified: Verified) -> bool:
    """Stores the verification; only a stored one is remembered and opens the signer's pages."""
    with saving() as saved:
        mark_verified(link.signer, verified, link=link)
    if saved:
        remember_verified(link, verified)
    return bool(saved)


def signer_link(token: str):
    """(link, None) when the link works, else (None, a page that explains why). Only the links
    sent for the consent (to sign, and to withdraw with the receipt) open the signer's pages and
    the registerutdrag; the family's plan link is unknown here."""
    link = find_link(token, kinds=(LINK_SIGN, LINK_WITHDRAW))
    if link is None:
        return None, (render_template("consent/signer/link_state.html", state="invalid", consent=None), 404)
    state = link_state(link)
    if state != LINK_OK:
        signer = link.signer
        return None, render_template("consent/signer/link_state.html", state=state, consent=signer.consent,
                                     signer=signer, link=link)
    return link, None


def verified_signer(token: str):
    """(link, verified, None) or (None, None, response)."""
    link, page = signer_link(token)
    if page is not None:
        return None, None, page
    verified = verified_for(link)
    if verified is None:
        return None, None, redirect(url_for("consent.signer_home", token=token))
    return link, verified, None
