"""The whole consent journey through real pages, a real outbox and a real SMTP server:
two guardians and a 15-year-old each open the link from their e-mail, verify with a one-time
code, read, and sign. Access, receipts, withdrawal and the chain follow from what they did."""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select, text

from portal.consent.readability import lix
from tests.support.consent import (BUP, STAFF, VC, ask_for_consent, code_in, deliver, html_of, link_in, mails_to,
                                   main_text, setup_people, sign, sign_page, staff_client, text_of, verify_by_code)
from tests.helpers import login

GUARDIAN_1, GUARDIAN_2, YOUNG = "vh1@familj.example", "vh2@familj.example", "ung@familj.example"


@pytest.fixture
def journey(app_factory, make_user, make_case, smtp_sink):
    app = app_factory(**smtp_sink.config())
    smtp_sink.start()
    s = setup_people(app, make_user, make_case, age=15)
    s.sink = smtp_sink
    return s


def _consent(app, consent_id):
    from portal.consent.models import Consent
    from portal.extensions import db

    with app.app_context():
        c = db.session.get(Consent, consent_id)
        return {"status": c.status, "signers": {s.email: (s.status, s.id, s.text_sha256, s.audience) for s in c.signers},
                "events": [e.event for e in c.events], "case_id": c.case_id}


def _case_status_for(app, email, ref):
    client = app.test_client()
    login(client, email)
    return client.get(f"/arenden/{ref}").status_code


def test_two_guardians_and_a_15_year_old_sign_and_the_consent_gates_access(journey):
    app, sink, ref = journey.app, journey.sink, journey.ref
    staff = staff_client(app)
    consent_id = ask_for_consent(staff, ref)
    assert _consent(app, consent_id)["status"] == "pending"

    # The outbox delivers one personal link to each signer, and nothing about the child.
    assert deliver(app, sink, expect=3) == 3
    assert sorted(m["To"] for m in sink.messages) == sorted([GUARDIAN_1, GUARDIAN_2, YOUNG])
    links = {address: link_in(mails_to(sink, address)[0]) for address in (GUARDIAN_1, GUARDIAN_2, YOUNG)}
    assert len(set(links.values())) == 3

    # Before verification the page says nothing about the child.
    first = app.test_client()
    before = first.get(links[GUARDIAN_1]).get_data(as_text=True)
    assert "Testbarn" not in before and "Solbackens" not in before and "20" + "12" not in main_text(before)

    signed_by = {GUARDIAN_1: "Vårdnadshavare 1", GUARDIAN_2: "Vårdnadshavare 2", YOUNG: "Testbarn Testsson"}
    clients = {GUARDIAN_1: first, GUARDIAN_2: app.test_client(), YOUNG: app.test_client()}
    for n, address in enumerate((GUARDIAN_1, GUARDIAN_2, YOUNG), start=1):
        client, path = clients[address], links[address]
        verify_by_code(app, sink, client, path)
        html = sign_page(client, path)
        readable = main_text(html)
        assert "Testbarn" in readable and "BUP Pite älvdal" in readable and "Solbackens skola" in readable
        assert "Arjeplogs vårdcentral" not in readable  # only the units in the consent
        limit = 30 if address == YOUNG else 40
        assert lix(readable) <= limit, f"LIX {lix(readable):.1f} for {address}"
        # not valid and no new access until the last signature
        assert _consent(app, consent_id)["status"] == "pending"
        assert _case_status_for(app, BUP, ref) == 404
        sign(client, path, signed_by[address])
        state = _consent(app, consent_id)
        assert state["signers"][address][0] == "signed"
        assert state["status"] == ("valid" if n == 3 else "pending")

    # Valid: the unit named in the consent now sees the case; a unit not named gets 404.
    assert _case_status_for(app, BUP, ref) == 200
    assert _case_status_for(app, VC, ref) == 404
    bup = staff_client(app, BUP)
    assert ref in bup.get("/arenden/").get_data(as_text=True)

    # The case page shows each signer's status in words and what is covered until when.
    page = staff.get(f"/arenden/{ref}").get_data(as_text=True)
    assert page.count("Har skrivit under") == 3
    assert "BUP Pite älvdal" in page and "till och med" in page and "Giltigt" in page

    # A reused link after signing shows the signed state and cannot sign again.
    again = first.get(links[GUARDIAN_1]).get_data(as_text=True)
    assert "Du har skrivit under" in again and 'name="understood"' not in again
    events_before = _consent(app, consent_id)["events"]
    response = first.post(f"{links[GUARDIAN_1]}/skriv-under", data={"understood": "y", "name": "X", "text_sha256": "0" * 64})
    assert response.status_code == 302
    assert _consent(app, consent_id)["events"] == events_before

    # Receipts went out; staff were told it is valid. No e-mail carries the child's name,
    # a personal number or a guardian's name.
    deliver(app, sink)
    kinds = [m["Subject"] for m in sink.messages]
    assert kinds.count("Kvitto: du har skrivit under") == 3
    assert any(m["To"] == STAFF and "giltigt" in m["Subject"].lower() for m in sink.messages)
    for mail in sink.messages:
        whole = mail["Subject"] + text_of(mail) + html_of(mail)
        for secret in ("Testbarn", "Testsson", "Vårdnadshavare 1", "Vårdnadshavare 2", "Vårdnadshavare 1"):
            assert secret not in whole
        assert not re.search(r"\d{6,8}[-+]?\d{4}", whole.replace(" ", ""))

    # The chain is whole.
    result = app.test_cli_runner().invoke(args=["consent", "verify", str(consent_id)])
    assert result.exit_code == 0, result.output
    assert "kedjan är hel" in result.output
    state = _consent(app, consent_id)
    assert state["events"][:4] == ["created", "sent", "sent", "sent"]
    assert state["events"].count("signed") == 3 and state["events"].count("verified") == 3

    # The staff receipt (a tagged PDF) names the signers and carries the hashes.
    pdf = staff.get(f"/arenden/{ref}/samtycke/{consent_id}/kvitto.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    content = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    for name in ("Vårdnadshavare 1", "Vårdnadshavare 2", "Testbarn Testsson"):
        assert name in content
    for _status, _sid, sha, _aud in state["signers"].values():
        assert sha in content
    assert "email_otp" in content and "låg" in content

    # Each signer gets their own receipt through their link: their own name, not the others'.
    own = first.get(f"{links[GUARDIAN_1]}/kvitto.pdf")
    assert own.status_code == 200
    own_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(own.data)).pages).replace("\n", "")
    assert "Vårdnadshavare 1" in own_text and "Vårdnadshavare 2" not in own_text
    assert state["signers"][GUARDIAN_1][2] in own_text

    # Withdrawal from the receipt's link, verified with a new code, takes effect at once.
    receipt = [m for m in mails_to(sink, GUARDIAN_2) if m["Subject"] == "Kvitto: du har skrivit under"][0]
    withdraw_path = link_in(receipt)
    assert withdraw_path != links[GUARDIAN_2]
    later = app.test_client()  # another day, another browser
    opening = main_text(later.get(withdraw_path).get_data(as_text=True))  # who signed is not asked to sign
    assert "Du har skrivit under" in opening and "återkalla det" in opening and "skriva under" not in opening
    verify_by_code(app, sink, later, withdraw_path)
    page = later.get(withdraw_path).get_data(as_text=True)
    assert "Återkalla samtycket" in page
    assert later.post(f"{withdraw_path}/aterkalla", data={}).status_code == 400  # must tick the box
    done = later.post(f"{withdraw_path}/aterkalla", data={"confirm": "y", "reason": ""})
    assert done.status_code == 200 and "Samtycket är återkallat" in done.get_data(as_text=True)
    assert _consent(app, consent_id)["status"] == "withdrawn"
    assert _case_status_for(app, BUP, ref) == 404
    deliver(app, sink)
    assert any(m["To"] == STAFF and "återkallat" in m["Subject"] for m in sink.messages)
    assert any(m["To"] == GUARDIAN_2 and m["Subject"] == "Samtycket är återkallat" for m in sink.messages)
    assert "Återkallat" in staff.get(f"/arenden/{ref}").get_data(as_text=True)

    # Signer actions are in the audit log as signer:<id>, without personal data.
    from portal.audit.models import AuditEvent
    from portal.extensions import db

    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("consent.%"))).all()
        signs = [r for r in rows if r.action == "consent.sign"]
        assert len(signs) == 3 and all(r.actor.startswith("signer:") and r.user_id is None for r in signs)
        assert any(r.action == "consent.print" and r.user_id == journey.staff_id for r in rows)
        for r in rows:
            assert "Testbarn" not in r.detail and "familj.example" not in r.detail


def test_an_edited_event_row_or_stored_text_is_reported_by_verify(journey):
    app, sink, ref = journey.app, journey.sink, journey.ref
    staff = staff_client(app)
    consent_id = ask_for_consent(staff, ref)
    deliver(app, sink, expect=3)
    path = link_in(mails_to(sink, GUARDIAN_1)[0])
    client = app.test_client()
    verify_by_code(app, sink, client, path)
    sign(client, path, "Vårdnadshavare 1")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["consent", "verify", str(consent_id)]).exit_code == 0

    from portal.extensions import db

    with app.app_context():
        seq = db.session.execute(text("SELECT seq FROM consent_events WHERE consent_id = :c AND event = 'signed'"),
                                 {"c": consent_id}).scalar_one()
        # someone moves the signature time back by an hour
        db.session.execute(text("UPDATE consent_events SET at = :at WHERE consent_id = :c AND event = 'signed'"),
                           {"at": "2020-01-01 10:00:00", "c": consent_id})
        db.session.commit()
    result = runner.invoke(args=["consent", "verify", str(consent_id)])
    assert result.exit_code == 1
    assert f"Post {seq} (signed)" in result.output and "posten har ändrats" in result.output


def test_an_edited_text_is_reported_by_verify(journey):
    app, sink, ref = journey.app, journey.sink, journey.ref
    consent_id = ask_for_consent(staff_client(app), ref)
    from portal.extensions import db

    with app.app_context():
        sid = db.session.execute(text("SELECT id FROM consent_signers WHERE consent_id = :c AND email = :e"),
                                 {"c": consent_id, "e": GUARDIAN_2}).scalar_one()
        db.session.execute(text("UPDATE consent_signers SET text = REPLACE(text, 'BUP Pite älvdal', 'Hela Region Norrbotten') "
                                "WHERE id = :s"), {"s": sid})
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["consent", "verify", str(consent_id)])
    assert result.exit_code == 1
    assert f"Undertecknare {sid}" in result.output and "texten har ändrats" in result.output

    # Changing the text *and* its hash is caught by the hash in the chain.
    from portal.consent.chain import sha256_text

    with app.app_context():
        changed = db.session.execute(text("SELECT text FROM consent_signers WHERE id = :s"), {"s": sid}).scalar_one()
        db.session.execute(text("UPDATE consent_signers SET text_sha256 = :h WHERE id = :s"),
                           {"h": sha256_text(changed), "s": sid})
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["consent", "verify", str(consent_id)])
    assert result.exit_code == 1 and "Post 1 (created)" in result.output

    # And a unit added to the consent in the database is caught by the terms hash.
    with app.app_context():
        original, original_hash = db.session.execute(
            text("SELECT text, text_sha256 FROM consent_signers WHERE consent_id = :c AND email = :e"),
            {"c": consent_id, "e": GUARDIAN_1}).one()
        db.session.execute(text("UPDATE consent_signers SET text = :t, text_sha256 = :h WHERE id = :s"),
                           {"t": original, "h": original_hash, "s": sid})
        db.session.execute(text("INSERT INTO consent_units (consent_id, unit_key, position) VALUES (:c, 'arjeplogs-vardcentral', 9)"),
                           {"c": consent_id})
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["consent", "verify", str(consent_id)])
    assert result.exit_code == 1 and "villkoren" in result.output


def test_a_no_makes_the_consent_invalid_and_tells_the_staff(journey):
    app, sink, ref = journey.app, journey.sink, journey.ref
    consent_id = ask_for_consent(staff_client(app), ref)
    deliver(app, sink, expect=3)
    yes, no = link_in(mails_to(sink, GUARDIAN_1)[0]), link_in(mails_to(sink, GUARDIAN_2)[0])
    a, b = app.test_client(), app.test_client()
    verify_by_code(app, sink, a, yes)
    sign(a, yes, "Vårdnadshavare 1")
    verify_by_code(app, sink, b, no)
    form = b.get(f"{no}/sag-nej")
    assert form.status_code == 200 and "Vill du berätta varför?" in form.get_data(as_text=True)
    assert b.post(f"{no}/sag-nej", data={"reason": "Vi vill vänta."}).status_code == 302
    state = _consent(app, consent_id)
    assert state["status"] == "declined" and state["signers"][GUARDIAN_2][0] == "declined"
    assert "Du har sagt nej" in b.get(no).get_data(as_text=True)
    assert _case_status_for(app, BUP, ref) == 404
    # the young person's link now explains that the question is closed, without data
    young = app.test_client().get(link_in(mails_to(sink, YOUNG)[0])).get_data(as_text=True)
    assert "Samtycket gäller inte" in young and "Testbarn" not in young
    deliver(app, sink)
    staff_mail = [m for m in sink.messages if m["To"] == STAFF]
    assert staff_mail and "nej" in staff_mail[-1]["Subject"] and "Vi vill vänta" not in text_of(staff_mail[-1])
    page = staff_client(app).get(f"/arenden/{ref}").get_data(as_text=True)
    assert "Har sagt nej" in page and "någon har sagt nej" in page


def test_wrong_codes_lock_the_link_after_five_tries_and_a_new_link_works(journey):
    app, sink, ref = journey.app, journey.sink, journey.ref
    staff = staff_client(app)
    consent_id = ask_for_consent(staff, ref)
    deliver(app, sink, expect=3)
    path = link_in(mails_to(sink, GUARDIAN_1)[0])
    client = app.test_client()
    client.get(path)
    client.post(f"{path}/identifiera/email_otp", data={"action": "send"})
    deliver(app, sink, expect=4)
    right = code_in(sink.messages[-1])
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1):
        page = client.post(f"{path}/identifiera/email_otp", data={"action": "verify", "code": wrong})
        assert page.status_code == 400
        assert ("ett försök kvar" if left == 1 else f"{left} försök kvar") in page.get_data(as_text=True)
    fifth = client.post(f"{path}/identifiera/email_otp", data={"action": "verify", "code": wrong})
    assert fifth.status_code == 302
    locked = client.get(path).get_data(as_text=True)
    assert "Länken är låst" in locked and STAFF in locked and "Testbarn" not in locked
    # even the right code does not open it now
    client.post(f"{path}/identifiera/email_otp", data={"action": "verify", "code": right})
    assert "Länken är låst" in client.get(path).get_data(as_text=True)
    with app.app_context():
        from portal.consent.models import ConsentLink
        from portal.extensions import db

        stored = db.session.scalars(select(ConsentLink)).all()
        assert all(right not in (link.otp_hash or "") for link in stored)

    # Staff send a new link: the old one says it was replaced, the new one works.
    sid = _consent(app, consent_id)["signers"][GUARDIAN_1][1]
    assert staff.post(f"/arenden/{ref}/samtycke/{consent_id}/undertecknare/{sid}/ny-lank").status_code == 302
    deliver(app, sink)
    new_path = link_in(mails_to(sink, GUARDIAN_1)[-1])
    assert new_path != path
    assert "Ny länk" in mails_to(sink, GUARDIAN_1)[-1]["Subject"]
    assert "Länken har ersatts" in app.test_client().get(path).get_data(as_text=True)
    fresh = app.test_client()
    verify_by_code(app, sink, fresh, new_path)
    assert "Testbarn" in sign_page(fresh, new_path)
    assert "resent" in _consent(app, consent_id)["events"]


def test_a_foreign_or_tampered_link_never_shows_data(journey):
    app, sink, ref = journey.app, journey.sink, journey.ref
    ask_for_consent(staff_client(app), ref)
    deliver(app, sink, expect=3)
    mine, theirs = link_in(mails_to(sink, GUARDIAN_1)[0]), link_in(mails_to(sink, GUARDIAN_2)[0])
    client = app.test_client()
    verify_by_code(app, sink, client, mine)
    assert "Testbarn" in sign_page(client, mine)
    # Verified for my link does not open someone else's: it asks for their code (sent to them).
    other = client.get(theirs).get_data(as_text=True)
    assert "Bekräfta att det är du" in other and "Testbarn" not in other
    assert client.post(f"{theirs}/skriv-under", data={"understood": "y", "name": "X"}).status_code == 302
    assert "Testbarn" not in client.get(f"{theirs}/kvitto.pdf", follow_redirects=True).get_data(as_text=True)
    # A tampered or made-up token gets a clear page and a 404, never data.
    token = mine.rsplit("/", 1)[1]
    tampered = mine[:-1] + ("A" if token[-1] != "A" else "B")
    for method, path in (("get", tampered), ("get", "/samtycke/s/finns-inte"), ("post", tampered + "/skriv-under"),
                         ("get", tampered + "/kvitto.pdf"), ("post", tampered + "/identifiera/email_otp")):
        response = getattr(client, method)(path, data={"understood": "y", "name": "X"} if method == "post" else None)
        assert response.status_code == 404
        body = response.get_data(as_text=True)
        assert "Länken fungerar inte" in body and "Testbarn" not in body


def test_an_expired_link_explains_itself_and_whom_to_contact(journey):
    app, sink, ref = journey.app, journey.sink, journey.ref
    ask_for_consent(staff_client(app), ref)
    deliver(app, sink, expect=3)
    path = link_in(mails_to(sink, GUARDIAN_1)[0])
    from portal.extensions import db

    with app.app_context():  # fourteen days pass
        db.session.execute(text("UPDATE consent_links SET expires_at = :t"), {"t": "2020-01-01 00:00:00"})
        db.session.commit()
    page = app.test_client().get(path).get_data(as_text=True)
    assert "Länken har gått ut" in page and "Be om en ny länk" in page
    assert STAFF in page and "0961-123 45" in page and "Testbarn" not in page
    detail = staff_client(app).get(f"/arenden/{ref}").get_data(as_text=True)
    assert detail.count("Länken har gått ut") == 3


def test_a_phone_number_that_looks_like_a_personal_number_is_explained_not_a_crash(journey):
    app, sink, ref = journey.app, journey.sink, journey.ref
    from tests.support.consent import personal_number_for_age, request_data

    staff = staff_client(app)
    page = staff.get(f"/arenden/{ref}/samtycke/nytt").get_data(as_text=True)
    data = request_data(page, contact__phone=personal_number_for_age(40).replace("-", ""))
    # Refused next to the field before anything is saved (issue 27), not when the e-mail is made.
    response = staff.post(f"/arenden/{ref}/samtycke/nytt", data=data)
    assert response.status_code == 400
    assert 'id="contact__phone-error"' in response.get_data(as_text=True)
    assert "ser ut som ett personnummer" in response.get_data(as_text=True)
    deliver(app, sink)
    assert sink.messages == []
    assert "Utkast (inte skickat)" not in staff.get(f"/arenden/{ref}").get_data(as_text=True)
