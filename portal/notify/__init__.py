"""E-mail that is never lost: a transactional outbox, SMTP delivery and calendar invitations.

    from portal.notify import queue_email, meeting_ics

    queue_email(to="someone@example.org", template="consent/email/signer_link",
                context={"link": url}, kind="consent.link", case_id=case.id)
    db.session.commit()   # the message is stored with the caller's change, or not at all

queue_email renders <template>.subject.txt, <template>.txt and <template>.html (extending
notify/base_email.txt and notify/base_email.html) and adds an OutboxMessage to the session
without committing. The worker (`portal outbox run [--loop]`) delivers it over SMTP, or into
the development mailbox (/admin/utvecklingsbrevlada) when PORTAL_DEV_MAILBOX is on.

Rule: no personal data about the child in any e-mail (no name, personal number or case
details; link to the portal instead). queue_email raises PersonalDataInEmail when the rendered
message contains something that looks like a personal identity number."""
from __future__ import annotations

import base64
import os
import re
import secrets
from dataclasses import dataclass
from email.utils import parseaddr
from functools import cached_property

from flask import Flask, current_app, render_template
from sqlalchemy import select

from ..extensions import db
from ..templating import add_nav, add_template_enums
from ..timeutil import utcnow
from .calendar import meeting_ics  # noqa: F401  (public API)
from .guard import PersonalDataInEmail, check_no_personal_number, contains_personal_number  # noqa: F401

_ADDRESS = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")


def init_app(app: Flask) -> None:
    # local: loaded when the app is built; importing the package stays light (portal.models imports its models)
    from . import cli
    from .models import MessageStatus
    from .routes import bp

    add_template_enums(app, MessageStatus)
    env = os.environ.get
    app.config.setdefault("PORTAL_OUTBOX_MAX_ATTEMPTS", int(env("PORTAL_OUTBOX_MAX_ATTEMPTS", "10")))
    app.config.setdefault("PORTAL_OUTBOX_STALE_MINUTES", int(env("PORTAL_OUTBOX_STALE_MINUTES", "10")))
    app.config.setdefault("PORTAL_OUTBOX_POLL_SECONDS", float(env("PORTAL_OUTBOX_POLL_SECONDS", "5")))
    app.config.setdefault("PORTAL_OUTBOX_KEEP_DAYS", int(env("PORTAL_OUTBOX_KEEP_DAYS", "30")))
    app.config.setdefault("PORTAL_SMTP_TIMEOUT", float(env("PORTAL_SMTP_TIMEOUT", "30")))

    app.register_blueprint(bp)
    app.cli.add_command(cli.outbox)
    # local: loaded when the app is built; importing the package stays light (portal.models imports its models)
    from ..audit.log import register_labels
    from ..cases.panels import register_case_panel
    from .delivery import case_panel

    register_labels(app, {"outbox.retry": "Skickade ett e-postmeddelande igen"})
    register_case_panel(app, 5, "notify/_case_panel.html", case_panel)
    add_nav(app, "notify.outbox", "Utskick", lambda u: u.is_authenticated and u.is_admin)
    add_nav(app, "notify.dev_mailbox", "Utvecklingsbrevlåda",
            lambda u: u.is_authenticated and u.is_admin and current_app.config.get("PORTAL_DEV_MAILBOX"))


def _mail_domain() -> str:
    _, address = parseaddr(current_app.config.get("PORTAL_MAIL_FROM", ""))
    return address.rsplit("@", 1)[1] if "@" in address else "samverkansportalen.invalid"


def _tidy_text(text: str) -> str:
    """At most one blank line in a row; no trailing spaces except the "-- " signature line."""
    lines = [line if line == "-- " else line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


@dataclass(frozen=True)
class RenderedEmail:
    """An e-mail's subject and bodies, rendered from its templates (the same for every address)."""
    subject: str
    body_text: str
    body_html: str

    @cached_property
    def part_with_personal_number(self) -> str | None:
        """The first part (subject, text, HTML) that looks like it holds a personal identity number,
        or None. Looked for once per rendered e-mail, however many addresses it is queued for."""
        parts = {"subject": self.subject, "text": self.body_text, "HTML": self.body_html}
        return next((where for where, text in parts.items() if contains_personal_number(text)), None)


def render_email(template: str, context: dict | None = None) -> RenderedEmail:
    """Render <template>.subject.txt, .txt and .html. Reads nothing from the database, so a caller
    can render before its transaction's first write (on SQLite that write holds the lock until
    the commit) and queue the result for one or many addresses with queue_email(rendered=...)."""
    values = dict(context or {})
    values.setdefault("base_url", current_app.config.get("PORTAL_BASE_URL", ""))
    values.setdefault("mail_reply_to", current_app.config.get("PORTAL_MAIL_REPLY_TO", ""))
    subject = " ".join(render_template(f"{template}.subject.txt", **values).split())
    if not subject:
        raise ValueError("the e-mail subject is empty")
    values.setdefault("subject", subject)
    body_text = _tidy_text(render_template(f"{template}.txt", **values))
    body_html = render_template(f"{template}.html", **values)
    return RenderedEmail(subject, body_text, body_html)


def queue_email(to: str, template: str = "", context: dict | None = None, *, kind: str,
                case_id: int | None = None, attachments: list[tuple[str, str, bytes]] | None = None,
                dedupe_key: str | None = None, rendered: RenderedEmail | None = None, new_key: bool = False):
    """Render an e-mail (or take the ``rendered`` one) and add it to the outbox in the caller's
    transaction (no commit).

    Returns the OutboxMessage; with a dedupe_key that was queued before, the existing one.
    ``new_key=True`` says the dedupe_key names something made in this transaction (a history
    event just written), so no earlier message can carry it: the lookup is skipped (inside a
    write transaction on SQLite every statement is time under the write lock). The unique
    index on the key still refuses a duplicate.
    Raises ValueError for a bad address and PersonalDataInEmail when the rendered message
    looks like it contains a personal identity number."""
    # local: the package imports none of its modules at the top (portal.models imports its models through it)
    from .models import MessageStatus, OutboxMessage

    to = (to or "").strip()
    if not _ADDRESS.match(to) or len(to) > 254:
        raise ValueError("queue_email needs exactly one e-mail address")
    if not kind or len(kind) > 60:
        raise ValueError("queue_email needs a short kind")
    if (rendered is None) == (not template):
        raise ValueError("queue_email needs a template or a rendered e-mail, not both")
    if new_key and dedupe_key is None:
        raise ValueError("new_key needs a dedupe_key")
    if dedupe_key is not None and len(dedupe_key) > 191:
        raise ValueError("dedupe_key is at most 191 characters")
    if dedupe_key is not None and not new_key:
        existing = db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
        if existing is not None:
            return existing

    if rendered is None:
        rendered = render_email(template, context)
    subject, body_text, body_html = rendered.subject, rendered.body_text, rendered.body_html

    if rendered.part_with_personal_number is not None:
        raise PersonalDataInEmail(f"e-mail {rendered.part_with_personal_number} looks like it contains "
                                  "a personal identity number")
    stored = []   # text attachments are looked at for each message: they may differ
    parts = {}
    for filename, mimetype, data in attachments or ():
        if mimetype.lower().startswith("text/"):
            parts[f"attachment {len(stored) + 1}"] = data.decode("utf-8", errors="replace")
        stored.append({"filename": filename, "mimetype": mimetype, "data": base64.b64encode(data).decode("ascii")})
    check_no_personal_number(parts)

    message = OutboxMessage(
        kind=kind, to_addr=to, subject=subject[:300], body_text=body_text, body_html=body_html,
        attachments=stored, case_id=case_id, dedupe_key=dedupe_key,
        message_id=f"<outbox.{secrets.token_hex(12)}@{_mail_domain()}>",
        # Whole seconds: MySQL DATETIME has none, and a rounded-up time would not be due yet.
        status=MessageStatus.WAITING, attempts=0, next_attempt_at=utcnow().replace(microsecond=0), last_error="",
    )
    db.session.add(message)
    return message
