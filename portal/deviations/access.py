"""Who may see a deviation report, and in which roles.

The reporter; the managers the report was routed to (recipients and copy holders); the
concerned organisation's managers once the copy has been sent to them; the assigned handler.
Managers are matched to accounts by e-mail and unit membership: the account's e-mail is the
manager's, and the account belongs to the manager's unit (or, for a manager of a whole service,
to one of the service's units). Everyone else gets 404; administrators never read reports."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_login import current_user
from sqlalchemy import and_, bindparam, false, func, or_, select, union_all

from ..directory import current_directory
from ..extensions import db
from ..web.loaders import loader
from .lifecycle import SUBMITTED_STATUSES, DeviationStatus, waits_for
from .models import DeviationRecipient, DeviationReport

CAPACITY_ROLES = {"recipient": "line_manager", "copy": "copy", "concerned": "concerned"}
# The concerned organisation reads the report once the line manager has sent the copy.
_BEFORE_CONCERNED = {DeviationStatus.DRAFT, DeviationStatus.RECEIVED, DeviationStatus.COSIGNED}


def _service_keys(user) -> set[str]:
    directory = current_directory()
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


def roles_on(user, report: DeviationReport, services: set[str] | None = None) -> set[str]:
    """The account's roles on the report (``services``: the account's services, when already known)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.works_with_cases:
        return set()
    roles = set()
    if report.reporter_id == user.id:
        roles.add("reporter")
    if report.status == DeviationStatus.DRAFT:
        return roles
    if services is None:
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


def find_report(ref: str, user) -> tuple[DeviationReport, set[str]] | None:
    """The report and the user's roles on it; None when it does not exist or they have no role."""
    report = db.session.scalar(select(DeviationReport).where(DeviationReport.ref == (ref or "")[:16]))
    roles = roles_on(user, report) if report is not None else set()
    return (report, roles) if roles else None


# @load_report: a view's `ref` becomes `report` and `roles` (the user's roles on it), else 404.
load_report = loader("ref", ("report", "roles"), lambda ref: find_report(ref, current_user))


# --- The inbox rules in SQL ----------------------------------------------------------------
# The candidate set below is exactly the reports on which roles_on() gives a role other than
# reporter: the same e-mail and unit/service match as matches() (recipient e-mails are stored in
# lower case), the concerned party only after the copy was sent, the handler by id. Drafts never.
# portal/deviations/inbox.py builds an account's inbox entries from it.

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
    return and_(DeviationReport.id.in_(ids), DeviationReport.status != DeviationStatus.DRAFT)


def waiting_condition(user):
    """The reports that wait for this account: a role that may take a forward action in the status."""
    parts = []
    for role, condition in _role_conditions(user).items():
        statuses = [s for s in SUBMITTED_STATUSES if waits_for(s, {role})]
        if statuses:
            parts.append(and_(condition, DeviationReport.status.in_(statuses)))
    return or_(*parts) if parts else false()


# What an inbox row shows and what its roles are decided on: the lists read only these, as rows.
_LISTED = (DeviationReport.id, DeviationReport.ref, DeviationReport.status, DeviationReport.reporter_id,
           DeviationReport.handler_id, DeviationReport.reporter_unit_key, DeviationReport.concerned_unit_key,
           DeviationReport.submitted_at)
_MATCHED = (DeviationRecipient.report_id, DeviationRecipient.capacity, DeviationRecipient.email,
            DeviationRecipient.unit_key, DeviationRecipient.service_key)
# Built once, the ids and the e-mail bound per call (issue 32: building them was a tenth of the inbox).
# lower(): the same test (e-mails are stored in lower case), written so that the database looks the
# rows up by report id and not through the e-mail index (every row the account ever had).
_LISTED_BY_ID = select(*_LISTED).where(DeviationReport.id.in_(bindparam("ids", expanding=True)))
_MATCHED_BY_REPORT = (select(*_MATCHED).where(DeviationRecipient.report_id.in_(bindparam("ids", expanding=True)),
                                              func.lower(DeviationRecipient.email) == bindparam("email"))
                      .order_by(DeviationRecipient.id))


@dataclass(frozen=True)
class _Account:
    """The account as roles_on reads it."""
    id: int
    email: str
    unit_keys: frozenset
    works_with_cases: bool
    is_authenticated: bool = True


@dataclass
class ListedReport:
    """A report as a list shows it: the columns of _LISTED and its recipients' matched columns
    (roles_on takes it as it takes a DeviationReport)."""
    id: int
    ref: str
    status: str
    reporter_id: int
    handler_id: int | None
    reporter_unit_key: str
    concerned_unit_key: str
    submitted_at: dt.datetime | None
    recipients: list = field(default_factory=list)
    href: str = ""  # the report's page, set by the list

    @property
    def status_label(self) -> str:
        return DeviationStatus.label_of(self.status)


def load_reports(ids, email: str) -> list[ListedReport]:
    """The reports with these ids, in the same order, as list rows, each with its recipient rows
    that name ``email`` (the only ones that can give that account a role: matches())."""
    ids = list(ids)
    if not ids:
        return []
    wanted = sorted(set(ids))
    found = {row.id: ListedReport(*row) for row in db.session.execute(_LISTED_BY_ID, {"ids": wanted})}
    for row in db.session.execute(_MATCHED_BY_REPORT, {"ids": wanted, "email": (email or "").lower()}):
        found[row.report_id].recipients.append(row)
    return [found[i] for i in ids if i in found]


def with_roles(user, reports) -> list[tuple[DeviationReport, set[str]]]:
    """The inbox reports with this account's roles on each (the reporter role left out); a report
    on which the account has no such role is left out (the rules are checked on every report shown)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    # What the rules read of the account, read once for the whole list (not per row and recipient).
    account = _Account(user.id, (user.email or "").lower(), frozenset(user.unit_keys), user.works_with_cases)
    services = _service_keys(account)
    found = [(report, roles_on(account, report, services) - {"reporter"}) for report in reports]
    return [(report, roles) for report, roles in found if roles]
