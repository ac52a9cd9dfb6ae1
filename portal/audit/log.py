"""Writing audit events. Call record() inside the transaction of the change it describes,
or record_and_commit() for reads (view, print, export)."""
from __future__ import annotations

from flask import has_request_context
from flask_login import current_user

from ..cases.access import units_with_access
from ..extensions import db
from ..hooks import hook_dict
from .models import AuditEvent

ACTION_LABELS = {
    "case.view": "Läste ärendet",
    "case.create": "Skapade ärendet",
    "case.update": "Ändrade barnets uppgifter",
    "case.close": "Avslutade ärendet",
    "case.reopen": "Öppnade ärendet igen",
    "case.print": "Skrev ut ärendet",
    "case.export": "Exporterade ärendet",
    "guardian.create": "Lade till vårdnadshavare",
    "guardian.update": "Ändrade vårdnadshavare",
    "guardian.delete": "Tog bort vårdnadshavare",
    "guardian.email_change": "Ändrade vårdnadshavarens e-postadress (båda adresserna fick besked)",
    "case.email_change": "Ändrade barnets e-postadress (båda adresserna fick besked)",
    "audit.view": "Läste granskningsloggen",
}


def register_labels(app, labels: dict[str, str]) -> None:
    """Features add the Swedish labels of their own actions (in their init_app)."""
    hook_dict(app, "audit_labels").update(labels)


def action_labels() -> dict[str, str]:
    """Every action's Swedish label: the audit log's own and those the current app's features added."""
    return {**ACTION_LABELS, **hook_dict(None, "audit_labels")}


def record(action: str, *, case=None, case_id: int | None = None, unit_key: str | None = None,
           object_type: str = "", object_id="", detail: str = "", actor: str = "", user=None) -> AuditEvent:
    if user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user
    if unit_key is None:
        unit_key = _acting_unit(user, case)
    event = AuditEvent(
        user_id=user.id if user is not None else None,
        actor=actor or ("" if user is not None else "system"),
        unit_key=unit_key or "",
        case_id=case.id if case is not None else case_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        detail=detail[:500],
    )
    db.session.add(event)
    return event


def record_and_commit(action: str, **kwargs) -> AuditEvent:
    event = record(action, **kwargs)
    db.session.commit()
    return event


def _acting_unit(user, case) -> str:
    """The unit the staff member acts for: the case's unit if theirs, else their first shared unit."""
    if user is None or not getattr(user, "memberships", None):
        return ""
    keys = sorted(user.unit_keys)
    if case is not None:
        shared = sorted(set(keys) & units_with_access(case))
        if case.unit_key in keys:
            return case.unit_key
        if shared:
            return shared[0]
    return keys[0] if keys else ""
