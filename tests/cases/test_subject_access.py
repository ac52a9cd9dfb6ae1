"""Registerutdrag: a guardian asks through their personal consent link (verified with the one-time
code) for what the portal holds about their child and who has read it, and gets a PDF; the case
unit's manager can print the same for someone who asked another way."""
from __future__ import annotations

import io
import logging
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.helpers import login
from tests.support.security import CHILD_NAME, CHILD_NUMBER, EMAILS, client_for, verify_link


def pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert reader.metadata.title == "Registerutdrag"
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def app_world(world_app):
    from portal.accounts.models import User
    from portal.cases.models import Guardian
    from portal.extensions import db

    app, world = world_app()
    with app.app_context():
        for role in ("own", "manager"):
            db.session.get(User, world.users[role]).name = {"own": "Lärarinna Hemligsson",
                                                            "manager": "Rektor Hemligsdotter"}[role]
        vera, ville = (db.session.get(Guardian, gid) for gid in world.guardian_ids)
        vera.phone, vera.address = "070-111 11 11", "Veravägen 1"
        ville.phone, ville.address = "070-222 22 22", "Skyddad adress 9"
        db.session.commit()
    staff = client_for(app, world, "own")
    staff.get(f"/arenden/{world.case_ref}")  # a read, for the log
    return app, world


def test_a_verified_guardian_gets_the_report_with_who_read_it_but_not_their_names(app_world, caplog):
    app, world = app_world
    guardian = client_for(app, world, "guardian")
    token = world.tokens["guardian"]
    answered = guardian.get(f"/samtycke/s/{token}").get_data(as_text=True)
    assert f'href="/samtycke/s/{token}/registerutdrag"' in answered
    page = guardian.get(f"/samtycke/s/{token}/registerutdrag")
    assert page.status_code == 200 and "<h1>Registerutdrag</h1>" in page.get_data(as_text=True)
    caplog.set_level(logging.INFO)
    text = pdf_text(guardian.get(f"/samtycke/s/{token}/registerutdrag.pdf"))
    flat = re.sub(r"\s+", " ", text)
    # The child's data, the requester's own, the consents and the meeting.
    for expected in (CHILD_NAME, CHILD_NUMBER, "Vera Vårdnadshavare", "070-111 11 11", "Veravägen 1", "Samtycken",
                     "Giltigt", "Återkallat", "Möten", "Solbackens skola"):
        assert expected in flat, expected
    # Who read it: the unit and the role, never the staff member's name.
    assert "Läste ärendet" in flat and "Personal" in flat
    assert "Hemligsson" not in flat and "Hemligsdotter" not in flat
    assert EMAILS["own"] not in flat
    # Not the other guardian's contact details (a protected address must never reach the other parent).
    assert "070-222 22 22" not in flat and "Skyddad adress" not in flat and "ville@familj.example" not in flat
    # Recorded in the audit log as the signer's request; nothing about the child in the logs.
    from portal.audit.models import AuditEvent
    from portal.extensions import db

    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "subject_access.report"))
        assert event.actor.startswith("signer:") and event.user_id is None and event.case_id == world.case_id
    assert CHILD_NAME not in caplog.text and CHILD_NUMBER not in caplog.text and token not in caplog.text


def test_the_report_needs_the_verified_signer(app_world):
    app, world = app_world
    token = world.tokens["guardian"]
    for role in ("anon", "own", "manager"):
        client = client_for(app, world, role)
        for path in ("registerutdrag", "registerutdrag.pdf"):
            response = client.get(f"/samtycke/s/{token}/{path}")
            assert response.status_code == 302 and response.headers["Location"].endswith(f"/samtycke/s/{token}")
    # Ville, verified for his own link to consent A, cannot use Vera's.
    from tests.support.security import consent_links

    ville = app.test_client()
    ville_token = consent_links(app, "ville@familj.example")[world.extra["consent_a"]]
    verify_link(app, ville, ville_token, "ville@familj.example")
    assert ville.get(f"/samtycke/s/{token}/registerutdrag.pdf").status_code == 302
    assert ville.get(f"/samtycke/s/{ville_token}/registerutdrag.pdf").status_code == 200
    # A withdrawn consent's link only says that it is withdrawn.
    withdrawn = client_for(app, world, "withdrawn")
    page = withdrawn.get(f"/samtycke/s/{world.tokens['withdrawn']}/registerutdrag.pdf")
    assert page.mimetype == "text/html" and "Samtycket är återkallat" in page.get_data(as_text=True)
    assert CHILD_NAME not in page.get_data(as_text=True)


def test_a_guardian_without_custody_gets_nothing(app_world):
    app, world = app_world
    from portal.cases.models import Guardian
    from portal.extensions import db

    with app.app_context():
        db.session.get(Guardian, world.guardian_ids[0]).has_custody = False
        db.session.commit()
    guardian = client_for(app, world, "guardian")
    assert guardian.get(f"/samtycke/s/{world.tokens['guardian']}/registerutdrag.pdf").status_code == 404


def test_the_case_units_manager_prints_it_for_someone_who_asked(app_world):
    app, world = app_world
    manager = client_for(app, world, "manager")
    case_page = manager.get(f"/arenden/{world.case_ref}").get_data(as_text=True)
    assert f'href="/arenden/{world.case_ref}/registerutdrag"' in case_page
    page = manager.get(f"/arenden/{world.case_ref}/registerutdrag").get_data(as_text=True)
    links = re.findall(r'href="(/arenden/[A-Z0-9]+/registerutdrag\.pdf\?for=[^"]+)"', page)
    assert len(links) == 3  # two guardians with custody and the young person
    text = re.sub(r"\s+", " ", pdf_text(manager.get(links[1].replace("&amp;", "&"))))
    assert "Ville Vårdnadshavare" in text and "Skyddad adress 9" in text and "Veravägen" not in text
    for bad in ("?for=999999", "?for=", "?for=../1", ""):
        assert manager.get(f"/arenden/{world.case_ref}/registerutdrag.pdf{bad}").status_code == 404
    for role in ("own", "other", "admin"):
        client = client_for(app, world, role)
        assert client.get(f"/arenden/{world.case_ref}/registerutdrag").status_code == 403  # not managers: the role lacks the capability
        assert client.get(f"/arenden/{world.case_ref}/registerutdrag.pdf?for=barnet").status_code == 403
        assert f"/arenden/{world.case_ref}/registerutdrag" not in client.get(f"/arenden/{world.case_ref}").get_data(as_text=True)


def test_markup_in_the_record_is_shown_as_text_in_the_pdf(app_world):
    app, world = app_world
    from portal.cases.models import Case
    from portal.extensions import db

    payload = "<script>alert('x')</script> & <b>fet</b>"
    with app.app_context():
        db.session.get(Case, world.case_id).address = payload
        db.session.commit()
    guardian = client_for(app, world, "guardian")
    text = re.sub(r"\s+", " ", pdf_text(guardian.get(f"/samtycke/s/{world.tokens['guardian']}/registerutdrag.pdf")))
    assert payload in text


def test_the_same_reading_on_the_same_day_is_one_row_with_times_and_count(app_world):
    """A case followed for a long time is read thousands of times: the report groups a day's
    identical readings (same action, unit and role) into one row, so it stays readable."""
    import datetime as dt

    from portal.audit.models import AuditEvent
    from portal.cases.models import Case
    from portal.extensions import db
    from portal.subject_access.report import readings

    app, world = app_world
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.ref == world.case_ref))
        day = dt.datetime(2026, 3, 10, 8, 0)  # 09:00 in Stockholm
        for minutes, user in ((0, "own"), (30, "own"), (420, "own"), (60, "manager")):
            db.session.add(AuditEvent(at=day + dt.timedelta(minutes=minutes), user_id=world.users[user],
                                      unit_key="solbackens-skola", case_id=case.id, action="case.view"))
        db.session.add(AuditEvent(at=day + dt.timedelta(days=1), user_id=world.users["own"],
                                  unit_key="solbackens-skola", case_id=case.id, action="case.view"))
        db.session.commit()
        rows = [(r.at, r.role, r.count, r.last) for r in readings(case) if r.at.date() in (day.date(), day.date()
                                                                                          + dt.timedelta(days=1))]
    assert rows == [(day, "Personal", 3, day + dt.timedelta(minutes=420)),
                    (day + dt.timedelta(minutes=60), "Chef", 1, None),
                    (day + dt.timedelta(days=1), "Personal", 1, None)]
    staff = client_for(app, world, "manager")
    flat = re.sub(r"\s+", " ", pdf_text(staff.get(f"/arenden/{world.case_ref}/registerutdrag.pdf?for=barnet")))
    assert "10 mars 2026 kl. 09:00–16:00 Läste ärendet" in flat and "Antal gånger" in flat
