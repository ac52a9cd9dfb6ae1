"""Meetings and approval through real pages, the real outbox and a real SMTP server (aiosmtpd):
invitations with a parsable .ics (update keeps the UID with a higher SEQUENCE, cancel sends
METHOD:CANCEL), no personal data in any e-mail, and the family approving their plan through a
personal link and a one-time code (the consent signer machinery)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from icalendar import Calendar

from tests.support.consent import code_in, deliver, link_in, mails_to, sign, text_of, verify_by_code
from tests.support.plans import (IFO, SKOLA, case_with_people, client_for, date_fields, give_consent,
                                 new_plan, plan_id_from, two_unit_sip, value, version_status)
from tests.support.meetings import ics_of, whole_mail
from portal.timeutil import today_local

GUARDIAN_1, GUARDIAN_2 = "vh1@familj.example", "vh2@familj.example"
CHILD_NAME = "Testbarn Testsson"
PERSONAL_NUMBER = "20120415-2381"


@pytest.fixture
def journey(app_factory, make_user, make_case, smtp_sink):
    app, ids, ref, anna = case_with_people(app_factory, make_user, make_case, smtp_sink)
    consent_id = give_consent(app, anna, ref, (SKOLA, IFO), channel="email")
    # Each guardian signs from the link in their e-mail after a one-time code.
    deliver(app, smtp_sink, expect=2)
    for address in (GUARDIAN_1, GUARDIAN_2):
        path = link_in(mails_to(smtp_sink, address)[0])
        family = app.test_client()
        verify_by_code(app, smtp_sink, family, path)
        sign(family, path, {"vh1@familj.example": "Vårdnadshavare 1", "vh2@familj.example": "Vårdnadshavare 2"}[address])
    deliver(app, smtp_sink)
    smtp_sink.messages.clear()
    return app, smtp_sink, ref, ids, anna


def no_personal_data(mail) -> None:
    whole = whole_mail(mail)
    assert CHILD_NAME not in whole and "Testbarn" not in whole
    assert PERSONAL_NUMBER not in whole and "201204152381" not in whole
    assert "Läxhjälp" not in whole and "matten" not in whole


def event_of(cal: Calendar):
    return next(c for c in cal.walk("VEVENT"))


def test_invitations_updates_and_cancellation_carry_a_calendar_file(journey):
    app, sink, ref, ids, anna = journey
    day = today_local() + dt.timedelta(days=30)
    response = anna.post(f"/arenden/{ref}/moten/nytt", data={
        **date_fields("day", day), "start": "13:00", "end": "14:30", "place": "Solbackens skola, rum 12",
        "purpose": "Få en gemensam bild och koppla insatser till behoven.", "agenda": "1. Välkomna\n2. Behov",
        "child_participation": "not_present", "child_voice_by": "Anna, som har pratat med barnet"})
    assert response.status_code == 302
    meeting = response.headers["Location"].split("#")[0].replace("http://localhost", "")
    # A unit the consent does not cover cannot be invited: it is not even offered.
    page = anna.get(meeting).get_data(as_text=True)
    assert f"staff:{value('samir', ids)}" in page and f"staff:{value('britt', ids)}" not in page
    response = anna.post(f"{meeting}/deltagare", data={"who": f"staff:{value('britt', ids)}", "purpose": "BUP"})
    assert response.status_code == 400 and "Välj en av dem i listan" in response.get_data(as_text=True)
    # A professional needs a stated purpose.
    response = anna.post(f"{meeting}/deltagare", data={"who": f"staff:{value('samir', ids)}", "purpose": ""})
    assert response.status_code == 400
    assert "Skriv syftet med att den här professionen är med på mötet" in response.get_data(as_text=True)
    guardian = re.search(r'<option value="(guardian:\d+)">Vårdnadshavare: Vårdnadshavare 1<', page).group(1)
    for who, purpose in ((f"staff:{value('samir', ids)}", "Socialtjänstens stöd till familjen"),
                         (f"staff:{value('anna', ids)}", "Skolans bild"), (guardian, "")):
        assert anna.post(f"{meeting}/deltagare", data={"who": who, "purpose": purpose}).status_code == 302
    page = anna.get(meeting).get_data(as_text=True)
    participant = dict((name, pid) for pid, name in re.findall(r'<option value="(\d+)">([^<]+)</option>', page))
    # The secretary is never the child or a guardian.
    response = anna.post(f"{meeting}/roller", data={"chair": participant["Anna Lärarsson"],
                                                     "secretary": participant["Vårdnadshavare 1"]})
    assert response.status_code == 400
    assert "Sekreteraren kan inte vara barnet eller en vårdnadshavare" in response.get_data(as_text=True)
    assert anna.post(f"{meeting}/roller", data={"chair": participant["Anna Lärarsson"],
                                                 "secretary": participant["Samir Socialsson"]}).status_code == 302

    assert anna.post(f"{meeting}/kalla").status_code == 302
    deliver(app, sink, expect=3)
    assert sorted(m["To"] for m in sink.messages) == sorted([GUARDIAN_1, "samir.soc@kommun.example",
                                                              "anna.larare@skola.example"])
    uids = set()
    for mail in sink.messages:
        no_personal_data(mail)
        assert mail["Subject"].startswith("Kallelse: nätverksmöte")
        cal = ics_of(mail)
        assert str(cal["METHOD"]) == "REQUEST"
        event = event_of(cal)
        assert str(event["SUMMARY"]) == "Nätverksmöte" and int(event["SEQUENCE"]) == 0
        assert event.decoded("DTSTART").strftime("%H:%M") == "13:00"
        assert str(event["LOCATION"]) == "Solbackens skola, rum 12"
        # Only the recipient is named as attendee: the others (a guardian) stay in the portal.
        attendees = event.get("ATTENDEE")
        attendees = attendees if isinstance(attendees, list) else [attendees]
        assert [str(a) for a in attendees] == [f"mailto:{mail['To']}"]
        uids.add(str(event["UID"]))
    assert len(uids) == 1
    staff_mail = mails_to(sink, "samir.soc@kommun.example")[0]
    assert f"http://portal.test{meeting}" in text_of(staff_mail)
    assert "http://portal.test/arenden" not in text_of(mails_to(sink, GUARDIAN_1)[0])  # no staff link for the family
    # The family has no account: their e-mail and calendar event say whom to ask (the case's unit), not "Logga in".
    family_mail = mails_to(sink, GUARDIAN_1)[0]
    assert "Frågor? Kontakta Solbackens skola (F–9), e-post solbacken@arjeplog.example." in text_of(family_mail)
    family_event = str(event_of(ics_of(family_mail))["DESCRIPTION"])
    assert "Logga in" not in family_event and "solbacken@arjeplog.example" in family_event
    assert "Logga in" in str(event_of(ics_of(staff_mail))["DESCRIPTION"])
    assert "Vårdnadshavare" not in ics_of(mails_to(sink, "samir.soc@kommun.example")[0]).to_ical().decode()
    # The invitation step of the process is recorded.
    assert "Kallelsen skickades i portalen" in anna.get(f"/arenden/{ref}").get_data(as_text=True)

    # A new time: everyone gets an update with the same UID and a higher SEQUENCE.
    sink.messages.clear()
    response = anna.post(f"{meeting}/andra", data={
        **date_fields("day", day), "start": "14:00", "end": "15:00", "place": "Solbackens skola, rum 12",
        "purpose": "Få en gemensam bild och koppla insatser till behoven.", "agenda": "1. Välkomna\n2. Behov",
        "child_participation": "not_present", "child_voice_by": "Anna, som har pratat med barnet"})
    assert response.status_code == 302
    deliver(app, sink, expect=3)
    for mail in sink.messages:
        no_personal_data(mail)
        event = event_of(ics_of(mail))
        assert str(event["UID"]) in uids and int(event["SEQUENCE"]) == 1
        assert event.decoded("DTSTART").strftime("%H:%M") == "14:00"
        assert mail["Subject"].startswith("Ändrat:")

    # Reported absence tells the one who called the meeting.
    sink.messages.clear()
    samir = client_for(app, "samir")
    assert samir.post(f"{meeting}/forhinder", data={"participant": participant["Samir Socialsson"],
                                                    "note": "Sara kommer i stället"}).status_code == 302
    deliver(app, sink, expect=1)
    assert sink.messages[0]["To"] == "anna.larare@skola.example"
    assert "förhinder" in sink.messages[0]["Subject"].lower()

    # Cancelled: METHOD:CANCEL, same UID, higher SEQUENCE.
    sink.messages.clear()
    assert anna.post(f"{meeting}/stall-in").status_code == 302
    deliver(app, sink, expect=3)
    for mail in sink.messages:
        cal = ics_of(mail)
        event = event_of(cal)
        assert str(cal["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
        assert str(event["UID"]) in uids and int(event["SEQUENCE"]) == 2


def test_the_family_approves_their_plan_with_a_personal_link_and_a_one_time_code(journey):
    app, sink, ref, ids, anna = journey
    editor = new_plan(anna, ref)
    today = today_local()
    response = anna.post(editor, data=two_unit_sip(ids, today))
    assert response.status_code == 302
    plan_id = plan_id_from(editor)
    deliver(app, sink)
    # Samir (the other unit) is asked to approve; both guardians get a personal link. No personal data.
    assert [m["Subject"] for m in mails_to(sink, "samir.soc@kommun.example")] == ["En plan väntar på godkännande"]
    for mail in sink.messages:
        no_personal_data(mail)
    links = {a: link_in_plan(mails_to(sink, a)[0]) for a in (GUARDIAN_1, GUARDIAN_2)}
    assert "Frågor? Kontakta Solbackens skola (F–9), e-post solbacken@arjeplog.example." in text_of(
        mails_to(sink, GUARDIAN_1)[0])

    # Before the code, nothing about the child is shown.
    family = app.test_client()
    page = family.get(links[GUARDIAN_1]).get_data(as_text=True)
    assert "Bekräfta att det är du" in page and "matten" not in page and CHILD_NAME not in page
    before = len(sink.messages)
    assert family.post(f"{links[GUARDIAN_1]}/kod", data={"action": "send"}).status_code == 302
    deliver(app, sink, expect=before + 1)
    wrong = family.post(f"{links[GUARDIAN_1]}/kod", data={"action": "verify", "code": "000000"})
    assert wrong.status_code == 400 and "Koden stämmer inte" in wrong.get_data(as_text=True)
    code = code_in(sink.messages[-1])
    assert family.post(f"{links[GUARDIAN_1]}/kod", data={"action": "verify", "code": code}).status_code == 302
    page = family.get(links[GUARDIAN_1]).get_data(as_text=True)
    assert "Jag vill ha hjälp med matten." in page and "Jag godkänner planen" in page
    assert page.index("Det här har barnet sagt") < page.index("Det här ska göras")
    pdf = family.get(f"{links[GUARDIAN_1]}/plan/{plan_id}/1.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert family.post(f"{links[GUARDIAN_1]}/godkann/{plan_id}/1").status_code == 302
    assert "Jag godkänner planen" not in family.get(links[GUARDIAN_1]).get_data(as_text=True)
    # Another family member's link is theirs alone: this session is not verified for it.
    assert "Bekräfta att det är du" in family.get(links[GUARDIAN_2]).get_data(as_text=True)

    # The second guardian and the staff approve: the version is approved and locked.
    other = app.test_client()
    before = len(sink.messages)
    other.post(f"{links[GUARDIAN_2]}/kod", data={"action": "send"})
    deliver(app, sink, expect=before + 1)
    other.post(f"{links[GUARDIAN_2]}/kod", data={"action": "verify", "code": code_in(sink.messages[-1])})
    assert other.post(f"{links[GUARDIAN_2]}/godkann/{plan_id}/1").status_code == 302
    view = editor.replace("/redigera", "")
    assert anna.post(f"{view}/godkann", data={"unit_key": SKOLA}).status_code == 302
    assert version_status(app, plan_id, 1) == "proposed"
    assert client_for(app, "samir").post(f"{view}/godkann", data={"unit_key": IFO}).status_code == 302
    assert version_status(app, plan_id, 1) == "approved"
    page = anna.get(view).get_data(as_text=True)
    assert page.count("personlig länk och engångskod") == 2
    # Everyone taking part hears that the plan is approved; the family with a new personal link.
    sink.messages.clear()
    deliver(app, sink)
    subjects = sorted(m["Subject"] for m in sink.messages)
    assert subjects.count("Er plan är godkänd") == 2 and "En plan är godkänd" in subjects
    for mail in sink.messages:
        no_personal_data(mail)


def link_in_plan(mail) -> str:
    match = re.search(r"http://portal\.test(/min-plan/[A-Za-z0-9_-]{43})", text_of(mail))
    assert match, "no personal plan link in the e-mail"
    return match.group(1)
