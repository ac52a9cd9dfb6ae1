"""Running the retention policy: delete, de-identify or blank what is past its time.

Each record type is handled in its own transaction, in the policy's order (consents and reports
before the cases they hang on, the audit log last). The run logs counts per type (never
personal data) and writes one audit event, `retention.run`, with the same counts.

Deleting a case deletes everything that belongs to it, found from the schema's foreign keys
(guardians, consents, plans, meetings, checklist ticks and whatever a later feature adds): a row
whose reference to a deleted row is optional keeps the row and loses the reference (outbox
messages, deviation reports, audit events), a row that cannot exist without it is deleted too.
Only this module may delete audit events or detach them from a deleted case
(`portal.audit.models.retention_permit`)."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Callable

from flask import current_app
from sqlalchemy import Table, and_, delete, func, or_, select, text, update

from ..audit import log_event
from ..audit.models import AuditEvent, retention_permit
from ..cases.models import Case, CaseStatus
from ..extensions import db
from ..notify.models import MessageStatus, OutboxMessage as M
from ..timeutil import utcnow
from .deidentify import closed_report_ids, deidentify_reports
from .policy import ACTION_LABELS, Policy, Rule, load_policy

log = logging.getLogger("portal.retention")
CHUNK = 200


@dataclass
class TypeResult:
    record_type: str
    label: str
    action: str
    keep: str
    cutoff: dt.datetime
    count: int = 0
    error: str = ""
    extra: dict[str, int] = field(default_factory=dict)  # e.g. rows removed along with cases

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)


@dataclass
class RunResult:
    dry_run: bool
    at: dt.datetime
    types: list[TypeResult]

    @property
    def ok(self) -> bool:
        return not any(t.error for t in self.types)

    def summary(self) -> str:
        """Counts per type: safe for logs and the audit log (no personal data)."""
        parts = []
        for t in self.types:
            parts.append(f"{t.record_type}:{t.action}={'fel' if t.error else t.count}")
        return "; ".join(parts)


Handler = Callable[[Rule, dt.datetime, bool, TypeResult], int]
_handlers: dict[str, Handler] = {}


def handler(record_type: str):
    def register(fn: Handler) -> Handler:
        _handlers[record_type] = fn
        return fn

    return register


def current_policy() -> Policy:
    return load_policy(current_app.config["PORTAL_CONTENT_DIR"])


def run_retention(*, now: dt.datetime | None = None, dry_run: bool = False, policy: Policy | None = None) -> RunResult:
    """Apply the policy at `now` (naive UTC; default: now). With dry_run nothing changes."""
    now = now or utcnow()
    policy = policy or current_policy()
    result = RunResult(dry_run=dry_run, at=now, types=[])
    db.session.commit()  # start from a clean transaction
    for rule in policy:
        cutoff = rule.cutoff(now)
        outcome = TypeResult(rule.record_type, rule.label, rule.action, rule.keep_text, cutoff)
        result.types.append(outcome)
        fn = _handlers[rule.record_type]
        try:
            with retention_permit():
                outcome.count = fn(rule, cutoff, dry_run, outcome)
                if dry_run:
                    db.session.rollback()
                else:
                    db.session.commit()
        except Exception as exc:  # noqa: BLE001 - one type failing must not stop the others
            db.session.rollback()
            outcome.error = type(exc).__name__
            log.error("retention %s failed: %s", rule.record_type, type(exc).__name__)
            continue
        log.info("retention %s %s%s: %d%s", rule.record_type, rule.action, " (dry run)" if dry_run else "",
                 outcome.count, "".join(f", {k}={v}" for k, v in sorted(outcome.extra.items())))
    if not dry_run:
        log_event("retention.run", object_type="retention", actor="system", user=None, unit_key="",
               detail=result.summary())
        db.session.commit()
        _compact_sqlite()
    return result


def _compact_sqlite() -> None:
    """SQLite: fold the write-ahead log into the database file and truncate it, so deleted
    rows do not linger in the -wal file (secure_delete zeroes them in the file itself)."""
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


# --- Deleting rows with everything that depends on them ----------------------------------------

def _table(name: str) -> Table | None:
    return db.metadata.tables.get(name)


def delete_rows(table: Table, ids: list, counts: dict[str, int], _seen: tuple[str, ...] = ()) -> None:
    """Delete rows of `table` by primary key together with every row that depends on them.

    For every foreign key that points at `table`: an optional reference (nullable, or declared
    ON DELETE SET NULL) is set to NULL; a required one means the row goes too (recursively).
    Done by the application in dependency order, so it works the same on SQLite and MariaDB."""
    if not ids:
        return
    (pk,) = table.primary_key.columns
    for child in db.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is not table or child.name in _seen:
                continue
            column = fk.parent
            if fk.ondelete == "SET NULL" or (column.nullable and fk.ondelete != "CASCADE"):
                for chunk in _chunks(ids):
                    db.session.execute(update(child).where(column.in_(chunk)).values({column.name: None}))
                continue
            if len(child.primary_key.columns) != 1:
                for chunk in _chunks(ids):
                    gone = db.session.execute(delete(child).where(column.in_(chunk))).rowcount
                    counts[child.name] = counts.get(child.name, 0) + gone
                continue
            (child_pk,) = child.primary_key.columns
            child_ids = []
            for chunk in _chunks(ids):
                child_ids += db.session.scalars(select(child_pk).where(column.in_(chunk))).all()
            delete_rows(child, child_ids, counts, _seen + (table.name,))
    for chunk in _chunks(ids):
        gone = db.session.execute(delete(table).where(pk.in_(chunk))).rowcount
        counts[table.name] = counts.get(table.name, 0) + gone


def _delete_with_dependants(table: Table, ids, outcome: TypeResult) -> int:
    """delete_rows for one record type: returns how many of its rows went, and notes the
    dependent rows that went with them (per table) in the outcome."""
    counts: dict[str, int] = {}
    delete_rows(table, list(ids), counts)
    outcome.extra = {k: v for k, v in counts.items() if k != table.name}
    return counts.get(table.name, 0)


def _chunks(values: list, size: int = CHUNK):
    for i in range(0, len(values), size):
        yield values[i:i + size]


# --- The record types ------------------------------------------------------------------------

@handler("closed_cases")
def _closed_cases(rule: Rule, cutoff: dt.datetime, dry_run: bool, outcome: TypeResult) -> int:
    ids = db.session.scalars(select(Case.id).where(Case.status == CaseStatus.CLOSED, Case.closed_at.is_not(None),
                                                   Case.closed_at < cutoff).order_by(Case.id)).all()
    if dry_run or not ids:
        return len(ids)
    return _delete_with_dependants(Case.__table__, ids, outcome)


@handler("consents")
def _consents(rule: Rule, cutoff: dt.datetime, dry_run: bool, outcome: TypeResult) -> int:
    consents = _table("consents")
    if consents is None:
        return 0  # the consent feature is not installed
    # local: consent is an optional feature; its statuses are read only when its rule runs
    from ..consent.models import ConsentStatus

    c = consents.c
    ended = func.coalesce(c.withdrawn_at, c.declined_at, c.expired_at)
    ids = db.session.scalars(select(c.id).where(or_(
        # withdrawn, said no to, or marked expired
        and_(c.status.in_((ConsentStatus.WITHDRAWN, ConsentStatus.DECLINED, ConsentStatus.EXPIRED)),
             ended.is_not(None), ended < cutoff),
        # past its period even if nobody marked it expired (or never signed by everyone)
        and_(c.status.in_((ConsentStatus.VALID, ConsentStatus.PENDING, ConsentStatus.EXPIRED)),
             c.valid_until.is_not(None), c.valid_until < cutoff.date()),
        # a draft nobody sent
        and_(c.status == ConsentStatus.DRAFT, c.updated_at < cutoff),
    )).order_by(c.id)).all()
    if dry_run or not ids:
        return len(ids)
    return _delete_with_dependants(consents, ids, outcome)


@handler("deviation_reports")
def _deviation_reports(rule: Rule, cutoff: dt.datetime, dry_run: bool, outcome: TypeResult) -> int:
    reports = _table("deviation_reports")
    if reports is None:
        return 0  # the deviations feature is not installed
    ids = closed_report_ids(reports, cutoff, include_done=rule.action == "delete")
    if dry_run or not ids:
        return len(ids)
    if rule.action == "delete":
        return _delete_with_dependants(reports, ids, outcome)
    return deidentify_reports(reports, ids)


@handler("outbox")
def _outbox(rule: Rule, cutoff: dt.datetime, dry_run: bool, outcome: TypeResult) -> int:
    done_at = func.coalesce(M.sent_at, M.created_at)
    where = (M.status.in_((MessageStatus.SENT, MessageStatus.FAILED)), done_at < cutoff, M.to_addr != "")
    if dry_run:
        return db.session.scalar(select(func.count()).select_from(M).where(*where))
    return db.session.execute(
        update(M).where(*where).values(to_addr="", body_text="", body_html="", attachments=[])
        .execution_options(synchronize_session=False)).rowcount


@handler("audit_log")
def _audit_log(rule: Rule, cutoff: dt.datetime, dry_run: bool, outcome: TypeResult) -> int:
    if dry_run:
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.at < cutoff))
    return db.session.execute(delete(AuditEvent).where(AuditEvent.at < cutoff)
                              .execution_options(synchronize_session=False)).rowcount


def integrity_ok() -> bool:
    """SQLite's own check of the file (always True on other databases)."""
    if db.engine.dialect.name != "sqlite":
        return True
    return db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
