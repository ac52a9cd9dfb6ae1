"""Registerutdrag: through the signer's personal link (verified with the one-time code), or by the
case unit's manager on the case."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from sqlalchemy import select

from .. import FEATURES
from ..audit import log_event_and_commit
from ..cases.access import load_opening_unit_case
from ..cases.models import Guardian
from ..consent import api as consent_api
from ..consent.models import CHILD, GUARDIAN
from ..extensions import db, limiter
from ..pdf import pdf_response, render_pdf
from ..timeutil import local
from ..web.guards import manager_required
from .report import build_report

bp = Blueprint("subject_access", __name__, template_folder="templates")
LIMIT = "20 per minute"
TITLE = "Registerutdrag"


def _consent_installed() -> bool:
    return "portal.consent" in FEATURES


def _signer_request(token: str):
    """(signer, guardian, None) for a verified signer who may ask, else (None, None, response)."""
    if not _consent_installed():
        abort(404)
    link, _verified, response = consent_api.verified_signer(token)
    if response is not None:
        return None, None, response
    signer = link.signer
    guardian = None
    if signer.role == GUARDIAN:
        guardian = db.session.get(Guardian, signer.guardian_id) if signer.guardian_id else None
        if guardian is None or guardian.case_id != signer.consent.case_id or not guardian.has_custody:
            abort(404)  # no longer a guardian with custody on this case
    elif signer.role != CHILD:
        abort(404)
    return signer, guardian, None


def _contact(consent) -> str:
    parts = [p for p in (consent.contact_email, consent.contact_phone) if p]
    return " eller ".join(parts)


@bp.route("/samtycke/s/<token>/registerutdrag")
@limiter.limit(LIMIT)
def signer_page(token: str):
    signer, guardian, response = _signer_request(token)
    if response is not None:
        return response
    return render_template("subject_access/signer.html", token=token, young=guardian is None,
                           contact=_contact(signer.consent))


@bp.route("/samtycke/s/<token>/registerutdrag.pdf")
@limiter.limit(LIMIT)
def signer_pdf(token: str):
    signer, guardian, response = _signer_request(token)
    if response is not None:
        return response
    case = signer.consent.case
    report = build_report(case, guardian=guardian, child_signer=guardian is None, requester_name=signer.name,
                          contact=_contact(signer.consent))
    log_event_and_commit("subject_access.report", case=case, object_type="consent_signer", object_id=signer.id,
                      actor=consent_api.signer_actor(signer), user=None, unit_key="", detail="via personlig länk")
    return _pdf(report)


def _pdf(report):
    data = render_pdf("subject_access/report_pdf.html", title=TITLE, report=report,
                      created=local(report.created_at))
    return pdf_response(data, "registerutdrag.pdf", inline=False)


# --- The case unit's manager prints it for someone who asked another way ----------------------------

@bp.route("/arenden/<ref>/registerutdrag")
@manager_required
@load_opening_unit_case  # only the opening unit's managers
def staff_page(case):
    return render_template("subject_access/staff.html", case=case,
                           guardians=[g for g in case.guardians if g.has_custody])


@bp.route("/arenden/<ref>/registerutdrag.pdf")
@manager_required
@load_opening_unit_case
def staff_pdf(case):
    who = request.args.get("for", "")
    guardian = None
    if who != "barnet":
        guardian_id = int(who) if who.isdigit() else 0
        guardian = db.session.scalar(select(Guardian).where(Guardian.id == guardian_id, Guardian.case_id == case.id,
                                                            Guardian.has_custody.is_(True)))
        if guardian is None:
            abort(404)
    directory = current_app.extensions["directory"]
    unit = directory.units.get(case.unit_key)
    report = build_report(case, guardian=guardian, child_signer=guardian is None,
                          requester_name=guardian.name if guardian else case.child_name,
                          contact=unit.email if unit is not None else "")
    log_event_and_commit("subject_access.report", case=case, object_type="case", object_id=case.id,
                      detail="utskrivet av chef")
    return _pdf(report)
