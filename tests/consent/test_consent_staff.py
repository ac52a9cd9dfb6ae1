"""Staff side of consent: the request form, in-person signing, withdrawal told by phone,
expiry, reminders, and the API that plans and meetings use."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select, text

from tests.support.consent import (BUP, STAFF, VC, ask_for_consent, deliver, link_in, mails_to, request_data,
                                   setup_people, shown_hash, staff_client, text_of, unlock_device)
from tests.helpers import csrf_token_from, login
from portal.timeutil import today_local


@pytest.fixture
def people(app_factory, make_user, make_case, smtp_sink):
    app = app_factory(**smtp_sink.config())
    smtp_sink.start()
    s = setup_people(app, make_user, make_case, age=15)
    s.sink = smtp_sink
    return s


def _signers(app, consent_id):
    from portal.consent.models import Consent
    from portal.extensions import db

    with app.app_context():
        c = db.session.get(Consent, consent_id)
        return c.status, [(s.id, s.role, s.email, s.status) for s in c.signers]


def _name(app, signer_id) -> str:
    """The signer's name on the case: what they type to sign (issue 28)."""
    from portal.consent.models import ConsentSigner
    from portal.extensions import db

    with app.app_context():
        return db.session.get(ConsentSigner, signer_id).name


def _sees(app, email, ref) -> int:
    client = app.test_client()
    login(client, email)
    return client.get(f"/arenden/{ref}").status_code


def sign_in_person(client, ref, consent_id, signer_id, name, unlock=True):
    base = f"/arenden/{ref}/samtycke/{consent_id}/undertecknare/{signer_id}/pa-plats"
    refused = client.post(base, data={})
    assert refused.status_code == 400 and "Kryssa i att du har kontrollerat personens identitet" in refused.get_data(as_text=True)
    assert client.post(base, data={"confirm": "y"}).status_code == 302
    page = client.get(f"{base}/las").get_data(as_text=True)
    response = client.post(f"{base}/las", data={"understood": "y", "name": name, "text_sha256": shown_hash(page)})
    assert response.status_code == 302
    if unlock:
        unlock_device(client)


def make_valid_in_person(app, ref, staff, **kwargs):
    consent_id = ask_for_consent(staff, ref, channels={"child": "in_person"} | kwargs.pop("channels", {}), **kwargs)
    _status, signers = _signers(app, consent_id)
    for sid, role, _email, _st in signers:
        sign_in_person(staff, ref, consent_id, sid, _name(app, sid))
    return consent_id


def test_the_request_form_explains_every_mistake_in_swedish_and_keeps_what_was_typed(people):
    app, ref = people.app, people.ref
    staff = staff_client(app)
    page = staff.get(f"/arenden/{ref}/samtycke/nytt").get_data(as_text=True)
    assert "Vem ska skriva under?" in page and "Från 15 år tillfrågas barnet alltid" in page
    data = request_data(page, units=("solbackens-skola",), purposes=("other",), categories=(), months="30")
    data["contact__name"] = ""
    response = staff.post(f"/arenden/{ref}/samtycke/nytt", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="error-summary"' in html
    for message in ("Välj minst två enheter", "Beskriv syftet med egna ord", "Välj minst en sorts uppgifter",
                    "Samtycket kan gälla högst 24 månader", "Ange kontaktpersonens namn"):
        assert message in html, message
    assert 'value="30"' in html  # kept
    assert re.search(r'<legend class="fieldset__legend[^"]*">Hur ska Vårdnadshavare 1 skriva under\?', html)
    # the maximum is configuration
    app.config["PORTAL_CONSENT_MAX_MONTHS"] = 36
    ok = staff.post(f"/arenden/{ref}/samtycke/nytt", data=request_data(page, months="30"))
    assert ok.status_code == 302


def test_a_draft_is_kept_and_can_be_changed_before_it_is_sent(people):
    app, ref, sink = people.app, people.ref, people.sink
    staff = staff_client(app)
    page = staff.get(f"/arenden/{ref}/samtycke/nytt").get_data(as_text=True)
    response = staff.post(f"/arenden/{ref}/samtycke/nytt", data=request_data(page))
    check_url = response.headers["Location"]
    consent_id = int(re.search(r"/samtycke/(\d+)/", check_url).group(1))
    case_page = staff.get(f"/arenden/{ref}").get_data(as_text=True)
    assert "Utkast (inte skickat)" in case_page and "Fortsätt med utkastet" in case_page
    check = staff.get(check_url).get_data(as_text=True)
    assert "Kontrollera innan du skickar" in check and "LIX" in check and "BUP Pite älvdal" in check
    edit = staff.get(f"/arenden/{ref}/samtycke/{consent_id}/andra").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="bup-pite-alvdal"', edit)
    changed = staff.post(f"/arenden/{ref}/samtycke/{consent_id}/andra",
                         data=request_data(edit, units=("solbackens-skola", "ifo-barn-och-familj")))
    assert changed.status_code == 302
    assert "IFO barn och familj" in staff.get(check_url).get_data(as_text=True)
    deliver(app, sink)
    assert sink.messages == []  # nothing is sent before "Skicka"


def test_in_person_signing_records_the_staff_member_and_makes_the_consent_valid(people):
    app, ref = people.app, people.ref
    staff = staff_client(app)
    consent_id = ask_for_consent(staff, ref, channels={"child": "in_person"})
    status, signers = _signers(app, consent_id)
    child_id = [sid for sid, role, *_ in signers if role == "child"][0]
    assert status == "pending"
    detail = staff.get(f"/arenden/{ref}/samtycke/{consent_id}").get_data(as_text=True)
    assert "Väntar på underskrift på plats" in detail and "Länken är skickad" in detail
    sign_in_person(staff, ref, consent_id, child_id, "Testbarn Testsson", unlock=False)
    done = staff.get(f"/arenden/{ref}/samtycke/{consent_id}/undertecknare/{child_id}/pa-plats/las").get_data(as_text=True)
    assert "Du har skrivit under" in done and "Lämna tillbaka datorn" in done
    unlock_device(staff)

    from portal.consent.models import ConsentEvent, ConsentSigner
    from portal.extensions import db

    with app.app_context():
        signer = db.session.get(ConsentSigner, child_id)
        assert signer.identity_method == "in_person_staff_verified"
        assert signer.identity_provider == "in_person_staff_verified" and signer.assurance == "substantial"
        assert signer.verified_by_id == people.staff_id
        event = db.session.scalar(select(ConsentEvent).where(ConsentEvent.signer_id == child_id,
                                                            ConsentEvent.event == "signed"))
        assert event.data["staff_user_id"] == people.staff_id and event.data["method"] == "in_person_staff_verified"
    # the guardians sign on the same device
    for sid, role, *_ in signers:
        if role == "guardian":
            sign_in_person(staff, ref, consent_id, sid, _name(app, sid))
    assert _signers(app, consent_id)[0] == "valid"
    assert _sees(app, BUP, ref) == 200
    detail = staff.get(f"/arenden/{ref}/samtycke/{consent_id}").get_data(as_text=True)
    assert "På plats – personalen har kontrollerat identiteten (tillitsnivå väsentlig)" in detail


def test_a_withdrawal_told_by_phone_removes_access_at_once_and_tells_plans(people):
    app, ref, sink = people.app, people.ref, people.sink
    staff = staff_client(app)
    seen = []

    from portal.consent.api import register_withdrawal_listener

    def plan_listener(consent):
        seen.append((consent.id, consent.status))

    register_withdrawal_listener(app, plan_listener)
    consent_id = make_valid_in_person(app, ref, staff, channels={"guardians": "in_person"})
    assert _sees(app, BUP, ref) == 200
    _status, signers = _signers(app, consent_id)
    sid = signers[0][0]
    url = f"/arenden/{ref}/samtycke/{consent_id}/undertecknare/{sid}/aterkalla"
    form = staff.get(url)
    assert form.status_code == 200 and "I telefon" in form.get_data(as_text=True)
    refused = staff.post(url, data={"channel": "phone"})
    assert refused.status_code == 400 and "Kryssa i att personen själv har återkallat samtycket" in refused.get_data(as_text=True)
    assert staff.post(url, data={"channel": "phone", "confirm": "y"}).status_code == 302
    assert _signers(app, consent_id)[0] == "withdrawn"
    assert _sees(app, BUP, ref) == 404
    assert seen == [(consent_id, "withdrawn")]

    from portal.consent.api import consent_status_for_units, covered_units, withdrawn_consents
    from portal.cases.models import Case
    from portal.consent.models import ConsentEvent
    from portal.extensions import db

    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.ref == ref))
        assert covered_units(case) == {}
        gone = withdrawn_consents(case)
        assert len(gone) == 1 and gone[0].consent_id == consent_id and gone[0].method == "reported_to_staff"
        assert gone[0].withdrawn_on == today_local() and set(gone[0].unit_keys) == {"solbackens-skola", "bup-pite-alvdal"}
        status = consent_status_for_units(case, ["bup-pite-alvdal"])
        assert status.missing == ["bup-pite-alvdal"] and not status.all_covered
        event = db.session.scalar(select(ConsentEvent).where(ConsentEvent.consent_id == consent_id,
                                                            ConsentEvent.event == "withdrawn"))
        assert event.data == {"method": "reported_to_staff", "channel": "phone", "staff_user_id": people.staff_id}
    deliver(app, sink)
    assert any(m["To"] == STAFF and "återkallat" in m["Subject"] for m in sink.messages)
    told = [m for m in mails_to(sink, "vh1@familj.example") if m["Subject"] == "Samtycket är återkallat"]
    assert told and "enligt vad du har sagt till personalen" in text_of(told[0])


def test_a_failing_withdrawal_listener_does_not_stop_the_withdrawal(people):
    app, ref = people.app, people.ref
    staff = staff_client(app)

    from portal.consent.api import register_withdrawal_listener

    def broken_listener(consent):
        raise RuntimeError("plans are down")

    register_withdrawal_listener(app, broken_listener)   # this app's only: nothing to take back
    consent_id = make_valid_in_person(app, ref, staff, channels={"guardians": "in_person"})
    sid = _signers(app, consent_id)[1][0][0]
    url = f"/arenden/{ref}/samtycke/{consent_id}/undertecknare/{sid}/aterkalla"
    assert staff.post(url, data={"channel": "letter", "confirm": "y"}).status_code == 302
    assert _signers(app, consent_id)[0] == "withdrawn"


def test_a_consent_past_its_end_date_gives_no_access_and_portal_consent_expire_marks_it(people):
    app, ref = people.app, people.ref
    staff = staff_client(app)
    consent_id = make_valid_in_person(app, ref, staff, channels={"guardians": "in_person"})
    assert _sees(app, BUP, ref) == 200

    from portal.extensions import db

    today = today_local()
    with app.app_context():  # time passes: the consent is near its end
        db.session.execute(text("UPDATE consents SET valid_until = :d WHERE id = :c"),
                           {"d": today + dt.timedelta(days=10), "c": consent_id})
        db.session.commit()
    assert "Samtycket upphör om 10 dagar" in staff.get(f"/arenden/{ref}").get_data(as_text=True)
    with app.app_context():  # and then past it
        db.session.execute(text("UPDATE consents SET valid_until = :d WHERE id = :c"),
                           {"d": today - dt.timedelta(days=1), "c": consent_id})
        db.session.commit()
    assert _sees(app, BUP, ref) == 404  # at once, before any job has run
    result = app.test_cli_runner().invoke(args=["consent", "expire"])
    assert result.exit_code == 0 and "1 samtycke har markerats som upphört." in result.output
    assert _signers(app, consent_id)[0] == "expired"
    again = app.test_cli_runner().invoke(args=["consent", "expire"])
    assert "0 samtycken" in again.output
    page = staff.get(f"/arenden/{ref}").get_data(as_text=True)
    assert "Upphört (tiden har gått ut)" in page

    from portal.consent.models import ConsentEvent

    with app.app_context():
        events = db.session.scalars(select(ConsentEvent.event).where(ConsentEvent.consent_id == consent_id)).all()
        assert events.count("expired") == 1


def test_a_reminder_points_to_the_earlier_link_and_is_in_the_chain(people):
    app, ref, sink = people.app, people.ref, people.sink
    staff = staff_client(app)
    consent_id = ask_for_consent(staff, ref)
    deliver(app, sink, expect=3)
    sid = [s for s in _signers(app, consent_id)[1] if s[2] == "vh1@familj.example"][0][0]
    detail = staff.get(f"/arenden/{ref}/samtycke/{consent_id}").get_data(as_text=True)
    assert "Skicka påminnelse till Vårdnadshavare 1" in detail
    assert staff.post(f"/arenden/{ref}/samtycke/{consent_id}/undertecknare/{sid}/paminn").status_code == 302
    deliver(app, sink, expect=4)
    reminder = sink.messages[-1]
    assert reminder["To"] == "vh1@familj.example" and reminder["Subject"].startswith("Påminnelse")
    assert "/samtycke/s/" not in text_of(reminder)
    assert "Påminnelse skickad" in staff.get(f"/arenden/{ref}/samtycke/{consent_id}").get_data(as_text=True)


def test_consent_pages_are_for_staff_with_access_to_the_case(people):
    app, ref = people.app, people.ref
    consent_id = ask_for_consent(staff_client(app), ref)
    outsider = staff_client(app, VC)
    for url in (f"/arenden/{ref}/samtycke/nytt", f"/arenden/{ref}/samtycke/{consent_id}",
                f"/arenden/{ref}/samtycke/{consent_id}/kvitto.pdf"):
        assert outsider.get(url).status_code == 404
    anonymous = app.test_client().get(f"/arenden/{ref}/samtycke/{consent_id}")
    assert anonymous.status_code == 302 and "/logga-in" in anonymous.headers["Location"]


def test_young_person_from_18_decides_alone(app_factory, make_user, make_case, smtp_sink):
    app = app_factory(**smtp_sink.config())
    smtp_sink.start()
    s = setup_people(app, make_user, make_case, age=18, email="ung@familj.example")
    staff = staff_client(app)
    page = staff.get(f"/arenden/{s.ref}/samtycke/nytt").get_data(as_text=True)
    assert "Från 18 år bestämmer den unge själv" in page and "signer_g" not in page
    consent_id = ask_for_consent(staff, s.ref)
    _status, signers = _signers(app, consent_id)
    assert [(role, email) for _sid, role, email, _st in signers] == [("child", "ung@familj.example")]
    deliver(app, smtp_sink, expect=1)
    assert link_in(smtp_sink.messages[0])


def test_child_under_the_suggested_age_is_asked_only_when_staff_choose(app_factory, make_user, make_case):
    app = app_factory(PORTAL_CONSENT_CHILD_SUGGESTED_AGE=10)
    s = setup_people(app, make_user, make_case, age=11)
    staff = staff_client(app)
    page = staff.get(f"/arenden/{s.ref}/samtycke/nytt").get_data(as_text=True)
    assert "Från 10 år bör barnet tillfrågas" in page
    missing = staff.post(f"/arenden/{s.ref}/samtycke/nytt", data=request_data(page))
    assert missing.status_code == 400 and "Välj om Testbarn Testsson också ska tillfrågas" in missing.get_data(as_text=True)
    consent_id = ask_for_consent(staff, s.ref, child_include="nej")
    assert [role for _sid, role, *_ in _signers(app, consent_id)[1]] == ["guardian", "guardian"]


def test_forms_need_their_csrf_token(app_factory, make_user, make_case):
    app = app_factory(WTF_CSRF_ENABLED=True)
    s = setup_people(app, make_user, make_case, age=15)
    staff = app.test_client()
    login_page = staff.get("/logga-in").get_data(as_text=True)
    staff.post("/logga-in", data={"email": STAFF, "password": "Testlösenord-för-portalen-1",
                                  "csrf_token": csrf_token_from(login_page)})
    page = staff.get(f"/arenden/{s.ref}/samtycke/nytt").get_data(as_text=True)
    data = request_data(page)
    assert staff.post(f"/arenden/{s.ref}/samtycke/nytt", data=data).status_code == 400
    data["csrf_token"] = csrf_token_from(page)
    assert staff.post(f"/arenden/{s.ref}/samtycke/nytt", data=data).status_code == 302


def test_the_check_page_warns_when_the_staff_members_own_words_are_hard_to_read(people):
    app, ref = people.app, people.ref
    staff = staff_client(app)
    page = staff.get(f"/arenden/{ref}/samtycke/nytt").get_data(as_text=True)
    hard = ("Informationsöverföringen mellan verksamheterna förutsätter vårdnadshavarnas uttryckliga medgivande "
            "avseende sekretessbelagda personuppgifter rörande utredningsresultat, behandlingsinsatser, "
            "skolsituationen och familjeförhållandena, vilket möjliggör helhetsperspektiv")
    response = staff.post(f"/arenden/{ref}/samtycke/nytt", data=request_data(page, purpose__purpose_text=hard))
    check = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "Det du själv har skrivit är svårt att läsa (LIX 103" in check
    plain = staff.post(f"/arenden/{ref}/samtycke/nytt", data=request_data(page, purpose__purpose_text="Vi vill hjälpa Elsa i skolan."))
    assert "svårt att läsa" not in staff.get(plain.headers["Location"]).get_data(as_text=True)
