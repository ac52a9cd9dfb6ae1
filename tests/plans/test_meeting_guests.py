"""Issue 30.8: a meeting can include people without an account (a tränare, a stödperson, the child's
företrädare; Kronoberg's guidance). Staff add them with name, role, e-mail and phone once a consent is
valid and the family has agreed (a required checkbox); they get the invitation, updates and a
cancellation by e-mail with a calendar file (real SMTP server, read back with icalendar), without
anything about the child or a link they cannot open."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.support.consent import deliver, mails_to, text_of
from tests.support.meetings import ics_of as _ics, whole_mail
from tests.support.plans import IFO, SKOLA, case_with_people, date_fields, give_consent
from portal.timeutil import today_local

CHILD_NAME = "Testbarn Testsson"
PERSONAL_NUMBER = "20120415-2381"
TRAINER = "tranaren@idrott.example"


def _meeting(anna, ref) -> str:
    day = today_local() + dt.timedelta(days=30)
    response = anna.post(f"/arenden/{ref}/moten/nytt", data={
        **date_fields("day", day), "start": "13:00", "end": "14:30", "place": "Solbackens skola, rum 12",
        "purpose": "Få en gemensam bild.", "agenda": "1. Välkomna", "child_participation": "on_site"})
    assert response.status_code == 302
    return response.headers["Location"].split("#")[0].replace("http://localhost", "")


def _guest(**overrides) -> dict:
    data = {"guest__name": "Tore Tränarsson", "guest__role": "tranare", "guest__role_other": "",
            "guest__email": TRAINER, "guest__phone": "070-123 45 67", "guest__family_agreed": "y"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _event(mail):
    return next(iter(_ics(mail).walk("VEVENT")))


def _nothing_about_the_child(mail) -> None:
    whole = whole_mail(mail)
    assert CHILD_NAME not in whole and "Testbarn" not in whole
    assert PERSONAL_NUMBER not in whole and "201204152381" not in whole
    assert "/arenden/" not in whole       # no link behind a sign-in the guest does not have
    assert "Få en gemensam bild" not in whole and "Vårdnadshavare" not in whole


@pytest.fixture
def world(app_factory, make_user, make_case, smtp_sink):
    app, ids, ref, anna = case_with_people(app_factory, make_user, make_case, smtp_sink)
    return app, smtp_sink, ref, anna


def test_a_guest_needs_a_valid_consent_and_the_familys_yes_and_bad_input_is_told_next_to_the_field(world):
    app, sink, ref, anna = world
    meeting = _meeting(anna, ref)
    page = anna.get(meeting).get_data(as_text=True)
    assert "Lägg till någon utan konto" in page and 'name="guest__family_agreed"' in page
    response = anna.post(f"{meeting}/deltagare/utan-konto", data=_guest())
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Ett giltigt samtycke behövs innan du kan bjuda in någon utan konto" in html
    assert 'value="Tore Tränarsson"' in html    # what was typed is kept

    give_consent(app, anna, ref, (SKOLA, IFO))
    for data, message in (
            (_guest(guest__family_agreed=None), "Bekräfta att familjen har sagt ja till att personen är med"),
            (_guest(guest__name=""), "Skriv personens namn"),
            (_guest(guest__name="x" * 201), "får vara högst 200 tecken"),
            (_guest(guest__role="annan"), "Skriv vilken roll personen har"),
            (_guest(guest__role="kung"), "Välj ett av alternativen"),
            (_guest(guest__email="inte-en-adress"), "i rätt format"),
            (_guest(guest__phone="1" * 41), "får vara högst 40 tecken")):
        response = anna.post(f"{meeting}/deltagare/utan-konto", data=data)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, message
        summary = html.split('class="error-summary"', 1)[1].split("</ul>", 1)[0]
        assert message in summary and html.count(message) >= 2, message   # in the summary and next to the field
    page = anna.get(meeting).get_data(as_text=True)
    assert "Tore Tränarsson" not in page

    response = anna.post(f"{meeting}/deltagare/utan-konto",
                         data=_guest(guest__role="annan", guest__role_other="Fritidsledare"))
    assert response.status_code == 302
    page = anna.get(meeting).get_data(as_text=True)
    assert "Tore Tränarsson" in page and "Utan konto: Fritidsledare" in page and "070-123 45 67" in page
    # A guest is never mötesledare or sekreterare.
    participant = re.search(r'<option value="(\d+)">Tore Tränarsson</option>', page).group(1)
    response = anna.post(f"{meeting}/roller", data={"chair": participant, "secretary": participant})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Mötesledaren kan inte vara någon utan konto" in html and "Sekreteraren kan inte vara någon utan konto" in html
    # The same address twice is refused.
    response = anna.post(f"{meeting}/deltagare/utan-konto", data=_guest(guest__name="Tore igen"))
    assert response.status_code == 400 and "finns redan bland deltagarna" in response.get_data(as_text=True)


def test_a_guest_is_invited_updated_and_cancelled_with_a_calendar_file_and_nothing_about_the_child(world):
    app, sink, ref, anna = world
    give_consent(app, anna, ref, (SKOLA, IFO))
    deliver(app, sink)
    sink.messages.clear()
    meeting = _meeting(anna, ref)
    assert anna.post(f"{meeting}/deltagare/utan-konto", data=_guest()).status_code == 302
    assert anna.post(f"{meeting}/kalla").status_code == 302
    deliver(app, sink, expect=1)
    mail = mails_to(sink, TRAINER)[0]
    _nothing_about_the_child(mail)
    text = text_of(mail)
    assert "Du är inbjuden för att familjen vill att du är med" in text
    assert "solbacken@arjeplog.example" in text and "Solbackens skola" in text   # the unit's contact
    cal = _ics(mail)
    event = _event(mail)
    assert str(cal["METHOD"]) == "REQUEST" and int(event["SEQUENCE"]) == 0
    assert str(event["SUMMARY"]) in ("Nätverksmöte", "Samverkansmöte")
    assert event.decoded("DTSTART").strftime("%H:%M") == "13:00"
    attendees = event.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert [str(a) for a in attendees] == [f"mailto:{TRAINER}"]
    uid = str(event["UID"])

    # A new time reaches the guest: same UID, higher SEQUENCE.
    sink.messages.clear()
    day = today_local() + dt.timedelta(days=30)
    assert anna.post(f"{meeting}/andra", data={
        **date_fields("day", day), "start": "15:00", "end": "16:00", "place": "Solbackens skola, rum 12",
        "purpose": "Få en gemensam bild.", "agenda": "1. Välkomna", "child_participation": "on_site"}).status_code == 302
    deliver(app, sink, expect=1)
    mail = mails_to(sink, TRAINER)[0]
    _nothing_about_the_child(mail)
    event = _event(mail)
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART").strftime("%H:%M") == "15:00"

    # Removing the guest sends their own cancellation.
    sink.messages.clear()
    page = anna.get(meeting).get_data(as_text=True)
    remove = re.search(r'action="([^"]+/ta-bort)"><input[^>]*><button[^>]*>Ta bort<span class="visually-hidden"> '
                       r'Tore Tränarsson', page).group(1)
    assert anna.post(remove).status_code == 302
    deliver(app, sink, expect=1)
    mail = mails_to(sink, TRAINER)[0]
    _nothing_about_the_child(mail)
    assert str(_ics(mail)["METHOD"]) == "CANCEL"
    event = _event(mail)
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 2
    assert "Tore Tränarsson" not in anna.get(meeting).get_data(as_text=True)

    # A guest invited to a meeting that is then cancelled gets METHOD:CANCEL too.
    sink.messages.clear()
    assert anna.post(f"{meeting}/deltagare/utan-konto",
                     data=_guest(guest__name="Stina Stödperson", guest__role="stodperson",
                                 guest__email="stina@stod.example")).status_code == 302
    assert anna.post(f"{meeting}/kalla").status_code == 302
    assert anna.post(f"{meeting}/stall-in").status_code == 302
    deliver(app, sink, expect=2)
    cancel = [m for m in mails_to(sink, "stina@stod.example") if str(_ics(m)["METHOD"]) == "CANCEL"]
    assert len(cancel) == 1 and str(_event(cancel[0])["UID"]) == uid
    _nothing_about_the_child(cancel[0])
    # A cancelled meeting takes no new participants, and says why.
    response = anna.post(f"{meeting}/deltagare/utan-konto", data=_guest(guest__email="ny@idrott.example"),
                         follow_redirects=True)
    assert "Mötet är inställt eller redan hållet" in response.get_data(as_text=True)
    assert "ny@idrott.example" not in response.get_data(as_text=True)


def test_when_the_consent_is_withdrawn_a_guest_leaves_the_meeting_with_a_cancellation(world):
    from tests.support.plans import signers_of

    app, sink, ref, anna = world
    consent_id = give_consent(app, anna, ref, (SKOLA, IFO))
    meeting = _meeting(anna, ref)
    assert anna.post(f"{meeting}/deltagare/utan-konto", data=_guest()).status_code == 302
    assert anna.post(f"{meeting}/kalla").status_code == 302
    deliver(app, sink)
    sink.messages.clear()
    signer_id = signers_of(app, consent_id)[0][0]
    assert anna.post(f"/arenden/{ref}/samtycke/{consent_id}/undertecknare/{signer_id}/aterkalla",
                     data={"channel": "phone", "confirm": "y"}).status_code == 302
    assert '<th scope="row">Tore Tränarsson' not in anna.get(meeting).get_data(as_text=True)
    deliver(app, sink)
    mail = mails_to(sink, TRAINER)[0]
    _nothing_about_the_child(mail)
    assert str(_ics(mail)["METHOD"]) == "CANCEL"
    assert "din enhet" not in text_of(mail)
    # And no new guest can be added until a consent is valid again.
    response = anna.post(f"{meeting}/deltagare/utan-konto", data=_guest())
    assert response.status_code == 400 and "Ett giltigt samtycke behövs" in response.get_data(as_text=True)
