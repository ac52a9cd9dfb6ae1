"""Administration: the outbox (/admin/utskick) and the development mailbox (/admin/utvecklingsbrevlada).

The outbox page shows kinds, times, attempts, statuses and error classes: never addresses or
bodies. The development mailbox exists only when PORTAL_DEV_MAILBOX is on (no SMTP server):
there nothing leaves the machine, and an administrator reads what would have been sent."""
from __future__ import annotations

import datetime as dt
import re
from base64 import b64decode

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from ..audit import log_event
from ..cases.access import load_case
from ..extensions import db
from ..formkit import PortalForm
from ..timeutil import utcnow
from ..web.guards import admin_required, staff_required
from ..web.tx import saving
from .delivery import requeue
from .models import TRANSPORT_LOCAL, MessageStatus, OutboxMessage
from .worker import build_message

bp = Blueprint("notify", __name__, template_folder="templates")

PAGE_SIZE = 200


class RetryForm(PortalForm):
    """A button only: "Försök igen" for one failed message."""


@bp.route("/admin/utskick")
@admin_required
def outbox():
    def rows(*statuses):
        return db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.status.in_(statuses))
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(PAGE_SIZE)
        ).all()

    since = utcnow() - dt.timedelta(days=1)
    sent_last_day = db.session.scalar(
        select(func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.SENT, OutboxMessage.sent_at >= since)
    )
    return render_template("notify/outbox.html", failed=rows(MessageStatus.FAILED),
                           pending=rows(MessageStatus.WAITING, MessageStatus.SENDING),
                           sent_last_day=sent_last_day, form=RetryForm(),
                           max_attempts=current_app.config["PORTAL_OUTBOX_MAX_ATTEMPTS"])


@bp.route("/admin/utskick/<int:message_id>/forsok-igen", methods=["POST"])
@admin_required
def retry(message_id: int):
    form = RetryForm()
    if not form.validate_on_submit():
        abort(400)
    db.session.get(OutboxMessage, message_id) or abort(404)
    with saving():
        requeued = requeue(message_id)
    if requeued:
        flash(f"Utskick nr {message_id} ligger i kön igen och skickas inom kort.", "success")
    else:
        flash(f"Utskick nr {message_id} har inte misslyckats och behöver inte skickas igen.", "info")
    return redirect(url_for("notify.outbox"))


@bp.route("/arenden/<ref>/utskick/<int:message_id>/skicka-igen", methods=["POST"])
@staff_required
@load_case
def case_retry(case, message_id: int):
    """"Skicka igen" where the work happens: a failed message of a case the user can see."""
    if not RetryForm().validate_on_submit():
        abort(400)
    row = db.session.get(OutboxMessage, message_id)
    if row is None or row.case_id != case.id:
        abort(404)
    requeued = False
    with saving():
        requeued = requeue(message_id, case.id)
        if requeued:
            log_event("outbox.retry", case=case, object_type="outbox_message", object_id=message_id,
                   detail=f"typ: {row.kind}")
    if requeued:
        flash("Meddelandet ligger i kön igen och skickas inom kort. Sidan visar om det kommer fram.", "success")
    else:
        flash("Meddelandet har inte misslyckats och behöver inte skickas igen.", "info")
    back = request.form.get("next", "")
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = url_for("cases.view", ref=case.ref)
    return redirect(back)


# --- Development mailbox ------------------------------------------------------------------

def _dev_mailbox_only() -> None:
    if not current_app.config.get("PORTAL_DEV_MAILBOX"):
        abort(404)


def _local_message(message_id: int) -> OutboxMessage:
    row = db.session.get(OutboxMessage, message_id)
    if row is None or row.status != MessageStatus.SENT or row.transport != TRANSPORT_LOCAL:
        abort(404)
    return row


@bp.route("/admin/utvecklingsbrevlada")
@admin_required
def dev_mailbox():
    _dev_mailbox_only()
    messages = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.SENT, OutboxMessage.transport == TRANSPORT_LOCAL)
        .order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc()).limit(PAGE_SIZE)
    ).all()
    waiting = db.session.scalar(
        select(func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.status.in_((MessageStatus.WAITING, MessageStatus.SENDING))))
    return render_template("notify/dev_mailbox.html", messages=messages, waiting=waiting)


@bp.route("/admin/utvecklingsbrevlada/<int:message_id>")
@admin_required
def dev_message(message_id: int):
    _dev_mailbox_only()
    row = _local_message(message_id)
    msg = build_message(row)
    headers = [(label, msg[name]) for name, label in (
        ("From", "Från"), ("To", "Till"), ("Reply-To", "Svara till"), ("Subject", "Ämne"),
        ("Date", "Datum"), ("Message-ID", "Meddelande-id")) if msg[name]]
    paragraphs = [p.split("\n") for p in re.split(r"\n\s*\n", row.body_text.strip())] if row.body_text else []
    return render_template("notify/dev_message.html", row=row, headers=headers, paragraphs=paragraphs)


@bp.route("/admin/utvecklingsbrevlada/<int:message_id>/html")
@admin_required
def dev_message_html(message_id: int):
    _dev_mailbox_only()
    row = _local_message(message_id)
    response = Response(row.body_html, mimetype="text/html")
    # The e-mail's own HTML, shown as the recipient would see it: no scripts, no plugins, no forms.
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"
    return response


@bp.route("/admin/utvecklingsbrevlada/<int:message_id>/bilaga/<int:index>")
@admin_required
def dev_attachment(message_id: int, index: int):
    _dev_mailbox_only()
    row = _local_message(message_id)
    items = row.attachments or []
    if not 1 <= index <= len(items):
        abort(404)
    item = items[index - 1]
    filename = re.sub(r"[^A-Za-z0-9._-]", "_", item["filename"]) or "bilaga"
    response = Response(b64decode(item["data"]), mimetype=item["mimetype"].split(";")[0].strip())
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
