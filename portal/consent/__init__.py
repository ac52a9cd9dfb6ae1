"""Digital consent (samtycke): asked by staff, signed by each guardian and the young person,
withdrawable, tamper-evident.

- Staff ask on a case (forms/consent_request.yaml + signer selection, check answers, send).
- Each signer gets a personal link (/samtycke/s/<token>) through the outbox, verifies with an
  identity provider (e-mail one-time code by default; in person on the staff member's device),
  reads a plain-Swedish text and signs or declines; a withdraw link stays valid until the end.
- A consent is valid when every required signer has signed and it has not ended or been
  withdrawn. Valid consents grant their units access to the case (cases.access provider).
- Every step is a hash-chained event; `portal consent verify ID` checks the chain.
- Other features use portal.consent.api (covered_units, consent_status_for_units,
  withdrawn_consents, register_withdrawal_listener).

Configuration (environment, defaults): PORTAL_CONSENT_MAX_MONTHS=24, PORTAL_CONSENT_DEFAULT_MONTHS=12,
PORTAL_CONSENT_CHILD_SUGGESTED_AGE=12, PORTAL_CONSENT_CHILD_REQUIRED_AGE=15, PORTAL_CONSENT_LINK_DAYS=14,
PORTAL_CONSENT_OTP_MINUTES=10, PORTAL_CONSENT_OTP_MAX_TRIES=5, PORTAL_CONSENT_OTP_MAX_SENDS=5,
PORTAL_CONSENT_SESSION_MINUTES=30, PORTAL_CONSENT_WARN_DAYS=30,
PORTAL_CONSENT_IDENTITY_PROVIDERS=email_otp."""
from __future__ import annotations

import logging
import os
import re

from flask import Flask

INT_SETTINGS = {
    "PORTAL_CONSENT_MAX_MONTHS": 24,
    "PORTAL_CONSENT_DEFAULT_MONTHS": 12,
    "PORTAL_CONSENT_CHILD_SUGGESTED_AGE": 12,
    "PORTAL_CONSENT_CHILD_REQUIRED_AGE": 15,
    "PORTAL_CONSENT_LINK_DAYS": 14,
    "PORTAL_CONSENT_OTP_MINUTES": 10,
    "PORTAL_CONSENT_OTP_MAX_TRIES": 5,
    "PORTAL_CONSENT_OTP_MAX_SENDS": 5,
    "PORTAL_CONSENT_SESSION_MINUTES": 30,
    "PORTAL_CONSENT_WARN_DAYS": 30,
    "PORTAL_CONSENT_LIX_ADULT": 40,
    "PORTAL_CONSENT_LIX_CHILD": 30,
}

AUDIT_LABELS = {
    "consent.create": "Påbörjade en begäran om samtycke",
    "consent.update": "Ändrade ett utkast till samtycke",
    "consent.delete_draft": "Tog bort ett utkast till samtycke",
    "consent.send": "Skickade en begäran om samtycke",
    "consent.view": "Läste ett samtycke",
    "consent.print": "Skrev ut kvitto på samtycke",
    "consent.resend": "Skickade en ny länk för samtycke",
    "consent.remind": "Skickade en påminnelse om samtycke",
    "consent.in_person": "Kontrollerade identiteten för underskrift på plats",
    "consent.open": "Öppnade länken till samtycket",
    "consent.verify": "Bekräftade sin identitet för samtycket",
    "consent.locked": "Länken till samtycket låstes efter fel kod",
    "consent.sign": "Skrev under samtycket",
    "consent.decline": "Sa nej till samtycket",
    "consent.withdraw": "Återkallade samtycket",
    "consent.receipt": "Hämtade kvitto på samtycket",
    "consent.expire": "Samtycket upphörde (tiden gick ut)",
}

TOKEN_IN_PATH = re.compile(r"(/samtycke/s/)[^/\s?\"]+")


class RedactConsentTokens(logging.Filter):
    """Keeps personal link tokens out of request logs (werkzeug, gunicorn access log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is not ours to fix
            return True
        if "/samtycke/s/" in message:
            record.msg, record.args = TOKEN_IN_PATH.sub(r"\1[dold]", message), ()
        return True


_FILTER = RedactConsentTokens()


def init_app(app: Flask) -> None:
    # local: loaded when the app is built; importing the package stays light (portal.models imports its models)
    from ..audit.log import register_labels
    from ..cases.access import register_access_provider
    from ..cases.panels import register_case_panel
    from ..demo import register_demo_seed
    from . import access, cli, demo
    from .identity import InPersonProvider, register_provider
    from ..templating import add_template_enums
    from .models import ConsentStatus, SignerStatus
    from .otp import EmailOtpProvider
    from .panel import panel_context
    from .routes import bp

    for name, default in INT_SETTINGS.items():
        app.config.setdefault(name, int(os.environ.get(name, default)))
    app.config.setdefault("PORTAL_CONSENT_IDENTITY_PROVIDERS", os.environ.get("PORTAL_CONSENT_IDENTITY_PROVIDERS", "email_otp"))

    add_template_enums(app, ConsentStatus, SignerStatus)
    register_provider(app, EmailOtpProvider())
    register_provider(app, InPersonProvider())
    app.register_blueprint(bp)
    app.cli.add_command(cli.consent)
    register_labels(app, AUDIT_LABELS)
    register_case_panel(app, 20, "consent/panel.html", panel_context)
    register_demo_seed(app, demo.seed)
    register_access_provider(app, access.cases_for_units, access.units_for_case)
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)

