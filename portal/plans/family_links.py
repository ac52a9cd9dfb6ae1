"""Sending the family their personal plan links (the pages they open are in plans/family.py).

A guardian or the young person who signed the case's consent with an e-mail address is that
consent's signer. When a plan version goes for approval (and when it is approved) they get a
personal link of kind "plan" on their signer (portal.consent.api.issue_link: only the SHA-256 of
the token is stored, it ends with the consent, a withdrawn consent stops it)."""
from __future__ import annotations

from flask import current_app, url_for
from sqlalchemy import select

from ..consent import api as consent_api
from ..directory import current_directory
from ..consent.models import CHILD, GUARDIAN, Consent, ConsentStatus
from ..extensions import db
from ..notify import queue_email
from ..timeutil import today_local
from . import consent_gate
from .models import PlanApproval, PlanVersion

LINK_KIND = "plan"


def signer_for(case, approval: PlanApproval):
    """The family member's signer in a valid consent of the case (with an e-mail address), or None."""
    if not consent_gate.available() or approval.party == "unit":
        return None
    consents = db.session.scalars(select(Consent).where(Consent.case_id == case.id, Consent.status == ConsentStatus.VALID,
                                                        Consent.valid_until >= today_local())
                                  .order_by(Consent.id.desc())).all()
    for consent in consents:
        for signer in consent.signers:
            if not signer.email or signer.signed_at is None:
                continue
            if approval.party == "guardian" and signer.role == GUARDIAN and signer.guardian_id == approval.guardian_id:
                return signer
            if approval.party == "child" and signer.role == CHILD:
                return signer
    return None


def issue_link(signer) -> str:
    """A new personal plan link for the signer (older plan links stop working)."""
    return consent_api.issue_link(signer, LINK_KIND)


def send_links(case, version: PlanVersion, template: str, kind: str) -> int:
    """E-mails each family member of the version's approvals a personal link (no personal data)."""
    sent = 0
    for approval in version.approvals:
        if approval.party == "unit":
            continue
        signer = signer_for(case, approval)
        if signer is None:
            continue
        if approval.signer_ref != f"consent_signer:{signer.id}" and not approval.done:
            approval.signer_ref = f"consent_signer:{signer.id}"
        token = issue_link(signer)
        link = current_app.config["PORTAL_BASE_URL"] + url_for("plans_family.home", token=token)
        queue_email(signer.email, template, {"link": link, "young": approval.party == "child",
                                             "family_contact": current_directory().contact(case.unit_key)},
                    kind=kind, case_id=case.id,
                    dedupe_key=f"{kind}:{version.id}:{approval.id}:{template.rsplit('/', 1)[-1]}")
        sent += 1
    return sent
