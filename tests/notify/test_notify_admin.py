"""Administrators see what is stuck in the outbox (never who or what) and can retry;
in development the local mailbox shows what would have been sent."""
from __future__ import annotations

import datetime as dt

import icalendar
import pytest

from portal.extensions import db
from portal.notify import queue_email
from portal.notify.models import OutboxMessage
from portal.notify.worker import deliver_due
from portal.timeutil import utcnow
from tests.helpers import csrf_token_from, login
from tests.support.notify import outbox_rows, queue_notes, with_test_templates
from tests.notify.test_notify_calendar import invitation

SECRET_NOTE = "Ett nytt samtycke väntar på din underskrift."


def make_people(make_user, staff=False):
    make_user("admin@kommun.example", role="admin", units=())
    if staff:
        make_user("personal@kommun.example", role="staff")


def stuck_outbox(app, smtp_sink):
    """One failed message (the recipient was refused) and one still waiting (server away)."""
    smtp_sink.reject["finns.inte@example.org"] = "550 5.1.1 Recipient address rejected"
    smtp_sink.start()
    [failed] = queue_notes(app, to="finns.inte@example.org", kind="consent.link", heading="Skriv under samtycket")
    with app.app_context():
        deliver_due()
    smtp_sink.stop()
    [waiting] = queue_notes(app, to="annan@example.org", kind="meeting.invitation")
    with app.app_context():
        deliver_due()
    return failed, waiting


@pytest.fixture
def smtp_app(app_factory, smtp_sink):
    return with_test_templates(app_factory(**smtp_sink.config()))


def test_the_outbox_page_lists_failed_and_waiting_messages_without_recipients_or_content(smtp_app, smtp_sink, make_user):
    make_people(make_user)
    failed, waiting = stuck_outbox(smtp_app, smtp_sink)
    client = smtp_app.test_client()
    login(client, "admin@kommun.example")
    response = client.get("/admin/utskick")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Utskick</h1>" in html
    assert "consent.link" in html and "meeting.invitation" in html
    assert "SMTPRecipientsRefused 550" in html and "ConnectionRefusedError" in html
    assert "Misslyckades" in html and "Väntar" in html
    assert f'aria-label="Försök igen med utskick nr {failed}"' in html
    for private in ("finns.inte@example.org", "annan@example.org", "Skriv under samtycket", SECRET_NOTE):
        assert private not in html
    # The navigation leads there.
    assert 'href="/admin/utskick"' in client.get("/").get_data(as_text=True)


def test_only_administrators_reach_the_outbox_page(smtp_app, make_user):
    make_people(make_user, staff=True)
    anonymous = smtp_app.test_client()
    assert anonymous.get("/admin/utskick").status_code == 302
    staff = smtp_app.test_client()
    login(staff, "personal@kommun.example")
    assert staff.get("/admin/utskick").status_code == 403
    assert staff.post("/admin/utskick/1/forsok-igen").status_code == 403
    assert 'href="/admin/utskick"' not in staff.get("/").get_data(as_text=True)


def test_try_again_puts_a_failed_message_back_in_the_queue_and_it_is_delivered(app_factory, smtp_sink, make_user):
    app = with_test_templates(app_factory(WTF_CSRF_ENABLED=True, **smtp_sink.config()))
    make_people(make_user)
    failed, _ = stuck_outbox(app, smtp_sink)
    client = app.test_client()
    page = client.get("/logga-in").get_data(as_text=True)
    client.post("/logga-in", data={"email": "admin@kommun.example", "password": "Testlösenord-för-portalen-1",
                                   "csrf_token": csrf_token_from(page)})
    token = csrf_token_from(client.get("/admin/utskick").get_data(as_text=True))

    # Without the form's security code nothing happens.
    assert client.post(f"/admin/utskick/{failed}/forsok-igen").status_code == 400
    assert {r.id: r.status for r in outbox_rows(app)}[failed] == "failed"

    response = client.post(f"/admin/utskick/{failed}/forsok-igen", data={"csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200
    assert f"Utskick nr {failed} ligger i kön igen" in response.get_data(as_text=True)
    row = {r.id: r for r in outbox_rows(app)}[failed]
    assert (row.status, row.attempts) == ("waiting", 0)

    # The address was fixed at the receiving end; the next round delivers it.
    smtp_sink.reject.clear()
    smtp_sink.start()
    with app.app_context():
        deliver_due(now=utcnow() + dt.timedelta(minutes=5))  # the other one waits out its backoff
    assert {r.id: r.status for r in outbox_rows(app)}[failed] == "sent"
    assert [m["To"] for m in smtp_sink.messages] == ["finns.inte@example.org", "annan@example.org"]

    again = client.post(f"/admin/utskick/{failed}/forsok-igen", data={"csrf_token": token}, follow_redirects=True)
    assert "behöver inte skickas igen" in again.get_data(as_text=True)
    assert client.post("/admin/utskick/999999/forsok-igen", data={"csrf_token": token}).status_code == 404


# --- Development mailbox ---------------------------------------------------------------------

@pytest.fixture
def dev_app(app_factory):
    return with_test_templates(app_factory(PORTAL_DEV_MAILBOX=True, PORTAL_SMTP_HOST=""))


def test_in_development_mail_lands_in_the_local_mailbox_for_administrators(dev_app, make_user):
    make_people(make_user)
    with dev_app.app_context():
        queue_email(to="vh@familj.example", template="testmail/note",
                    context={"note": SECRET_NOTE, "link": "http://portal.test/samtycke/abc", "heading": "Kallelse"},
                    kind="meeting.invitation", attachments=[("natverksmote.ics", "text/calendar", invitation())])
        db.session.commit()
    result = dev_app.test_cli_runner().invoke(args=["outbox", "run"])
    assert result.exit_code == 0 and "Skickade 1 till utvecklingsbrevlådan" in result.output
    [row] = outbox_rows(dev_app)
    assert (row.status, row.transport) == ("sent", "local")

    client = dev_app.test_client()
    login(client, "admin@kommun.example")
    listing = client.get("/admin/utvecklingsbrevlada").get_data(as_text=True)
    assert "Utvecklingsläge – e-posten har inte skickats" in listing
    assert "Kallelse" in listing and "vh@familj.example" in listing
    assert 'href="/admin/utvecklingsbrevlada"' in listing  # in the navigation

    page = client.get(f"/admin/utvecklingsbrevlada/{row.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Utvecklingsläge – e-posten har inte skickats" in html
    assert "<h1>Kallelse</h1>" in html
    assert SECRET_NOTE in html
    assert 'href="http://portal.test/samtycke/abc"' in html
    assert "Samverkansportalen &lt;no-reply@samverkansportalen.invalid&gt;" in html
    assert "natverksmote.ics" in html

    html_part = client.get(f"/admin/utvecklingsbrevlada/{row.id}/html")
    assert html_part.headers["Content-Security-Policy"].startswith("sandbox")
    assert SECRET_NOTE in html_part.get_data(as_text=True)

    attachment = client.get(f"/admin/utvecklingsbrevlada/{row.id}/bilaga/1")
    assert attachment.mimetype == "text/calendar"
    assert 'filename="natverksmote.ics"' in attachment.headers["Content-Disposition"]
    assert icalendar.Calendar.from_ical(attachment.data).walk("VEVENT")[0]["UID"] == "meeting-42@samverkansportalen"
    assert client.get(f"/admin/utvecklingsbrevlada/{row.id}/bilaga/2").status_code == 404


def test_the_local_mailbox_is_for_administrators_only(dev_app, make_user):
    make_people(make_user, staff=True)
    [message_id] = queue_notes(dev_app)
    with dev_app.app_context():
        deliver_due()
    staff = dev_app.test_client()
    login(staff, "personal@kommun.example")
    assert staff.get("/admin/utvecklingsbrevlada").status_code == 403
    assert staff.get(f"/admin/utvecklingsbrevlada/{message_id}").status_code == 403
    assert staff.get(f"/admin/utvecklingsbrevlada/{message_id}/html").status_code == 403


def test_a_message_not_yet_delivered_is_not_in_the_local_mailbox(dev_app, make_user):
    make_people(make_user)
    [message_id] = queue_notes(dev_app)
    client = dev_app.test_client()
    login(client, "admin@kommun.example")
    assert "1 utskick väntar" in client.get("/admin/utvecklingsbrevlada").get_data(as_text=True)
    assert client.get(f"/admin/utvecklingsbrevlada/{message_id}").status_code == 404


def test_with_an_smtp_server_there_is_no_local_mailbox(smtp_app, smtp_sink, make_user):
    make_people(make_user)
    smtp_sink.start()
    [message_id] = queue_notes(smtp_app)
    with smtp_app.app_context():
        deliver_due()
    client = smtp_app.test_client()
    login(client, "admin@kommun.example")
    assert client.get("/admin/utvecklingsbrevlada").status_code == 404
    assert client.get(f"/admin/utvecklingsbrevlada/{message_id}").status_code == 404
    assert 'href="/admin/utvecklingsbrevlada"' not in client.get("/admin/utskick").get_data(as_text=True)
    with smtp_app.app_context():
        assert db.session.get(OutboxMessage, message_id).transport == "smtp"
