"""Writing audit events. Call log_event() inside the transaction of the change it describes,
or log_event_and_commit() for reads (view, print, export)."""
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


def log_event(action: str, *, case=None, case_id: int | None = None, unit_key: str | None = None,
           object_type: str = "", object_id="", detail: str = "", actor: str = "", user=None) -> AuditEvent:
    if user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user
    if unit_key is None:
        unit_key = _acting_unit(user, case if case is not None or case_id is None else _case(case_id))
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


def log_event_and_commit(action: str, **kwargs) -> AuditEvent:
    event = log_event(action, **kwargs)
    db.session.commit()
    return event


def _case(case_id: int):
    # local: cases' models import the audit log's package at start-up
    from ..cases.models import Case

    return db.session.get(Case, case_id)


def _acting_unit(user, case) -> str:
    """The unit an event on a case is logged under: the case's unit if it is the user's, else the
    user's unit that shares the case (a consent, a plan), else the case's own unit (a manager
    reading a report about another unit's case acts for none of the case's units). Without a
    case: the user's first unit."""
    if user is None or not getattr(user, "memberships", None):
        return ""
    keys = sorted(user.unit_keys)
    if case is not None:
        if case.unit_key in keys:   # before the shared units: their queries are needed only otherwise
            return case.unit_key
        shared = sorted(set(keys) & units_with_access(case))
        return shared[0] if shared else case.unit_key
    return keys[0] if keys else ""
