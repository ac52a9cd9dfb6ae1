"""The managers' inbox, kept as rows: one InboxEntry per account and submitted report on which
the role rules (access.roles_on) give that account a role other than reporter.

Why rows: the rules match recipients by e-mail and unit or service, so answering "which reports,
how many per status, the newest fifty" from them touches every report an account ever had. The
entries answer it from an index range per account, so the inbox costs the same with a hundred
times the reports.

How they stay right, without a caller having to remember:
- A session hook notes, at every flush, the reports whose status, handler or submission time
  changed, whose recipients were added, changed or removed, and the accounts whose e-mail, role
  or units changed (or that were created). Just before the transaction commits, it writes those
  reports' and accounts' entries again from the rules, in the same transaction. So an entry
  commits or rolls back with the change that caused it.
- Statements that bypass the ORM (bulk inserts, the retention run) call ``sync_reports`` or
  ``rebuild`` themselves; ``portal db upgrade`` rebuilds everything (the directory's units and
  services are part of the rules, and a new directory arrives with a deployment).
- The pages still check access.roles_on on every report they show, so an entry that was somehow
  wrong could at worst hide or count a report, never show one to someone without a role.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import chain

from flask import has_app_context
from sqlalchemy import Integer, and_, bindparam, case, delete, event, func, insert, inspect, or_, select
from sqlalchemy.orm import Session, selectinload

from ..accounts.models import User, UserUnit
from ..extensions import db
from .access import inbox_condition, roles_on, waiting_condition
from .lifecycle import SUBMITTED_STATUSES, DeviationStatus, waits_for
from .models import DeviationRecipient, DeviationReport, InboxEntry

_PENDING = "deviation_inbox_pending"
_ACCOUNTS = "deviation_inbox_accounts"   # accounts_ahead(): (e-mails, handler id) -> accounts
_REPORT_FIELDS = ("status", "handler_id", "submitted_at")
_USER_FIELDS = ("email", "role")


# --- Reading -------------------------------------------------------------------------------

@dataclass
class InboxSummary:
    counts: dict[str, int]  # every submitted status, 0 when none
    waiting: int            # reports that wait for this account
    old_open: int           # open reports submitted before the given time

    @property
    def total(self) -> int:
        return sum(self.counts.values())


_E = InboxEntry
# The reading statements are built once, the account and times bound per call (issue 32).
_SUMMARY = (select(_E.status, func.count(), func.sum(case((_E.waiting, 1), else_=0)),
                   func.sum(case((and_(_E.is_open, _E.submitted_at < bindparam("old_before")), 1), else_=0)))
            .where(_E.user_id == bindparam("user_id")).group_by(_E.status))


def summary(user, old_before: dt.datetime) -> InboxSummary:
    """The inbox's figures in one GROUP BY over the account's entries."""
    result = InboxSummary({s: 0 for s in SUBMITTED_STATUSES}, 0, 0)
    for status, n, waiting, old_open in db.session.execute(_SUMMARY, {"user_id": user.id, "old_before": old_before}):
        result.counts[status] = result.counts.get(status, 0) + n
        result.waiting += int(waiting or 0)
        result.old_open += int(old_open or 0)
    return result


def _newest(query):
    return query.order_by(_E.submitted_at.desc(), _E.report_id.desc())


def report_ids(user):
    """SELECT of the ids of the account's inbox reports, newest first (to paginate)."""
    return _newest(select(_E.report_id).where(_E.user_id == user.id))


_MINE = _E.user_id == bindparam("user_id")
_LIMIT = bindparam("limit", type_=Integer, literal_execute=True)
_WAITING = _newest(select(_E.report_id).where(_MINE, _E.waiting.is_(True))).limit(_LIMIT)
_OLD_OPEN = _newest(select(_E.report_id).where(_MINE, _E.is_open.is_(True),
                                               _E.submitted_at < bindparam("old_before"))).limit(_LIMIT)


def waiting_ids(user, limit: int) -> list[int]:
    """The newest ``limit`` reports that wait for this account."""
    return list(db.session.scalars(_WAITING, {"user_id": user.id, "limit": limit}))


def old_open_ids(user, old_before: dt.datetime, limit: int) -> list[int]:
    """The newest ``limit`` open reports submitted before ``old_before``."""
    return list(db.session.scalars(_OLD_OPEN, {"user_id": user.id, "old_before": old_before, "limit": limit}))


def waiting_count(user) -> int:
    """How many reports wait for this account (the start page's figure)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.works_with_cases:
        return 0
    return db.session.scalar(select(func.count()).select_from(InboxEntry).where(
        InboxEntry.user_id == user.id, InboxEntry.waiting.is_(True))) or 0


# --- Writing -------------------------------------------------------------------------------

def _entry(user_id: int, report_id: int, status: str, submitted_at, waiting: bool) -> dict:
    return dict(user_id=user_id, report_id=report_id, status=status, submitted_at=submitted_at,
                waiting=bool(waiting), is_open=status != DeviationStatus.CLOSED)


def _people(emails, handler_id) -> tuple[tuple[str, ...], int | None]:
    return tuple(sorted({e.lower() for e in emails if e})), handler_id


def _load_accounts(session: Session, people) -> list[User]:
    emails, handler_id = people
    who = []
    if emails:
        who.append(func.lower(User.email).in_(emails))
    if handler_id is not None:
        who.append(User.id == handler_id)
    if not who:
        return []
    return list(session.scalars(select(User).where(or_(*who)).options(selectinload(User.memberships))))


def accounts_ahead(emails, handler_id: int | None = None, session: Session | None = None) -> list[User]:
    """The accounts (active or not, with their units) that a report with these recipients' e-mails
    and this handler will have entries for, loaded now and kept for this transaction's commit.

    For a change that reads before its first write (deviations.service.submit): the commit's
    entries then need no query while SQLite's write lock is held. Kept until the transaction ends,
    and forgotten at once when a flush changes an account or its units."""
    session = session or db.session
    people = _people(emails, handler_id)
    accounts = _load_accounts(session, people)
    session.info.setdefault(_ACCOUNTS, {})[people] = accounts
    return accounts


def entries_for_report(report: DeviationReport, session: Session | None = None) -> list[dict]:
    """The entries the rules give this report: its matching accounts, each with a role."""
    if report.status == DeviationStatus.DRAFT:
        return []
    session = session or db.session
    people = _people((r.email for r in report.recipients), report.handler_id)
    accounts = session.info.get(_ACCOUNTS, {}).get(people)
    if accounts is None:
        accounts = _load_accounts(session, people)
    rows = []
    for user in accounts:
        roles = roles_on(user, report) - {"reporter"}
        if roles:
            rows.append(_entry(user.id, report.id, report.status, report.submitted_at, waits_for(report.status, roles)))
    return rows


def entries_for_user(user: User) -> list[dict]:
    """The entries the rules give this account: every report of its inbox (the SQL form of the rules)."""
    if not user.works_with_cases:
        return []
    query = select(DeviationReport.id, DeviationReport.status, DeviationReport.submitted_at,
                   case((waiting_condition(user), True), else_=False)).where(inbox_condition(user))
    return [_entry(user.id, *row) for row in db.session.execute(query)]


def _write(session: Session, where, rows: list[dict]) -> None:
    session.execute(delete(InboxEntry).where(where).execution_options(synchronize_session=False))
    if rows:
        session.execute(insert(InboxEntry), rows)


def sync_reports(ids, session: Session | None = None, *, reload: bool = True) -> None:
    """Write these reports' entries again from the rules. ``reload``: read the reports from the
    database (after a change that bypassed the ORM); otherwise the session's objects are used."""
    session = session or db.session
    ids = sorted({i for i in ids if i is not None})
    if not ids:
        return
    if reload:
        reports = session.scalars(select(DeviationReport).where(DeviationReport.id.in_(ids))
                                  .options(selectinload(DeviationReport.recipients))
                                  .execution_options(populate_existing=True)).all()
    else:
        reports = [r for r in (session.get(DeviationReport, i) for i in ids) if r is not None]
    rows = list(chain.from_iterable(entries_for_report(r, session) for r in reports))
    _write(session, InboxEntry.report_id.in_(ids), rows)


def sync_users(ids, session: Session | None = None) -> None:
    session = session or db.session
    for user_id in sorted({i for i in ids if i is not None}):
        user = session.get(User, user_id)
        _write(session, InboxEntry.user_id == user_id, entries_for_user(user) if user is not None else [])


def rebuild() -> int:
    """Every entry again, from the rules: the accounts that work with cases, one at a time."""
    total = 0
    db.session.execute(delete(InboxEntry).execution_options(synchronize_session=False))
    for user in db.session.scalars(select(User).where(User.role.in_(("staff", "manager")))
                                   .options(selectinload(User.memberships))).all():
        rows = entries_for_user(user)
        if rows:
            db.session.execute(insert(InboxEntry), rows)
        total += len(rows)
    db.session.commit()
    return total


# --- The session hook ----------------------------------------------------------------------

def _changed(obj, fields) -> bool:
    state = inspect(obj)
    return any(state.attrs[f].history.has_changes() for f in fields)


def _user_id_of(membership: UserUnit):
    history = inspect(membership).attrs.user_id.history
    return next((v for v in chain(history.added, history.unchanged, history.deleted) if v is not None),
                membership.user.id if membership.user is not None else None)


def _note(session: Session, _flush_context) -> None:
    """after_flush: note what the flush changed that the rules depend on (a draft has no entries)."""
    reports, users = set(), set()
    deleted = session.deleted
    for obj in chain(session.new, session.dirty, deleted):
        if isinstance(obj, DeviationReport):
            if obj in deleted:
                continue  # its entries go with it (ON DELETE CASCADE)
            if obj in session.new:
                if obj.status != DeviationStatus.DRAFT:
                    reports.add(obj.id)
            elif _changed(obj, _REPORT_FIELDS):
                reports.add(obj.id)
        elif isinstance(obj, DeviationRecipient):
            reports.add(obj.report_id)
        elif isinstance(obj, User):
            if obj not in deleted and (obj in session.new or _changed(obj, _USER_FIELDS)):
                users.add(obj.id)
        elif isinstance(obj, UserUnit):
            users.add(_user_id_of(obj))
    if users or any(isinstance(obj, (User, UserUnit)) for obj in chain(session.new, session.dirty, deleted)):
        session.info.pop(_ACCOUNTS, None)   # accounts_ahead's accounts may no longer be what the rules see
    if reports or users:
        pending = session.info.setdefault(_PENDING, (set(), set()))
        pending[0].update(reports)
        pending[1].update(users)


def _sync(session: Session) -> None:
    """before_commit: write the noted entries again, once per transaction, just before it commits."""
    session.flush()  # the last changes are noted too (nothing happens when nothing changed)
    if _PENDING not in session.info:
        return
    reports, users = session.info.pop(_PENDING)
    if not has_app_context():
        return
    with session.no_autoflush:
        sync_reports(reports, session, reload=False)
        sync_users(users, session)


def _forget(session: Session, _previous_transaction=None) -> None:
    """after_rollback: what was noted was never committed."""
    session.info.pop(_PENDING, None)
    session.info.pop(_ACCOUNTS, None)


def _end(session: Session, transaction) -> None:
    """after_transaction_end: accounts_ahead's accounts belong to the transaction that loaded them."""
    if transaction.parent is None:
        session.info.pop(_ACCOUNTS, None)


def install() -> None:
    """Listen on the application's sessions (once per process)."""
    from flask_sqlalchemy.session import Session as session_class  # the class of db.session's sessions

    if not event.contains(session_class, "after_flush", _note):
        event.listen(session_class, "after_flush", _note)
        event.listen(session_class, "before_commit", _sync)
        event.listen(session_class, "after_rollback", _forget)
        event.listen(session_class, "after_transaction_end", _end)
