"""A deviation report's whole life through a real SMTP server (aiosmtpd): filed by a teacher,
routed to the rektor with a copy to the förskole- och grundskolechef, co-signed, sent to the
concerned IFO, answered, measures decided, feedback to the reporter, closed. Every hand-over
arrives as an e-mail without personal data; every step is in the history and the audit log."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.deviations.models import DeviationReport
from portal.extensions import db
from portal.notify.worker import deliver_due
from tests.support.deviations import (CHILD, ERIK, GRETA, MEASURES, REASON, REPORTER, RUT, TEACHER, act, client_for,
                                      file_report, make_people)

# Nothing of the report, the child or the people involved may travel by e-mail.
NEVER_IN_MAIL = [REASON, CHILD, MEASURES, "Elev, 12 år", "Anna", "Lärarsson", "Solbacken", "IFO barn", "kallelse",
                 "Kallelsen", "Jag instämmer", "Vi missade", "Rutinen ses över", "Tack för rapporten"]


@pytest.fixture
def smtp_app(app_factory, smtp_sink):
    smtp_sink.start()
    app = app_factory(**smtp_sink.config())
    make_people(app)
    return app


def deliver(app, smtp_sink, expected_total):
    with app.app_context():
        result = deliver_due()
    assert result.failed == 0 and result.deferred == 0
    assert smtp_sink.wait_for(expected_total)
    assert len(smtp_sink.messages) == expected_total
    return smtp_sink.messages


def mails_to(smtp_sink, address):
    return [m for m, (_, rcpt) in zip(smtp_sink.messages, smtp_sink.envelopes) if rcpt == [address]]


def assert_no_personal_data(message):
    parts = [message["Subject"], message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()]
    for part in parts:
        for secret in NEVER_IN_MAIL:
            assert secret not in part, (message["Subject"], secret)


def history(app, ref):
    with app.app_context():
        report = db.session.scalar(select(DeviationReport).where(DeviationReport.ref == ref))
        return report, [(e.action, e.actor_name, e.to_status) for e in report.events]


def audit_trail(app, report_id):
    with app.app_context():
        return [(a, u) for a, u in db.session.execute(
            select(AuditEvent.action, AuditEvent.user_id).where(AuditEvent.object_type == "deviation")
            .where(AuditEvent.object_id == str(report_id)).where(~AuditEvent.action.in_(("deviation.view",)))
            .order_by(AuditEvent.id)).all()]


def test_the_whole_life_of_a_report_through_real_smtp(smtp_app, smtp_sink):
    app = smtp_app
    reporter, rut, greta, erik, tove = (client_for(app, e) for e in (REPORTER, RUT, GRETA, ERIK, TEACHER))

    # 1. A teacher files the report: the rektor receives it, the förskole- och grundskolechef gets a copy.
    ref = file_report(reporter, "Anna Lärarsson")
    deliver(app, smtp_sink, 2)
    [routed] = mails_to(smtp_sink, RUT)
    [copy] = mails_to(smtp_sink, GRETA)
    assert routed["Subject"] == "En avvikelserapport har skickats till dig"
    assert copy["Subject"] == "Du har fått en kopia av en avvikelserapport"
    link = f"http://portal.test/avvikelser/{ref}"
    for message in (routed, copy):
        assert_no_personal_data(message)
        assert link in message.get_body(("plain",)).get_content()
        assert f'href="{link}"' in message.get_body(("html",)).get_content()
        assert "Kontakta din närmaste chef" in message.get_body(("plain",)).get_content()
    assert not mails_to(smtp_sink, ERIK)  # the concerned organisation waits for the signature

    inbox = rut.get("/inkorg").get_data(as_text=True)
    assert f"Rapport {ref}</a> – Mottagen (du är närmaste chef)" in inbox

    # 2. The rektor names a handler from her school.
    page = rut.get(f"/avvikelser/{ref}").get_data(as_text=True)
    report, _ = history(app, ref)
    handler_id = str(client_user_id(app, TEACHER))
    assert f'<option value="{handler_id}">Tove Lärarsson</option>' in page
    assert act(rut, ref, "assign", handler=handler_id).status_code == 303
    deliver(app, smtp_sink, 3)
    [assigned] = mails_to(smtp_sink, TEACHER)
    assert assigned["Subject"] == "Du har fått en avvikelserapport att handlägga"
    assert_no_personal_data(assigned)

    # 3. The rektor co-signs as the nearest manager, with a statement.
    assert act(rut, ref, "cosign", text="Jag instämmer i beskrivningen.", confirm="y").status_code == 303
    report, steps = history(app, ref)
    assert report.status == "cosigned" and report.line_manager_name == "Rut Rektorsson"
    assert report.line_manager_signed_at is not None

    # 4. The handler sends the copy to the concerned organisation (IFO): its enhetschef is told.
    assert act(tove, ref, "send_to_concerned", text="").status_code == 303
    deliver(app, smtp_sink, 4)
    [concerned] = mails_to(smtp_sink, ERIK)
    assert concerned["Subject"] == "En avvikelserapport gäller din verksamhet"
    assert_no_personal_data(concerned)
    assert f"Rapport {ref}</a> – Skickad till berörd verksamhet (du är berörd verksamhet)" in erik.get("/inkorg").get_data(as_text=True)

    # 5. IFO answers with its analysis: the rektor and the handler are told.
    assert act(erik, ref, "answer", text="Vi missade att skicka kallelsen i tid.").status_code == 303
    deliver(app, smtp_sink, 6)
    assert [m["Subject"] for m in mails_to(smtp_sink, RUT)][-1] == "Den berörda verksamheten har svarat på en avvikelserapport"
    assert [m["Subject"] for m in mails_to(smtp_sink, TEACHER)][-1] == "Den berörda verksamheten har svarat på en avvikelserapport"

    # 6. The decided measures.
    assert act(tove, ref, "decide_measures", text="Rutinen ses över på ledningsgruppen i mars.").status_code == 303

    # 7. Feedback reaches the reporter, by e-mail and on her report page.
    assert act(rut, ref, "give_feedback", text="Tack för rapporten. IFO har ändrat sin rutin.").status_code == 303
    deliver(app, smtp_sink, 7)
    [feedback] = mails_to(smtp_sink, REPORTER)
    assert feedback["Subject"] == "Återkoppling på din avvikelserapport"
    assert link in feedback.get_body(("plain",)).get_content()
    # (the feedback text itself is only in the portal)
    assert "IFO har ändrat" not in feedback.get_body(("plain",)).get_content()
    mine = reporter.get(f"/avvikelser/{ref}").get_data(as_text=True)
    assert "Återkoppling till rapportören" in mine and "Tack för rapporten. IFO har ändrat sin rutin." in mine
    assert "Vi missade att skicka kallelsen" not in mine  # IFO's internal answer is for the managers

    # 8. Closed; the reporter is told.
    assert act(rut, ref, "close", text="").status_code == 303
    deliver(app, smtp_sink, 8)
    assert [m["Subject"] for m in mails_to(smtp_sink, REPORTER)][-1] == "Din avvikelserapport är avslutad"
    for message in smtp_sink.messages:
        assert_no_personal_data(message)

    report, steps = history(app, ref)
    assert report.status == "closed" and report.closed_at is not None
    assert steps == [
        ("create", "Anna Lärarsson", "draft"),
        ("submit", "Anna Lärarsson", "received"),
        ("assign", "Rut Rektorsson", "received"),
        ("cosign", "Rut Rektorsson", "cosigned"),
        ("send_to_concerned", "Tove Lärarsson", "sent_to_concerned"),
        ("answer", "Erik Enhetsson", "under_analysis"),
        ("decide_measures", "Tove Lärarsson", "measures_decided"),
        ("give_feedback", "Rut Rektorsson", "feedback_given"),
        ("close", "Rut Rektorsson", "closed"),
    ]
    ids = {e: client_user_id(app, e) for e in (REPORTER, RUT, ERIK, TEACHER)}
    assert audit_trail(app, report.id) == [
        ("deviation.create", ids[REPORTER]), ("deviation.submit", ids[REPORTER]),
        ("deviation.assign", ids[RUT]), ("deviation.cosign", ids[RUT]),
        ("deviation.send_to_concerned", ids[TEACHER]), ("deviation.answer", ids[ERIK]),
        ("deviation.decide_measures", ids[TEACHER]), ("deviation.give_feedback", ids[RUT]),
        ("deviation.close", ids[RUT]),
    ]
    with app.app_context():
        details = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.object_id == str(report.id))
                                     .where(AuditEvent.object_type == "deviation")).all()
    for detail in details:
        for secret in NEVER_IN_MAIL:
            assert secret not in detail

    # The history is on the page, and the copy holder sees it too.
    page = greta.get(f"/avvikelser/{ref}").get_data(as_text=True)
    for text in ("Skrev under som närmaste chef", "Skickade kopia till den berörda verksamheten",
                 "Lämnade den berörda verksamhetens svar", "Registrerade beslutade åtgärder",
                 "Gav återkoppling till rapportören", "Avslutade rapporten"):
        assert text in page

    # 9. The report as on paper: both signatures and the history, read back from the PDF.
    response = rut.get(f"/avvikelser/{ref}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert reader.metadata.title == f"Avvikelserapport {ref}"
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for expected in ("Avvikelserapport " + ref, "Rapportörens underskrift", "Anna Lärarsson",
                     "Närmaste chefens underskrift", "Rut Rektorsson", "Jag instämmer i beskrivningen.",
                     "Anledning till avvikelserapportering", REASON, "Förslag till åtgärder", MEASURES,
                     "Vi missade att skicka kallelsen i tid.", "Historik", "Avslutade rapporten",
                     "Tack för rapporten. IFO har ändrat sin rutin."):
        assert expected in text, expected
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_id == str(report.id))
                                 .order_by(AuditEvent.id.desc())) == "deviation.print"


def client_user_id(app, email):
    from portal.accounts.models import User

    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def test_a_stale_page_cannot_move_the_report_twice(smtp_app, smtp_sink):
    app = smtp_app
    ref = file_report(client_for(app, REPORTER), "Anna Lärarsson")
    rut = client_for(app, RUT)
    assert act(rut, ref, "cosign", text="Ja.", confirm="y").status_code == 303
    again = act(rut, ref, "cosign", text="Ja igen.", confirm="y")
    assert again.status_code == 303
    follow = rut.get(f"/avvikelser/{ref}").get_data(as_text=True)
    assert "Det går inte att göra det nu" in follow
    report, steps = history(app, ref)
    assert [s[0] for s in steps].count("cosign") == 1 and report.line_manager_statement == "Ja."
