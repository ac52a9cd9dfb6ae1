"""The outbox worker: claims due messages one by one and delivers them.

At least once, never twice: a message is claimed with a conditional UPDATE (status
waiting → sending, checked by rowcount) committed before the SMTP conversation, so two
workers cannot both hold it. A claim older than PORTAL_OUTBOX_STALE_MINUTES (a worker that
died mid-send) can be taken over; the Message-ID is stable per message so that a receiver can
drop the rare duplicate. Failures are retried with exponential backoff (1, 2, 4 … minutes,
at most 8 hours) up to PORTAL_OUTBOX_MAX_ATTEMPTS; permanent SMTP errors (5xx) fail at once.

Logs carry ids, kinds, statuses and error classes only: never addresses or content."""
from __future__ import annotations

import datetime as dt
import logging
import os
import smtplib
import socket
import ssl
import threading
import uuid
from base64 import b64decode
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import current_app
from sqlalchemy import and_, or_, select, update

from ..extensions import db
from ..timeutil import utcnow
from ..worker_loop import run_rounds
from .models import TRANSPORT_LOCAL, TRANSPORT_SMTP, MessageStatus, OutboxMessage

log = logging.getLogger("portal.notify")

MAX_BACKOFF_MINUTES = 8 * 60


@dataclass
class RunResult:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by another worker first


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try after `attempts` failed tries: 1, 2, 4 … minutes, capped."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_MINUTES))


# --- Building the message --------------------------------------------------------------

def _split_mimetype(mimetype: str) -> tuple[str, str, dict[str, str]]:
    kind, *rest = [p.strip() for p in mimetype.split(";")]
    maintype, _, subtype = kind.lower().partition("/")
    params = {}
    for item in rest:
        key, _, value = item.partition("=")
        if key:
            params[key.strip().lower()] = value.strip().strip('"')
    return maintype or "application", subtype or "octet-stream", params


def build_message(row: OutboxMessage, config=None) -> EmailMessage:
    """The RFC 5322 message for an outbox row: plain text and HTML alternatives, attachments."""
    config = config or current_app.config
    msg = EmailMessage()
    msg["Subject"] = row.subject
    msg["From"] = config["PORTAL_MAIL_FROM"]
    msg["To"] = row.to_addr
    if config.get("PORTAL_MAIL_REPLY_TO"):
        msg["Reply-To"] = config["PORTAL_MAIL_REPLY_TO"]
    msg["Date"] = format_datetime(row.created_at.replace(tzinfo=dt.UTC))
    msg["Message-ID"] = row.message_id
    msg["Content-Language"] = "sv"
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(row.body_text)
    msg.add_alternative(row.body_html, subtype="html")
    for item in row.attachments or ():
        data = b64decode(item["data"])
        maintype, subtype, params = _split_mimetype(item["mimetype"])
        if (maintype, subtype) == ("text", "calendar"):
            params.setdefault("charset", "utf-8")
            if "method" not in params:
                for line in data.decode("utf-8", errors="replace").splitlines():
                    if line.upper().startswith("METHOD:"):
                        params["method"] = line.split(":", 1)[1].strip().upper()
                        break
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=item["filename"], params=params)
    return msg


# --- SMTP ----------------------------------------------------------------------------------

class ConnectionProblem(Exception):
    """The SMTP server could not be reached or dropped the connection (wraps the cause)."""


class SmtpTransport:
    """One SMTP connection, opened on first use and reused for the round."""

    def __init__(self, config):
        self.config = config
        self.conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        host, port, timeout = c["PORTAL_SMTP_HOST"], int(c["PORTAL_SMTP_PORT"]), c.get("PORTAL_SMTP_TIMEOUT", 30)
        if port == 465:
            conn = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            conn = smtplib.SMTP(host, port, timeout=timeout)
        try:
            conn.ehlo()
            if c.get("PORTAL_SMTP_STARTTLS"):
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
            if c.get("PORTAL_SMTP_USER"):
                conn.login(c["PORTAL_SMTP_USER"], c["PORTAL_SMTP_PASSWORD"])
        except BaseException:
            conn.close()
            raise
        return conn

    def send(self, msg: EmailMessage, to_addr: str) -> None:
        if self.conn is None:
            try:
                self.conn = self._connect()
            except (OSError, smtplib.SMTPException) as exc:
                # Unreachable, TLS or login trouble is about the server or our settings, not this
                # message: never a permanent failure of the message, and the round stops.
                raise ConnectionProblem() from exc
        envelope_from = parseaddr(self.config["PORTAL_MAIL_FROM"])[1]
        try:
            self.conn.send_message(msg, from_addr=envelope_from, to_addrs=[to_addr])
        except smtplib.SMTPServerDisconnected as exc:
            self.close()
            raise ConnectionProblem() from exc
        except smtplib.SMTPException:
            # A refused message leaves the session in an unknown state: start afresh next time.
            self.close()
            raise
        except OSError as exc:
            self.close()
            raise ConnectionProblem() from exc

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except Exception:  # noqa: BLE001 - the connection is going away anyway
                self.conn.close()
            self.conn = None


def describe_error(exc: BaseException) -> tuple[str, bool]:
    """(error class and SMTP code, permanent?): never the server's text, which can echo addresses."""
    cause = exc.__cause__ if isinstance(exc, ConnectionProblem) and exc.__cause__ else exc
    code = None
    if isinstance(cause, smtplib.SMTPResponseException):
        code = cause.smtp_code
    elif isinstance(cause, smtplib.SMTPRecipientsRefused):
        codes = [v[0] for v in cause.recipients.values() if v and isinstance(v[0], int)]
        code = codes[0] if codes else None
    name = type(cause).__name__
    permanent = code is not None and 500 <= code < 600 and not isinstance(exc, ConnectionProblem)
    return (f"{name} {code}" if code else name)[:200], permanent


# --- The round -------------------------------------------------------------------------

def _due_condition(now: dt.datetime, stale_before: dt.datetime):
    return or_(
        and_(OutboxMessage.status == MessageStatus.WAITING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == MessageStatus.SENDING, OutboxMessage.claimed_at < stale_before),
    )


def _claim(message_id: int, worker_id: str, now: dt.datetime, stale_before: dt.datetime) -> bool:
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _due_condition(now, stale_before))
        .values(status=MessageStatus.SENDING, claimed_by=worker_id, claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _finish(message_id: int, worker_id: str, **values) -> bool:
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == MessageStatus.SENDING,
               OutboxMessage.claimed_by == worker_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        log.warning("outbox %s: claim was taken over before the result could be saved", message_id)
    return result.rowcount == 1


def deliver_due(*, now: dt.datetime | None = None, worker_id: str | None = None, limit: int = 100,
                stop: threading.Event | None = None) -> RunResult:
    """Deliver the messages that are due at `now` (naive UTC; default: now). One round."""
    config = current_app.config
    now = now or utcnow()
    worker_id = worker_id or new_worker_id()
    stale_before = now - dt.timedelta(minutes=config["PORTAL_OUTBOX_STALE_MINUTES"])
    max_attempts = config["PORTAL_OUTBOX_MAX_ATTEMPTS"]
    local = bool(config.get("PORTAL_DEV_MAILBOX"))
    if not local and not config.get("PORTAL_SMTP_HOST"):
        log.error("outbox: no SMTP host configured and the development mailbox is off; nothing sent")
        return RunResult()

    ids = db.session.scalars(
        select(OutboxMessage.id).where(_due_condition(now, stale_before))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
    ).all()
    db.session.commit()

    result = RunResult()
    transport = None if local else SmtpTransport(config)
    try:
        for message_id in ids:
            if stop is not None and stop.is_set():
                break
            if not _claim(message_id, worker_id, now, stale_before):
                result.skipped += 1
                continue
            row = db.session.execute(
                select(OutboxMessage).where(OutboxMessage.id == message_id).execution_options(populate_existing=True)
            ).scalar_one()
            kind, attempts, to_addr = row.kind, row.attempts, row.to_addr
            try:
                msg = build_message(row, config)
                db.session.commit()  # end the read before the (slow) SMTP conversation
                if transport is not None:
                    transport.send(msg, to_addr)
            except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
                db.session.rollback()
                error, permanent = describe_error(exc)
                if permanent or attempts >= max_attempts:
                    _finish(message_id, worker_id, status=MessageStatus.FAILED, last_error=error)
                    result.failed += 1
                    log.warning("outbox %s kind=%s failed after %s attempts: %s", message_id, kind, attempts, error)
                else:
                    _finish(message_id, worker_id, status=MessageStatus.WAITING, last_error=error,
                            next_attempt_at=now + backoff(attempts))
                    result.deferred += 1
                    log.info("outbox %s kind=%s deferred (attempt %s): %s", message_id, kind, attempts, error)
                if isinstance(exc, ConnectionProblem):
                    break  # the server is away: leave the rest for the next round
                continue
            _finish(message_id, worker_id, status=MessageStatus.SENT, sent_at=utcnow(), last_error="",
                    transport=TRANSPORT_LOCAL if local else TRANSPORT_SMTP)
            result.sent += 1
            log.info("outbox %s kind=%s sent (%s)", message_id, kind, "local mailbox" if local else "smtp")
    finally:
        if transport is not None:
            transport.close()
    return result


def clear_old_content(days: int, now: dt.datetime | None = None) -> int:
    """Retention: blank the address, bodies and attachments of messages sent more than `days`
    days ago. The row (kind, status, times, dedupe_key) stays, so de-duplication keeps working."""
    before = (now or utcnow()) - dt.timedelta(days=days)
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.SENT, OutboxMessage.sent_at < before, OutboxMessage.to_addr != "")
        .values(to_addr="", body_text="", body_html="", attachments=[])
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


def run_loop(stop: threading.Event, interval: float | None = None) -> None:
    """Rounds until `stop` is set; a failing round is logged (class only) and retried."""
    interval = interval if interval is not None else current_app.config["PORTAL_OUTBOX_POLL_SECONDS"]
    worker_id = new_worker_id()
    keep_days = current_app.config["PORTAL_OUTBOX_KEEP_DAYS"]
    last_cleared = None
    log.info("outbox worker %s started", worker_id)

    def one_round():
        nonlocal last_cleared
        deliver_due(worker_id=worker_id, stop=stop)
        if last_cleared is None or utcnow() - last_cleared > dt.timedelta(hours=1):
            clear_old_content(keep_days)
            last_cleared = utcnow()

    run_rounds(stop, interval, one_round, log, "outbox")
    log.info("outbox worker %s stopped", worker_id)
