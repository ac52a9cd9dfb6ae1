"""Consents on the demo case for the browser suite, made the way the pages make them
(portal.consent.service), in the live app's context.

- pages_consent(): a sent request on Elsa's case; the first guardian has a link by e-mail and has
  not answered, the second has signed in person. Used for the staff pages and the signer's link.
- new_draft_id(): a fresh draft (the check-answers and edit pages).
- sign_token(): the first guardian's personal link on pages_consent() (stable while it works)."""
from __future__ import annotations

from sqlalchemy import select

STAFF_EMAIL = "anna.larare@arjeplog.example"
_cache: dict[int, int] = {}


def _staff():
    from portal.accounts.models import User
    from portal.extensions import db

    return db.session.scalar(select(User).where(User.email == STAFF_EMAIL))


def _case():
    from portal.cases.models import Case
    from portal.extensions import db

    return db.session.scalar(select(Case).where(Case.child_name == "Elsa Exempeldotter"))


def request_record(case, staff) -> dict:
    return {
        "purpose": {"purposes": ["plan_support", "coordinated_plan"], "purpose_text": ""},
        "units": {"units": [case.unit_key, "ifo-barn-och-familj", "arjeplogs-vardcentral"]},
        "information": {"categories": ["school", "health", "interventions"], "categories_text": ""},
        "validity": {"months": 12},
        "contact": {"unit": case.unit_key, "name": staff.name, "email": staff.email, "phone": "0961-140 00"},
    }


def _plan(case, second_in_person: bool = True) -> list[dict]:
    guardians = [g for g in case.guardians if g.has_custody]
    plan = [{"role": "guardian", "guardian_id": guardians[0].id, "channel": "email", "email": guardians[0].email}]
    for g in guardians[1:]:
        plan.append({"role": "guardian", "guardian_id": g.id, "channel": "in_person" if second_in_person else "email",
                     "email": g.email})
    return plan


def new_draft_id() -> int:
    from portal.consent import service
    from portal.extensions import db

    case, staff = _case(), _staff()
    consent = service.save_draft(case, None, request_record(case, staff), _plan(case), staff)
    db.session.commit()
    return consent.id


def send_new_consent(second_in_person: bool = True):
    """A sent request (links queued in the outbox). Returns the consent."""
    from portal.consent import service
    from portal.extensions import db

    case, staff = _case(), _staff()
    consent = service.save_draft(case, None, request_record(case, staff), _plan(case, second_in_person), staff)
    problems = service.send(consent, staff)
    assert not problems, problems
    db.session.commit()
    return consent


def pages_consent():
    from portal.consent import service
    from portal.consent.identity import InPersonProvider
    from portal.consent.models import Consent
    from portal.extensions import db

    consent = db.session.get(Consent, _cache.get(id(db.session.get_bind()), 0))
    if consent is not None and consent.status == "pending" and service.can_answer(consent.signers[0]):
        return consent
    consent = send_new_consent()
    second = consent.signers[1]
    verified = InPersonProvider().verified(_staff())
    service.mark_verified(second, verified)
    service.sign(second, verified, second.name, second.text_sha256)
    db.session.commit()
    _cache[id(db.session.get_bind())] = consent.id
    return consent


def new_sign_token(consent=None) -> str:
    """A fresh personal link for the first guardian (older links stop working)."""
    from portal.consent import service
    from portal.extensions import db

    consent = consent or pages_consent()
    token = service.issue_sign_link(consent.signers[0], actor="user:browser-suite", event="resent")
    db.session.commit()
    return token


_tokens: dict[int, str] = {}


def sign_token() -> str:
    """The first guardian's working link on pages_consent() (the same one while it works)."""
    from portal.consent.tokens import find_link

    consent = pages_consent()
    token = _tokens.get(consent.id)
    link = find_link(token, kinds=("sign",)) if token else None
    if link is None or link.revoked_at is not None or link.locked_at is not None:
        token = _tokens[consent.id] = new_sign_token(consent)
    return token
