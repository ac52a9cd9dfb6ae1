"""Who may see a deviation report, and in which roles.

The reporter; the managers the report was routed to (recipients and copy holders); the
concerned organisation's managers once the copy has been sent to them; the assigned handler.
Managers are matched to accounts by e-mail and unit membership: the account's e-mail is the
manager's, and the account belongs to the manager's unit (or, for a manager of a whole service,
to one of the service's units). Everyone else gets 404; administrators never read reports."""
from __future__ import annotations

from flask import abort, current_app
from sqlalchemy import or_, select

from ..extensions import db
from .lifecycle import COSIGNED, DRAFT, RECEIVED
from .models import DeviationRecipient, DeviationReport

CAPACITY_ROLES = {"recipient": "line_manager", "copy": "copy", "concerned": "concerned"}
# The concerned organisation reads the report once the line manager has sent the copy.
_BEFORE_CONCERNED = {DRAFT, RECEIVED, COSIGNED}


def _service_keys(user) -> set[str]:
    directory = current_app.extensions["directory"]
    return {directory.units[k].service_key for k in user.unit_keys if k in directory.units}


def matches(user, recipient: DeviationRecipient, service_keys: set[str] | None = None) -> bool:
    """Is this account the manager named in the recipient row?"""
    if user is None or not getattr(user, "is_authenticated", False) or not user.works_with_cases:
        return False
    if (user.email or "").lower() != recipient.email.lower():
        return False
    if recipient.unit_key:
        return recipient.unit_key in user.unit_keys
    return recipient.service_key in (service_keys if service_keys is not None else _service_keys(user))


def roles_on(user, report: DeviationReport) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.works_with_cases:
        return set()
    roles = set()
    if report.reporter_id == user.id:
        roles.add("reporter")
    if report.status == DRAFT:
        return roles
    services = _service_keys(user)
    for recipient in report.recipients:
        if matches(user, recipient, services):
            role = CAPACITY_ROLES.get(recipient.capacity)
            if role == "concerned" and report.status in _BEFORE_CONCERNED:
                continue
            if role:
                roles.add(role)
    if report.handler_id is not None and report.handler_id == user.id:
        roles.add("handler")
    return roles


def get_report_or_404(ref: str, user) -> tuple[DeviationReport, set[str]]:
    report = db.session.scalar(select(DeviationReport).where(DeviationReport.ref == (ref or "")[:16]))
    if report is None:
        abort(404)
    roles = roles_on(user, report)
    if not roles:
        abort(404)
    return report, roles


def inbox_reports(user) -> list[tuple[DeviationReport, set[str]]]:
    """Submitted reports routed to this manager (or assigned to them), newest first, with roles."""
    if user is None or not user.is_authenticated or not user.works_with_cases:
        return []
    candidate_ids = select(DeviationRecipient.report_id).where(
        DeviationRecipient.email == (user.email or "").lower())
    reports = db.session.scalars(
        select(DeviationReport)
        .where(DeviationReport.status != DRAFT)
        .where(or_(DeviationReport.id.in_(candidate_ids), DeviationReport.handler_id == user.id))
        .order_by(DeviationReport.submitted_at.desc(), DeviationReport.id.desc())).all()
    result = []
    for report in reports:
        roles = roles_on(user, report) - {"reporter"}
        if roles:
            result.append((report, roles))
    return result
