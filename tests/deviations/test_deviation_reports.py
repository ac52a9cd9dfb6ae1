"""Filing a deviation report: the form, drafts, the check-answers page, the signature, routing on
submission, the admin queue for reports nobody can receive, and who may see a report."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.deviations.models import DeviationEvent, DeviationReport
from portal.extensions import db
from portal.notify.models import OutboxMessage
from tests.support.deviations import (ADMIN, CHILD, ERIK, GRETA, OUTSIDER, POLICE, REASON, REPORTER, RUT, TEACHER,
                                      PEOPLE, act, client_for, file_report, make_people, ref_from,
                                      report_form)
from tests.helpers import csrf_token_from


@pytest.fixture
def people(app):
    return make_people(app)


def load(app, ref) -> DeviationReport:
    with app.app_context():
        report = db.session.scalar(select(DeviationReport).where(DeviationReport.ref == ref))
        # touch the relationships the assertions read, then detach
        _ = list(report.recipients), list(report.events)
        db.session.expunge_all()
        return report


def outbox(app, kind_prefix="deviation."):
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind.startswith(kind_prefix))
                                  .order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return rows


def audit_actions(app, object_id) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "deviation")
                                       .where(AuditEvent.object_id == str(object_id)).order_by(AuditEvent.id)))


# --- The form ---------------------------------------------------------------------------------

def test_the_form_shows_the_reporter_their_units_and_the_definition(app, people):
    client = client_for(app, REPORTER)
    html = client.get("/avvikelser/ny").get_data(as_text=True)
    assert "<h1>Rapportera en avvikelse</h1>" in html
    assert "Anna Lärarsson" in html  # the reporter's name comes from the account
    assert '<input type="hidden" name="reporter_unit" value="solbackens-skola">' in html  # the only own unit: shown, not asked
    for label in ("Datum för händelsen", "Verksamhet som avvikelsen gäller", "Vilken rutin följdes inte?",
                  "Initialer, ålder eller annan beskrivning", "Förslag till åtgärder", "Koppla till ett ärende"):
        assert label in html
    assert 'value="draft"' in html and "Spara utkast" in html


def test_start_page_links_to_the_form_and_the_inbox(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/avvikelser/ny"' in html and 'href="/inkorg"' in html


def test_missing_answers_give_specific_errors_status_400_and_keep_what_was_typed(app, people):
    client = client_for(app, REPORTER)
    response = client.post("/avvikelser/ny", data=report_form(**{
        "description__reason": "", "event__kind": "", "description__proposed_measures": "Bättre rutiner."}))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Det finns fel i formuläret" in html
    assert '<a href="#description__reason">Beskriv avvikelsen</a>' in html
    assert '<a href="#event__kind">Välj vilken rutin som inte följdes</a>' in html
    assert "Bättre rutiner." in html and CHILD in html
    with app.app_context():
        assert db.session.scalar(select(DeviationReport)) is None


def test_a_personal_number_in_the_report_is_refused(app, people):
    client = client_for(app, REPORTER)
    response = client.post("/avvikelser/ny", data=report_form(**{"client__initials_or_age": "20120415-2381"}))
    assert response.status_code == 400
    assert "Skriv inte personnummer i rapporten" in response.get_data(as_text=True)


def test_a_draft_is_saved_without_required_answers_and_listed_then_completed(app, people):
    client = client_for(app, REPORTER)
    response = client.post("/avvikelser/ny", data={"reporter_unit": "solbackens-skola", "action": "draft",
                                                   "description__reason": "Påbörjad beskrivning"})
    assert response.status_code == 302
    ref = ref_from(response.headers["Location"])
    assert response.headers["Location"].endswith(f"/avvikelser/{ref}/andra")
    draft = load(app, ref)
    assert draft.status == "draft" and draft.record["description"]["reason"] == "Påbörjad beskrivning"
    mine = client.get("/avvikelser/").get_data(as_text=True)
    assert f"Utkast {ref}" in mine
    # the check-answers page says what is missing and offers no signature yet
    review = client.get(f"/avvikelser/{ref}/granska").get_data(as_text=True)
    assert "Rapporten är inte klar att skicka" in review and "Ange datum för händelsen" in review
    assert "Skriv under och skicka rapporten" not in review
    # posting a signature for an incomplete draft does not send it
    assert client.post(f"/avvikelser/{ref}/granska", data={"signed_name": "Anna Lärarsson", "confirm": "y"}).status_code == 400
    assert load(app, ref).status == "draft"
    # the edit page shows the saved answer; completing it leads to the check-answers page
    assert "Påbörjad beskrivning" in client.get(f"/avvikelser/{ref}/andra").get_data(as_text=True)
    response = client.post(f"/avvikelser/{ref}/andra", data=report_form())
    assert response.headers["Location"].endswith(f"/avvikelser/{ref}/granska")
    assert load(app, ref).record["description"]["reason"] == REASON


def test_drafts_and_reports_of_others_are_not_found(app, people):
    client = client_for(app, REPORTER)
    ref = ref_from(client.post("/avvikelser/ny", data={"action": "draft", "reporter_unit": "solbackens-skola"})
                   .headers["Location"])
    rut = client_for(app, RUT)
    for url in (f"/avvikelser/{ref}", f"/avvikelser/{ref}/andra", f"/avvikelser/{ref}/granska", f"/avvikelser/{ref}/pdf"):
        assert rut.get(url).status_code == 404, url


def test_check_answers_shows_everything_and_who_will_receive_the_report(app, people):
    client = client_for(app, REPORTER)
    response = client.post("/avvikelser/ny", data=report_form())
    ref = ref_from(response.headers["Location"])
    html = client.get(f"/avvikelser/{ref}/granska").get_data(as_text=True)
    assert "<h1>Granska och skicka rapporten</h1>" in html
    assert REASON in html and "3 februari 2026" in html and "IFO barn och familj" in html
    assert "Solbackens skola (F–9)" in html
    # the rule in plain words: no keys, files or line numbers
    assert "Grundskola: rapporten går till rektor, med kopia till förskole- och grundskolechef." in html
    assert "rad " not in html.split('id="mottagare"')[1].split("</section>")[0]
    assert "Rut Rektorsson, Rektor" in html and "Greta Grundström, Förskole- och grundskolechef" in html
    assert "Erik Enhetsson, Enhetschef IFO" in html
    assert f'href="/avvikelser/{ref}/andra"' in html


def test_the_signature_must_be_the_reporters_name_and_confirmed(app, people):
    client = client_for(app, REPORTER)
    ref = ref_from(client.post("/avvikelser/ny", data=report_form()).headers["Location"])
    response = client.post(f"/avvikelser/{ref}/granska", data={"signed_name": "", "confirm": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Skriv ditt namn för att skriva under rapporten" in html and "Kryssa i att uppgifterna stämmer" in html
    response = client.post(f"/avvikelser/{ref}/granska", data={"signed_name": "Någon Annan", "confirm": "y"})
    assert response.status_code == 400
    assert "Skriv ditt namn som det står i ditt konto: Anna Lärarsson" in response.get_data(as_text=True)
    assert load(app, ref).status == "draft"


def test_submitting_routes_the_report_records_history_and_audit_and_queues_mail(app, people):
    client = client_for(app, REPORTER)
    ref = file_report(client, "anna  lärarsson")
    report = load(app, ref)
    assert report.status == "received"
    assert report.reporter_name == "anna  lärarsson" and report.reporter_signed_at is not None
    assert report.routing_rule == "grundskola" and not report.needs_routing
    assert {(r.capacity, r.email) for r in report.recipients} == {
        ("recipient", RUT), ("copy", GRETA), ("concerned", ERIK)}
    assert [e.action for e in report.events] == ["create", "submit"]
    assert audit_actions(app, report.id) == ["deviation.create", "deviation.submit"]
    mails = outbox(app)
    assert {(m.kind, m.to_addr) for m in mails} == {("deviation.routed", RUT), ("deviation.copy", GRETA)}
    for m in mails:
        for text in (m.subject, m.body_text, m.body_html):
            for secret in (REASON, CHILD, "Elev, 12 år", "Anna", "Lärarsson", "IFO", "Solbacken"):
                assert secret not in text
        assert f"http://portal.test/avvikelser/{ref}" in m.body_text
    # the report can no longer be edited
    assert client.get(f"/avvikelser/{ref}/andra").status_code == 302
    page = client.get(f"/avvikelser/{ref}").get_data(as_text=True)
    assert "Status: <strong class=\"status-tag\">Mottagen</strong>" in page


def test_linking_a_case_the_reporter_can_see_and_not_one_they_cannot(app, people, make_case):
    own = make_case(people[REPORTER], unit_key="solbackens-skola")
    other = make_case(people[ERIK], unit_key="ifo-barn-och-familj")
    client = client_for(app, REPORTER)
    html = client.get("/avvikelser/ny").get_data(as_text=True)
    assert f'value="{own}"' in html and f'value="{other}"' not in html
    response = client.post("/avvikelser/ny", data=report_form(case_ref=other))
    assert response.status_code == 400
    assert "Välj ett ärende som du har tillgång till" in response.get_data(as_text=True)
    ref = file_report(client, "Anna Lärarsson", case_ref=own)
    report = load(app, ref)
    assert report.case_id is not None
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == str(report.id))
                                    .where(AuditEvent.object_type == "deviation")).all()
        assert {e.case_id for e in events} == {report.case_id}
    # Erik (concerned) later reads the report but not the child's name: he has no access to the case
    rut = client_for(app, RUT)
    act(rut, ref, "cosign", text="Jag instämmer.", confirm="y")
    act(rut, ref, "send_to_concerned", text="")
    page = client_for(app, ERIK).get(f"/avvikelser/{ref}").get_data(as_text=True)
    assert "Testbarn" not in page and "ett ärende som du inte har tillgång till" in page
    assert "Testbarn" not in rut.get(f"/avvikelser/{ref}").get_data(as_text=True)
    assert f"Ärende {own}" in client.get(f"/avvikelser/{ref}").get_data(as_text=True)


# --- Access -----------------------------------------------------------------------------------

def test_only_the_reporter_and_the_routed_managers_see_a_report(app, people):
    ref = file_report(client_for(app, REPORTER), "Anna Lärarsson")
    # staff without a role on the report: 404 (it is not revealed); an administrator never reads
    # reports at all: 403 (the role lacks the capability), for any reference
    for email, expected in ((OUTSIDER, 404), (TEACHER, 404), (POLICE, 404), (ADMIN, 403)):
        client = client_for(app, email)
        for url in (f"/avvikelser/{ref}", f"/avvikelser/{ref}/pdf"):
            assert client.get(url).status_code == expected, (email, url)
        assert client.post(f"/avvikelser/{ref}/atgard/comment", data={"comment-text": "x"}).status_code == expected
    for email in (RUT, GRETA):
        assert client_for(app, email).get(f"/avvikelser/{ref}").status_code == 200, email
    # the concerned organisation sees it only once the line manager has signed and sent the copy
    erik = client_for(app, ERIK)
    assert erik.get(f"/avvikelser/{ref}").status_code == 404
    assert ref not in erik.get("/inkorg").get_data(as_text=True)
    rut = client_for(app, RUT)
    act(rut, ref, "cosign", text="Jag instämmer.", confirm="y")
    assert erik.get(f"/avvikelser/{ref}").status_code == 404
    act(rut, ref, "send_to_concerned", text="")
    assert erik.get(f"/avvikelser/{ref}").status_code == 200
    assert ref in erik.get("/inkorg").get_data(as_text=True)


def _set_units(app, user_id, units):
    from portal.accounts.models import UserUnit

    with app.app_context():
        db.session.query(UserUnit).filter_by(user_id=user_id).delete()
        for unit in units:
            db.session.add(UserUnit(user_id=user_id, unit_key=unit))
        db.session.commit()


def test_managers_are_matched_to_accounts_by_email_and_unit_membership(app, people):
    ref = file_report(client_for(app, REPORTER), "Anna Lärarsson")
    rut, greta = client_for(app, RUT), client_for(app, GRETA)
    assert rut.get(f"/avvikelser/{ref}").status_code == 200
    # the rektor's account no longer belongs to Solbacken (only to the elevhälsa): no access
    _set_units(app, people[RUT], ["elevhalsan-arjeplog"])
    assert rut.get(f"/avvikelser/{ref}").status_code == 404
    assert ref not in rut.get("/inkorg").get_data(as_text=True)
    # the förskole- och grundskolechef manages the whole service: any of its units will do,
    # a unit of another service will not
    _set_units(app, people[GRETA], ["silverfjallets-gymnasium"])
    assert greta.get(f"/avvikelser/{ref}").status_code == 404
    _set_units(app, people[GRETA], ["solbackens-skola"])
    assert greta.get(f"/avvikelser/{ref}").status_code == 200


def test_a_copy_holder_reads_and_comments_but_cannot_sign(app, people):
    ref = file_report(client_for(app, REPORTER), "Anna Lärarsson")
    greta = client_for(app, GRETA)
    html = greta.get(f"/avvikelser/{ref}").get_data(as_text=True)
    assert "Skriv under som närmaste chef" not in html and "Kommentera" in html
    response = act(greta, ref, "cosign", text="Försök", confirm="y")
    assert response.status_code == 303
    assert load(app, ref).status == "received"
    assert act(greta, ref, "comment", text="Vi tar upp det på ledningsgruppen.").status_code == 303
    assert load(app, ref).events[-1].action == "comment"
    # the reporter does not see the managers' comments
    assert "ledningsgruppen" not in client_for(app, REPORTER).get(f"/avvikelser/{ref}").get_data(as_text=True)


def test_an_action_with_missing_text_is_refused_with_status_400(app, people):
    ref = file_report(client_for(app, REPORTER), "Anna Lärarsson")
    rut = client_for(app, RUT)
    response = act(rut, ref, "cosign", text="", confirm="")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Skriv ditt yttrande innan du skriver under" in html
    assert "Kryssa i att du skriver under som närmaste chef" in html
    assert load(app, ref).status == "received"


def test_actions_need_csrf(app_factory, people):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/logga-in").get_data(as_text=True)
    client.post("/logga-in", data={"email": REPORTER, "password": "Testlösenord-för-portalen-1",
                                   "csrf_token": csrf_token_from(page)})
    response = client.post("/avvikelser/ny", data=report_form())
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(DeviationReport)) is None
    page = client.get("/avvikelser/ny").get_data(as_text=True)
    response = client.post("/avvikelser/ny", data=report_form(csrf_token=csrf_token_from(page)))
    assert response.status_code == 302


# --- Nobody to receive it: the admin queue ---------------------------------------------------

def test_a_report_whose_nearest_manager_has_no_account_goes_to_the_admin_queue_and_is_routed_manually(app, people):
    police = client_for(app, POLICE)
    ref = file_report(police, "Polly Polisson", reporter_unit="polisen-arjeplog", **{
        "event__concerned_unit": "solbackens-skola"})
    report = load(app, ref)
    # no specific rule for the police: the unit's nearest manager (Norrbus bilaga 4), who has no account
    assert report.status == "received" and report.needs_routing and report.routing_rule == "narmaste-chef"
    assert [(r.capacity, r.email) for r in report.recipients] == [
        ("recipient", "per.polhem@polisen.example"), ("concerned", RUT)]
    assert report.routing_problems == ["Ingen av mottagarna har ett konto i portalen."]
    assert sorted((m.kind, m.to_addr) for m in outbox(app)) == [
        ("deviation.routed", "per.polhem@polisen.example"), ("deviation.unrouted", ADMIN)]
    # the reporter can still follow it
    page = police.get(f"/avvikelser/{ref}").get_data(as_text=True)
    assert "Avvikelserapport " + ref in page
    admin = client_for(app, ADMIN)
    queue = admin.get("/admin/avvikelser-utan-mottagare").get_data(as_text=True)
    assert f"Rapport {ref}" in queue and "Saknar mottagare" in queue and "Polisen i Arjeplog" in queue
    assert REASON not in queue and CHILD not in queue  # administrators never read the contents
    assert "Per Polhem, Gruppchef, Polisen i Arjeplog (har inget konto)" in queue
    assert admin.get(f"/avvikelser/{ref}").status_code == 403  # administrators never read reports
    # an empty choice and a manager without an account are refused
    field = f"r{report.id}-manager"
    response = admin.post(f"/admin/avvikelser-utan-mottagare/{ref}", data={field: ""})
    assert response.status_code == 400 and "Välj en chef som ska ta emot rapporten" in response.get_data(as_text=True)
    response = admin.post(f"/admin/avvikelser-utan-mottagare/{ref}",
                          data={field: "per.polhem@polisen.example|polisen-arjeplog|polisen-norrbotten"})
    assert response.status_code == 400 and "Chefen har inget konto i portalen" in response.get_data(as_text=True)
    response = admin.post(f"/admin/avvikelser-utan-mottagare/{ref}",
                          data={field: f"{RUT}|solbackens-skola|arjeplog-grundskola"})
    assert response.status_code == 303
    report = load(app, ref)
    assert not report.needs_routing
    assert ("recipient", RUT, "manual") in {(r.capacity, r.email, r.source) for r in report.recipients}
    assert report.events[-1].action == "route_manually"
    assert audit_actions(app, report.id)[-1] == "deviation.route_manually"
    assert ("deviation.routed", RUT) in {(m.kind, m.to_addr) for m in outbox(app)}
    assert f'id="q-{ref}"' not in admin.get("/admin/avvikelser-utan-mottagare").get_data(as_text=True)
    # Rut can now sign it as the line manager
    rut = client_for(app, RUT)
    assert act(rut, ref, "cosign", text="Tas emot.", confirm="y").status_code == 303
    assert load(app, ref).status == "cosigned"


def test_a_unit_whose_manager_is_missing_is_queued_not_lost(app_factory, make_user, tmp_path):
    import shutil

    from portal.config import ROOT

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    path = content / "directory.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "            managers:\n              - {name: Erik Enhetsson, email: erik.enhetsson@arjeplog.example, "
        "role: enhetschef-ifo}\n", ""), encoding="utf-8")
    app = app_factory(PORTAL_CONTENT_DIR=content)
    make_user("samir.socialsekreterare@arjeplog.example", "staff", ("ifo-barn-och-familj",), name="Samir Socialsson")
    make_people(app, [p for p in PEOPLE if p[0] == ADMIN])
    client = client_for(app, "samir.socialsekreterare@arjeplog.example")
    ref = file_report(client, "Samir Socialsson", reporter_unit="ifo-barn-och-familj",
                      **{"event__concerned_unit": "solbackens-skola"})
    report = load(app, ref)
    # no enhetschef IFO: the nearest manager is the service's socialchef, who has no account here
    assert report.needs_routing and report.routing_rule == "narmaste-chef"
    assert [r.email for r in report.recipients if r.capacity == "recipient"] == ["sofia.socialchefsson@arjeplog.example"]
    assert "hittar ingen chef" in report.routing_problems[0]
    assert f"Rapport {ref}" in client_for(app, ADMIN).get("/admin/avvikelser-utan-mottagare").get_data(as_text=True)
    assert "Väntar på mottagare" in client.get(f"/avvikelser/{ref}").get_data(as_text=True)


def test_a_routed_manager_without_an_account_also_sends_the_report_to_the_queue(app):
    make_people(app, [p for p in PEOPLE if p[0] in (REPORTER, ADMIN)])
    ref = file_report(client_for(app, REPORTER), "Anna Lärarsson")
    report = load(app, ref)
    assert report.needs_routing and report.routing_rule == "grundskola"
    assert "Ingen av mottagarna har ett konto i portalen." in report.routing_problems
    # the e-mail still goes to the rektor, who can get an account and log in
    assert ("deviation.routed", RUT) in {(m.kind, m.to_addr) for m in outbox(app)}


def test_nobody_but_administrators_reaches_the_queue(app, people):
    for email in (REPORTER, RUT):
        assert client_for(app, email).get("/admin/avvikelser-utan-mottagare").status_code == 403  # signed in, not an administrator


# --- The inbox: statistics, start page, navigation --------------------------------------------

def test_the_inbox_counts_by_status_and_lists_reports_open_longer_than_n_days(app, people):
    import datetime as dt

    from portal.timeutil import utcnow

    reporter = client_for(app, REPORTER)
    old, fresh, done = (file_report(reporter, "Anna Lärarsson") for _ in range(3))
    rut = client_for(app, RUT)
    act(rut, fresh, "cosign", text="Ja.", confirm="y")
    with app.app_context():
        for ref, days in ((old, 45), (done, 60)):
            report = db.session.scalar(select(DeviationReport).where(DeviationReport.ref == ref))
            report.submitted_at = utcnow() - dt.timedelta(days=days)
            if ref == done:
                report.status = "closed"
        db.session.commit()
    html = rut.get("/inkorg").get_data(as_text=True)
    stats = html.split('id="statistik"', 1)[1]
    assert '<tr><th scope="row">Mottagen</th><td>1</td></tr>' in stats
    assert '<tr><th scope="row">Underskriven av närmaste chef</th><td>1</td></tr>' in stats
    assert '<tr><th scope="row">Avslutad</th><td>1</td></tr>' in stats
    assert '<tr><th scope="row">Totalt</th><td>3</td></tr>' in stats
    old_part = stats.split('id="gamla"', 1)[1].split("</ul>", 1)[0]
    assert "<strong>1</strong> öppen rapport skickades för mer än 30 dagar sedan" in old_part
    assert f"Rapport {old}" in old_part and f"Rapport {done}" not in old_part and f"Rapport {fresh}" not in old_part
    html = rut.get("/inkorg?dagar=50").get_data(as_text=True)
    assert "<strong>0</strong> öppna rapporter skickades för mer än 50 dagar sedan" in html
    assert rut.get("/inkorg?dagar=ett").status_code == 200
    # waiting for Rut: the received one (to sign); the co-signed one (to send on)
    waiting = html.split("<h2>Väntar på dig</h2>", 1)[1].split("<h2>", 1)[0]
    assert f"Rapport {old}</a> – Mottagen" in waiting and f"Rapport {fresh}</a> – Underskriven" in waiting
    assert f"Rapport {done}" not in waiting
    # the copy holder has nothing to do but sees the reports
    greta = client_for(app, GRETA).get("/inkorg").get_data(as_text=True)
    assert "Inget väntar på dig just nu." in greta and f"Rapport {old}" in greta


def test_the_start_page_tells_managers_and_administrators_what_waits(app, people):
    file_report(client_for(app, REPORTER), "Anna Lärarsson")
    file_report(client_for(app, POLICE), "Polly Polisson", reporter_unit="polisen-arjeplog")
    assert "1 avvikelserapport väntar på dig" in client_for(app, RUT).get("/").get_data(as_text=True)
    assert "1 avvikelserapport saknar mottagare" in client_for(app, ADMIN).get("/").get_data(as_text=True)
    assert "Avvikelserapporter</h2>" not in client_for(app, OUTSIDER).get("/").get_data(as_text=True)


def test_navigation_shows_each_role_its_way_in(app, people):
    def nav(email):
        html = client_for(app, email).get("/").get_data(as_text=True)
        return html.split('aria-label="Huvudmeny"', 1)[1].split("</nav>", 1)[0]

    assert 'href="/avvikelser/">Avvikelser<' in nav(REPORTER) and 'href="/inkorg"' not in nav(REPORTER)
    assert 'href="/inkorg">Inkorg<' in nav(RUT)
    admin = nav(ADMIN)
    assert 'href="/admin/avvikelser-utan-mottagare">Avvikelser utan mottagare<' in admin
    assert 'href="/avvikelser/"' not in admin


def test_the_demo_data_fills_the_inbox_the_admin_queue_and_the_drafts_without_mail(app):
    from portal.audit.models import AuditEvent as Audit
    from portal.demo import DEMO_PASSWORD, seed_demo
    from tests.helpers import login

    with app.app_context():
        assert seed_demo()
        assert db.session.scalar(select(OutboxMessage)) is None
        assert db.session.scalar(select(Audit).where(Audit.object_type == "deviation")) is None
    rut = app.test_client()
    login(rut, RUT, DEMO_PASSWORD)
    assert "– Mottagen (du är närmaste chef)" in rut.get("/inkorg").get_data(as_text=True)
    # the police have no specific rule: the report reaches their nearest manager, not the admin queue
    per = app.test_client()
    login(per, "per.polhem@polisen.example", DEMO_PASSWORD)
    assert "(du är närmaste chef)" in per.get("/inkorg").get_data(as_text=True)
    admin = app.test_client()
    login(admin, "admin@demo.example", DEMO_PASSWORD)
    assert "Polisen i Arjeplog" not in admin.get("/admin/avvikelser-utan-mottagare").get_data(as_text=True)
    anna = app.test_client()
    login(anna, REPORTER, DEMO_PASSWORD)
    mine = anna.get("/avvikelser/").get_data(as_text=True)
    import re

    assert len(re.findall(r">Utkast [A-Z0-9]{8}</a>", mine)) == 1
    assert len(re.findall(r">Rapport [A-Z0-9]{8}</a>", mine)) == 1


def test_the_case_page_lists_linked_reports_the_reader_may_see_and_offers_a_new_one(app, people, make_case):
    case_ref = make_case(people[REPORTER], unit_key="solbackens-skola")
    client = client_for(app, REPORTER)
    page = client.get(f"/arenden/{case_ref}").get_data(as_text=True)
    assert "Inga avvikelserapporter som du kan läsa är kopplade till ärendet." in page
    assert f'href="/avvikelser/ny?arende={case_ref}"' in page
    form = client.get(f"/avvikelser/ny?arende={case_ref}").get_data(as_text=True)
    assert f'<option selected value="{case_ref}">' in form
    ref = file_report(client, "Anna Lärarsson", case_ref=case_ref)
    assert f"Rapport {ref}</a> – Mottagen" in client.get(f"/arenden/{case_ref}").get_data(as_text=True)
    # Tove works at the same school and sees the case, but not the report
    tove = client_for(app, TEACHER).get(f"/arenden/{case_ref}").get_data(as_text=True)
    assert "Avvikelserapporter</h2>" in tove and ref not in tove
    # an unknown or invisible case in the link is simply not chosen
    assert "selected value" not in client_for(app, OUTSIDER).get(f"/avvikelser/ny?arende={case_ref}").get_data(as_text=True).split('id="case_ref"')[1].split("</select>")[0]
