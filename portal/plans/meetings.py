"""Meetings (nätverksmöte / samverkansmöte): participants, invitations with calendar files,
updates (same UID, higher SEQUENCE), cancellation, absence and shared notes.

E-mails carry no personal data: the meeting's time, place and a link to log in."""
from __future__ import annotations

import datetime as dt
from email.utils import parseaddr

from flask import current_app, url_for
from sqlalchemy import select

from ..audit import record
from ..cases.models import Case
from ..directory import current_directory
from ..extensions import db
from ..notify import contains_personal_number, meeting_ics, queue_email
from ..notify.calendar import web_link
from ..timeutil import STOCKHOLM, local, today_local, utcnow
from . import rules
from .consent_gate import withdrawals
from .models import Meeting, MeetingParticipant
from .process import due_date
from .service import case_process, case_schedule, covered, done_map, process_of, record_step, sync_plan_units
from ..notify.delivery import deliveries_by_prefix

CHILD_PARTICIPATION = [
    ("on_site", "Barnet är med på plats"),
    ("part", "Barnet är med en del av mötet"),
    ("digital_active", "Barnet är med digitalt och deltar aktivt"),
    ("digital_listening", "Barnet lyssnar digitalt"),
    ("not_present", "Barnet är inte med – någon för fram barnets röst"),
]
KIND_LABELS = {"staff": "Personal", "unit": "Enhet", "guardian": "Vårdnadshavare", "child": "Barnet eller den unge"}


def meeting_word(case: Case) -> str:
    """"Samverkansmöte" in Kronobarnsmodellen, "Nätverksmöte" in Norrbus."""
    process = process_of(case)
    return "Samverkansmöte" if process is not None and process.key == "kronobarn" else "Nätverksmöte"


def to_utc(day: dt.date, clock: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, clock, tzinfo=STOCKHOLM).astimezone(dt.UTC).replace(tzinfo=None)


def aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC).astimezone(STOCKHOLM)


def date_warnings(case: Case, day: dt.date, meeting: Meeting | None = None) -> list[str]:
    """What the case's process says about a meeting on `day` (derived when read, never stored):
    its own deadline, a day that is not a working day, and (before the invitation is sent) an
    invitation deadline counted back from the meeting that has already passed."""
    process, states = case_schedule(case)
    state = next((s for s in states if s.step.key == "meeting"), None)
    invitation = None
    if process is not None and (meeting is None or meeting.invited_at is None):
        step = next((s for s in process.steps if s.deadline is not None and s.deadline.before == "meeting"), None)
        if step is not None:
            agreed = {step.key} if meeting is not None and meeting.lead_time_agreed else set()
            chosen = case_process(case)
            due, why = due_date(process, step, done_map(case), {"meeting": day}, acute=chosen.acute, agreed=agreed)
            invitation = (step, due, why)
    return rules.meeting_date_warnings(day, state, process.name if process is not None else "", invitation,
                                       today_local())


def meeting_warnings(case: Case, meeting: Meeting) -> list[str]:
    """date_warnings for a planned meeting; none for one held or cancelled."""
    return date_warnings(case, local(meeting.starts_at).date(), meeting) if meeting.status == "planned" else []


def participant_problem(case: Case, participant: MeetingParticipant) -> str | None:
    """Only units covered by a valid consent can be invited."""
    if participant.kind in ("staff", "unit"):
        if participant.unit_key not in covered(case):
            return rules.not_covered_message(current_directory(), participant.unit_key)
        if not participant.purpose.strip():
            return "Skriv syftet med att den här professionen är med på mötet"
    return None


def set_roles(meeting: Meeting, chair_id: int | None, secretary_id: int | None, case: Case | None = None) -> dict[str, str]:
    by_id = {p.id: p for p in meeting.participants}
    chair, secretary = by_id.get(chair_id), by_id.get(secretary_id)
    errors = rules.check_meeting_roles(chair.kind if chair else None, secretary.kind if secretary else None)
    if case is not None:
        d = current_directory()
        for key, p in (("chair", chair), ("secretary", secretary)):
            if p is not None and key not in errors and lost_access(case, p):
                errors[key] = rules.not_covered_message(d, p.unit_key)
    if errors:
        return errors
    for p in meeting.participants:
        p.is_chair = p is chair
        p.is_secretary = p is secretary
    return {}


def _organizer(meeting: Meeting) -> tuple[str, str]:
    user = meeting.created_by
    if user is not None:
        return _mailable(user.name), user.email
    name, address = parseaddr(current_app.config["PORTAL_MAIL_FROM"])
    return name or "Samverkansportalen", address


def _link(case: Case, meeting: Meeting) -> str:
    return current_app.config["PORTAL_BASE_URL"] + url_for("plans.meeting_view", ref=case.ref, meeting_id=meeting.id)


def _mailable(text: str) -> str:
    """Stored text as e-mails and calendar files may carry it: "" when it holds a personal number.
    The forms refuse one in the place and link; a value stored before that rule, or a name typed
    with a number, is left out (it stays in the portal) instead of stopping the e-mail."""
    return "" if contains_personal_number(text) else text


def _place(meeting: Meeting) -> str:
    return _mailable(meeting.place)


def _digital_link(meeting: Meeting) -> str:
    """The link when it is one http(s) address without a personal number, else ""."""
    return _mailable(web_link(meeting.digital_link) or "")


def _location(meeting: Meeting) -> str:
    place, link = _place(meeting), _digital_link(meeting)
    if place and link:
        return f"{place} eller digitalt"
    return place or ("Digitalt möte" if link else "")


def ics_for(case: Case, meeting: Meeting, method: str, recipient: MeetingParticipant) -> bytes:
    """The calendar file for one recipient. It names only the recipient as attendee: who else
    takes part (a guardian's name with a network meeting) is personal data and stays in the portal."""
    word = meeting_word(case)
    recipients = [(_mailable(recipient.name), recipient.email)] if recipient.email else []
    return meeting_ics(
        uid=meeting.uid, sequence=meeting.sequence, method=method,
        start=aware(meeting.starts_at), end=aware(meeting.ends_at), summary=word, location=_location(meeting),
        url=_digital_link(meeting) or None, organizer=_organizer(meeting), attendees=recipients,
        description=f"{word} i Samverkansportalen. Logga in för att läsa syfte, dagordning och deltagare: "
                    f"{_link(case, meeting)}")


def _context(case: Case, meeting: Meeting, participant: MeetingParticipant) -> dict:
    start, end = local(meeting.starts_at), local(meeting.ends_at)
    return {
        "word": meeting_word(case), "start": start, "end": end, "place": _place(meeting),
        "digital_link": _digital_link(meeting),
        "link": _link(case, meeting) if participant.kind in ("staff", "unit") else "",
        "organizer": _organizer(meeting)[0] if participant.kind in ("guardian", "child") else "",
        "professional": participant.kind in ("staff", "unit"),
    }


def _send(case: Case, meeting: Meeting, participant: MeetingParticipant, method: str, template: str, kind: str,
          extra: dict | None = None):
    if not participant.email:
        return None
    data = ics_for(case, meeting, method, participant)
    context = {**_context(case, meeting, participant), **(extra or {})}
    return queue_email(participant.email, template, context, kind=kind, case_id=case.id,
                       attachments=[("mote.ics", f"text/calendar; method={method}", data)],
                       dedupe_key=f"meeting:{meeting.id}:{meeting.sequence}:{participant.id}:{method}")


def send_invitations(case: Case, meeting: Meeting, user) -> tuple[int, list[str]]:
    """Invites everyone not yet invited to this version of the meeting. (sent, problems)."""
    problems = [m for p in meeting.participants if (m := participant_problem(case, p))]
    if meeting.status != "planned":
        problems.append("Mötet är inställt eller redan hållet")
    if not meeting.participants:
        problems.append("Lägg till deltagare innan du skickar kallelsen")
    if problems:
        return 0, problems
    sent = 0
    for p in meeting.participants:
        if p.invited_sequence == meeting.sequence:
            continue
        template = "plans/email/invitation" if p.invited_sequence is None else "plans/email/meeting_update"
        if _send(case, meeting, p, "REQUEST", template, "meeting.invitation" if p.invited_sequence is None
                 else "meeting.update") is not None:
            sent += 1
        p.invited_sequence = meeting.sequence
    if meeting.invited_at is None:
        meeting.invited_at = utcnow()
        local_day = local(meeting.invited_at).date()
        record_step(case, "invitation", local_day, user=user, label="Kallelsen skickades i portalen", automatic=True)
    sync_plan_units(case)
    record("meeting.invite", case=case, object_type="meeting", object_id=meeting.id, detail=f"skickade: {sent}")
    return sent, []


def reschedule(case: Case, meeting: Meeting, changed_fields: list[str], user) -> int:
    """After a change of time, place or link: SEQUENCE goes up and the invited get an update."""
    if not changed_fields:
        return 0
    record("meeting.update", case=case, object_type="meeting", object_id=meeting.id,
           detail="fält: " + ", ".join(changed_fields))
    if meeting.invited_at is None or not {"starts_at", "ends_at", "place", "digital_link"} & set(changed_fields):
        return 0
    meeting.sequence += 1
    sent = 0
    for p in meeting.participants:
        if p.invited_sequence is None:
            continue
        if _send(case, meeting, p, "REQUEST", "plans/email/meeting_update", "meeting.update") is not None:
            sent += 1
        p.invited_sequence = meeting.sequence
    return sent


def cancel(case: Case, meeting: Meeting, user) -> int:
    if meeting.status == "cancelled":
        return 0
    meeting.status = "cancelled"
    sent = 0
    if meeting.invited_at is not None:
        meeting.sequence += 1
        for p in meeting.participants:
            if p.invited_sequence is None:
                continue
            if _send(case, meeting, p, "CANCEL", "plans/email/meeting_cancelled", "meeting.cancel") is not None:
                sent += 1
            p.invited_sequence = meeting.sequence
    record("meeting.cancel", case=case, object_type="meeting", object_id=meeting.id, detail=f"avbokningar: {sent}")
    return sent


def remove_participant(case: Case, meeting: Meeting, participant: MeetingParticipant, user,
                       consent_ended: bool = False) -> None:
    """Someone already invited gets a cancellation of their own (consent_ended: because their
    unit is no longer covered by a consent; the e-mail says so, without a link they cannot open)."""
    if participant.invited_sequence is not None and meeting.status == "planned":
        meeting.sequence += 1
        _send(case, meeting, participant, "CANCEL", "plans/email/meeting_cancelled", "meeting.cancel",
              extra={"consent_ended": True, "link": ""} if consent_ended else None)
        for p in meeting.participants:
            if p is not participant and p.invited_sequence is not None:
                p.invited_sequence = meeting.sequence
    meeting.participants.remove(participant)
    db.session.flush()
    sync_plan_units(case)
    record("meeting.participant_remove", case=case, object_type="meeting", object_id=meeting.id,
           detail="samtycket gäller inte längre" if consent_ended else "")


def lost_access(case: Case, participant: MeetingParticipant, covered_units=None) -> bool:
    """A professional whose unit neither opened the case nor is covered by a valid consent."""
    covered_units = covered(case) if covered_units is None else covered_units
    return participant.kind in ("staff", "unit") and participant.unit_key != case.unit_key \
        and participant.unit_key not in covered_units


def remove_uncovered_participants(case: Case) -> int:
    """After a withdrawal: professionals whose unit lost access leave every planned meeting of the
    case; those invited get a calendar cancellation. Returns how many were removed."""
    ok = covered(case)
    removed = 0
    for meeting in db.session.scalars(select(Meeting).where(Meeting.case_id == case.id,
                                                            Meeting.status == "planned")).all():
        for participant in [p for p in meeting.participants if lost_access(case, p, ok)]:
            remove_participant(case, meeting, participant, None, consent_ended=True)
            removed += 1
    return removed


def participant_deliveries(meeting: Meeting) -> dict[int, object]:
    """{participant id: Delivery of the latest invitation, update or cancellation sent to them}."""
    latest: dict[int, object] = {}
    for key, delivery in deliveries_by_prefix(f"meeting:{meeting.id}:").items():
        parts = key.split(":")
        if len(parts) == 5 and parts[3].isdigit():
            pid = int(parts[3])
            if pid not in latest or delivery.message_id > latest[pid].message_id:
                latest[pid] = delivery
    return latest


def withdrawal_notices(case: Case, meeting: Meeting) -> list[tuple[dt.date, list[str]]]:
    """[(withdrawn on, [units no longer covered])] for withdrawals since the meeting was planned."""
    ok = covered(case)
    since = local(meeting.created_at).date()
    return [(w.withdrawn_on, [u for u in w.unit_keys if u not in ok and u != case.unit_key])
            for w in withdrawals(case) if w.withdrawn_on >= since]


def report_absence(case: Case, meeting: Meeting, participant: MeetingParticipant, note: str, user) -> None:
    participant.absent = True
    participant.absence_reported_at = utcnow()
    participant.absence_note = note[:500]
    record("meeting.absence", case=case, object_type="meeting", object_id=meeting.id, detail="förhinder anmält")
    organizer = meeting.created_by
    if organizer is not None and organizer.email and (user is None or organizer.id != user.id):
        queue_email(organizer.email, "plans/email/absence", {"link": _link(case, meeting), "word": meeting_word(case)},
                    kind="meeting.absence", case_id=case.id,
                    dedupe_key=f"meeting.absence:{meeting.id}:{participant.id}:{meeting.sequence}")


def mark_held(case: Case, meeting: Meeting, user) -> None:
    meeting.status = "held"
    record_step(case, "meeting", local(meeting.starts_at).date(), user=user, label="Mötet hölls", automatic=True)
    record("meeting.held", case=case, object_type="meeting", object_id=meeting.id)


def share_notes(case: Case, meeting: Meeting, user) -> int:
    meeting.notes_shared_at = utcnow()
    sent = 0
    for p in meeting.participants:
        if p.kind in ("staff", "unit") and p.email and p.unit_key in covered(case):
            queue_email(p.email, "plans/email/notes_shared", {"link": _link(case, meeting), "word": meeting_word(case)},
                        kind="meeting.notes", case_id=case.id,
                        dedupe_key=f"meeting.notes:{meeting.id}:{p.id}:{meeting.notes_shared_at:%Y%m%d%H%M%S}")
            sent += 1
    record("meeting.notes_share", case=case, object_type="meeting", object_id=meeting.id, detail=f"mottagare: {sent}")
    return sent


def on_consent_withdrawn(consent) -> None:
    """Withdrawal listener: the units no longer covered lose their plan access at once, and
    their staff leave the case's planned meetings with a calendar cancellation."""
    case = db.session.get(Case, consent.case_id)
    if case is not None:
        remove_uncovered_participants(case)
        sync_plan_units(case)
