"""The family's own way in to their plan: the pages behind the personal link of kind "plan"
(sent by plans/family_links.py), through portal.consent.api. Opening it, they confirm who they are
with a one-time code by e-mail (consent's code step, lockout and verified session), then read
their current plan, download it as a PDF and approve it.

Without the consent feature, or for someone who signed on paper, the staff member records the
family's signature on paper instead (plans.routes.family_paper_approval)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import select

from ..audit import log_event, log_event_and_commit
from ..consent import api as consent_api
from ..consent.forms import ConfirmForm as SendCodeForm
from ..extensions import db, limiter
from ..pdf import pdf_response, render_pdf
from ..timeutil import local, utcnow
from ..web.tx import saving
from . import consent_gate
from .family_links import LINK_KIND
from .forms import ConfirmForm
from .models import Plan, PlanApproval, PlanVersion, VersionStatus
from .readable import readable
from .service import directory, plans_of, record_family_approval

FAMILY_LIMIT = "60 per minute"
CODE_LIMIT = "10 per minute;40 per hour"

bp = Blueprint("plans_family", __name__, template_folder="templates", url_prefix="/min-plan")


# --- pages -------------------------------------------------------------------------------------------

def _link_or_page(token: str):
    if not consent_gate.available():
        abort(404)
    link = consent_api.find_link(token, kinds=(LINK_KIND,))
    if link is None:
        return None, (render_template("plans/family/link_state.html", state="invalid"), 404)
    state = consent_api.link_state(link)
    if state != consent_api.LINK_OK:
        return None, render_template("plans/family/link_state.html", state=state)
    return link, None


def _verified(link):
    return consent_api.verified_for(link)


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
        return render_template("plans/family/verify.html", token=token, send_form=SendCodeForm(), link=link,
                               young=signer.role == "child")
    case = signer.consent.case
    items = [(plan, version, readable(plan, version), _my_approval(version, signer), waiting_for(version))
             for plan, version in _current(case)]
    with saving():
        for plan, version, *_ in items:
            log_event("plan.family_view", case=case, object_type="plan_version", object_id=version.id,
                      actor=_actor(signer))
    return render_template("plans/family/home.html", token=token, items=items, confirm=ConfirmForm(),
                           young=signer.role == "child")


@bp.route("/<token>/kod", methods=["GET", "POST"])
@limiter.limit(CODE_LIMIT, methods=["POST"])
@limiter.limit(FAMILY_LIMIT)
def code(token: str):
    link, page = _link_or_page(token)
    if page is not None:
        return page
    result = consent_api.code_step(link, token, here=url_for("plans_family.code", token=token),
                                   locked=url_for("plans_family.home", token=token),
                                   contact="den som har hand om planen")
    if isinstance(result, consent_api.Verified):
        consent_api.accept_verification(link, result)
        return redirect(url_for("plans_family.home", token=token))
    return result


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
    if not ConfirmForm().validate_on_submit():
        abort(400)
    signer = link.signer
    case, plan, version = _version_for(link, plan_id, number)
    approval = _my_approval(version, signer)
    if approval is None:
        flash("Planen väntar inte på ditt godkännande.", "info")
        return redirect(url_for("plans_family.home", token=token))
    with saving(flash_other=True) as saved:
        record_family_approval(case, version, approval, _actor(signer))
    if saved:
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
    case, plan, version = _version_for(link, plan_id, number)
    r = readable(plan, version)
    data = render_pdf("plans/plan_pdf.html", title=f"{r.title} – version {version.number}", case=case, r=r,
                      printed_at=local(utcnow()))
    log_event_and_commit("plan.print", case=case, object_type="plan_version", object_id=version.id,
                         actor=_actor(link.signer), detail="pdf via personlig länk")
    return pdf_response(data, f"plan-v{version.number}.pdf")
