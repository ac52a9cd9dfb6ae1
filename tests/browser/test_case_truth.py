"""One case, one truth (issue 29) in a real browser: a consent link the mail server refused shows
as not arrived on the case and consent pages, with the reason and "Skicka igen"; the case page
flags a planned meeting after its deadline; after a withdrawal the meeting page says who was
removed and the process table does not say "Klart" for the consent step."""
from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from .consent_data import request_record
from .helpers import assert_no_violations
from .pages import ROLES
from portal.timeutil import to_utc, today_local
from tests.support.smtp_server import SmtpSink

pytestmark = pytest.mark.browser

REFUSED_ADDRESS = "fel.adress@familj.example"


@contextmanager
def real_smtp(app, sink: SmtpSink):
    """The outbox worker delivers over `sink` (a real SMTP server on loopback) for a while."""
    keys = sink.config()
    before = {k: app.config.get(k) for k in keys}
    app.config.update(keys)
    try:
        yield
    finally:
        app.config.update(before)


def deliver(app) -> None:
    from portal.notify.worker import deliver_due

    with app.app_context():
        deliver_due()


def email_consent_case(app, child: str, number: str, email: str) -> tuple[str, int]:
    """A case of the demo teacher with a consent request sent by e-mail to one guardian."""
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.cases.models import Case, Guardian
    from portal.consent import service as consent_service
    from portal.extensions import db

    with app.app_context(), app.test_request_context():
        teacher = db.session.scalar(select(User).where(User.email == ROLES["staff"]))
        case = Case(child_name=child, personal_number=number, unit_key="solbackens-skola", opened_by_id=teacher.id)
        case.guardians = [Guardian(name="Greta Gäst", email=email, has_custody=True)]
        db.session.add(case)
        db.session.flush()
        plan = [{"role": "guardian", "guardian_id": case.guardians[0].id, "channel": "email", "email": email}]
        consent = consent_service.save_draft(case, None, request_record(case, teacher), plan, teacher)
        assert consent_service.send(consent, teacher) == []
        db.session.commit()
        return case.ref, consent.id


def test_a_refused_consent_link_shows_where_the_work_happens_and_can_be_sent_again(portal_server, role_context):
    app = portal_server.app
    deliver(app)   # whatever other tests left in the outbox goes to the development mailbox first
    ref, consent_id = email_consent_case(app, "Frida Felpost", "20150303-2383", REFUSED_ADDRESS)
    sink = SmtpSink()
    sink.reject[REFUSED_ADDRESS] = "550 5.1.1 Okänd mottagare"
    sink.start()
    try:
        with real_smtp(app, sink):
            deliver(app)
        page = role_context("staff").new_page()
        page.goto(f"/arenden/{ref}")
        expect(page.get_by_role("heading", name="E-post som inte har kommit fram")).to_be_visible()
        expect(page.locator("#samtycken").locator("..")).to_contain_text("Greta Gäst (vårdnadshavare): Länken kom inte fram")
        assert_no_violations(page, "case with an e-mail that did not arrive")
        page.goto(f"/arenden/{ref}/samtycke/{consent_id}")
        row = page.get_by_role("row").filter(has_text="Greta Gäst")
        expect(row).to_contain_text("Länken kom inte fram")
        expect(row).to_contain_text("Mottagarens e-postserver tog inte emot adressen")
        expect(row.get_by_role("link", name="Rätta e-postadressen Greta Gäst")).to_be_visible()
        assert_no_violations(page, "consent with a refused link")

        # The mail server takes the address again; "Skicka ny länk" from the consent page.
        del sink.reject[REFUSED_ADDRESS]
        row.get_by_role("button", name="Skicka ny länk till Greta Gäst").click()
        expect(page.get_by_role("status").filter(has_text="En ny länk är skickad")).to_be_visible()
        with real_smtp(app, sink):
            deliver(app)
        assert sink.wait_for(1)
        assert not sink.messages[0]["Subject"].startswith("Ny länk"), "the first link that arrives is no replacement"
        page.reload()
        row = page.get_by_role("row").filter(has_text="Greta Gäst")
        expect(row).to_contain_text("Länken är skickad")
        expect(row).to_contain_text("Länk till samtycke: skickat")
        page.goto(f"/arenden/{ref}")
        expect(page.get_by_role("heading", name="Samtycken")).to_be_visible()
        expect(page.get_by_role("heading", name="E-post som inte har kommit fram")).to_have_count(0)
        page.close()
    finally:
        sink.stop()


def test_the_case_page_flags_a_meeting_after_its_deadline(portal_server, role_context):
    from portal.plans import working_days as wd

    app = portal_server.app
    ref, _ = email_consent_case(app, "Sixten Sentmöte", "20150303-2383", "sixten.vh@familj.example")
    page = role_context("staff").new_page()
    page.goto(f"/arenden/{ref}/arbetssatt")
    page.get_by_label("Norrbus (gröna kortet)").check()
    page.get_by_role("button", name="Spara arbetssätt").click()
    expect(page.get_by_role("status").filter(has_text="Arbetssättet är sparat")).to_be_visible()
    consent_on = today_local() - dt.timedelta(days=1)
    page.goto(f"/arenden/{ref}/steg/consent")
    for part, value in (("day", consent_on.day), ("month", consent_on.month), ("year", consent_on.year)):
        page.locator(f"#done_on-{part}").fill(str(value))
    page.get_by_role("button", name="Registrera steget").click()
    expect(page.get_by_role("status").filter(has_text="är registrerat")).to_be_visible()

    due = wd.add_working_days(consent_on, 10)
    late = wd.next_working_day(due + dt.timedelta(days=14))
    page.goto(f"/arenden/{ref}/moten/nytt")
    for part, value in (("day", late.day), ("month", late.month), ("year", late.year)):
        page.locator(f"#day-{part}").fill(str(value))
    page.get_by_label("Börjar klockan").fill("13:00")
    page.get_by_label("Slutar klockan").fill("14:00")
    page.get_by_label("Syfte med mötet").fill("En gemensam bild.")
    page.get_by_label("Barnet är med på plats").check()
    page.get_by_role("button", name="Spara mötet").click()
    warning = page.locator("#tidsgrans")
    expect(warning).to_contain_text("Mötet ligger efter tidsgränsen: Nätverksmöte senast")
    expect(warning).to_contain_text("I övriga ärenden senast inom 10 arbetsdagar")
    assert_no_violations(page, "meeting after its deadline")
    page.goto(f"/arenden/{ref}")
    meetings = page.locator("section").filter(has=page.get_by_role("heading", name="Möten"))
    expect(meetings).to_contain_text("Efter tidsgränsen")
    page.close()


def meeting_with_ifo(app, ref: str) -> int:
    """A planned, invited meeting on the case with the teacher and IFO's social worker (service functions)."""
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.cases.models import Case
    from portal.extensions import db
    from portal.plans import meetings, service
    from portal.plans.models import Meeting, MeetingParticipant

    with app.app_context(), app.test_request_context():
        case = db.session.scalar(select(Case).where(Case.ref == ref))
        teacher = db.session.scalar(select(User).where(User.email == ROLES["staff"]))
        social = db.session.scalar(select(User).where(User.email == "samir.socialsekreterare@arjeplog.example"))
        service.set_process(case, "norrbus", False, teacher)
        day = wd_next(today_local() + dt.timedelta(days=7))
        meeting = Meeting(case_id=case.id, created_by_id=teacher.id, purpose="En gemensam bild.",
                          starts_at=to_utc(day, dt.time(13)), ends_at=to_utc(day, dt.time(14)),
                          child_participation="on_site")
        for user, unit in ((teacher, "solbackens-skola"), (social, "ifo-barn-och-familj")):
            meeting.participants.append(MeetingParticipant(kind="staff", user_id=user.id, unit_key=unit, name=user.name,
                                                           email=user.email, purpose="Bidra"))
        db.session.add(meeting)
        db.session.flush()
        assert meetings.send_invitations(case, meeting, teacher)[1] == []
        db.session.commit()
        return meeting.id


def wd_next(day: dt.date) -> dt.date:
    from portal.plans import working_days as wd

    return wd.next_working_day(day)


def test_after_a_withdrawal_the_meeting_and_the_process_tell_the_same_story(portal_server, role_context):
    from .test_plans_keyboard import consented_case

    app = portal_server.app
    ref = consented_case(app)
    meeting_id = meeting_with_ifo(app, ref)
    page = role_context("staff").new_page()
    page.goto(f"/arenden/{ref}/moten/{meeting_id}")
    expect(page.get_by_role("row").filter(has_text="Samir Socialsson")).to_be_visible()

    page.goto(f"/arenden/{ref}")
    page.get_by_role("link", name="Visa samtycke").first.click()
    page.get_by_role("link", name="Registrera återkallelse").first.click()
    page.get_by_label("I telefon").check()
    page.get_by_label("Personen har själv sagt att hen återkallar samtycket").check()
    page.get_by_role("button", name="Återkalla samtycket").click()
    expect(page.get_by_role("status").first).to_be_visible()

    page.goto(f"/arenden/{ref}/moten/{meeting_id}")
    expect(page.get_by_text("är borttagna från mötet och har fått en avbokning")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Samir Socialsson")).to_have_count(0)
    expect(page.get_by_label("Mötesledare", exact=True)).not_to_contain_text("Samir")
    assert_no_violations(page, "meeting after a withdrawal")
    page.goto(f"/arenden/{ref}")
    consent_row = page.get_by_role("row", name=re.compile("^Samtycke från barnet"))
    expect(consent_row).to_contain_text("Samtycket återkallades")
    expect(consent_row).not_to_contain_text("Klart")
    page.close()
