"""Meetings (nätverksmöte / samverkansmöte): participants, invitations with calendar files,
updates (same UID, higher SEQUENCE), cancellation, absence and shared notes.

E-mails carry no personal data: the meeting's time, place and a link to log in."""
from __future__ import annotations

import datetime as dt
from email.utils import parseaddr

from flask import current_app, url_for
from sqlalchemy import select

from ..audit import log_event
from ..cases.models import Case
from ..directory import current_directory
from ..extensions import db
from ..formdefs import build_form, get_definition, keys, refuse_over_limit
from ..notify import contains_personal_number, meeting_ics, queue_email
from ..notify.calendar import web_link
from ..notify.delivery import deliveries_by_prefix
from ..timeutil import STOCKHOLM, local, today_local, utcnow
from . import rules
from .consent_gate import withdrawals
from .models import Meeting, MeetingParticipant, MeetingStatus, PlanError
from .people import person
from .process import due_date
from .service import (case_process, case_schedule, covered, done_map, ensure_process, process_of, record_step,
                      sync_plan_units)

CHILD_PARTICIPATION = [
    ("on_site", "Barnet är med på plats"),
    ("part", "Barnet är med en del av mötet"),
    ("digital_active", "Barnet är med digitalt och deltar aktivt"),
    ("digital_listening", "Barnet lyssnar digitalt"),
    ("not_present", "Barnet är inte med – någon för fram barnets röst"),
]
KIND_LABELS = {"staff": "Personal", "unit": "Enhet", "guardian": "Vårdnadshavare", "child": "Barnet eller den unge",
               "guest": "Utan konto"}
GUEST_FORM = "meeting_guest"   # forms/meeting_guest.yaml
GUEST, GUEST_NAME, GUEST_ROLE, GUEST_ROLE_OTHER, GUEST_EMAIL, GUEST_PHONE, FAMILY_AGREED = keys(
    GUEST_FORM, "guest", "guest__name", "guest__role", "guest__role_other", "guest__email", "guest__phone",
    "guest__family_agreed")
NO_CONSENT_FOR_GUESTS = ("Ett giltigt samtycke behövs innan du kan bjuda in någon utan konto. "
                         "Familjen bestämmer vem som får vara med på mötet.")


def meeting_word(case: Case) -> str:
    """"Samverkansmöte" in Kronobarnsmodellen, "Nätverksmöte" in Norrbus."""
    process = process_of(case)
    return "Samverkansmöte" if process is not None and process.key == "kronobarn" else "Nätverksmöte"


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
    if meeting.status != MeetingStatus.PLANNED:
        return []
    return date_warnings(case, local(meeting.starts_at).date(), meeting)


def participant_problem(case: Case, participant: MeetingParticipant) -> str | None:
    """Only units covered by a valid consent can be invited; a guest only while a consent is valid."""
    if participant.kind == "guest" and not covered(case):
        return NO_CONSENT_FOR_GUESTS
    if participant.kind in ("staff", "unit"):
        if participant.unit_key not in covered(case):
            return rules.not_covered_message(current_directory(), participant.unit_key)
        if not participant.purpose.strip():
            return "Skriv syftet med att den här professionen är med på mötet"
    return None


def create_meeting(case: Case, values: dict, user) -> Meeting:
    """A new meeting of the case (values: Meeting's own fields, as the meeting form gives them)."""
    ensure_process(case, user)
    meeting = Meeting(case_id=case.id, created_by_id=user.id)
    update_fields(meeting, values)
    db.session.add(meeting)
    db.session.flush()
    log_event("meeting.create", case=case, object_type="meeting", object_id=meeting.id)
    return meeting


def update_fields(meeting: Meeting, values: dict) -> list[str]:
    """Sets the values that differ; returns the names of the fields changed."""
    changed = [k for k, v in values.items() if getattr(meeting, k, None) != v]
    for k in changed:
        setattr(meeting, k, values[k])
    return changed


def change_meeting(case: Case, meeting: Meeting, values: dict, user) -> int:
    """Changes the meeting; the invited get an updated invitation (returns how many)."""
    return reschedule(case, meeting, update_fields(meeting, values), user)


def add_participant(case: Case, meeting: Meeting, who: str, purpose: str, user) -> MeetingParticipant:
    """Adds `who` ("staff:<person>", "unit:<key>", "guardian:<id>" or "child:", the participant form's
    choices); raises PlanError (field "who") when that person may not take part."""
    kind, _, rest = who.partition(":")
    d = current_directory()
    p = MeetingParticipant(kind=kind, purpose=purpose)
    if kind == "staff":
        found = person(rest)
        p.user_id, p.unit_key, p.name, p.email = found.user_id, found.unit_key, found.name, found.email
    elif kind == "unit":
        p.unit_key, p.name, p.email = rest, d.units[rest].name, d.units[rest].email
    elif kind == "guardian":
        guardian = next(g for g in case.guardians if str(g.id) == rest)
        p.guardian_id, p.name, p.email = guardian.id, guardian.name, guardian.email
    else:
        p.name, p.email = case.child_name, case.email or ""
    problem = participant_problem(case, p)
    if problem:
        raise PlanError(problem, field="who")
    if kind == "staff" and p.user_id == meeting.created_by_id and not meeting.chair:
        p.is_chair = True   # whoever called the meeting leads it, unless the roles are changed
    meeting.participants.append(p)
    db.session.flush()
    sync_plan_units(case)
    log_event("meeting.participant_add", case=case, object_type="meeting", object_id=meeting.id, detail=f"typ: {kind}")
    return p


def save_notes(case: Case, meeting: Meeting, notes: str, share: bool, user) -> int | None:
    """Saves the minutes; with `share`, tells the participants (returns how many, else None)."""
    if notes != meeting.notes:
        meeting.notes = notes
        log_event("meeting.notes", case=case, object_type="meeting", object_id=meeting.id)
    return share_notes(case, meeting, user) if share else None


def role_choices(meeting: Meeting) -> list[tuple[str, str]]:
    """Who may chair or take the minutes: the professionals, never the child, a guardian or a guest."""
    return [(str(p.id), p.name) for p in meeting.participants if p.kind not in rules.FAMILY_KINDS | {"guest"}]


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
    if case is not None:
        log_event("meeting.roles", case=case, object_type="meeting", object_id=meeting.id)
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
    takes part (a guardian's name with a network meeting) is personal data and stays in the portal.
    A guest has no account: their file names the unit's contact instead of a link to sign in."""
    word = meeting_word(case)
    recipients = [(_mailable(recipient.name), recipient.email)] if recipient.email else []
    return meeting_ics(
        uid=meeting.uid, sequence=meeting.sequence, method=method,
        start=aware(meeting.starts_at), end=aware(meeting.ends_at), summary=word, location=_location(meeting),
        url=_digital_link(meeting) or None, organizer=_organizer(meeting), attendees=recipients,
        description=_ics_description(case, meeting, recipient, word))


def _family_contact(case: Case) -> dict[str, str]:
    """Whom the family asks about the meeting: the case's unit (name, phone, e-mail)."""
    return current_directory().contact(case.unit_key)


def _ics_description(case: Case, meeting: Meeting, recipient: MeetingParticipant, word: str) -> str:
    """Staff are sent to the portal; a guest and the family have no account there and get whom to ask."""
    if recipient.kind == "guest":
        return f"{word}. Frågor eller förhinder: kontakta {_guest_contact(case, meeting)}."
    if recipient.kind in ("staff", "unit"):
        return (f"{word} i Samverkansportalen. Logga in för att läsa syfte, dagordning och deltagare: "
                f"{_link(case, meeting)}")
    contact = _family_contact(case)
    ways = ", ".join(part for part in (contact["phone"] and f"telefon {contact['phone']}",
                                       contact["email"] and f"e-post {contact['email']}") if part)
    who = _organizer(meeting)[0]
    text = f"{word}. Har du frågor om mötet eller kan du inte komma? Kontakta {who or contact['name']}"
    if contact["name"] and ways:
        text += f" eller {contact['name']}, {ways}"
    return text + "."


def _guest_contact(case: Case, meeting: Meeting) -> str:
    """Who a guest asks about the meeting: the organizer and the case's unit (name, e-mail,
    phone from the directory). Nothing about the child."""
    name, address = _organizer(meeting)
    unit = current_directory().units.get(case.unit_key)
    parts = [f"{name} ({address})" if name else address]
    if unit is not None:
        parts.append(", ".join(x for x in (unit.name, unit.email, f"telefon {unit.phone}" if unit.phone else "") if x))
    return ", ".join(p for p in parts if p)


def _context(case: Case, meeting: Meeting, participant: MeetingParticipant) -> dict:
    start, end = local(meeting.starts_at), local(meeting.ends_at)
    return {
        "word": meeting_word(case), "start": start, "end": end, "place": _place(meeting),
        "digital_link": _digital_link(meeting),
        "link": _link(case, meeting) if participant.kind in ("staff", "unit") else "",
        "organizer": _organizer(meeting)[0] if participant.kind in ("guardian", "child", "guest") else "",
        "professional": participant.kind in ("staff", "unit"),
        "contact": _guest_contact(case, meeting) if participant.kind == "guest" else "",
        "family_contact": _family_contact(case) if participant.kind in ("guardian", "child") else None,
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
    if meeting.status != MeetingStatus.PLANNED:
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
    log_event("meeting.invite", case=case, object_type="meeting", object_id=meeting.id, detail=f"skickade: {sent}")
    return sent, []


def reschedule(case: Case, meeting: Meeting, changed_fields: list[str], user) -> int:
    """After a change of time, place or link: SEQUENCE goes up and the invited get an update."""
    if not changed_fields:
        return 0
    log_event("meeting.update", case=case, object_type="meeting", object_id=meeting.id,
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
    if meeting.status == MeetingStatus.CANCELLED:
        return 0
    meeting.status = MeetingStatus.CANCELLED
    sent = 0
    if meeting.invited_at is not None:
        meeting.sequence += 1
        for p in meeting.participants:
            if p.invited_sequence is None:
                continue
            if _send(case, meeting, p, "CANCEL", "plans/email/meeting_cancelled", "meeting.cancel") is not None:
                sent += 1
            p.invited_sequence = meeting.sequence
    log_event("meeting.cancel", case=case, object_type="meeting", object_id=meeting.id, detail=f"avbokningar: {sent}")
    return sent


def remove_participant(case: Case, meeting: Meeting, participant: MeetingParticipant, user,
                       consent_ended: bool = False) -> None:
    """Someone already invited gets a cancellation of their own (consent_ended: because their
    unit is no longer covered by a consent; the e-mail says so, without a link they cannot open)."""
    if participant.invited_sequence is not None and meeting.status == MeetingStatus.PLANNED:
        meeting.sequence += 1
        _send(case, meeting, participant, "CANCEL", "plans/email/meeting_cancelled", "meeting.cancel",
              extra={"consent_ended": True, "link": ""} if consent_ended and participant.is_professional else None)
        for p in meeting.participants:
            if p is not participant and p.invited_sequence is not None:
                p.invited_sequence = meeting.sequence
    meeting.participants.remove(participant)
    db.session.flush()
    sync_plan_units(case)
    log_event("meeting.participant_remove", case=case, object_type="meeting", object_id=meeting.id,
           detail="samtycket gäller inte längre" if consent_ended else "")


def lost_access(case: Case, participant: MeetingParticipant, covered_units=None) -> bool:
    """A professional whose unit neither opened the case nor is covered by a valid consent; a
    guest once no consent of the case is valid."""
    covered_units = covered(case) if covered_units is None else covered_units
    if participant.kind == "guest":
        return not covered_units
    return participant.kind in ("staff", "unit") and participant.unit_key != case.unit_key \
        and participant.unit_key not in covered_units


def remove_uncovered_participants(case: Case) -> int:
    """After a withdrawal: professionals whose unit lost access leave every planned meeting of the
    case; those invited get a calendar cancellation. Returns how many were removed."""
    ok = covered(case)
    removed = 0
    for meeting in db.session.scalars(select(Meeting).where(Meeting.case_id == case.id,
                                                            Meeting.status == MeetingStatus.PLANNED)).all():
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
    log_event("meeting.absence", case=case, object_type="meeting", object_id=meeting.id, detail="förhinder anmält")
    organizer = meeting.created_by
    if organizer is not None and organizer.email and (user is None or organizer.id != user.id):
        queue_email(organizer.email, "plans/email/absence", {"link": _link(case, meeting), "word": meeting_word(case)},
                    kind="meeting.absence", case_id=case.id,
                    dedupe_key=f"meeting.absence:{meeting.id}:{participant.id}:{meeting.sequence}")


def mark_held(case: Case, meeting: Meeting, user) -> None:
    meeting.status = MeetingStatus.HELD
    record_step(case, "meeting", local(meeting.starts_at).date(), user=user, label="Mötet hölls", automatic=True)
    log_event("meeting.held", case=case, object_type="meeting", object_id=meeting.id)


def on_notes_shared(app, listener, audience=None) -> None:
    """listener(case, meeting) -> how many more people were told when the minutes are shared
    (portal/escalation: the members of a level the case was referred to, where the routine says so);
    audience(case) -> a Swedish sentence for the meeting page saying who else will get them, or None."""
    app.extensions.setdefault("plans.notes_shared", []).append(listener)
    if audience is not None:
        app.extensions.setdefault("plans.notes_audience", []).append(audience)


def notes_audience(case: Case) -> list[str]:
    return [text for audience in current_app.extensions.get("plans.notes_audience", []) if (text := audience(case))]


def share_notes(case: Case, meeting: Meeting, user) -> int:
    meeting.notes_shared_at = utcnow()
    sent = 0
    for p in meeting.participants:
        if p.kind in ("staff", "unit") and p.email and p.unit_key in covered(case):
            queue_email(p.email, "plans/email/notes_shared", {"link": _link(case, meeting), "word": meeting_word(case)},
                        kind="meeting.notes", case_id=case.id,
                        dedupe_key=f"meeting.notes:{meeting.id}:{p.id}:{meeting.notes_shared_at:%Y%m%d%H%M%S}")
            sent += 1
    log_event("meeting.notes_share", case=case, object_type="meeting", object_id=meeting.id, detail=f"mottagare: {sent}")
    for listener in current_app.extensions.get("plans.notes_shared", []):
        sent += listener(case, meeting)
    return sent


def on_consent_withdrawn(consent) -> None:
    """Withdrawal listener: the units no longer covered lose their plan access at once, and
    their staff leave the case's planned meetings with a calendar cancellation."""
    case = db.session.get(Case, consent.case_id)
    if case is not None:
        remove_uncovered_participants(case)
        sync_plan_units(case)
# --- guests: participants without an account (forms/meeting_guest.yaml) ---------------------------

def guest_form(**kwargs):
    return build_form(get_definition(GUEST_FORM), **kwargs)


def guest_errors(case: Case, meeting: Meeting, form) -> dict[str, str]:
    """What the form's own validation cannot know (the role when "annan" is chosen is the YAML's
    required_if): a valid consent of the case (the family decides who takes part; the staff member
    also confirms that they agreed to this person), and an address already among the participants.
    {field name: message}."""
    errors = {}
    if not covered(case):
        errors[FAMILY_AGREED.name] = NO_CONSENT_FOR_GUESTS
    address = (form[GUEST_EMAIL.name].data or "").lower()
    if address and any(p.email.lower() == address for p in meeting.participants):
        errors[GUEST_EMAIL.name] = "Den här e-postadressen finns redan bland deltagarna"
    return errors


def add_guest(case: Case, meeting: Meeting, form, user) -> MeetingParticipant:
    """Adds a guest from a validated form (guest_errors empty). The invitation goes with the next
    "Skicka kallelsen", as for everyone else."""
    definition = get_definition(GUEST_FORM)
    data = form.to_record()
    refuse_over_limit(definition, data)
    guest = GUEST.of(data)
    roles = dict(GUEST_ROLE.field_def(definition).choices)
    chosen = guest[GUEST_ROLE.key]
    role = guest[GUEST_ROLE_OTHER.key] if chosen == "annan" else roles.get(chosen, "")
    participant = MeetingParticipant(kind="guest", name=guest[GUEST_NAME.key], email=guest[GUEST_EMAIL.key],
                                     phone=guest[GUEST_PHONE.key] or "", guest_role=role, family_agreed_by_id=user.id)
    meeting.participants.append(participant)
    db.session.flush()
    log_event("meeting.participant_add", case=case, object_type="meeting", object_id=meeting.id,
           detail="typ: guest, familjen har sagt ja")
    return participant
