"""The OpenID Connect flow with Authlib's Flask client, and what a verified sign-in does.

`start(key, purpose, **data)` redirects to the provider (state, nonce and a PKCE verifier kept in
the session by Authlib; the purpose of the flow and its start time kept beside them).
`finish(key)` is the callback: it refuses an unknown, used or expired `state` and returns the ID
token's validated claims. Every refusal is an `OidcFailure` with a Swedish message; nothing about
the person is logged."""
from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import current_app, flash, g, redirect, request, session, url_for
from flask_login import login_user, user_logged_out
from joserfc.errors import JoseError
from sqlalchemy import select

from ..accounts.models import User
from ..accounts.service import set_units
from ..audit import log_event
from ..extensions import db
from ..timeutil import utcnow
from . import rules
from .config import IdentityConfig, ProviderConfig
from .models import AccountIdentity

log = logging.getLogger("portal.oidc")

FLOWS = "oidc_flows"
LOGIN_KEY = "oidc_login"
UNAVAILABLE = ("Inloggningen hos {label} fungerar inte just nu. Försök igen om en stund.")


class OidcFailure(Exception):
    """A sign-in that cannot be accepted; the message is Swedish and safe to show."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def identity_config() -> IdentityConfig:
    return current_app.extensions["identity"]


def provider(key: str, kind: str | None = None) -> ProviderConfig | None:
    p = identity_config().providers.get(key)
    return p if p is not None and (kind is None or p.kind == kind) else None


def register_clients(app, config: IdentityConfig) -> None:
    oauth = OAuth(app)
    for p in config.providers.values():
        oauth.register(
            name=p.key, client_id=p.client_id, client_secret=p.client_secret or None,
            server_metadata_url=p.discovery,
            client_kwargs={"scope": " ".join(p.scopes), "code_challenge_method": "S256",
                           "token_endpoint_auth_method": "client_secret_basic" if p.client_secret else "none",
                           "default_timeout": 10})
    app.extensions["identity_oauth"] = oauth


def client(key: str):
    return current_app.extensions["identity_oauth"].create_client(key)


def start(p: ProviderConfig, purpose: str, **data):
    """A redirect to the provider's sign-in, or OidcFailure when it cannot be reached."""
    c = client(p.key)
    params = {"acr_values": p.acr_values} if p.acr_values else {}
    redirect_uri = url_for("oidc.callback", key=p.key, _external=True)
    try:
        rv = c.create_authorization_url(redirect_uri, **params)
    except (requests.RequestException, ValueError, AuthlibBaseError):
        log.warning("oidc provider %s unavailable (metadata)", p.key)
        raise OidcFailure(UNAVAILABLE.format(label=p.label), 503) from None
    c.save_authorize_data(redirect_uri=redirect_uri, **rv)
    flows = session.get(FLOWS) if isinstance(session.get(FLOWS), dict) else {}
    flows[rv["state"]] = {"key": p.key, "purpose": purpose, "at": int(time.time()), **data}
    session[FLOWS] = dict(sorted(flows.items(), key=lambda kv: kv[1]["at"])[-5:])
    return redirect(rv["url"])


def finish(p: ProviderConfig, state: str | None) -> tuple[dict, dict]:
    """(flow, claims) for the callback of a flow started in this browser, or OidcFailure."""
    flows = session.get(FLOWS) if isinstance(session.get(FLOWS), dict) else {}
    flow = flows.pop(state, None) if state else None
    session[FLOWS] = flows
    c = client(p.key)
    if not isinstance(flow, dict) or flow.get("key") != p.key:
        c.framework.clear_state_data(session, state)
        raise OidcFailure("Inloggningen kunde inte slutföras: svaret hör inte till en inloggning som pågår här "
                          "(den kan redan vara använd). Börja om.")
    if time.time() - flow.get("at", 0) > identity_config().state_minutes * 60:
        c.framework.clear_state_data(session, state)
        raise OidcFailure("Inloggningen tog för lång tid och har gått ut. Börja om.")
    if request.args.get("error"):
        c.framework.clear_state_data(session, state)
        raise OidcFailure(f"Inloggningen hos {p.label} avbröts eller nekades. Börja om om du vill försöka igen.")
    try:
        token = c.authorize_access_token()
    except requests.RequestException:
        log.warning("oidc provider %s unavailable (token)", p.key)
        raise OidcFailure(UNAVAILABLE.format(label=p.label), 503) from None
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as exc:
        log.warning("oidc sign-in refused for provider %s: %s", p.key, type(exc).__name__)
        raise OidcFailure(f"Inloggningen hos {p.label} kunde inte kontrolleras och har inte godtagits. "
                          "Börja om. Om felet finns kvar: kontakta personalen.") from None
    claims = dict(token.get("userinfo") or {})
    if not claims.get("sub"):
        raise OidcFailure(f"Inloggningen hos {p.label} kunde inte kontrolleras och har inte godtagits. Börja om.")
    _add_userinfo(p, c, token, claims)
    flow["id_token"] = bool(token.get("id_token"))
    return flow, claims


def _add_userinfo(p: ProviderConfig, c, token: dict, claims: dict) -> None:
    """Providers that keep the scope's claims out of the ID token (as the OpenID Connect Core
    spec has it for the code flow) give them at the userinfo endpoint: read it when the claim the
    portal needs is missing, and only for the same subject. The ID token's claims win."""
    needed = p.claim("personal_number") if p.kind == "citizen" else p.claim("email")
    if claims.get(needed) or not c.load_server_metadata().get("userinfo_endpoint"):
        return
    try:
        extra = dict(c.userinfo(token=token))
    except requests.RequestException:
        log.warning("oidc provider %s unavailable (userinfo)", p.key)
        raise OidcFailure(UNAVAILABLE.format(label=p.label), 503) from None
    except (AuthlibBaseError, ValueError):
        return
    if extra.get("sub") == claims["sub"]:
        for name, value in extra.items():
            claims.setdefault(name, value)


# --------------------------------------------------------------------------- staff

def staff_account(p: ProviderConfig, claims: dict) -> User:
    """The account for a verified staff sign-in: by subject, or on first sign-in by e-mail
    (the subject is stored then). Units follow the configured group mapping, if any."""
    if not rules.meets(rules.assurance_of(p, claims), p.minimum_assurance):
        raise OidcFailure(f"Inloggningen hos {p.label} har för låg tillitsnivå för portalen. "
                          "Logga in på ett annat sätt, till exempel med ditt SITHS-kort.", 403)
    subject = str(claims["sub"])[:150]
    link = db.session.scalar(select(AccountIdentity).where(AccountIdentity.provider == p.key,
                                                           AccountIdentity.subject == subject))
    if link is not None:
        user = db.session.get(User, link.user_id)
    else:
        email = str(claims.get(p.claim("email")) or "").strip().lower()
        if not email or claims.get("email_verified") is False:
            raise OidcFailure(f"{p.label} skickade ingen bekräftad e-postadress, så vi hittar inte ditt konto. "
                              "Kontakta portalens administratör.", 403)
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            raise OidcFailure("Det finns inget konto i portalen för dig. Kontakta din chef eller portalens "
                              "administratör.", 403)
        if db.session.scalar(select(AccountIdentity).where(AccountIdentity.user_id == user.id,
                                                           AccountIdentity.provider == p.key)) is not None:
            raise OidcFailure("Kontot är redan kopplat till en annan identitet hos " + p.label
                              + ". Kontakta portalens administratör.", 403)
        link = AccountIdentity(user_id=user.id, provider=p.key, subject=subject)
        db.session.add(link)
        log_event("account.sso_linked", user=user, object_type="user", object_id=user.id, detail=f"leverantör: {p.key}")
    if user is None or not user.active:
        raise OidcFailure("Kontot är avstängt. Kontakta portalens administratör.", 403)
    units = rules.units_from_groups(p, claims)
    if units is not None and units != user.unit_keys:
        set_units(user, sorted(units))
        log_event("account.sso_units", user=user, object_type="user", object_id=user.id, detail=f"{len(units)} enheter")
    link.last_login_at = utcnow()
    return user


def sign_in(p: ProviderConfig, user: User) -> None:
    session.clear()
    login_user(user)
    session.permanent = True
    session[LOGIN_KEY] = p.key
    user.last_login_at = utcnow()
    log_event("account.sso_login", user=user, object_type="user", object_id=user.id, detail=f"leverantör: {p.key}")


def end_session_url(key: str) -> str | None:
    """The provider's logout (RP-initiated logout) back to the portal, where it has one."""
    p = provider(key, "staff")
    if p is None or not p.logout:
        return None
    try:
        endpoint = client(key).load_server_metadata().get("end_session_endpoint")
    except (requests.RequestException, ValueError, AuthlibBaseError):
        return None
    if not endpoint:
        return None
    query = urlencode({"client_id": p.client_id, "post_logout_redirect_uri": url_for("main.index", _external=True)})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


def init_hooks(app) -> None:
    """Signing out: the portal session ends (accounts.logout); a user who came through a
    provider is then shown a page that offers the provider's logout as well."""

    @user_logged_out.connect_via(app)
    def _remember_provider(_sender, user=None, **_extra):
        key = session.get(LOGIN_KEY)
        if key:
            g.oidc_signed_out = key

    @app.after_request
    def _offer_provider_logout(response):
        key = g.pop("oidc_signed_out", None)
        if key and response.status_code in (301, 302, 303):
            session["oidc_signed_out"] = key
            response.location = url_for("oidc.signed_out")
        return response

    @app.before_request
    def _password_login_off():
        if request.endpoint == "accounts.login" and request.method == "POST" \
                and not app.extensions["identity"].password_login:
            flash("Logga in med organisationens inloggning.", "error")
            return redirect(url_for("accounts.login"))
        return None

    @app.context_processor
    def _login_options():
        config = app.extensions["identity"]
        return {"sso_providers": config.of_kind("staff"), "password_login": config.password_login}
