"""Issue 28: a signature bound to the right person.

The signer's address comes from the case (never typed per consent), a changed address is
audited and told to both addresses, and the typed name must be the signer's name on the case;
the matched name is stored readable and shown on the receipt (page and PDF)."""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.support.consent import (STAFF, ask_for_consent, deliver, link_in, mails_to, request_data, setup_people,
                                   shown_hash, sign, sign_page, staff_client, text_of, verify_by_code)

GUARDIAN_1, GUARDIAN_2 = "vh1@familj.example", "vh2@familj.example"


@pytest.fixture
def people(app_factory, make_user, make_case, smtp_sink):
    app = app_factory(**smtp_sink.config())
    smtp_sink.start()
    s = setup_people(app, make_user, make_case, age=10)
    s.sink = smtp_sink
    return s


def _guardians(app, ref):
    from portal.cases.models import Case
    from portal.extensions import db

    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.ref == ref))
        return [(g.id, g.name, g.email) for g in case.guardians]


def _signers(app, consent_id):
    from portal.consent.models import Consent
    from portal.extensions import db

    with app.app_context():
        consent = db.session.get(Consent, consent_id)
        rows = [(s.id, s.email, s.status, s.signed_name, s.verified_name, s.verified_name_source) for s in consent.signers]
        return consent.status, rows


def test_the_request_page_shows_the_guardians_address_and_takes_no_other(people):
    app, ref, sink = people.app, people.ref, people.sink
    staff = staff_client(app)
    page = staff.get(f"/arenden/{ref}/samtycke/nytt").get_data(as_text=True)
    assert GUARDIAN_1 in page and GUARDIAN_2 in page
    assert not re.search(r'name="signer_g\d+_email"', page)  # no free-text address per signer
    # The attack in the issue: the staff member's own address posted for each guardian goes nowhere.
    data = request_data(page, child_include="nej")
    for key in [k for k in data if k.endswith("_channel")]:
        data[key.replace("_channel", "_email")] = STAFF
    response = staff.post(f"/arenden/{ref}/samtycke/nytt", data=data)
    assert response.status_code == 302
    check_url = response.headers["Location"]
    assert GUARDIAN_1 in staff.get(check_url).get_data(as_text=True)
    staff.post(check_url, data={})
    deliver(app, sink, expect=2)
    assert sorted(m["To"] for m in sink.messages) == [GUARDIAN_1, GUARDIAN_2]
    assert mails_to(sink, STAFF) == []


def test_a_guardian_without_an_address_is_explained_next_to_the_choice(people):
    from portal.cases.models import Guardian
    from portal.extensions import db

    app, ref = people.app, people.ref
    gid = _guardians(app, ref)[0][0]
    with app.app_context():
        db.session.get(Guardian, gid).email = ""
        db.session.commit()
    staff = staff_client(app)
    page = staff.get(f"/arenden/{ref}/samtycke/nytt").get_data(as_text=True)
    assert "saknas" in page and f"/vardnadshavare/{gid}" in page
    data = request_data(page, channels={str(gid): "email"}, child_include="nej")
    response = staff.post(f"/arenden/{ref}/samtycke/nytt", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    message = "Vårdnadshavare 1 har ingen e-postadress i ärendet"
    assert message in html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]  # in the summary
    assert html.count(message) == 2  # and next to the field


def test_changing_a_guardians_address_is_audited_and_told_to_both_addresses(people):
    from portal.audit.models import AuditEvent
    from portal.extensions import db

    app, ref, sink = people.app, people.ref, people.sink
    gid, name, _email = _guardians(app, ref)[0]
    staff = staff_client(app)
    saved = staff.post(f"/arenden/{ref}/vardnadshavare/{gid}", data={
        "name": name, "email": "ny.adress@familj.example", "has_custody": "ja"})
    assert saved.status_code == 302
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(gid))).all()
    assert "guardian.email_change" in actions
    deliver(app, sink, expect=2)
    old, new = mails_to(sink, GUARDIAN_1), mails_to(sink, "ny.adress@familj.example")
    assert len(old) == 1 and len(new) == 1
    for mail in (old[0], new[0]):
        body = text_of(mail)
        assert "Solbackens skola" in body  # whom to contact
        for personal in ("Testbarn", "Vårdnadshavare", GUARDIAN_1 if mail is new[0] else "ny.adress"):
            assert personal not in body and personal not in mail["Subject"]


def test_a_new_link_after_an_address_change_needs_a_new_request(people):
    app, ref, sink = people.app, people.ref, people.sink
    staff = staff_client(app)
    consent_id = ask_for_consent(staff, ref, child_include="nej")
    gid, name, _email = _guardians(app, ref)[0]
    staff.post(f"/arenden/{ref}/vardnadshavare/{gid}", data={"name": name, "email": "ny@familj.example",
                                                             "has_custody": "ja"})
    _status, signers = _signers(app, consent_id)
    first = signers[0][0]
    resend = staff.post(f"/arenden/{ref}/samtycke/{consent_id}/undertecknare/{first}/ny-lank", follow_redirects=True)
    assert "E-postadressen i ärendet har ändrats" in resend.get_data(as_text=True)
    assert not [m for m in sink.messages if m["To"] == "ny@familj.example" and "/samtycke/s/" in text_of(m)]


def test_a_wrong_typed_name_is_refused_and_the_right_one_is_stored_readable(people):
    app, ref, sink = people.app, people.ref, people.sink
    staff = staff_client(app)
    consent_id = ask_for_consent(staff, ref, child_include="nej")
    deliver(app, sink, expect=2)
    path = link_in(mails_to(sink, GUARDIAN_1)[0])
    guardian = app.test_client()
    verify_by_code(app, sink, guardian, path)
    html = sign_page(guardian, path)
    refused = guardian.post(f"{path}/skriv-under", data={"understood": "y", "name": "Kalle Anka",
                                                          "text_sha256": shown_hash(html)})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert page.count("Namnet stämmer inte med namnet vi har för dig") == 2  # summary and field
    assert 'value="Kalle Anka"' in page  # kept
    assert "Vårdnadshavare 1" not in page  # the expected name is not given away
    assert _signers(app, consent_id)[1][0][2] != "signed"

    sign(guardian, path, "  vårdnadshavare   1 ")
    _status, rows = _signers(app, consent_id)
    assert rows[0][2:] == ("signed", "vårdnadshavare 1", "Vårdnadshavare 1", "case_record")
    receipt = guardian.get(path).get_data(as_text=True)
    assert "Vårdnadshavare 1" in receipt and "vårdnadshavare 1" in receipt
    pdf = guardian.get(f"{path}/kvitto.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Namnet som skrevs: vårdnadshavare 1" in " ".join(text.split()), text[-1500:]
    assert "Vårdnadshavare 1" in text.split("Namnet som skrevs", 1)[1]

    # The staff receipt shows it too, and the chain holds the hash of the matched name.
    from portal.consent import service
    from portal.consent.models import Consent
    from portal.extensions import db

    staff_pdf = staff.get(f"/arenden/{ref}/samtycke/{consent_id}/kvitto.pdf")
    staff_text = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(staff_pdf.data)).pages).split())
    assert "vårdnadshavare 1" in staff_text and "namnet i ärendet" in staff_text
    with app.app_context():
        consent = db.session.get(Consent, consent_id)
        assert service.verify_consent(consent).ok
        signer = consent.signers[0]
        signer.verified_name = "Kalle Anka"
        assert "det kontrollerade namnet" in service.verify_consent(consent).problem
        db.session.rollback()
