"""OpenID Connect (Authlib): staff single sign-on and e-legitimation for guardians who sign.

The providers are configured in content/identity.yaml (PORTAL_IDENTITY_FILE), client secrets come
from the environment. Authorization code flow with PKCE (S256); `state` and `nonce` are checked,
the ID token's signature (the provider's JWKS) and claims (iss, aud, exp, nonce) are validated by
Authlib, the provider metadata comes from discovery. See docs/identity.md.

- Staff: "Logga in med …" on /logga-in, matched by subject (stored on first match by e-mail),
  units from the configured group mapping; signing out offers the provider's end_session_endpoint.
- Citizens: an identity provider for consent signing (portal.consent.identity) whose personal
  number claim must match the guardian's (or the young person's) on the case."""
from __future__ import annotations

import os

from flask import Flask

AUDIT_LABELS = {
    "account.sso_login": "Loggade in med organisationens inloggning",
    "account.sso_linked": "Kopplade kontot till organisationens inloggning",
    "account.sso_unlinked": "Kopplingen till organisationens inloggning togs bort",
    "account.sso_units": "Enheterna ändrades efter organisationens gruppmappning",
    "consent.eid_refused": "E-legitimationen stämde inte med personen som ska skriva under",
}


def init_app(app: Flask) -> None:
    # local: loaded when the app is built; importing the package stays light (portal.models imports its models)
    from ..audit.log import register_labels
    from ..consent.identity import register_provider, register_provider_filter
    from . import service
    from .cli import identity as identity_cli
    from .citizen import OidcCitizenProvider, require_eid_filter
    from .config import load_identity_config
    from .routes import bp
    from .rules import acr_label

    path = app.config.get("PORTAL_IDENTITY_FILE") or os.environ.get("PORTAL_IDENTITY_FILE") \
        or os.path.join(app.config["PORTAL_CONTENT_DIR"], "identity.yaml")
    # Unit keys of the group mapping must exist (directory.init_app has loaded the directory).
    unit_keys = set(app.extensions["directory"].units) if os.path.exists(path) else None
    config = load_identity_config(path, unit_keys=unit_keys)
    app.extensions["identity"] = config
    service.register_clients(app, config)
    citizen = [p.key for p in config.of_kind("citizen")]
    if citizen:
        for key in citizen:
            register_provider(app, OidcCitizenProvider(key))
        names = [n.strip() for n in str(app.config.get("PORTAL_CONSENT_IDENTITY_PROVIDERS", "")).split(",") if n.strip()]
        app.config["PORTAL_CONSENT_IDENTITY_PROVIDERS"] = ",".join(citizen + [n for n in names if n not in citizen])
    register_provider_filter(app, require_eid_filter)
    register_labels(app, AUDIT_LABELS)
    app.jinja_env.filters["acr_label"] = acr_label
    app.register_blueprint(bp)
    app.cli.add_command(identity_cli)
    service.init_hooks(app)
