from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import re

from sqlalchemy import ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class AuditEvent(db.Model):
    """Who read or changed a child's data: append-only for the application."""

    __tablename__ = "audit_events"
    # A manager's log also lists what their units' accounts did (the acting unit), newest first.
    __table_args__ = (Index("ix_audit_events_unit_at", "unit_key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Who acted when it was not a staff account: e.g. "signer:42", "system", "cli".
    actor: Mapped[str] = mapped_column(String(100), default="")
    unit_key: Mapped[str] = mapped_column(String(100), default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(40), default="")
    # Never personal data: field names, statuses and counts only.
    detail: Mapped[str] = mapped_column(String(500), default="")


class AuditLogIsAppendOnly(Exception):
    pass


# Set only by portal.retention while it deletes events past the audit log's own retention time
# (and detaches events from a case it deleted). Nothing else may change or delete an event.
_retention_permit: contextvars.ContextVar[bool] = contextvars.ContextVar("audit_retention_permit", default=False)


@contextlib.contextmanager
def retention_permit():
    token = _retention_permit.set(True)
    try:
        yield
    finally:
        _retention_permit.reset(token)


@event.listens_for(AuditEvent, "before_update")
def _no_update(*_args):
    if not _retention_permit.get():
        raise AuditLogIsAppendOnly("audit events cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _no_delete(*_args):
    if not _retention_permit.get():
        raise AuditLogIsAppendOnly("audit events cannot be deleted")


# The ORM events above do not see bulk UPDATE/DELETE statements or text SQL: this guard on the
# application's engine refuses every statement that changes or deletes audit rows.
_CHANGES_AUDIT = re.compile(r"^\s*(update|delete\s+from|replace\s+into)\s+[`\"]?audit_events\b", re.IGNORECASE)


def guard_engine(engine) -> None:
    if not event.contains(engine, "before_cursor_execute", _guard_statement):
        event.listen(engine, "before_cursor_execute", _guard_statement)


def _guard_statement(_conn, _cursor, statement, _parameters, _context, _executemany):
    if _CHANGES_AUDIT.match(statement) and not _retention_permit.get():
        raise AuditLogIsAppendOnly("audit events cannot be changed or deleted")
