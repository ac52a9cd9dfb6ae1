"""Helpers for the meeting and escalation tests: a signed-in client, the outbox by kind, and what an
e-mail says (all its text parts and its calendar file)."""
from __future__ import annotations

from icalendar import Calendar
from sqlalchemy import select

from tests.helpers import login


def signed_in(app, email: str):
    client = app.test_client()
    login(client, email)
    return client


def outbox(app, kind: str) -> list[tuple[str, str, str]]:
    """(to, subject, text body) of the outbox's messages of one kind, oldest first."""
    from portal.extensions import db
    from portal.notify.models import OutboxMessage

    with app.app_context():
        return [(m.to_addr, m.subject, m.body_text) for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))]


def whole_mail(mail) -> str:
    """The message as sent plus every decoded text part (what a reader could see)."""
    whole = mail.as_string()
    for part in mail.walk():
        if part.get_content_maintype() == "text":
            whole += part.get_content()
    return whole


def ics_of(mail) -> Calendar:
    parts = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, "one calendar attachment"
    return Calendar.from_ical(parts[0].get_payload(decode=True))
