"""The family's own way in to their plan: a personal link and a one-time code – a thin adapter on
the consent signer machinery (portal.consent).

A guardian or the young person who signed the case's consent with an e-mail address is that
consent's signer. When a plan version goes for approval (and when it is approved) they get a
personal link of kind "plan" on their signer (consent_links: only the SHA-256 of the token is
stored, it ends with the consent, a withdrawn consent stops it). Opening it, they confirm who
they are with a one-time code by e-mail (consent's issue_code/check_code, lockout and verified
session), then read their current plan, download it as a PDF and approve it.

Without the consent feature, or for someone who signed on paper, the staff member records the
family's signature on paper instead (plans.routes.family_paper_approval)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ..audit import log_event
from ..extensions import db, limiter
from ..notify import queue_email
from ..pdf import pdf_response, render_pdf
from ..timeutil import local, utcnow
from . import consent_gate
from .models import Plan, PlanApproval, PlanVersion, VersionStatus
from .service import finish_if_complete, plans_of

LINK_KIND = "plan"
FAMILY_LIMIT = "60 per minute"
CODE_LIMIT = "10 per minute;40 per hour"

bp = Blueprint("plans_family", __name__, template_folder="templates", url_prefix="/min-plan")


# --- the adapter -----------------------------------------------------------------------------------

def _consent():
    """The consent modules, or None when the feature is not installed."""
    if not consent_gate.available():
        return None
    from ..consent import models, routes, service, tokens

    return models, routes, service, tokens


def signer_for(case, approval: PlanApproval):
    """The family member's signer in a valid consent of the case (with an e-mail address), or None."""
    parts = _consent()
    if parts is None or approval.party == "unit":
        return None
    models = parts[0]
    consents = db.session.scalars(select(models.Consent).where(models.Consent.case_id == case.id,
                                                               models.Consent.status == models.ConsentStatus.VALID)
                                  .order_by(models.Consent.id.desc())).all()
    for consent in consents:
        for signer in consent.signers:
            if not signer.email or signer.signed_at is None:
                continue
            if approval.party == "guardian" and signer.role == models.GUARDIAN and signer.guardian_id == approval.guardian_id:
                return signer
            if approval.party == "child" and signer.role == models.CHILD:
                return signer
    return None


def issue_link(signer) -> str:
    """A new personal plan link for the signer (older plan links stop working)."""
    models, _, service, tokens = _consent()
    now = models.now_s()
    for old in signer.links:
        if old.kind == LINK_KIND and old.revoked_at is None:
            old.revoked_at = now
    token, digest = tokens.new_token()
    link = models.ConsentLink(signer=signer, kind=LINK_KIND, token_hash=digest, created_at=now,
                              expires_at=service.end_of_day_utc(signer.consent.valid_until))
    db.session.add(link)
    db.session.flush()
    return token


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
                                             "family_contact": current_app.extensions["directory"].contact(case.unit_key)},
                    kind=kind, case_id=case.id,
                    dedupe_key=f"{kind}:{version.id}:{approval.id}:{template.rsplit('/', 1)[-1]}")
        sent += 1
    return sent


# --- pages -------------------------------------------------------------------------------------------

def _link_or_page(token: str):
    parts = _consent()
    if parts is None:
        abort(404)
    models, _, service, tokens = parts
    link = tokens.find_link(token, kinds=(LINK_KIND,))
    if link is None:
        return None, (render_template("plans/family/link_state.html", state="invalid"), 404)
    state = service.link_state(link)
    db.session.commit()
    if state != service.LINK_OK:
        return None, render_template("plans/family/link_state.html", state=state)
    return link, None


def _verified(link):
    _, routes, _, _ = _consent()
    return routes._verified_for(link)


def _actor(signer) -> str:
    return f"signer:{signer.id}"


def _current(case):
    """[(plan, version to read, approval waiting for this signer or None)] for the family."""
    result = []
    for plan in plans_of(case):
        if not plan.is_open:
            continue
        shown = [v for v in plan.versions if v.status in (VersionStatus.PROPOSED, VersionStatus.APPROVED)]
        if shown:
            result.append((plan, shown[-1]))
    return result


def _my_approval(version: PlanVersion, signer) -> PlanApproval | None:
    if version.status != VersionStatus.PROPOSED:
        return None
    return next((a for a in version.approvals if a.party != "unit" and not a.done
                 and a.signer_ref == f"consent_signer:{signer.id}"), None)


def waiting_for(version: PlanVersion) -> list[str]:
    """Who has not approved a proposed version yet, for the family's page: the guardians by name,
    "barnet eller den unge" and the units (no other personal data)."""
    if version.status != VersionStatus.PROPOSED:
        return []
    from .service import directory

    return [a.name if a.party == "guardian" else "barnet eller den unge" if a.party == "child"
            else directory().unit_label(a.unit_key) for a in version.approvals if not a.done]


@bp.route("/<token>")
@limiter.limit(FAMILY_LIMIT)
def home(token: str):
    link, page = _link_or_page(token)
    if page is not None:
        return page
    signer = link.signer
    if _verified(link) is None:
        from ..consent.forms import ConfirmForm

        return render_template("plans/family/verify.html", token=token, send_form=ConfirmForm(), link=link,
                               young=signer.role == "child")
    from .readable import readable
    from .forms import ConfirmForm

    case = signer.consent.case
    items = [(plan, version, readable(plan, version), _my_approval(version, signer), waiting_for(version))
             for plan, version in _current(case)]
    for plan, version, *_ in items:
        log_event("plan.family_view", case=case, object_type="plan_version", object_id=version.id, actor=_actor(signer))
    db.session.commit()
    return render_template("plans/family/home.html", token=token, items=items, confirm=ConfirmForm(),
                           young=signer.role == "child")


@bp.route("/<token>/kod", methods=["GET", "POST"])
@limiter.limit(CODE_LIMIT, methods=["POST"])
@limiter.limit(FAMILY_LIMIT)
def code(token: str):
    link, page = _link_or_page(token)
    if page is not None:
        return page
    _, routes, service, _ = _consent()
    from ..consent.forms import CodeForm, ConfirmForm
    from ..consent.identity import Verified

    here = url_for("plans_family.code", token=token)
    if request.method == "POST" and request.form.get("action") == "send":
        if ConfirmForm().validate_on_submit():
            if service.issue_code(link):
                flash("Vi har skickat en kod till din e-post. Det kan ta någon minut innan den kommer fram.", "success")
            else:
                flash("Vi kan inte skicka fler koder till den här länken. Kontakta den som har hand om planen.", "error")
            db.session.commit()
        return redirect(here)
    form = CodeForm()
    status = 200
    if request.method == "POST" and request.form.get("action") == "verify":
        if form.validate_on_submit():
            result, left = service.check_code(link, form.code.data)
            if result == service.CODE_OK:
                verified = Verified("email_otp", "email_otp", "low")
                service.mark_verified(link.signer, verified, link=link)
                db.session.commit()
                routes._remember_verified(link, verified)
                return redirect(url_for("plans_family.home", token=token))
            db.session.commit()
            if result == service.CODE_LOCKED:
                return redirect(url_for("plans_family.home", token=token))
            if result == service.CODE_EXPIRED:
                form.code.errors.append("Koden gäller inte längre. Skicka en ny kod")
            else:
                form.code.errors.append(f"Koden stämmer inte. Du har {'ett försök' if left == 1 else f'{left} försök'} kvar")
        status = 400
    return render_template("consent/signer/code.html", form=form, send_form=ConfirmForm(), token=token,
                           code_active=bool(link.otp_hash), action=here), status


def _version_for(link, plan_id: int, number: int):
    case = link.signer.consent.case
    plan = db.session.scalar(select(Plan).where(Plan.id == plan_id, Plan.case_id == case.id)) or abort(404)
    version = plan.version(number) or abort(404)
    if version.status not in (VersionStatus.PROPOSED, VersionStatus.APPROVED):
        abort(404)
    return case, plan, version


@bp.route("/<token>/godkann/<int:plan_id>/<int:number>", methods=["POST"])
@limiter.limit(FAMILY_LIMIT)
def approve(token: str, plan_id: int, number: int):
    link, page = _link_or_page(token)
    if page is not None:
        return page
    if _verified(link) is None:
        return redirect(url_for("plans_family.home", token=token))
    from .forms import ConfirmForm

    if not ConfirmForm().validate_on_submit():
        abort(400)
    signer = link.signer
    case, plan, version = _version_for(link, plan_id, number)
    approval = _my_approval(version, signer)
    if approval is None:
        flash("Planen väntar inte på ditt godkännande.", "info")
        return redirect(url_for("plans_family.home", token=token))
    approval.approved_at, approval.method = utcnow(), "personlig länk och engångskod"
    log_event("plan.approve", case=case, object_type="plan_version", object_id=version.id, actor=_actor(signer),
           detail=f"{'vårdnadshavare' if approval.party == 'guardian' else 'barnet/den unge'} godkände med personlig länk")
    finish_if_complete(case, version)
    db.session.commit()
    flash("Tack! Du har godkänt planen.", "success")
    return redirect(url_for("plans_family.home", token=token))


@bp.route("/<token>/plan/<int:plan_id>/<int:number>.pdf")
@limiter.limit(FAMILY_LIMIT)
def pdf(token: str, plan_id: int, number: int):
    link, page = _link_or_page(token)
    if page is not None:
        return page
    if _verified(link) is None:
        return redirect(url_for("plans_family.home", token=token))
    from .readable import readable

    case, plan, version = _version_for(link, plan_id, number)
    r = readable(plan, version)
    data = render_pdf("plans/plan_pdf.html", title=f"{r.title} – version {version.number}", case=case, r=r,
                      printed_at=local(utcnow()))
    log_event("plan.print", case=case, object_type="plan_version", object_id=version.id, actor=_actor(link.signer),
           detail="pdf via personlig länk")
    db.session.commit()
    return pdf_response(data, f"plan-v{version.number}.pdf")
