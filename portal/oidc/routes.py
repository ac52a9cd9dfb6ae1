"""Sign-in through an organisation's provider, the providers' callback and the signed-out page."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..accounts.routes import _safe_next
from ..audit import log_event
from ..consent import api as consent_api
from ..consent.models import LINK_SIGN, LINK_WITHDRAW
from ..extensions import db, limiter
from .citizen import RESULT, check_signer, failed_page
from .service import OidcFailure, end_session_url, finish, provider, sign_in, staff_account, start

bp = Blueprint("oidc", __name__, template_folder="templates")

LIMIT = "30 per minute"


@bp.route("/logga-in/org/<key>")
@limiter.limit(LIMIT)
def login(key: str):
    p = provider(key, "staff") or abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    try:
        return start(p, "staff", next=_safe_next(request.args.get("next")))
    except OidcFailure as exc:
        return failed_page(str(exc), url_for("accounts.login"), exc.status)


@bp.route("/oidc/<key>/callback")
@limiter.limit(LIMIT)
def callback(key: str):
    p = provider(key) or abort(404)
    back = url_for("accounts.login") if p.kind == "staff" else url_for("consent.start")
    try:
        flow, claims = finish(p, request.args.get("state"))
        if p.kind == "staff":
            user = staff_account(p, claims)
            sign_in(p, user)
            db.session.commit()
            return redirect(flow.get("next") or url_for("main.index"))
        return _citizen(p, flow, claims)
    except OidcFailure as exc:
        db.session.rollback()
        return failed_page(str(exc), back, exc.status)


def _citizen(p, flow: dict, claims: dict):
    token = str(flow.get("token") or "")
    link = consent_api.find_link(token, kinds=(LINK_SIGN, LINK_WITHDRAW))   # the consent's own links, never a plan link
    if link is None or consent_api.link_state(link) != consent_api.LINK_OK:
        raise OidcFailure("Länken till samtycket fungerar inte längre. Kontakta personen som skickade den.", 404)
    back = url_for("consent.signer_home", token=token)
    try:
        result = check_signer(p, link.signer, claims)
    except OidcFailure as exc:
        log_event("consent.eid_refused", case_id=link.signer.consent.case_id, object_type="consent_signer",
                  object_id=link.signer.id, actor=consent_api.signer_actor(link.signer), detail=f"leverantör: {p.key}")
        db.session.commit()
        return failed_page(str(exc), back, exc.status)
    result["link_id"] = link.id
    session[RESULT] = result
    return redirect(url_for("consent.identify", token=token, provider=p.key))


@bp.route("/logga-ut/klar")
def signed_out():
    key = session.get("oidc_signed_out")
    p = provider(key, "staff") if isinstance(key, str) else None
    return render_template("oidc/signed_out.html", provider=p, end_session=end_session_url(p.key) if p else None)
