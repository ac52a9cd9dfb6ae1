"""De-identifying closed deviation reports: what the yearly compilation counts stays (status,
kind, units, dates, routing), every free text and name goes, and the link to a case is cut."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Table, select, update

from ..extensions import db
from ..formdefs import keys
from ..timeutil import today_local

MARK = "_deidentified"
# The only answers kept: the ones the compilation and the inbox filter on.
KEPT_ANSWERS = keys("deviation_report", "event__event_date", "event__concerned_unit", "event__kind")


def closed_report_ids(reports: Table, cutoff: dt.datetime, *, include_done: bool) -> list[int]:
    # local: deviations is an optional feature; its statuses are read only when its rule runs
    from ..deviations.lifecycle import DeviationStatus

    c = reports.c
    rows = db.session.execute(select(c.id, c.record).where(c.status == DeviationStatus.CLOSED, c.closed_at.is_not(None),
                                                            c.closed_at < cutoff).order_by(c.id)).all()
    return [row.id for row in rows if include_done or MARK not in (row.record or {})]


def kept_record(record: dict, today: dt.date) -> dict:
    kept = {MARK: today.isoformat()}
    for field in KEPT_ANSWERS:
        values = kept.setdefault(field.section, {})
        if field.key in ((record or {}).get(field.section) or {}):
            values[field.key] = field.of(record)
    return kept


def deidentify_reports(reports: Table, ids: list[int]) -> int:
    c = reports.c
    today = today_local()
    blank = {col: "" for col in ("reporter_name", "line_manager_name", "line_manager_statement", "concerned_answer",
                                 "measures", "feedback") if col in c}
    done = 0
    for report_id, record in db.session.execute(select(c.id, c.record).where(c.id.in_(ids))).all():
        db.session.execute(update(reports).where(c.id == report_id)
                           .values(record=kept_record(record, today), case_id=None, **blank))
        done += 1
    events = db.metadata.tables.get("deviation_events")
    if events is not None:
        db.session.execute(update(events).where(events.c.report_id.in_(ids)).values(text="", actor_name=""))
    recipients = db.metadata.tables.get("deviation_recipients")
    if recipients is not None:
        db.session.execute(update(recipients).where(recipients.c.report_id.in_(ids)).values(name="", email=""))
        # The managers' inbox entries follow the rules: with the e-mails gone, only a named handler keeps one.
        from ..deviations.inbox import sync_reports

        sync_reports(ids)
    return done
