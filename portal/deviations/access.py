"""Who may see a deviation report, and in which roles.

The reporter; the managers the report was routed to (recipients and copy holders); the
concerned organisation's managers once the copy has been sent to them; the assigned handler.
Managers are matched to accounts by e-mail and unit membership: the account's e-mail is the
manager's, and the account belongs to the manager's unit (or, for a manager of a whole service,
to one of the service's units). Everyone else gets 404; administrators never read reports."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import abort, current_app
from sqlalchemy import and_, case, false, func, or_, select, union_all
from sqlalchemy.orm import selectinload

from ..extensions import db
from .lifecycle import CLOSED, COSIGNED, DRAFT, RECEIVED, SUBMITTED_STATUSES, waits_for
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


# --- The inbox in SQL ----------------------------------------------------------------------
# The candidate set below is exactly the reports on which roles_on() gives a role other than
# reporter, so the inbox can count and paginate in the database: the same e-mail and unit/service
# match as matches() (recipient e-mails are stored in lower case), the concerned party only after
# the copy was sent, the handler by id. Drafts never.

def _matching_recipients(user, capacities: tuple[str, ...]):
    """Recipient rows naming this account in one of the capacities (report_id only)."""
    units, services = user.unit_keys, _service_keys(user)
    places = []
    if units:
        places.append(and_(DeviationRecipient.unit_key != "", DeviationRecipient.unit_key.in_(units)))
    if services:
        places.append(and_(DeviationRecipient.unit_key == "", DeviationRecipient.service_key.in_(services)))
    if not places:
        return None
    return (select(DeviationRecipient.report_id)
            .where(DeviationRecipient.email == (user.email or "").lower())
            .where(DeviationRecipient.capacity.in_(capacities)).where(or_(*places)))


def _role_conditions(user) -> dict[str, object]:
    """{role: SQL condition on DeviationReport} for the inbox roles this account can hold."""
    conditions = {}
    for capacity, role in CAPACITY_ROLES.items():
        rows = _matching_recipients(user, (capacity,))
        if rows is None:
            continue
        condition = DeviationReport.id.in_(rows)
        if role == "concerned":
            condition = and_(condition, DeviationReport.status.notin_(_BEFORE_CONCERNED))
        conditions[role] = condition
    conditions["handler"] = DeviationReport.handler_id == user.id
    return conditions


def _inbox_ids(user):
    """SELECT of the ids of the reports in this account's inbox, or None (no inbox)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.works_with_cases:
        return None
    parts = []
    seen = _matching_recipients(user, ("recipient", "copy"))
    if seen is not None:
        parts.append(seen)
    concerned = _matching_recipients(user, ("concerned",))
    if concerned is not None:
        parts.append(concerned.join(DeviationReport, DeviationReport.id == DeviationRecipient.report_id)
                     .where(DeviationReport.status.notin_(_BEFORE_CONCERNED)))
    parts.append(select(DeviationReport.id).where(DeviationReport.handler_id == user.id))
    # UNION ALL: an id named twice is still one report under IN, and the database skips a sort.
    ids = union_all(*parts) if len(parts) > 1 else parts[0]
    return select(ids.subquery().c[0])


def inbox_condition(user):
    """The SQL condition on DeviationReport: the submitted reports in this account's inbox."""
    ids = _inbox_ids(user)
    if ids is None:
        return false()
    return and_(DeviationReport.id.in_(ids), DeviationReport.status != DRAFT)


def inbox_query(user):
    """SELECT of the reports in this account's inbox (not ordered)."""
    return select(DeviationReport).where(inbox_condition(user))


def waiting_condition(user):
    """The reports that wait for this account: a role that may take a forward action in the status."""
    parts = []
    for role, condition in _role_conditions(user).items():
        statuses = [s for s in SUBMITTED_STATUSES if waits_for(s, {role})]
        if statuses:
            parts.append(and_(condition, DeviationReport.status.in_(statuses)))
    return or_(*parts) if parts else false()


def old_open_condition():
    """Open, among the inbox's submitted reports: not closed (written so, and not as status IN (…),
    because SQLite would then probe the status index once per open status and candidate)."""
    return DeviationReport.status != CLOSED


@dataclass
class InboxSummary:
    counts: dict[str, int]  # every submitted status, 0 when none
    waiting: int            # reports that wait for this account
    old_open: int           # open reports submitted before the given time

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def inbox_summary(user, old_before: dt.datetime) -> InboxSummary:
    """The inbox's figures in one GROUP BY: per status, how many wait, how many are old and open."""
    def tally(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    old = and_(old_open_condition(), DeviationReport.submitted_at < old_before)
    query = (select(DeviationReport.status, func.count(), tally(waiting_condition(user)), tally(old))
             .where(inbox_condition(user)).group_by(DeviationReport.status))
    summary = InboxSummary({s: 0 for s in SUBMITTED_STATUSES}, 0, 0)
    for status, n, waiting, old_open in db.session.execute(query):
        summary.counts[status] = summary.counts.get(status, 0) + n
        summary.waiting += int(waiting)
        summary.old_open += int(old_open)
    return summary


def inbox_count(user, *conditions) -> int:
    """How many reports in the inbox meet the further conditions."""
    return db.session.scalar(select(func.count()).select_from(DeviationReport)
                             .where(inbox_condition(user), *conditions)) or 0


def waiting_count(user) -> int:
    """How many reports wait for this account (the start page's figure)."""
    return inbox_count(user, waiting_condition(user))


def inbox_list(user, *conditions, limit: int) -> list[DeviationReport]:
    """The newest ``limit`` inbox reports meeting the conditions."""
    return load_reports(db.session.scalars(inbox_ids(user, *conditions).limit(limit)))


def inbox_ids(user, *conditions):
    """SELECT of the ids of the inbox reports meeting the conditions, newest first (to paginate or
    limit: the database sorts ids only, and the page's reports are loaded by load_reports)."""
    return (select(DeviationReport.id).where(inbox_condition(user), *conditions)
            .order_by(DeviationReport.submitted_at.desc(), DeviationReport.id.desc()))


def load_reports(ids) -> list[DeviationReport]:
    """The reports with these ids, in the same order, with their recipients (they give the roles)."""
    ids = list(ids)
    if not ids:
        return []
    found = {r.id: r for r in db.session.scalars(select(DeviationReport).where(DeviationReport.id.in_(ids))
                                                 .options(selectinload(DeviationReport.recipients)))}
    return [found[i] for i in ids if i in found]


def with_roles(user, reports) -> list[tuple[DeviationReport, set[str]]]:
    """The inbox reports with this account's roles on each (the reporter role left out)."""
    return [(report, roles_on(user, report) - {"reporter"}) for report in reports]
