"""Changes to deviation reports. Each change appends to the report's history and the audit log
and queues its e-mails in the same transaction; the caller commits."""
from __future__ import annotations

import datetime as dt

from flask import current_app, url_for
from sqlalchemy import func, select

from ..accounts.models import User
from ..audit import log_event
from ..directory import current_directory
from ..directory.loader import Manager
from ..errors import DomainError
from ..extensions import db
from ..formdefs import get_definition, keys, refuse_over_limit
from ..timeutil import utcnow
from . import inbox, lifecycle
from .access import matches
from .models import DeviationEvent, DeviationRecipient, DeviationReport
from .notifications import notify, prepare, queue
from .routing import RoutingResult, route

# The fields of forms/deviation_report.yaml copied onto the report (the inbox and the compilation filter on them).
EVENT_DATE, CONCERNED_UNIT, KIND = keys("deviation_report", "event__event_date", "event__concerned_unit", "event__kind")

class NotAllowed(Exception):
    """The person may not take this action on the report now (a bug in the caller: the views check
    lifecycle.can first)."""


class DeviationError(DomainError):
    """A step on a report refused; the Swedish message belongs next to `field`."""


def directory():
    return current_directory()


def routing_rules():
    return current_app.extensions["deviation_routing"]


def preview_routing(reporter_unit: str, concerned_unit: str | None) -> RoutingResult:
    return route(directory(), routing_rules(), reporter_unit, concerned_unit or None)


def apply_record(report: DeviationReport, record: dict) -> None:
    """Keep the answers and copy the fields the inbox and the compilation filter on."""
    refuse_over_limit(get_definition("deviation_report"), record)
    report.record = record
    report.concerned_unit_key = CONCERNED_UNIT.of(record) or ""
    report.kind = KIND.of(record) or ""
    try:
        report.event_date = dt.date.fromisoformat(EVENT_DATE.of(record)) if EVENT_DATE.of(record) else None
    except (TypeError, ValueError):
        report.event_date = None


def save_draft(report: DeviationReport | None, user, record: dict, reporter_unit_key: str, case_id: int | None,
               complete: bool) -> DeviationReport:
    """Creates (report None) or changes the reporter's draft; `complete`: saved to be checked and sent."""
    created = report is None
    if created:
        report = DeviationReport(reporter_id=user.id, status=lifecycle.DeviationStatus.DRAFT)
        db.session.add(report)
    apply_record(report, record)
    report.reporter_unit_key = reporter_unit_key
    report.case_id = case_id
    report.updated_at = utcnow()
    db.session.flush()
    if created:
        add_event(report, user, "create", to_status=lifecycle.DeviationStatus.DRAFT, detail="utkast skapat")
    log_event("deviation.create" if created else "deviation.update", case_id=report.case_id,
              object_type="deviation", object_id=report.id, detail="utkast, komplett" if complete else "utkast")
    return report


def assign_handler(report: DeviationReport, user, roles: set[str], handler_id: str) -> User:
    """Names the handler chosen in the assign form (an id as text); DeviationError when not a candidate."""
    handler = next((u for u in handler_candidates(report) if str(u.id) == handler_id), None)
    if handler is None:
        raise DeviationError("Välj en av handläggarna i listan", field="handler")
    assign(report, user, roles, handler)
    return handler


def add_event(report: DeviationReport, user, action: str, *, from_status: str = "", to_status: str = "",
              text: str = "", detail: str = "") -> DeviationEvent:
    event = DeviationEvent(report=report, user_id=user.id if user is not None else None,
                           actor_name=user.name if user is not None else "Systemet", action=action,
                           from_status=from_status, to_status=to_status or from_status, text=text or "",
                           detail=detail[:300])
    db.session.add(event)
    db.session.flush()
    return event


def _audit(action: str, report: DeviationReport, detail: str = "", user=None) -> None:
    log_event(f"deviation.{action}", case_id=report.case_id, object_type="deviation", object_id=report.id,
          detail=detail, user=user)


def _recipient_row(m: Manager, capacity: str, source: str) -> DeviationRecipient:
    return DeviationRecipient(capacity=capacity, name=m.name, email=m.email.lower(), role=m.role,
                              unit_key=m.unit_key or "", service_key=m.service_key, source=source)


def accounts_for(report: DeviationReport, capacities: tuple[str, ...]) -> list[User]:
    """Active accounts matching the report's managers in the given capacities."""
    return _matching_accounts([r for r in report.recipients if r.capacity in capacities])


def _matching_accounts(rows) -> list[User]:
    """Active accounts matching these recipient rows (stored or not yet added)."""
    if not rows:
        return []
    users = db.session.scalars(select(User).where(User.active.is_(True))
                               .where(func.lower(User.email).in_({r.email for r in rows}))).all()
    return [u for u in users if any(matches(u, r) for r in rows)]


def _emails(report: DeviationReport, capacities: tuple[str, ...], exclude_user=None) -> list[str]:
    skip = (exclude_user.email or "").lower() if exclude_user is not None else None
    return [r.email for r in report.recipients if r.capacity in capacities and r.email != skip]


def _admin_emails() -> list[str]:
    return list(db.session.scalars(select(User.email).where(User.role == "admin").where(User.active.is_(True))))


def submit(report: DeviationReport, user, signed_name: str, *, quiet: bool = False) -> RoutingResult:
    """The reporter signs and sends: the report is routed, and never lost when nobody is found.

    Everything that reads or renders (routing, the recipients' accounts, the e-mails) comes before
    the first write: on SQLite that write takes the database's write lock until the commit, and a
    submission that held it through its routing and e-mails made every other writer wait (two
    workers sent no more reports than one).

    quiet=True (demo data only, like the demo case) writes no audit event and queues no e-mail."""
    before = report.status
    after = lifecycle.next_status(before, "submit")
    result = preview_routing(report.reporter_unit_key, report.concerned_unit_key)
    source = f"rule:{result.matched_rule.key}" if result.matched_rule else ""
    rows = ([_recipient_row(m, "recipient", source) for m in result.recipients]
            + [_recipient_row(m, "copy", source) for m in result.copies]
            + [_recipient_row(m, "concerned", "concerned") for m in result.concerned_copies])
    every = list(report.recipients) + rows   # the stored ones loaded now, while nothing waits to be written
    problems = list(result.problems)
    # The accounts the inbox entries will be written for at the commit, loaded now (inbox.accounts_ahead).
    accounts = inbox.accounts_ahead([r.email for r in every], report.handler_id)
    has_account = any(u.active and matches(u, r) for u in accounts for r in every if r.capacity == "recipient")
    if result.recipients and not has_account:
        problems.append("Ingen av mottagarna har ett konto i portalen.")
    needs_routing = result.needs_admin or not has_account
    detail = f"{len(result.recipients)} mottagare, {len(result.copies)} kopior"
    if needs_routing:
        detail += ", väntar på mottagare"
    mails = []
    if not quiet:
        def emails(capacity):
            return [r.email for r in every if r.capacity == capacity]
        mails = [("routed", emails("recipient"), None), ("copy", emails("copy"), None)]
        if needs_routing:
            mails.append(("unrouted", _admin_emails(), url_for("deviations.unrouted")))
        mails = [(name, addresses, prepare(name, report, path)) for name, addresses, path in mails if addresses]

    # The writes, flushed together with the history event (the e-mails need its id).
    with db.session.no_autoflush:
        now = utcnow()
        report.status = after
        report.reporter_name = signed_name.strip()
        report.reporter_signed_at = now
        report.submitted_at = now
        report.recipients.extend(rows)
        report.routing_rule = result.matched_rule.key if result.matched_rule else ""
        report.routing_problems = problems
        report.needs_routing = needs_routing
        if not quiet:   # in the same flush as the history event
            _audit("submit", report, f"status: {report.status}; regel: {report.routing_rule or 'ingen'}; {detail}",
                   user)
    event = add_event(report, user, "submit", from_status=before, to_status=report.status, detail=detail)
    for name, addresses, rendered in mails:
        queue(name, rendered, addresses, report, event)
    return result


def perform(report: DeviationReport, user, roles: set[str], action: str, text: str = "") -> DeviationEvent:
    """A status change or a comment by a manager, handler or the concerned organisation."""
    if action in ("submit", "assign") or not lifecycle.can(report.status, action, roles):
        raise NotAllowed(action)
    spec = lifecycle.ACTIONS[action]
    before = report.status
    after = lifecycle.next_status(before, action)
    text = (text or "").strip()
    now = utcnow()
    if action == "cosign":
        report.line_manager_id = user.id
        report.line_manager_name = user.name
        report.line_manager_statement = text
        report.line_manager_signed_at = now
    elif action == "answer":
        report.concerned_answer = text
    elif action == "decide_measures":
        report.measures = text
    elif action == "give_feedback":
        report.feedback = text
        report.feedback_at = now
    elif action == "close":
        report.closed_at = now
    elif action == "reopen":
        report.closed_at = None
    report.status = after
    report.updated_at = now
    event = add_event(report, user, action, from_status=before, to_status=after, text=text,
                      detail=spec.label)
    _audit(action, report, f"status: {before} -> {after}" if after != before else f"status: {before}", user)
    managing = ("recipient",)
    handler_email = [report.handler.email] if report.handler is not None and report.handler_id != user.id else []
    if action == "send_to_concerned":
        notify("concerned", _emails(report, ("concerned",), user), report, event)
    elif action == "answer":
        notify("answered", _emails(report, managing, user) + handler_email, report, event)
    elif action == "give_feedback":
        notify("feedback", [report.reporter.email], report, event)
    elif action == "close":
        notify("closed", [report.reporter.email], report, event)
    return event


def handler_candidates(report: DeviationReport) -> list[User]:
    """Who a manager can name as handler: the routed managers' accounts and the staff of the
    reporting unit (where the responsible manager works)."""
    managers = accounts_for(report, ("recipient", "copy"))
    staff = db.session.scalars(select(User).where(User.active.is_(True)).where(User.role.in_(("staff", "manager")))
                               .order_by(User.name)).all()
    unit_staff = [u for u in staff if report.reporter_unit_key in u.unit_keys and u.id != report.reporter_id]
    seen, result = set(), []
    for u in managers + unit_staff:
        if u.id not in seen:
            seen.add(u.id)
            result.append(u)
    return result


def assign(report: DeviationReport, user, roles: set[str], handler: User) -> DeviationEvent:
    if not lifecycle.can(report.status, "assign", roles):
        raise NotAllowed("assign")
    if handler.id not in {u.id for u in handler_candidates(report)}:
        raise NotAllowed("assign")
    report.handler_id = handler.id
    report.handler = handler
    report.updated_at = utcnow()
    event = add_event(report, user, "assign", from_status=report.status, text=handler.name,
                      detail="tilldelade en handläggare")
    _audit("assign", report, "handläggare tilldelad", user)
    if handler.id != user.id:
        notify("assigned", [handler.email], report, event)
    return event


def route_manually(report: DeviationReport, admin, manager: Manager) -> DeviationEvent:
    """An administrator routes a report from the queue to a manager chosen in the directory."""
    if report.status == lifecycle.DeviationStatus.DRAFT or not report.needs_routing:
        raise NotAllowed("route")
    if all(r.email != manager.email.lower() or r.capacity != "recipient" for r in report.recipients):
        report.recipients.append(_recipient_row(manager, "recipient", "manual"))
    report.needs_routing = False
    report.updated_at = utcnow()
    db.session.flush()
    event = add_event(report, admin, "route_manually", from_status=report.status,
                      detail="mottagare vald av administratör")
    _audit("route_manually", report, "mottagare vald av administratör", admin)
    notify("routed", [manager.email], report, event)
    return event
