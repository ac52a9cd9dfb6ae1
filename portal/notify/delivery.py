"""Where the work happens, what became of an e-mail: sent, waiting (to retry) or failed, with the
reason in plain Swedish and a way on. Read from the outbox rows when a page is shown (nothing is
written on a GET); the reason comes from the error class and SMTP code kept on the row, never
from the server's text.

Features find their messages by the dedupe_key they queued them with (deliveries_by_prefix) or
list a case's messages that need attention (case_problems)."""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.orm import aliased

from ..extensions import db
from ..timeutil import local, utcnow
from .models import MessageStatus, OutboxMessage

KIND_LABELS = {
    "consent.link": "Länk till samtycke",
    "consent.reminder": "Påminnelse om samtycke",
    "consent.code": "Engångskod",
    "consent.receipt": "Kvitto på samtycke",
    "consent.withdrawn": "Bekräftelse på återkallat samtycke",
    "meeting.invitation": "Kallelse till möte",
    "meeting.update": "Ändrad kallelse till möte",
    "meeting.cancel": "Avbokning av möte",
    "meeting.absence": "Förhinder till möte",
    "meeting.notes": "Minnesanteckningar från möte",
    "plan.approval_request": "Begäran om att godkänna en plan",
    "plan.approved": "Planen är godkänd",
    "plan.family_link": "Länk till planen för familjen",
    "plans.reminder": "Påminnelse om ett steg",
}

# SMTP reply codes that say the address itself is wrong: correct it rather than send again.
_ADDRESS_CODES = {550, 551, 553, 501, 511}


@dataclass(frozen=True)
class Delivery:
    message_id: int
    kind: str
    to_addr: str
    status: str            # sent | waiting | retrying | sending | failed
    label: str
    reason: str            # plain Swedish, empty when sent
    when: dt.datetime | None  # local time: sent, or the next try
    address_problem: bool  # the receiving server refused the address

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, "E-post")

    @property
    def failed(self) -> bool:
        return self.status == MessageStatus.FAILED

    @property
    def arrived(self) -> bool:
        return self.status == MessageStatus.SENT

    @property
    def needs_attention(self) -> bool:
        return self.status in (MessageStatus.FAILED, "retrying")


def _code(last_error: str) -> int | None:
    parts = (last_error or "").split()
    return int(parts[-1]) if len(parts) > 1 and parts[-1].isdigit() else None


def reason_for(last_error: str) -> tuple[str, bool]:
    """(the reason in plain Swedish, is it the address?) for an outbox row's last_error."""
    name = (last_error or "").split(" ")[0]
    code = _code(last_error)
    if code in _ADDRESS_CODES or (name == "SMTPRecipientsRefused" and code and code >= 500):
        return ("Mottagarens e-postserver tog inte emot adressen. Adressen är troligen felskriven eller finns inte "
                "längre.", True)
    if code == 552:
        return "Mottagarens brevlåda är full eller tar inte emot så stora meddelanden.", False
    if code and code >= 500:
        return f"E-postservern tog inte emot meddelandet (kod {code}).", False
    if code and code >= 400:
        return f"E-postservern kunde inte ta emot meddelandet just nu (kod {code}).", False
    if name == "SMTPAuthenticationError":
        return "Portalen kunde inte logga in på e-postservern. Kontakta administratören.", False
    if name:
        return "Portalen kunde inte nå e-postservern.", False
    return "", False


def delivery_of(row: OutboxMessage) -> Delivery:
    reason, address = reason_for(row.last_error) if row.status != MessageStatus.SENT else ("", False)
    if row.status == MessageStatus.SENT:
        status, label, when = MessageStatus.SENT, "Skickat", local(row.sent_at)
    elif row.status == MessageStatus.FAILED:
        status, label, when = MessageStatus.FAILED, "Kom inte fram", None
        if not address and not _code(row.last_error) and row.attempts:
            reason = f"{reason} Portalen gav upp efter {row.attempts} försök."
    elif row.status == MessageStatus.SENDING:
        status, label, when = MessageStatus.SENDING, "Skickas just nu", None
    elif row.attempts:
        status, label, when = "retrying", "Väntar på nytt försök", local(row.next_attempt_at)
    else:
        status, label, when = MessageStatus.WAITING, "Väntar på att skickas", None
    return Delivery(row.id, row.kind, row.to_addr, status, label, reason.strip(), when, address)


def deliveries_by_prefix(prefix: str) -> dict[str, Delivery]:
    """{dedupe_key: Delivery} of the messages whose dedupe_key starts with `prefix`."""
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith(prefix, autoescape=True))
                              .order_by(OutboxMessage.id)).all()
    return {row.dedupe_key: delivery_of(row) for row in rows}


def delivery_by_key(key: str) -> Delivery | None:
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
    return delivery_of(row) if row is not None else None


@functools.lru_cache(maxsize=4)
def _problems_statement(limit: int):
    """The statement of case_problems, built once per process (the case is a bound parameter): building
    it, with its aliased subquery, cost more than running it on every case page (issue 32)."""
    case_id = bindparam("case_id")
    later = aliased(OutboxMessage)
    made_good = exists().where(later.case_id == case_id, later.kind == OutboxMessage.kind,
                               later.to_addr == OutboxMessage.to_addr, later.id > OutboxMessage.id,
                               later.status == MessageStatus.SENT)
    return (select(OutboxMessage).where(OutboxMessage.case_id == case_id,
                                        (OutboxMessage.status == MessageStatus.FAILED)
                                        | ((OutboxMessage.status == MessageStatus.WAITING) & (OutboxMessage.attempts > 0)),
                                        ~made_good)
            .order_by(OutboxMessage.id.desc()).limit(limit))


def case_problems(case_id: int, limit: int = 50) -> list[Delivery]:
    """The case's messages that failed or wait for a new try, newest first; not those a later
    message of the same kind to the same address has made good (a new link that arrived)."""
    rows = db.session.scalars(_problems_statement(limit), {"case_id": case_id}).all()
    return [delivery_of(row) for row in rows]


def requeue(message_id: int, case_id: int | None = None) -> bool:
    """A failed message goes back into the queue (sent within a round). False when it had not failed."""
    condition = [OutboxMessage.id == message_id, OutboxMessage.status == MessageStatus.FAILED]
    if case_id is not None:
        condition.append(OutboxMessage.case_id == case_id)
    result = db.session.execute(
        update(OutboxMessage).where(*condition)
        .values(status=MessageStatus.WAITING, attempts=0, next_attempt_at=utcnow().replace(microsecond=0),
                claimed_by=None, claimed_at=None)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def case_panel(case, user) -> dict | None:
    """The case page's section "E-post som inte har kommit fram" (hidden when all is well)."""
    if not getattr(user, "works_with_cases", False):
        return None
    problems = case_problems(case.id)
    return {"problems": problems} if problems else None
