"""Consent operations: drafts, sending, the signer's steps, withdrawal, expiry and the chain.

Views stay thin and call these. Every function works inside the caller's transaction (adds to
db.session, flushes when ids are needed) and never commits; the caller commits once, so the
change, its chain entries, its audit events and its e-mails (outbox) are stored together or
not at all. Nothing here logs or stores personal data outside the consent tables."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from ..audit import log_event
from ..cases.models import Case, Guardian
from ..directory import current_directory
from ..errors import DomainError
from ..extensions import db
from ..formdefs import get_definition, keys, refuse_over_limit
from ..hooks import hook_list
from ..timeutil import local, to_utc, today_local, utcnow
from . import rules
from .chain import GENESIS, canonical_json, entry_fields, entry_hash, first_break, sha256_text
from .identity import Verified
from .names import name_matches
from .models import (CHILD, GUARDIAN, LINK_SIGN, LINK_WITHDRAW, Consent, ConsentEvent, ConsentLink, ConsentSigner,
                     ConsentStatus, ConsentUnit, SignerStatus, now_s)
from ..notify import PersonalDataInEmail, queue_email
from ..notify.delivery import delivery_by_key
from .text import Terms, adult_text, child_text
from .tokens import code_matches, hash_code, new_code, new_token

(PURPOSES, PURPOSE_TEXT, UNITS, CATEGORIES, CATEGORIES_TEXT, MONTHS, CONTACT_UNIT, CONTACT_NAME, CONTACT_EMAIL,
 CONTACT_PHONE) = keys("consent_request", "purpose__purposes", "purpose__purpose_text", "units__units",
                       "information__categories", "information__categories_text", "validity__months", "contact__unit",
                       "contact__name", "contact__email", "contact__phone")

log = logging.getLogger("portal.consent")

SIGN_PATH = "/samtycke/s/"


class ConsentError(DomainError):
    """A step that cannot be taken now; the message is Swedish and safe to show."""


class NameMismatch(ConsentError):
    """The typed signature name is not the signer's name (shown next to the name field)."""
    field = "name"


NAME_MISMATCH = ("Namnet stämmer inte med namnet vi har för dig. Skriv ditt förnamn och efternamn så som de står "
                 "på din id-handling. Mellannamn kan du hoppa över")


def expected_name(signer: ConsentSigner, verified: Verified) -> tuple[str, str]:
    """(name, source) the typed name is checked against: the name an e-legitimation returned
    ("eid": kept on the signer when it was verified, for the same verification) or else the
    signer's name on the case ("case_record")."""
    if signer.identity_acr and verified.acr == signer.identity_acr and signer.verified_name_source != "case_record":
        eid_name = (signer.verified_name or "").strip()
    else:
        eid_name = (verified.verified_name or "").strip()
    return (eid_name, "eid") if eid_name else (signer.name, "case_record")


def cfg(name: str):
    return current_app.config[name]


def directory():
    return current_directory()


# --------------------------------------------------------------------------- the chain

def staff_actor(user) -> str:
    return f"user:{user.id}"


def signer_actor(signer: ConsentSigner) -> str:
    return f"signer:{signer.id}"


def lock(consent: Consent) -> None:
    """Serialises changes to one consent (row lock on MariaDB; SQLite serialises writers)."""
    db.session.execute(select(Consent.id).where(Consent.id == consent.id).with_for_update())


def append_event(consent: Consent, event: str, *, actor: str, signer: ConsentSigner | None = None,
                 data: dict | None = None) -> ConsentEvent:
    db.session.flush()
    last = db.session.scalar(select(ConsentEvent).where(ConsentEvent.consent_id == consent.id)
                             .order_by(ConsentEvent.seq.desc()).limit(1))
    seq = last.seq + 1 if last else 1
    prev = last.entry_hash if last else GENESIS
    at = now_s()
    signer_id = signer.id if signer is not None else None
    fields = entry_fields(consent.id, seq, at, event, signer_id, actor, data or {})
    entry = ConsentEvent(consent_id=consent.id, seq=seq, at=at, event=event, signer_id=signer_id, actor=actor,
                         data=data or {}, prev_hash=prev, entry_hash=entry_hash(fields, prev))
    db.session.add(entry)
    db.session.flush()
    return entry


def terms_payload(consent: Consent) -> dict:
    """Everything the signers agree to; its SHA-256 is in the chain's "created" entry."""
    return {
        "consent_id": consent.id,
        "case_id": consent.case_id,
        "record": consent.record,
        "units": consent.unit_keys,
        "months": consent.months,
        "valid_from": consent.valid_from.isoformat() if consent.valid_from else None,
        "valid_until": consent.valid_until.isoformat() if consent.valid_until else None,
        "contact": [consent.contact_unit_key, consent.contact_name, consent.contact_email, consent.contact_phone],
        "signers": [{"id": s.id, "role": s.role, "name": s.name, "email": s.email, "required": s.required,
                     "audience": s.audience, "text_sha256": s.text_sha256} for s in consent.signers],
    }


def content_hash(consent: Consent) -> str:
    return sha256_text(canonical_json(terms_payload(consent)))


@dataclass(frozen=True)
class VerifyReport:
    consent_id: int
    entries: int
    problem: str | None  # None when everything holds

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_consent(consent: Consent) -> VerifyReport:
    """Checks the chain, the stored texts and the terms against the hashes in the chain."""
    events = db.session.scalars(select(ConsentEvent).where(ConsentEvent.consent_id == consent.id)
                                .order_by(ConsentEvent.seq, ConsentEvent.id)).all()
    n = len(events)
    if consent.status == ConsentStatus.DRAFT:
        return VerifyReport(consent.id, n, None if n == 0 else "ett utkast ska inte ha några poster")
    if n == 0:
        return VerifyReport(consent.id, 0, "kedjan saknas helt")
    broken = first_break(consent.id, events)
    if broken:
        return VerifyReport(consent.id, n, str(broken))
    created = events[0]
    if created.event != "created":
        return VerifyReport(consent.id, n, "Post 1: kedjan börjar inte med att samtycket skapades")
    for s in consent.signers:
        if sha256_text(s.text) != s.text_sha256:
            return VerifyReport(consent.id, n, f"Undertecknare {s.id}: den sparade texten stämmer inte med sin SHA-256 "
                                               "(texten har ändrats)")
    listed = {int(x["id"]): x.get("text_sha256") for x in created.data.get("signers", [])}
    for s in consent.signers:
        if listed.get(s.id) != s.text_sha256:
            return VerifyReport(consent.id, n, f"Post 1 (created): textens hash för undertecknare {s.id} stämmer inte "
                                               "med kedjan (texten har bytts ut)")
    if created.data.get("content_sha256") != content_hash(consent):
        return VerifyReport(consent.id, n, "Post 1 (created): villkoren (syfte, enheter, uppgifter, tid eller "
                                           "undertecknare) stämmer inte med hashen i kedjan (de har ändrats)")
    for number, e in enumerate(events, start=1):
        if e.event == "signed":
            signer = next((s for s in consent.signers if s.id == e.signer_id), None)
            if signer is None:
                return VerifyReport(consent.id, n, f"Post {number} (signed): undertecknaren finns inte")
            if e.data.get("text_sha256") != signer.text_sha256:
                return VerifyReport(consent.id, n, f"Post {number} (signed): texten som undertecknades stämmer inte "
                                                   "med den sparade texten")
            if e.data.get("signed_name_sha256") != sha256_text(signer.signed_name):
                return VerifyReport(consent.id, n, f"Post {number} (signed): namnet som skrevs stämmer inte med "
                                                   "det sparade namnet")
            if "verified_name_sha256" in e.data and e.data["verified_name_sha256"] != sha256_text(signer.verified_name):
                return VerifyReport(consent.id, n, f"Post {number} (signed): det kontrollerade namnet stämmer inte "
                                                   "med det sparade namnet")
    for s in consent.signers:
        if s.signed_at is not None and not any(e.event == "signed" and e.signer_id == s.id for e in events):
            return VerifyReport(consent.id, n, f"Undertecknare {s.id} är markerad som underskriven men kedjan saknar "
                                               "underskriften")
    return VerifyReport(consent.id, n, None)


# --------------------------------------------------------------------------- e-mail

def queue(to: str, template: str, context: dict, *, kind: str, case_id: int, essential: bool = False,
          dedupe_key: str | None = None):
    """queue_email, but a message that cannot be made (a bad address, something that looks like a
    personal number) never stops the step it belongs to: essential messages (the personal link)
    raise ConsentError with a Swedish explanation; others are skipped and logged (type only)."""
    try:
        return queue_email(to, template=template, context=context, kind=kind, case_id=case_id, dedupe_key=dedupe_key,
                           new_key=dedupe_key is not None)
    except PersonalDataInEmail as exc:
        log.warning("Consent e-mail %s not queued: %s", kind, type(exc).__name__)
        if essential:
            raise ConsentError("E-postmeddelandet kunde inte skapas: något i det ser ut som ett personnummer. "
                               "Kontrollera kontaktpersonens telefonnummer (skriv det med mellanslag).") from None
    except ValueError as exc:
        log.warning("Consent e-mail %s not queued: %s", kind, type(exc).__name__)
        if essential:
            raise ConsentError("E-postadressen till en undertecknare fungerar inte. Kontrollera den.") from None
    return None


# --------------------------------------------------------------------------- status

def facts(consent: Consent) -> rules.ConsentFacts:
    return rules.ConsentFacts(
        sent=consent.status != ConsentStatus.DRAFT, valid_from=consent.valid_from, valid_until=consent.valid_until,
        withdrawn_at=consent.withdrawn_at,
        signers=tuple(rules.SignerFacts(s.required, s.signed_at, s.declined_at, s.withdrawn_at) for s in consent.signers),
    )


def derived_status(consent: Consent, today: dt.date | None = None) -> str:
    return rules.consent_status(facts(consent), today or today_local())


def refresh_status(consent: Consent, *, actor: str = "system") -> str:
    """Sets the stored status from the facts; appends "expired" when the period has ended."""
    before = consent.stored_status
    after = derived_status(consent)
    if after == before:
        return after
    consent.status = after
    now = now_s()
    if after == ConsentStatus.VALID and consent.valid_at is None:
        consent.valid_at = now
    elif after == ConsentStatus.DECLINED:
        consent.declined_at = consent.declined_at or now
    elif after == ConsentStatus.EXPIRED:
        consent.expired_at = now
        for s in consent.signers:
            if s.status not in (SignerStatus.SIGNED, SignerStatus.DECLINED, SignerStatus.WITHDRAWN):
                s.status = SignerStatus.EXPIRED
        append_event(consent, "expired", actor=actor, data={"valid_until": consent.valid_until.isoformat()})
        log_event("consent.expire", case_id=consent.case_id, object_type="consent", object_id=consent.id,
               actor=actor if actor in ("system", "cli") else "system", detail="status: expired")
    return after


def expire_due(actor: str = "system") -> int:
    """Stores "expired" (with its chain entry) for every running consent past its end date
    (`portal consent expire`, scheduled daily). Pages never write it: they read the derived
    `Consent.status`. Returns how many."""
    due = db.session.scalars(select(Consent).where(Consent.stored_status.in_((ConsentStatus.PENDING, ConsentStatus.VALID)),
                                                   Consent.valid_until < today_local())).all()
    for consent in due:
        lock(consent)
        refresh_status(consent, actor=actor)
    return len(due)


def signer_display_status(signer: ConsentSigner, now: dt.datetime | None = None) -> str:
    """What the case page shows: sent, opened, verified, signed, declined, withdrawn, expired;
    derived when read: locked (too many wrong codes), and for a link not opened yet what became
    of its e-mail (link_failed; link_waiting while the outbox tries again)."""
    now = now or utcnow()
    if signer.status in (SignerStatus.SIGNED, SignerStatus.DECLINED, SignerStatus.WITHDRAWN, SignerStatus.EXPIRED):
        return signer.status
    if signer.consent.status in (ConsentStatus.EXPIRED,):
        return SignerStatus.EXPIRED
    if signer.channel == "email":
        link = active_link(signer, LINK_SIGN)
        if link is None or link.expires_at < now:
            return SignerStatus.EXPIRED
        if link.locked_at is not None:
            return SignerStatus.LOCKED
        if signer.status == SignerStatus.SENT:
            delivery = link_delivery(link)
            if delivery is not None and delivery.failed:
                return SignerStatus.LINK_FAILED
            if delivery is not None and delivery.status == "retrying":
                return SignerStatus.LINK_WAITING
    return signer.status


def link_delivery(link: ConsentLink | None):
    """What became of the e-mail with a sign link (portal.notify.delivery.Delivery), or None."""
    return delivery_by_key(link_mail_key(link)) if link is not None else None


def link_mail_key(link: ConsentLink) -> str:
    return f"consent.link:{link.id}"


def active_link(signer: ConsentSigner, kind: str) -> ConsentLink | None:
    links = [link for link in signer.links if link.kind == kind and link.revoked_at is None]
    return links[-1] if links else None


# --------------------------------------------------------------------------- the request

@dataclass
class SignerOptions:
    age: int
    rule: str                            # rules.CHILD_*
    guardians: list[Guardian]            # with custody (asked unless the young person decides alone)
    child_email: str


def signer_options(case: Case, today: dt.date | None = None) -> SignerOptions:
    today = today or today_local()
    age = case.age_on(today)
    rule = rules.child_signer_rule(age, cfg("PORTAL_CONSENT_CHILD_SUGGESTED_AGE"), cfg("PORTAL_CONSENT_CHILD_REQUIRED_AGE"))
    guardians = [g for g in case.guardians if g.has_custody] if rule != rules.CHILD_ALONE else []
    return SignerOptions(age, rule, guardians, case.email or "")


def save_draft(case: Case, consent: Consent | None, record: dict, signer_plan: list[dict], user) -> Consent:
    refuse_over_limit(get_definition("consent_request"), record)
    if consent is None:
        consent = Consent(case_id=case.id, created_by_id=user.id, status=ConsentStatus.DRAFT)
        db.session.add(consent)
    consent.record = record
    consent.signer_plan = signer_plan
    consent.months = int(MONTHS.of(record) or 12)
    consent.contact_unit_key = CONTACT_UNIT.of(record, "")
    consent.contact_name = CONTACT_NAME.of(record, "")
    consent.contact_email = CONTACT_EMAIL.of(record, "")
    consent.contact_phone = CONTACT_PHONE.of(record, "")
    db.session.flush()
    return consent


def _plain(definition_extra: dict, group: str, keys, audience: str) -> tuple[str, ...]:
    texts = definition_extra.get("plain_language", {}).get(group, {})
    return tuple(t for k in keys if (t := (texts.get(k) or {}).get(audience, "")))


def terms_for(consent: Consent, audience: str, case: Case, signer_plan: list[dict] | None = None,
              valid_from: dt.date | None = None, valid_until: dt.date | None = None) -> Terms:
    definition = get_definition("consent_request")
    rec = consent.record
    d = directory()
    unit_keys = UNITS.of(rec, [])
    plan = signer_plan if signer_plan is not None else [
        {"role": s.role} for s in consent.signers]
    start = valid_from or consent.valid_from or today_local()
    end = valid_until or consent.valid_until or rules.end_date(start, consent.months)
    contact_unit = consent.contact_unit_key
    return Terms(
        child_name=case.child_name,
        asking_unit=d.units[contact_unit].name if contact_unit in d.units else d.unit_label(contact_unit),
        purposes=_plain(definition.extra, PURPOSES.key, PURPOSES.of(rec, []), audience),
        purpose_text=PURPOSE_TEXT.of(rec, "") or "",
        units=tuple(_unit_text(k, audience) for k in unit_keys),
        categories=_plain(definition.extra, CATEGORIES.key, CATEGORIES.of(rec, []), audience),
        categories_text=CATEGORIES_TEXT.of(rec, "") or "",
        valid_from=start, valid_until=end,
        contact_name=consent.contact_name, contact_email=consent.contact_email, contact_phone=consent.contact_phone,
        guardians_asked=sum(1 for p in plan if p["role"] == GUARDIAN),
        child_asked=any(p["role"] == CHILD for p in plan),
    )


def _unit_text(key: str, audience: str) -> str:
    """A unit as the signer reads it: "BUP Pite älvdal, Region Norrbotten" (the child: the unit only)."""
    d = directory()
    if key not in d.units:
        return d.unit_label(key)
    if audience == "child":
        return d.units[key].name
    return f"{d.units[key].name}, {d.authority_of(key).name}"


def text_for(consent: Consent, case: Case, role: str, audience: str, signer_plan=None, **dates) -> str:
    terms = terms_for(consent, audience, case, signer_plan, **dates)
    if audience == "child":
        return child_text(terms)
    return adult_text(terms, signer_is_child=(role == CHILD))


def child_audience(case: Case, today: dt.date | None = None) -> str:
    return "child" if case.age_on(today or today_local()) < rules.ADULT_AGE else "adult"


def signer_address(case: Case, planned: dict) -> str:
    """Where a planned signer's link goes: the address on the guardian's record, or the child's on
    the case. Never an address typed into the request (issue 28)."""
    if planned["role"] == GUARDIAN:
        guardian = next((g for g in case.guardians if g.id == planned.get("guardian_id")), None)
        return guardian.email if guardian is not None else ""
    return case.email or ""


def plan_problems(case: Case, plan: list[dict]) -> list[str]:
    """Checks a signer plan against the case as it is now (guardians may have changed)."""
    problems = []
    options = signer_options(case)
    by_id = {g.id: g for g in options.guardians}
    planned_guardians = {p.get("guardian_id") for p in plan if p["role"] == GUARDIAN}
    for g in options.guardians:
        if g.id not in planned_guardians:
            problems.append(f"{g.name} har vårdnaden och måste också tillfrågas. Gå tillbaka och välj undertecknare igen.")
    for p in plan:
        if p["role"] == GUARDIAN and p.get("guardian_id") not in by_id:
            problems.append("En vårdnadshavare i begäran finns inte längre med vårdnad i ärendet. Välj undertecknare igen.")
        if p.get("channel") == "email" and not signer_address(case, p):
            problems.append("En undertecknare saknar e-postadress i ärendet. Lägg till den, eller välj att hen skriver "
                            "under på plats.")
    if options.rule in (rules.CHILD_ALONE, rules.CHILD_REQUIRED) and not any(p["role"] == CHILD for p in plan):
        problems.append("Barnet eller den unge måste tillfrågas. Välj undertecknare igen.")
    if not plan:
        problems.append("Det finns ingen som kan skriva under. Lägg till vårdnadshavare i ärendet.")
    return problems


def send(consent: Consent, user) -> list[str]:
    """Turns a draft into a running request: signers, texts, chain, links by e-mail.
    Returns a list of problems (nothing is changed then)."""
    case = consent.case
    plan = consent.signer_plan or []
    problems = plan_problems(case, plan)
    if problems:
        return problems
    lock(consent)
    today = today_local()
    consent.valid_from = today
    consent.valid_until = rules.end_date(today, consent.months)
    unit_keys = UNITS.of(consent.record, [])
    consent.units = [ConsentUnit(unit_key=k, position=i) for i, k in enumerate(unit_keys)]
    guardians = {g.id: g for g in case.guardians}
    audience_child = child_audience(case, today)
    signers = []
    for i, p in enumerate(plan):
        if p["role"] == GUARDIAN:
            g = guardians[p["guardian_id"]]
            signer = ConsentSigner(role=GUARDIAN, guardian_id=g.id, name=g.name, audience="adult")
        else:
            signer = ConsentSigner(role=CHILD, name=case.child_name, audience=audience_child)
        signer.position = i
        signer.email = signer_address(case, p)
        signer.channel = p.get("channel", "email")
        signer.required = True
        signer.status = SignerStatus.WAITING
        signer.text = text_for(consent, case, signer.role, signer.audience, signer_plan=plan)
        signer.text_sha256 = sha256_text(signer.text)
        signers.append(signer)
    consent.signers = signers
    consent.status = ConsentStatus.PENDING
    consent.sent_at = now_s()
    consent.signer_plan = []
    db.session.flush()
    consent.content_sha256 = content_hash(consent)
    append_event(consent, "created", actor=staff_actor(user), data={
        "content_sha256": consent.content_sha256,
        "signers": [{"id": s.id, "role": s.role, "required": s.required, "channel": s.channel,
                     "text_sha256": s.text_sha256} for s in consent.signers],
    })
    for s in consent.signers:
        if s.channel == "email":
            issue_sign_link(s, actor=staff_actor(user), event="sent")
    log_event("consent.send", case=case, object_type="consent", object_id=consent.id,
           detail=f"enheter: {len(unit_keys)}, undertecknare: {len(signers)}")
    return []


def _link_url(token: str) -> str:
    return f"{cfg('PORTAL_BASE_URL')}{SIGN_PATH}{token}"


def _unit_name(key: str) -> str:
    d = directory()
    return d.units[key].name if key in d.units else ""


def signer_mail_context(consent: Consent) -> dict:
    """What a signer's e-mail may say: the unit, the staff member's work e-mail and phone."""
    return {"unit_name": _unit_name(consent.contact_unit_key), "contact_email": consent.contact_email,
            "contact_phone": consent.contact_phone}


def issue_sign_link(signer: ConsentSigner, *, actor: str, event: str = "sent") -> str:
    """A new personal link (older sign links stop working) sent by e-mail through the outbox."""
    if not signer.email:
        raise ConsentError("Undertecknaren saknar e-postadress.")
    now = now_s()
    # "A new link" only to someone an earlier link reached: the first that arrives is no replacement.
    again = event == "resent" and any(
        (d := link_delivery(old)) is not None and d.arrived for old in signer.links if old.kind == LINK_SIGN)
    expires = now + dt.timedelta(days=cfg("PORTAL_CONSENT_LINK_DAYS"))
    if signer.consent.valid_until:
        expires = min(expires, end_of_day_utc(signer.consent.valid_until))
    token, link = new_link(signer, LINK_SIGN, expires_at=expires)
    consent = signer.consent
    queue(signer.email, "consent/email/signer_link",
          {**signer_mail_context(consent), "link": _link_url(token), "expires": local(expires).date(),
           "again": again, "young": signer.role == CHILD and signer.audience == "child"},
          kind="consent.link", case_id=consent.case_id, essential=True, dedupe_key=link_mail_key(link))
    if signer.status in (SignerStatus.WAITING, SignerStatus.SENT, SignerStatus.OPENED, SignerStatus.VERIFIED,
                         SignerStatus.EXPIRED):
        signer.status = SignerStatus.SENT
    signer.sent_at = now
    append_event(consent, event, actor=actor, signer=signer,
                 data={"link_id": link.id, "kind": LINK_SIGN, "expires_at": expires.isoformat()})
    return token


def end_of_day_utc(day: dt.date) -> dt.datetime:
    """The end of a local (Swedish) date, as naive UTC."""
    return to_utc(day + dt.timedelta(days=1), dt.time(0, 0)) - dt.timedelta(seconds=1)


def resend(signer: ConsentSigner, user) -> None:
    consent = signer.consent
    if not consent.is_open:
        raise ConsentError("Samtycket gäller inte längre. Begär ett nytt samtycke i stället.")
    if signer.status in (SignerStatus.SIGNED, SignerStatus.DECLINED, SignerStatus.WITHDRAWN):
        raise ConsentError("Personen har redan svarat.")
    current = signer_address(consent.case, {"role": signer.role, "guardian_id": signer.guardian_id})
    if signer.email and current.lower() != signer.email.lower():
        raise ConsentError("E-postadressen i ärendet har ändrats sedan begäran skickades. Begär ett nytt samtycke, "
                           "så går länken till den nya adressen.")
    if not signer.email and current:  # asked in person at first: the link goes to the address on the case
        signer.email = current
    lock(consent)
    signer.channel = "email"
    issue_sign_link(signer, actor=staff_actor(user), event="resent")
    log_event("consent.resend", case=consent.case, object_type="consent_signer", object_id=signer.id)


def remind(signer: ConsentSigner, user) -> None:
    """A reminder e-mail (no new link: it points to the earlier one and says how long it works)."""
    consent = signer.consent
    link = active_link(signer, LINK_SIGN)
    if not consent.is_open or signer.status in (SignerStatus.SIGNED, SignerStatus.DECLINED, SignerStatus.WITHDRAWN):
        raise ConsentError("Personen har redan svarat eller samtycket gäller inte längre.")
    if link is None or link.expires_at < utcnow() or link.locked_at:
        raise ConsentError("Länken fungerar inte längre. Skicka en ny länk i stället.")
    lock(consent)
    queue(signer.email, "consent/email/signer_reminder",
          {**signer_mail_context(consent), "sent_on": local(link.created_at).date(), "expires": local(link.expires_at).date()},
          kind="consent.reminder", case_id=consent.case_id, essential=True)
    signer.reminded_at = now_s()
    append_event(consent, "reminded", actor=staff_actor(user), signer=signer, data={"link_id": link.id})
    log_event("consent.remind", case=consent.case, object_type="consent_signer", object_id=signer.id)


def delete_draft(consent: Consent) -> None:
    if consent.status != ConsentStatus.DRAFT:
        raise ConsentError("Bara utkast kan tas bort.")
    log_event("consent.delete_draft", case=consent.case, object_type="consent", object_id=consent.id)
    db.session.delete(consent)


# --------------------------------------------------------------------------- the signer's steps

# What a link leads to before anything else: "ok" or why not.
LINK_OK, LINK_REPLACED, LINK_EXPIRED, LINK_LOCKED, LINK_WITHDRAWN, LINK_CONSENT_EXPIRED, LINK_DECLINED = (
    "ok", "replaced", "expired", "locked", "withdrawn", "consent_expired", "declined")


def link_state(link: ConsentLink) -> str:
    signer = link.signer
    consent = signer.consent
    if link.revoked_at is not None:
        return LINK_REPLACED
    if consent.status == ConsentStatus.WITHDRAWN:
        return LINK_WITHDRAWN
    if consent.status == ConsentStatus.EXPIRED:
        return LINK_CONSENT_EXPIRED
    if consent.status == ConsentStatus.DECLINED and signer.status != SignerStatus.DECLINED:
        return LINK_DECLINED
    if link.locked_at is not None:
        return LINK_LOCKED
    if link.expires_at < utcnow():
        return LINK_EXPIRED
    return LINK_OK


def mark_opened(link: ConsentLink) -> None:
    if link.opened_at is not None:
        return
    signer = link.signer
    lock(signer.consent)
    link.opened_at = now_s()
    signer.opened_at = signer.opened_at or link.opened_at
    if signer.status in (SignerStatus.WAITING, SignerStatus.SENT):
        signer.status = SignerStatus.OPENED
    append_event(signer.consent, "opened", actor=signer_actor(signer), signer=signer, data={"link_id": link.id})
    log_event("consent.open", case_id=signer.consent.case_id, object_type="consent_signer", object_id=signer.id,
           actor=signer_actor(signer))


def issue_code(link: ConsentLink) -> bool:
    """Sends a one-time code to the signer's e-mail (a message of its own). False when no more may be sent."""
    signer = link.signer
    if link.locked_at is not None or link.otp_sent_count >= cfg("PORTAL_CONSENT_OTP_MAX_SENDS"):
        return False
    code = new_code()
    link.otp_hash = hash_code(link.id, code)
    minutes = cfg("PORTAL_CONSENT_OTP_MINUTES")
    link.otp_expires_at = now_s() + dt.timedelta(minutes=minutes)
    link.otp_sent_count += 1
    queue(signer.email, "consent/email/signer_code", {"code": code, "minutes": minutes},
          kind="consent.code", case_id=signer.consent.case_id, essential=True)
    return True


CODE_OK, CODE_WRONG, CODE_EXPIRED, CODE_LOCKED = "ok", "wrong", "expired", "locked"


def check_code(link: ConsentLink, code: str) -> tuple[str, int]:
    """(result, tries left). After PORTAL_CONSENT_OTP_MAX_TRIES wrong codes the link is locked."""
    max_tries = cfg("PORTAL_CONSENT_OTP_MAX_TRIES")
    if link.locked_at is not None:
        return CODE_LOCKED, 0
    if not link.otp_hash or link.otp_expires_at is None or link.otp_expires_at < utcnow():
        return CODE_EXPIRED, max_tries - link.otp_attempts
    if code_matches(link, code):
        link.otp_hash, link.otp_expires_at, link.otp_attempts = "", None, 0
        return CODE_OK, max_tries
    link.otp_attempts += 1
    if link.otp_attempts >= max_tries:
        link.locked_at = now_s()
        link.otp_hash, link.otp_expires_at = "", None
        signer = link.signer
        log_event("consent.locked", case_id=signer.consent.case_id, object_type="consent_signer", object_id=signer.id,
               actor=signer_actor(signer), detail=f"fel kod {max_tries} gånger")
        return CODE_LOCKED, 0
    return CODE_WRONG, max_tries - link.otp_attempts


def mark_verified(signer: ConsentSigner, verified: Verified, *, link: ConsentLink | None = None) -> None:
    consent = signer.consent
    lock(consent)
    signer.verified_at = now_s()
    if signer.status in (SignerStatus.WAITING, SignerStatus.SENT, SignerStatus.OPENED, SignerStatus.EXPIRED):
        signer.status = SignerStatus.VERIFIED
    # the eID's name until the signature binds it (sign(): source "eid"); "" for other methods
    signer.verified_name, signer.identity_acr = verified.verified_name, verified.acr
    signer.verified_name_source = "eid" if verified.verified_name else ""
    data = {"provider": verified.provider, "method": verified.method, "assurance": verified.assurance}
    if verified.acr:
        data["acr"] = verified.acr
    if link is not None:
        data["link_id"] = link.id
    if verified.staff_user_id:
        data["staff_user_id"] = verified.staff_user_id
    append_event(consent, "verified", actor=signer_actor(signer), signer=signer, data=data)
    log_event("consent.verify", case_id=consent.case_id, object_type="consent_signer", object_id=signer.id,
           actor=signer_actor(signer), detail=f"metod: {verified.method}")


def can_answer(signer: ConsentSigner) -> bool:
    return signer.consent.status == ConsentStatus.PENDING and signer.status not in (
        SignerStatus.SIGNED, SignerStatus.DECLINED, SignerStatus.WITHDRAWN, SignerStatus.EXPIRED)


def sign(signer: ConsentSigner, verified: Verified, typed_name: str, shown_sha256: str) -> None:
    consent = signer.consent
    lock(consent)
    db.session.refresh(signer)
    if not can_answer(signer):
        raise ConsentError("Du kan inte skriva under nu. Samtycket är redan besvarat eller gäller inte längre.")
    if shown_sha256 != signer.text_sha256:
        raise ConsentError("Texten du läste stämmer inte med samtycket. Ladda om sidan och läs texten igen.")
    name, source = expected_name(signer, verified)
    if not name_matches(typed_name, name):
        raise NameMismatch(NAME_MISMATCH)
    signer.signed_at = now_s()
    signer.signed_name = " ".join(typed_name.split())
    signer.verified_name, signer.verified_name_source = name, source
    signer.status = SignerStatus.SIGNED
    signer.identity_provider, signer.identity_method, signer.assurance = verified.provider, verified.method, verified.assurance
    signer.verified_by_id = verified.staff_user_id
    signer.identity_acr = verified.acr   # "" for e-mail codes and in person
    data = {"text_sha256": signer.text_sha256, "signed_name_sha256": sha256_text(signer.signed_name),
            "verified_name_sha256": sha256_text(signer.verified_name), "verified_name_source": source,
            "provider": verified.provider, "method": verified.method, "assurance": verified.assurance}
    if signer.identity_acr:
        data["acr"] = signer.identity_acr
    if verified.staff_user_id:
        data["staff_user_id"] = verified.staff_user_id
    append_event(consent, "signed", actor=signer_actor(signer), signer=signer, data=data)
    log_event("consent.sign", case_id=consent.case_id, object_type="consent_signer", object_id=signer.id,
           actor=signer_actor(signer), detail=f"metod: {verified.method}")
    became = refresh_status(consent)
    if signer.email:
        token = issue_withdraw_link(signer)
        queue(signer.email, "consent/email/signer_receipt",
              {**signer_mail_context(consent), "link": _link_url(token), "valid_until": consent.valid_until,
               "all_signed": became == ConsentStatus.VALID},
              kind="consent.receipt", case_id=consent.case_id)
    if became == ConsentStatus.VALID:
        notify_staff(consent, "consent/email/staff_valid", "consent.valid")


def issue_withdraw_link(signer: ConsentSigner) -> str:
    """A link that lets the signer read the receipt and withdraw, valid until the consent ends."""
    return new_link(signer, LINK_WITHDRAW)[0]


def new_link(signer: ConsentSigner, kind: str, *, expires_at: dt.datetime | None = None) -> tuple[str, ConsentLink]:
    """(token, link): a new personal link of ``kind`` for the signer; the signer's earlier links of
    that kind stop working. It works until ``expires_at`` (default: the end of the consent)."""
    now = now_s()
    for old in signer.links:
        if old.kind == kind and old.revoked_at is None:
            old.revoked_at = now
    token, digest = new_token()
    link = ConsentLink(signer=signer, kind=kind, token_hash=digest, created_at=now,
                       expires_at=expires_at or end_of_day_utc(signer.consent.valid_until))
    db.session.add(link)
    db.session.flush()
    return token, link


def decline(signer: ConsentSigner, verified: Verified, reason: str = "") -> None:
    consent = signer.consent
    lock(consent)
    db.session.refresh(signer)
    if not can_answer(signer):
        raise ConsentError("Du kan inte svara nu. Samtycket är redan besvarat eller gäller inte längre.")
    signer.declined_at = now_s()
    signer.decline_reason = (reason or "").strip()
    signer.status = SignerStatus.DECLINED
    data = {"provider": verified.provider, "method": verified.method, "assurance": verified.assurance,
            "reason_given": bool(signer.decline_reason)}
    if signer.decline_reason:
        data["reason_sha256"] = sha256_text(signer.decline_reason)
    if verified.staff_user_id:
        data["staff_user_id"] = verified.staff_user_id
    append_event(consent, "declined", actor=signer_actor(signer), signer=signer, data=data)
    log_event("consent.decline", case_id=consent.case_id, object_type="consent_signer", object_id=signer.id,
           actor=signer_actor(signer))
    refresh_status(consent)
    notify_staff(consent, "consent/email/staff_declined", "consent.declined")


# --------------------------------------------------------------------------- withdrawal

def register_withdrawal_listener(app, fn) -> None:
    hook_list(app, "consent_withdrawal_listeners").append(fn)


def can_withdraw(signer: ConsentSigner) -> bool:
    return (signer.consent.status in (ConsentStatus.PENDING, ConsentStatus.VALID)
            and signer.status == SignerStatus.SIGNED)


def withdraw(signer: ConsentSigner, *, method: str, actor: str, reason: str = "", channel: str = "",
             verified: Verified | None = None, staff_user=None) -> None:
    """Withdraws the consent at once. method: "signer_link" (the signer, verified) or
    "reported_to_staff" (told to a staff member, e.g. by phone; channel says how)."""
    consent = signer.consent
    lock(consent)
    db.session.refresh(signer)
    if not can_withdraw(signer):
        raise ConsentError("Samtycket kan inte återkallas: det gäller inte längre eller personen har inte skrivit under.")
    now = now_s()
    signer.withdrawn_at = now
    signer.withdraw_method = method
    signer.withdraw_reason = (reason or "").strip()
    signer.status = SignerStatus.WITHDRAWN
    consent.withdrawn_at = now
    data = {"method": method}
    if channel:
        data["channel"] = channel
    if verified is not None:
        data.update({"provider": verified.provider, "assurance": verified.assurance})
    if staff_user is not None:
        data["staff_user_id"] = staff_user.id
    if signer.withdraw_reason:
        data["reason_sha256"] = sha256_text(signer.withdraw_reason)
    append_event(consent, "withdrawn", actor=actor, signer=signer, data=data)
    log_event("consent.withdraw", case_id=consent.case_id, object_type="consent_signer", object_id=signer.id,
           actor="" if staff_user is not None else actor, user=staff_user,
           detail=f"metod: {method}" + (f", kanal: {channel}" if channel else ""))
    refresh_status(consent)
    if signer.email:
        queue(signer.email, "consent/email/signer_withdrawn",
              {**signer_mail_context(consent), "by_staff": method == "reported_to_staff"},
              kind="consent.withdrawn", case_id=consent.case_id)
    notify_staff(consent, "consent/email/staff_withdrawn", "consent.withdrawn")
    _run_withdrawal_listeners(consent)


def _run_withdrawal_listeners(consent: Consent) -> None:
    for fn in list(hook_list(None, "consent_withdrawal_listeners")):
        try:
            with db.session.begin_nested():
                fn(consent)
        except Exception as exc:  # a listener must not stop the withdrawal
            log.error("Withdrawal listener %s failed with %s (consent %s)", getattr(fn, "__name__", "?"),
                      type(exc).__name__, consent.id)


# --------------------------------------------------------------------------- staff e-mail

def staff_addresses(consent: Consent) -> list[str]:
    found = []
    for address in (consent.contact_email, consent.created_by.email if consent.created_by else ""):
        if address and address.lower() not in [a.lower() for a in found]:
            found.append(address)
    return found


def notify_staff(consent: Consent, template: str, kind: str) -> None:
    link = f"{cfg('PORTAL_BASE_URL')}/arenden/{consent.case.ref}/samtycke/{consent.id}"
    for address in staff_addresses(consent):
        queue(address, template, {"case_ref": consent.case.ref, "link": link, "consent_id": consent.id,
                                  "consent_number": consent.number},
              kind=kind, case_id=consent.case_id)
