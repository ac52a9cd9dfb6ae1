"""The consent section on the case page: each consent, each signer's status in text, what is
covered and until when, and a notice before a consent ends."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from ..directory import current_directory
from ..extensions import db
from ..timeutil import today_local, utcnow
from . import rules, service
from .api import covered_units
from .models import Consent, ConsentStatus, SignerStatus


def panel_context(case, user):
    if not getattr(user, "works_with_cases", False):
        return None
    consents = db.session.scalars(select(Consent).where(Consent.case_id == case.id).order_by(Consent.id.desc())).all()
    today = today_local()
    warn_days = current_app.config["PORTAL_CONSENT_WARN_DAYS"]
    now = utcnow()
    items = []
    for consent in consents:
        signers = []
        for s in consent.signers:
            shown = service.signer_display_status(s, now)
            signers.append((s, SignerStatus.label_of(shown), shown))
        items.append({
            "consent": consent, "signers": signers,
            "notice": rules.expiry_notice(consent.valid_until, today, warn_days)
            if consent.status == ConsentStatus.VALID else None,
        })
    covered = covered_units(case)
    directory = current_directory()
    return {"items": items, "covered": sorted(covered.items(), key=lambda kv: directory.unit_label(kv[0])),
            "unit_label": directory.unit_label}
