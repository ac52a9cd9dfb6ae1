"""Issue 28: in-person signing is a locked view until the staff member's password."""
from __future__ import annotations

import pytest

from tests.support.consent import ask_for_consent, setup_people, staff_client
from tests.helpers import TEST_PASSWORD


@pytest.fixture
def handed_over(app_factory, make_user, make_case, smtp_sink):
    """A staff member's client, locked to guardian 1's in-person signing page."""
    from portal.consent.models import Consent
    from portal.extensions import db

    app = app_factory(**smtp_sink.config())
    smtp_sink.start()
    people = setup_people(app, make_user, make_case, age=10)
    staff = staff_client(app)
    consent_id = ask_for_consent(staff, people.ref, channels={"guardians": "in_person"}, child_include="nej")
    with app.app_context():
        signer_id = db.session.get(Consent, consent_id).signers[0].id
    base = f"/arenden/{people.ref}/samtycke/{consent_id}/undertecknare/{signer_id}/pa-plats"
    assert staff.post(base, data={"confirm": "y"}).status_code == 302
    return app, staff, people.ref, consent_id, base


def test_every_staff_page_answers_with_the_lock_screen(handed_over):
    _app, staff, ref, consent_id, base = handed_over
    page = staff.get(f"{base}/las")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Fråga om samtycke" in html
    assert 'aria-label="Huvudmeny"' not in html and "/arenden/" not in html.split("<main", 1)[0]
    for path in ("/", "/arenden/", f"/arenden/{ref}", f"/arenden/{ref}/samtycke/{consent_id}", "/konto",
                 f"{base}", "/riktlinjer/"):
        locked = staff.get(path)
        text = locked.get_data(as_text=True)
        assert locked.status_code == 423, path
        assert "Underskrift på plats pågår" in text and 'aria-label="Huvudmeny"' not in text
        assert "Testbarn" not in text  # nothing from the case
    # another signer's page on the same consent is locked too
    other = base.rsplit("/undertecknare/", 1)[0] + "/undertecknare/999999/pa-plats/las"
    assert staff.get(other).status_code == 423


def test_the_staff_members_password_takes_the_device_back(handed_over):
    _app, staff, ref, consent_id, _base = handed_over
    wrong = staff.post("/samtycke/pa-plats/las-upp", data={"password": "fel-lösenord-123"})
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 400 and html.count("Lösenordet stämmer inte") == 2
    assert staff.get(f"/arenden/{ref}").status_code == 423
    empty = staff.post("/samtycke/pa-plats/las-upp", data={"password": ""})
    assert empty.status_code == 400 and "Skriv ditt lösenord för att låsa upp" in empty.get_data(as_text=True)
    right = staff.post("/samtycke/pa-plats/las-upp", data={"password": TEST_PASSWORD})
    assert right.status_code == 302 and right.headers["Location"].endswith(f"/samtycke/{consent_id}")
    assert staff.get(f"/arenden/{ref}").status_code == 200


def test_repeated_wrong_passwords_end_the_session_and_lock_the_account(handed_over):
    app, staff, ref, _consent_id, _base = handed_over
    for _ in range(app.config["PORTAL_LOGIN_MAX_FAILURES"] - 1):
        assert staff.post("/samtycke/pa-plats/las-upp", data={"password": "fel-lösenord-123"}).status_code == 400
    out = staff.post("/samtycke/pa-plats/las-upp", data={"password": "fel-lösenord-123"})
    assert out.status_code == 302 and "/logga-in" in out.headers["Location"]
    assert staff.get(f"/arenden/{ref}").status_code == 302  # signed out: to the login page
    again = app.test_client()
    assert again.post("/logga-in", data={"email": "anna.larare@skola.example", "password": TEST_PASSWORD}).status_code == 400
