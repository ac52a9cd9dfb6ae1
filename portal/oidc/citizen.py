"""E-legitimation for signing a consent: an identity provider for portal.consent.identity.

/samtycke/s/<token>/identifiera/<key> starts the provider's sign-in; the provider comes back to
/oidc/<key>/callback (routes.py), which checks that the personal number claim is the one of the
guardian (or the young person) on the case and then returns here, where the verification is
handed to the consent (`Verified` with the provider, the assurance level, the acr and the name
the provider vouches for)."""
from __future__ import annotations

import time

from flask import abort, render_template, session, url_for

from ..consent.identity import Verified
from ..consent.models import CHILD
from ..directory import current_directory
from . import rules
from .service import OidcFailure, identity_config, provider, start

RESULT = "oidc_consent_verified"
METHOD = "oidc_eid"


class OidcCitizenProvider:
    remote = True

    def __init__(self, key: str):
        self.name = key

    @property
    def config(self):
        return provider(self.name, "citizen")

    @property
    def label(self) -> str:
        p = self.config
        return p.label if p else self.name

    @property
    def assurance(self) -> str:
        p = self.config
        return p.minimum_assurance if p else "substantial"

    def handle(self, link, token: str):
        p = self.config
        if p is None:
            abort(404)
        done = session.pop(RESULT, None)
        if isinstance(done, dict) and done.get("link_id") == link.id and done.get("provider") == p.key \
                and time.time() - done.get("at", 0) < 120:
            return Verified(p.key, METHOD, done["assurance"], verified_name=done.get("name", ""), acr=done.get("acr", ""))
        try:
            return start(p, "consent", token=token)
        except OidcFailure as exc:
            return failed_page(str(exc), url_for("consent.signer_home", token=token), exc.status)


def failed_page(message: str, back: str, status: int):
    return render_template("oidc/failed.html", message=message, back=back), status


def expected_personal_number(signer) -> str:
    """The personal number on the case of the person who is to sign."""
    if signer.role == CHILD:
        return signer.consent.case.personal_number or ""
    guardian = next((g for g in signer.consent.case.guardians if g.id == signer.guardian_id), None)
    return guardian.personal_number if guardian is not None else ""


def check_signer(p, signer, claims: dict) -> dict:
    """What to remember for the signer after a verified e-legitimation, or OidcFailure."""
    level = rules.assurance_of(p, claims)
    if not rules.meets(level, p.minimum_assurance):
        raise OidcFailure(f"Legitimeringen hos {p.label} har för låg tillitsnivå för att skriva under. "
                          "Välj ett annat sätt eller kontakta personalen.", 403)
    expected = expected_personal_number(signer)
    if not expected:
        raise OidcFailure("Vi har inget personnummer för dig i ärendet, så vi kan inte jämföra med din "
                          "e-legitimation. Ingenting är underskrivet. Kontakta personen som skickade länken.", 403)
    if not rules.same_person(claims.get(p.claim("personal_number")), expected):
        raise OidcFailure("Personnumret i e-legitimationen är inte personnumret för den som ska skriva under. "
                          "Ingenting är underskrivet. Har du fått en länk som är till någon annan? "
                          "Kontakta personen som skickade länken.", 403)
    name = claims.get(p.claim("name")) or " ".join(
        str(claims.get(k) or "") for k in ("given_name", "family_name")).strip()
    return {"link_id": None, "provider": p.key, "assurance": level, "acr": str(claims.get("acr") or "")[:100],
            "name": str(name or "")[:200], "at": int(time.time())}


def require_eid_filter(link, providers: list) -> list:
    """Where the consent's authority (huvudman) requires e-legitimation, only eID providers."""
    config = identity_config()
    if not config.require_eid_for:
        return providers
    try:
        authority = current_directory().authority_of(link.signer.consent.contact_unit_key).key
    except KeyError:
        return providers
    if authority not in config.require_eid_for:
        return providers
    return [p for p in providers if isinstance(p, OidcCitizenProvider)]
