"""Registerutdrag: through the signer's personal link (verified with the one-time code), or by the
case unit's manager on the case."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import FEATURES
from ..directory import current_directory
from ..audit import log_event_and_commit
from ..cases.access import load_opening_unit_case
from ..cases.models import Guardian
from ..consent import api as consent_api
from ..consent.models import CHILD, GUARDIAN
from ..extensions import db, limiter
from ..pdf import pdf_response
from ..timeutil import local
from ..web.guards import manager_required
from . import exports
from .models import ExportStatus, SubjectAccessExport
from .report import build_report

bp = Blueprint("subject_access", __name__, template_folder="templates")
LIMIT = "20 per minute"


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
    audit = dict(case=case, object_type="consent_signer", object_id=signer.id,
                 actor=consent_api.signer_actor(signer), user=None, unit_key="")
    if not exports.is_large(report):
        log_event_and_commit("subject_access.report", detail="via personlig länk", **audit)
        return _pdf(report)
    export = exports.request_export(case, guardian=guardian, requester_name=signer.name,
                                    contact=report.contact, signer_id=signer.id)
    log_event_and_commit("subject_access.report", detail="via personlig länk, förbereds", **audit)
    return redirect(url_for(".signer_export", token=token, export_id=export.id), code=303)


@bp.route("/samtycke/s/<token>/registerutdrag/<int:export_id>")
@limiter.limit(LIMIT)
def signer_export(token: str, export_id: int):
    return _signer_export(token, export_id, download=False)


@bp.route("/samtycke/s/<token>/registerutdrag/<int:export_id>.pdf")
@limiter.limit(LIMIT)
def signer_export_pdf(token: str, export_id: int):
    return _signer_export(token, export_id, download=True)


def _signer_export(token: str, export_id: int, download: bool):
    """The signer's own prepared export: the page, or (.pdf) the download when it is ready."""
    signer, _guardian, response = _signer_request(token)
    if response is not None:
        return response
    export = _own_export(export_id, signer.consent.case_id, signer_id=signer.id, ready=download)
    if download:
        return _download(export, object_type="consent_signer", object_id=signer.id,
                         actor=consent_api.signer_actor(signer), user=None, unit_key="")
    return _export_page(export, back_url=url_for(".signer_page", token=token),
                        download_url=url_for(".signer_export_pdf", token=token, export_id=export.id),
                        contact=_contact(signer.consent))


def _pdf(report):
    return pdf_response(exports.render(report), "registerutdrag.pdf", inline=False)


# --- Prepared ahead (issue 32): only the one who asked may see and download it ------------------------

def _own_export(export_id: int, case_id: int, *, user_id: int | None = None, signer_id: int | None = None,
                ready: bool = False) -> SubjectAccessExport:
    """The export if it is this case's and was asked for by this user (or this signer), else 404."""
    export = db.session.get(SubjectAccessExport, export_id)
    mine = export is not None and export.case_id == case_id and (
        export.requested_by_id == user_id if user_id is not None else export.signer_id == signer_id)
    if not mine or (ready and (export.status != ExportStatus.READY or export.pdf is None)):
        abort(404)
    return export


def _export_page(export: SubjectAccessExport, **links):
    response = current_app.make_response(render_template(
        "subject_access/export.html", export=export, expires=local(export.expires_at),
        keep_days=current_app.config["PORTAL_EXPORT_KEEP_DAYS"], **links))
    response.headers["Cache-Control"] = "no-store"
    return response


def _download(export: SubjectAccessExport, **audit):
    data = export.pdf
    log_event_and_commit("subject_access.download", case=export.case, **audit)
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
    directory = current_directory()
    unit = directory.units.get(case.unit_key)
    report = build_report(case, guardian=guardian, child_signer=guardian is None,
                          requester_name=guardian.name if guardian else case.child_name,
                          contact=unit.email if unit is not None else "")
    if not exports.is_large(report):
        log_event_and_commit("subject_access.report", case=case, object_type="case", object_id=case.id,
                          detail="utskrivet av chef")
        return _pdf(report)
    export = exports.request_export(case, guardian=guardian, requester_name=report.requester,
                                    contact=report.contact, user_id=current_user.id)
    log_event_and_commit("subject_access.report", case=case, object_type="case", object_id=case.id,
                      detail="utskrivet av chef, förbereds")
    return redirect(url_for(".staff_export", ref=case.ref, export_id=export.id), code=303)


@bp.route("/arenden/<ref>/registerutdrag/<int:export_id>")
@manager_required
@load_opening_unit_case
def staff_export(case, export_id: int):
    export = _own_export(export_id, case.id, user_id=current_user.id)
    return _export_page(export, back_url=url_for(".staff_page", ref=case.ref),
                        download_url=url_for(".staff_export_pdf", ref=case.ref, export_id=export.id),
                        contact="")


@bp.route("/arenden/<ref>/registerutdrag/<int:export_id>.pdf")
@manager_required
@load_opening_unit_case
def staff_export_pdf(case, export_id: int):
    export = _own_export(export_id, case.id, user_id=current_user.id, ready=True)
    return _download(export, object_type="case", object_id=case.id)
