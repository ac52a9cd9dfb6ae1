"""Withdrawal reaches everything that rested on the consent (issue 29, item 3): the consent step
opens again (deadlines are not counted from a withdrawn consent), staff of the units that lost
access leave the planned meeting with a calendar cancellation (real SMTP) and cannot be made chair,
and the case page flags the plan's units that are no longer covered."""
from __future__ import annotations

import datetime as dt
import re

from icalendar import Calendar

from portal.timeutil import today_local
from tests.support.consent import deliver, mails_to, text_of
from tests.support.plans import (IFO, SKOLA, VC, client_for, date_fields, give_consent, intervention, make_people,
                                 new_plan, signers_of, value)

TODAY = today_local()
SAMIR, VERA = "samir.soc@kommun.example", "vera.vard@region.example"


def test_withdrawal_reopens_the_step_removes_invited_units_and_flags_the_plan(app_factory, make_user, make_case,
                                                                             smtp_sink):
    app = app_factory(**smtp_sink.config())
    smtp_sink.start()
    ids = make_people(make_user)
    ref = make_case(ids["anna"])
    anna = client_for(app, "anna")
    assert anna.post(f"/arenden/{ref}/arbetssatt", data={"process_key": "norrbus"}).status_code == 302
    assert anna.post(f"/arenden/{ref}/steg/consent", data=date_fields("done_on", TODAY)).status_code == 302
    consent_id = give_consent(app, anna, ref, (SKOLA, IFO, VC))

    # A draft SIP with IFO, and a meeting with IFO and the vårdcentral invited.
    editor = new_plan(anna, ref)
    assert anna.post(editor, data={**intervention(0, "Föräldrastöd", IFO, value("samir", ids))}).status_code == 302
    day = TODAY + dt.timedelta(days=7)
    response = anna.post(f"/arenden/{ref}/moten/nytt", data={
        **date_fields("day", day), "start": "13:00", "end": "14:00", "place": "Solbackens skola",
        "purpose": "En gemensam bild.", "child_participation": "not_present", "child_voice_by": "Anna"})
    meeting = response.headers["Location"].split("#")[0].replace("http://localhost", "")
    for who in ("anna", "samir", "vera"):
        assert anna.post(f"{meeting}/deltagare", data={"who": f"staff:{value(who, ids)}", "purpose": "Bidra"}).status_code == 302
    assert anna.post(f"{meeting}/kalla").status_code == 302
    deliver(app, smtp_sink, expect=3)
    smtp_sink.messages.clear()
    case_page = anna.get(f"/arenden/{ref}").get_data(as_text=True)
    assert "Omfattas inte av samtycke" not in case_page

    signer_id = signers_of(app, consent_id)[0][0]
    response = anna.post(f"/arenden/{ref}/samtycke/{consent_id}/undertecknare/{signer_id}/aterkalla",
                         data={"channel": "phone", "confirm": "y"})
    assert response.status_code == 302

    # The consent step is open again: the table does not say "Klart" and counts nothing from it.
    case_page = anna.get(f"/arenden/{ref}").get_data(as_text=True)
    consent_row = re.search(r"Samtycke från barnet.*?</tr>", case_page, re.S).group(0)
    assert "Klart" not in consent_row and "Samtycket återkallades" in consent_row
    invitation_row = re.search(r"Kallelse till nätverksmöte</th>.*?</tr>|Kallelse till nätverksmöte<br>.*?</tr>",
                               case_page, re.S).group(0)
    assert "Senast" not in invitation_row
    # The plan's unit that is no longer covered is flagged on the case page.
    assert "Omfattas inte av samtycke" in case_page and "IFO barn och familj" in case_page

    # The meeting no longer lists IFO and the vårdcentral; it says why.
    page = anna.get(meeting).get_data(as_text=True)
    assert "Samir Socialsson" not in page and "Vera Vårdsson" not in page and "Anna Lärarsson" in page
    assert "är borttagna från mötet och har fått en avbokning" in page
    assert f"staff:{value('samir', ids)}" not in page

    # Each got a calendar cancellation saying why, without a link they can no longer open.
    deliver(app, smtp_sink, expect=2)
    calendars = [m["To"] for m in smtp_sink.messages if any(p.get_content_type() == "text/calendar" for p in m.walk())]
    assert sorted(calendars) == sorted([SAMIR, VERA])
    for address in (SAMIR, VERA):
        mail = mails_to(smtp_sink, address)[0]
        body = text_of(mail)
        assert "samtycket som din enhet deltog med gäller inte längre" in body and "/arenden/" not in body
        part = next(p for p in mail.walk() if p.get_content_type() == "text/calendar")
        assert str(Calendar.from_ical(part.get_payload(decode=True))["METHOD"]) == "CANCEL"
    assert client_for(app, "samir").get(meeting).status_code == 404
