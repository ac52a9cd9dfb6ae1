"""Registerutdrag prepared ahead (issue 32). A report with PORTAL_EXPORT_INLINE_ROWS rows or more
takes WeasyPrint seconds to minutes: the request stores a waiting SubjectAccessExport and answers at
once; `portal exports run` renders it with PORTAL_EXPORT_PDF_SECONDS; the person downloads it from
the page that said "Utdraget förbereds". The PDF is deleted after PORTAL_EXPORT_KEEP_DAYS."""
from __future__ import annotations

import datetime as dt
import logging
import threading

from flask import current_app
from sqlalchemy import delete, or_, select, update

from ..extensions import db
from ..pdf import PdfBudgetExceeded, render_pdf
from ..timeutil import local, utcnow
from ..worker_loop import run_rounds
from .models import ExportStatus, SubjectAccessExport
from .report import SubjectAccessReport, build_report

log = logging.getLogger("portal.subject_access")
TITLE = "Registerutdrag"
TEMPLATE = "subject_access/report_pdf.html"


def row_count(report: SubjectAccessReport) -> int:
    """Rows the PDF will have: what its render time grows with (about 9 ms each, issue 32)."""
    sections = sum(len(s.rows) + sum(len(item) for item in s.items) for s in report.sections)
    return sections + len(report.readings)


def is_large(report: SubjectAccessReport) -> bool:
    return row_count(report) >= current_app.config["PORTAL_EXPORT_INLINE_ROWS"]


def render(report: SubjectAccessReport, **budget) -> bytes:
    return render_pdf(TEMPLATE, title=TITLE, report=report, created=local(report.created_at), **budget)


def request_export(case, *, guardian, requester_name: str, contact: str, user_id: int | None = None,
                   signer_id: int | None = None) -> SubjectAccessExport:
    """The requester's unexpired export of this case for this person, or a new waiting one (asking
    twice, or reloading, does not queue the same work again). Not committed."""
    now = utcnow()
    mine = (SubjectAccessExport.requested_by_id == user_id if user_id is not None
            else SubjectAccessExport.signer_id == signer_id)
    same_person = (SubjectAccessExport.guardian_id == guardian.id if guardian is not None
                   else SubjectAccessExport.guardian_id.is_(None))
    existing = db.session.scalar(select(SubjectAccessExport).where(
        SubjectAccessExport.case_id == case.id, mine, same_person, SubjectAccessExport.expires_at > now,
        SubjectAccessExport.status.in_([ExportStatus.WAITING, ExportStatus.BUILDING])).order_by(SubjectAccessExport.id.desc()).limit(1))
    if existing is not None:
        return existing
    export = SubjectAccessExport(
        case_id=case.id, guardian_id=guardian.id if guardian is not None else None, requested_by_id=user_id,
        signer_id=signer_id, requester_name=requester_name, contact=contact, status=ExportStatus.WAITING, requested_at=now,
        expires_at=now + dt.timedelta(days=current_app.config["PORTAL_EXPORT_KEEP_DAYS"]))
    db.session.add(export)
    db.session.flush()
    return export


def _claim(export_id: int, now: dt.datetime, stale_before: dt.datetime) -> bool:
    """A conditional UPDATE: of two workers, one wins. A build that started before `stale_before`
    (its worker died) may be claimed again."""
    result = db.session.execute(
        update(SubjectAccessExport)
        .where(SubjectAccessExport.id == export_id,
               or_(SubjectAccessExport.status == ExportStatus.WAITING,
                   (SubjectAccessExport.status == ExportStatus.BUILDING) & (SubjectAccessExport.started_at < stale_before)))
        .values(status=ExportStatus.BUILDING, started_at=now))
    db.session.commit()
    return result.rowcount == 1


def build_waiting(*, now: dt.datetime | None = None, limit: int = 20, stop: threading.Event | None = None) -> int:
    """Render the waiting exports (oldest first); returns how many became ready."""
    now = now or utcnow()
    seconds = current_app.config["PORTAL_EXPORT_PDF_SECONDS"]
    stale_before = now - dt.timedelta(seconds=2 * seconds)
    ids = db.session.scalars(select(SubjectAccessExport.id).where(
        or_(SubjectAccessExport.status == ExportStatus.WAITING,
            (SubjectAccessExport.status == ExportStatus.BUILDING) & (SubjectAccessExport.started_at < stale_before)),
        SubjectAccessExport.expires_at > now).order_by(SubjectAccessExport.id).limit(limit)).all()
    ready = 0
    for export_id in ids:
        if stop is not None and stop.is_set():
            break
        if not _claim(export_id, now, stale_before):
            continue
        export = db.session.get(SubjectAccessExport, export_id)
        try:
            report = build_report(export.case, guardian=export.guardian, child_signer=export.guardian is None,
                                  requester_name=export.requester_name, contact=export.contact)
            # The worker's budget: nobody waits on it. The character cap grows with it.
            export.pdf = render(report, seconds=seconds,
                                max_chars=current_app.config["PORTAL_PDF_MAX_CHARS"] * 20)
            export.status, export.ready_at = ExportStatus.READY, utcnow()
            ready += 1
        except PdfBudgetExceeded:
            log.warning("subject access export %s over the worker's PDF budget", export_id)
            db.session.rollback()
            export = db.session.get(SubjectAccessExport, export_id)
            export.status = ExportStatus.FAILED
        db.session.commit()
    return ready


def delete_expired(now: dt.datetime | None = None) -> int:
    """Exports past their expiry go, PDF and all."""
    result = db.session.execute(delete(SubjectAccessExport).where(SubjectAccessExport.expires_at <= (now or utcnow())))
    db.session.commit()
    return result.rowcount


def run_loop(stop: threading.Event, interval: float = 2.0) -> None:
    """Rounds until `stop` is set; a failing round is logged (class only) and retried."""
    log.info("export worker started")

    def one_round():
        build_waiting(stop=stop)
        delete_expired()

    run_rounds(stop, interval, one_round, log, "export")
    log.info("export worker stopped")
