"""Issue 27: a meeting's digital link with CR/LF and a personal number in a meeting's place made
every invitation, update and cancellation a 500. The form refuses both next to the field; a value
stored before that rule is left out of the e-mails and calendar files, which are still sent."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from portal.timeutil import today_local
from tests.support.consent import deliver, request_data, text_of
from tests.support.plans import IFO, SKOLA, case_with_people, date_fields, give_consent, value

PERSONAL_NUMBER = "20120415-2381"   # the test case's child (valid check digit)
INJECTED = "https://mote.example/abc\r\nBcc: utomstaende@example.org\r\nATTENDEE:mailto:x@example.org"


@pytest.fixture
def world(app_factory, make_user, make_case, smtp_sink):
    app, ids, ref, anna = case_with_people(app_factory, make_user, make_case, smtp_sink)
    give_consent(app, anna, ref, (SKOLA, IFO))
    deliver(app, smtp_sink)
    smtp_sink.messages.clear()
    return app, smtp_sink, ref, ids, anna


def meeting_data(**changes) -> dict:
    data = {**date_fields("day", today_local() + dt.timedelta(days=30)), "start": "13:00", "end": "14:00",
            "place": "Solbackens skola, rum 12", "digital_link": "https://mote.example/abc",
            "purpose": "Få en gemensam bild.", "agenda": "", "child_participation": "on_site"}
    data.update(changes)
    return data


def meetings_in(app) -> int:
    from portal.extensions import db
    from portal.plans.models import Meeting

    with app.app_context():
        return db.session.scalar(select(func.count(Meeting.id)))


def outbox_size(app) -> int:
    from portal.extensions import db
    from portal.notify.models import OutboxMessage

    with app.app_context():
        return db.session.scalar(select(func.count(OutboxMessage.id)))


def field_error(html: str, field_id: str) -> str:
    """The inline error of a field and the error summary's link to it: both must say the same."""
    inline = re.search(rf'<p class="error-message" id="{field_id}-error"><span class="visually-hidden">Fel:</span> '
                       rf'([^<]+)</p>', html)
    assert inline, f"no error next to {field_id}"
    assert f'<a href="#{field_id}">{inline.group(1)}</a>' in html, "the error summary does not name the field"
    return inline.group(1)


def new_meeting(anna, ref, **changes) -> str:
    response = anna.post(f"/arenden/{ref}/moten/nytt", data=meeting_data(**changes))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].split("#")[0].replace("http://localhost", "")


def store(app, meeting: str, **values) -> None:
    """What an older version of the portal let through, written straight into the row."""
    from portal.extensions import db
    from portal.plans.models import Meeting

    with app.app_context():
        row = db.session.get(Meeting, int(meeting.rsplit("/", 1)[1]))
        for key, v in values.items():
            setattr(row, key, v)
        db.session.commit()


def rename_participant(app, name: str, new: str) -> None:
    from portal.extensions import db
    from portal.plans.models import MeetingParticipant

    with app.app_context():
        db.session.scalar(select(MeetingParticipant).where(MeetingParticipant.name == name)).name = new
        db.session.commit()


def calendar_of(mail) -> Calendar:
    parts = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return Calendar.from_ical(parts[0].get_payload(decode=True))


def whole(mail) -> str:
    text = mail.as_string()
    for part in mail.walk():
        if part.get_content_maintype() == "text":
            text += part.get_payload(decode=True).decode("utf-8")
    return text


@pytest.mark.parametrize("link, message", [
    (INJECTED, "Länken ska vara en enda rad. Klistra bara in adressen till mötet."),
    ("https://mote.example/abc\nBcc: x@example.org", "Länken ska vara en enda rad. Klistra bara in adressen till mötet."),
    ("javascript:alert(1)", "Länken ska vara en webbadress som börjar med https://, utan mellanslag"),
    ("https://mote.example/a b", "Länken ska vara en webbadress som börjar med https://, utan mellanslag"),
    ("https:///utan-vard", "Länken ska vara en webbadress som börjar med https://, utan mellanslag"),
    (f"https://mote.example/{PERSONAL_NUMBER}", "Skriv inte personnummer i länken. Länken står i kallelsen och i "
                                                "kalenderinbjudan."),
])
def test_a_link_that_is_not_one_web_address_is_refused_next_to_the_field(world, link, message):
    app, _sink, ref, _ids, anna = world
    response = anna.post(f"/arenden/{ref}/moten/nytt", data=meeting_data(digital_link=link))
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "digital_link") == message
    assert meetings_in(app) == 0
    # The same on a change of an existing meeting: nothing of it is saved.
    meeting = new_meeting(anna, ref)
    response = anna.post(f"{meeting}/andra", data=meeting_data(digital_link=link))
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "digital_link") == message
    assert "https://mote.example/abc" in anna.get(f"{meeting}/andra").get_data(as_text=True)


@pytest.mark.parametrize("place", [f"Rum 12, gäller {PERSONAL_NUMBER}", "Rum 12 (201204152381)",
                                   "Samordningsnummer 201204752388"])
def test_a_personal_number_in_the_place_is_refused_before_anything_is_saved_or_sent(world, place):
    app, _sink, ref, ids, anna = world
    response = anna.post(f"/arenden/{ref}/moten/nytt", data=meeting_data(place=place))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "place").startswith("Skriv inte personnummer i mötesplatsen")
    assert place in html  # what was typed is kept
    assert meetings_in(app) == 0
    # On a change of a meeting that was already sent: no update goes out, nothing changes.
    meeting = new_meeting(anna, ref)
    assert anna.post(f"{meeting}/deltagare", data={"who": f"staff:{value('samir', ids)}", "purpose": "Stöd"}).status_code == 302
    assert anna.post(f"{meeting}/kalla").status_code == 302
    sent = outbox_size(app)
    response = anna.post(f"{meeting}/andra", data=meeting_data(place=place, start="14:00", end="15:00"))
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "place").startswith("Skriv inte personnummer i mötesplatsen")
    assert outbox_size(app) == sent
    assert "Solbackens skola, rum 12" in anna.get(meeting).get_data(as_text=True)


def test_a_place_with_a_phone_number_is_still_fine(world):
    _app, _sink, ref, _ids, anna = world
    assert anna.post(f"/arenden/{ref}/moten/nytt", data=meeting_data(place="Telefonmöte, ring 0961-123 45")).status_code == 302


def test_stored_values_from_before_the_rule_never_break_invitation_update_or_cancellation(world):
    """A link with CR/LF and a place with a personal number, stored before the form refused them,
    a guardian's name typed with a personal number, and a personal number in every other free-text field of a meeting (purpose, agenda, who
    speaks for the child, a participant's purpose, an absence note, the notes): invitation,
    update, absence, shared notes and cancellation are all sent, and none carries any of them."""
    app, sink, ref, ids, anna = world
    meeting = new_meeting(anna, ref, purpose=f"Syfte {PERSONAL_NUMBER}", agenda=f"1. {PERSONAL_NUMBER}",
                          child_participation="not_present", child_voice_by=f"Anna {PERSONAL_NUMBER}")
    store(app, meeting, digital_link=INJECTED, place=f"Rum 12 {PERSONAL_NUMBER}")
    for who in (f"staff:{value('samir', ids)}", f"staff:{value('anna', ids)}"):
        response = anna.post(f"{meeting}/deltagare", data={"who": who, "purpose": f"Stöd {PERSONAL_NUMBER}"})
        assert response.status_code == 302
    guardian = re.search(r'<option value="(guardian:\d+)">Vårdnadshavare: Vårdnadshavare 1<',
                         anna.get(meeting).get_data(as_text=True)).group(1)
    assert anna.post(f"{meeting}/deltagare", data={"who": guardian, "purpose": ""}).status_code == 302
    page = anna.get(meeting).get_data(as_text=True)
    samir = re.search(r'<option value="(\d+)">Samir Socialsson</option>', page).group(1)
    rename_participant(app, "Vårdnadshavare 1", f"Vårdnadshavare {PERSONAL_NUMBER}")   # a name typed with a number

    assert anna.post(f"{meeting}/kalla").status_code == 302
    # An update: a new time (the stored link and place stay as they were).
    response = anna.post(f"{meeting}/andra", data={**meeting_data(start="14:00", end="15:00",
                                                                  purpose=f"Syfte {PERSONAL_NUMBER}",
                                                                  child_participation="on_site"),
                                                   "place": "", "digital_link": ""})
    assert response.status_code == 302
    assert anna.post(f"{meeting}/forhinder", data={"participant": samir, "note": f"Sara {PERSONAL_NUMBER}"}).status_code == 302
    assert anna.post(f"{meeting}/anteckningar", data={"notes": f"Anteckning {PERSONAL_NUMBER}", "share": "1"}).status_code == 302
    store(app, meeting, digital_link=INJECTED, place=f"Rum 12 {PERSONAL_NUMBER}")
    assert anna.post(f"{meeting}/stall-in").status_code == 302
    deliver(app, sink)
    subjects = sorted(m["Subject"].split(":")[0] for m in sink.messages)
    assert subjects.count("Kallelse") == 3 and subjects.count("Ändrat") == 3 and subjects.count("Inställt") == 3
    assert any("Minnesanteckningar" in s for s in subjects)
    for mail in sink.messages:
        assert mail["Bcc"] is None and "utomstaende@example.org" not in whole(mail)
        assert PERSONAL_NUMBER not in whole(mail) and "201204152381" not in whole(mail)
        if mail["Subject"].startswith(("Kallelse", "Ändrat", "Inställt")):
            event = next(iter(calendar_of(mail).walk("VEVENT")))
            assert event.get("URL") is None
            attendees = event.get("ATTENDEE")
            assert not isinstance(attendees, list) and str(attendees) == f"mailto:{mail['To']}"
            assert "mote.example" not in text_of(mail)


def test_a_clean_link_and_place_reach_the_invitation_and_its_calendar_file(world):
    app, sink, ref, ids, anna = world
    meeting = new_meeting(anna, ref)
    assert anna.post(f"{meeting}/deltagare", data={"who": f"staff:{value('samir', ids)}", "purpose": "Stöd"}).status_code == 302
    assert anna.post(f"{meeting}/kalla").status_code == 302
    deliver(app, sink, expect=1)
    mail = sink.messages[0]
    event = next(iter(calendar_of(mail).walk("VEVENT")))
    assert str(event["URL"]) == "https://mote.example/abc"
    assert str(event["LOCATION"]) == "Solbackens skola, rum 12 eller digitalt"
    assert "Digitalt: https://mote.example/abc" in text_of(mail)


def test_a_personal_number_in_the_consent_contact_is_refused_next_to_the_field(world):
    """The consent contact's phone and e-mail stand in every e-mail to the signers."""
    from portal.consent.models import Consent
    from portal.extensions import db

    app, _sink, ref, _ids, anna = world
    with app.app_context():
        before = db.session.scalar(select(func.count(Consent.id)))
    page = anna.get(f"/arenden/{ref}/samtycke/nytt").get_data(as_text=True)
    response = anna.post(f"/arenden/{ref}/samtycke/nytt", data=request_data(page, contact__phone="201204152381",
                                                                             child_include="nej"))
    assert response.status_code == 400
    message = field_error(response.get_data(as_text=True), "contact__phone")
    assert message.startswith("Telefonnumret ser ut som ett personnummer")
    with app.app_context():
        assert db.session.scalar(select(func.count(Consent.id))) == before


@pytest.mark.parametrize("url", [INJECTED, "javascript:alert(1)", "mote.example/abc", "https://[::1", "https://a b.example"])
def test_the_calendar_file_leaves_out_any_link_that_is_not_one_web_address(url):
    from portal.notify import meeting_ics

    start = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)
    data = meeting_ics(uid="u@portal.test", sequence=0, method="REQUEST", start=start, end=start + dt.timedelta(hours=1),
                       summary="Nätverksmöte", location="Rum 12\r\nATTENDEE:mailto:x@example.org", url=url,
                       organizer=("Anna\r\nATTENDEE:mailto:y@example.org", "anna@skola.example"),
                       attendees=[("Samir", "samir@kommun.example")])
    event = next(iter(Calendar.from_ical(data).walk("VEVENT")))
    assert event.get("URL") is None and "x@example.org" not in str(event.get("ATTENDEE"))
    lines = data.decode().replace("\r\n ", "").split("\r\n")   # content lines, unfolded
    assert [line.rsplit(":", 1)[1] for line in lines if line.startswith("ATTENDEE")] == ["samir@kommun.example"]
    assert [line.rsplit(":", 1)[1] for line in lines if line.startswith("ORGANIZER")] == ["anna@skola.example"]
    assert str(event["LOCATION"]).split() == ["Rum", "12", "ATTENDEE:mailto:x@example.org"]  # escaped: one line


def test_a_personal_number_in_a_name_is_refused_next_to_the_field(world):
    """The child's and a guardian's names stand in the calendar file of their own invitation."""
    from portal.cases.models import Case
    from portal.extensions import db

    app, _sink, ref, _ids, anna = world
    message = "Skriv bara namnet här. Personnumret har ett eget fält"
    response = anna.post("/arenden/nytt", data={"child_name": f"Elsa Exempel {PERSONAL_NUMBER}",
                                                "personal_number": PERSONAL_NUMBER, "unit_key": SKOLA})
    assert response.status_code == 400 and field_error(response.get_data(as_text=True), "child_name") == message
    response = anna.post(f"/arenden/{ref}/vardnadshavare/ny", data={"name": "Maria 19800101-1231",
                                                                    "has_custody": "ja"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and field_error(html, "name") == message
    with app.app_context():
        assert db.session.scalar(select(func.count(Case.id))) == 1
        assert len(db.session.scalar(select(Case).where(Case.ref == ref)).guardians) == 2
