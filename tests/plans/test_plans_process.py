"""The case's process on the case page and the start page, reminders through the outbox,
consent withdrawal shown on open plans, contact person changes, and Barnets plan."""
from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.timeutil import today_local
from tests.support.plans import (BUP, IFO, SKOLA, VC, client_for, date_fields, give_consent, intervention,
                                 make_people, new_plan, plan_id_from, signers_of, value, version_status)

TODAY = today_local()


@pytest.fixture
def world(app, make_user, make_case):
    ids = make_people(make_user)
    ref = make_case(ids["anna"])
    anna = client_for(app, "anna")
    return app, ref, ids, anna


def outbox(app, kind=None):
    from portal.extensions import db
    from portal.notify.models import OutboxMessage

    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return [(m.to_addr, m.subject, m.body_text, m.dedupe_key) for m in db.session.scalars(query).all()]


def test_steps_deadlines_and_reminders_to_the_coordinator(world, runner):
    app, ref, ids, anna = world
    assert anna.post(f"/arenden/{ref}/arbetssatt", data={"process_key": "norrbus"}).status_code == 302
    response = anna.post(f"/arenden/{ref}/steg/consent", data=date_fields("done_on", dt.date(2025, 12, 22)))
    assert response.status_code == 302
    page = anna.get(f"/arenden/{ref}").get_data(as_text=True)
    assert "Senast måndag 5 januari 2026" in page      # 24–26 Dec, 31 Dec and 1 Jan are not working days
    assert "julafton 24 december 2025" in page and "nyårsafton 31 december 2025" in page
    assert "Anna Lärarsson" in page                    # who recorded the consent step
    # Each step links to where its rule stands in the guidelines.
    assert 'href="/riktlinjer/norrbus-riktlinjer#arbetsmodell-for-samverkan"' in page
    assert "När de lämnat sitt samtycke ska en kallelse göras, senast inom fem arbetsdagar." in page

    # 2 January: the invitation is soon due; 7 January: it is overdue (meeting still ahead).
    result = runner.invoke(args=["plans", "remind", "--date", "2026-01-02"])
    assert result.exit_code == 0 and "Påminnelser: 1 nya" in result.output
    result = runner.invoke(args=["plans", "remind", "--date", "2026-01-07"])
    assert "Påminnelser: 1 nya" in result.output
    again = runner.invoke(args=["plans", "remind", "--date", "2026-01-07"])
    assert "Påminnelser: 0 nya, 1 redan skickade i dag" in again.output
    mails = outbox(app, "plans.reminder")
    assert [m[0] for m in mails] == ["anna.larare@skola.example"] * 2        # the case opener: no plan yet
    assert mails[1][1] == "Påminnelse: ett steg i ett ärende är försenat"
    assert "Kallelse till nätverksmöte" in mails[1][2] and "måndag 5 januari 2026" in mails[1][2]
    assert f"http://portal.test/arenden/{ref}#process" in mails[1][2]
    assert "Testbarn" not in mails[1][2] + mails[1][1] and "20120415" not in mails[1][2]
    assert mails[1][3] == f"plans.reminder:{mails[1][3].split(':')[1]}:invitation:2026-01-07"

    # Once a plan names a coordinator, the coordinator is reminded.
    give_consent(app, anna, ref, (SKOLA, IFO))
    editor = new_plan(anna, ref)
    anna.post(editor, data={"roles__coordinator": value("samir", ids), "save_draft": "1"})
    runner.invoke(args=["plans", "remind", "--date", "2026-01-08"])
    assert outbox(app, "plans.reminder")[-1][0] == "samir.soc@kommun.example"


def test_the_start_page_lists_overdue_and_soon_due_steps(world):
    app, ref, ids, anna = world
    anna.post(f"/arenden/{ref}/arbetssatt", data={"process_key": "norrbus"})
    anna.post(f"/arenden/{ref}/steg/consent", data=date_fields("done_on", TODAY - dt.timedelta(days=30)))
    page = anna.get("/").get_data(as_text=True)
    section = page[page.index("Mina ärenden – att göra"):]
    assert f"Ärende {ref}" in section and "Kallelse till nätverksmöte" in section and "Försenat" in section
    # Someone without access to the case sees nothing of it.
    britt = client_for(app, "britt").get("/").get_data(as_text=True)
    assert ref not in britt and "Inga steg i dina ärenden är försenade" in britt


def _approved_sip(app, ref, ids, anna):
    editor = new_plan(anna, ref)
    response = anna.post(editor, data={
        **date_fields("plan__established_on", TODAY), "needs__needs": "Stöd",
        **intervention(0, "Läxhjälp", SKOLA, value("anna", ids)),
        **intervention(1, "Föräldrastöd", IFO, value("samir", ids)),
        "roles__coordinator": value("samir", ids), "roles__lead_service": "arjeplog-ifo",
        "roles__overall_authority": "arjeplogs-kommun", **date_fields("followup__date", TODAY + dt.timedelta(days=30)),
        "submit": "1"})
    assert response.status_code == 302
    view = editor.replace("/redigera", "")
    client_for(app, "anna").post(f"{view}/godkann", data={"unit_key": SKOLA})
    client_for(app, "samir").post(f"{view}/godkann", data={"unit_key": IFO})
    page = anna.get(view).get_data(as_text=True)
    for approval_id in re.findall(r'<option value="(\d+)">Vårdnadshavare', page):
        anna.post(f"{view}/underskrift", data={"approval": approval_id, **date_fields("signed_on", TODAY)})
    assert version_status(app, plan_id_from(editor), 1) == "approved"
    return view


def test_a_withdrawn_consent_shows_on_the_open_plan_at_once_and_ends_access(world):
    app, ref, ids, anna = world
    give_consent(app, anna, ref, (SKOLA, VC))
    consent_id = give_consent(app, anna, ref, (IFO, BUP))
    view = _approved_sip(app, ref, ids, anna)
    samir = client_for(app, "samir")
    assert samir.get(view).status_code == 200
    signer_id = signers_of(app, consent_id)[0][0]
    response = anna.post(f"/arenden/{ref}/samtycke/{consent_id}/undertecknare/{signer_id}/aterkalla",
                         data={"channel": "phone", "confirm": "y"})
    assert response.status_code == 302
    page = anna.get(view).get_data(as_text=True)
    assert f"Samtycket återkallades {TODAY.day} " in page
    assert "enheter som inte längre omfattas: IFO barn och familj (Individ- och familjeomsorgen, Arjeplogs kommun)." in page
    assert samir.get(view).status_code == 404
    assert client_for(app, "anna").get(view).status_code == 200
    from portal.extensions import db
    from portal.plans.models import PlanUnit

    with app.app_context():
        assert db.session.scalars(select(PlanUnit.unit_key)).all() == [SKOLA]


def test_a_changed_contact_person_shows_in_the_approved_plan_at_once(world):
    app, ref, ids, anna = world
    give_consent(app, anna, ref, (SKOLA, IFO))
    view = _approved_sip(app, ref, ids, anna)
    plan_path = view.rsplit("/v/", 1)[0]
    response = anna.post(f"{plan_path}/kontaktperson", data={"old": value("samir", ids), "new": value("anna", ids)})
    assert response.status_code == 400 and "ska arbeta i samma verksamhet" in response.get_data(as_text=True)
    response = anna.post(f"{plan_path}/kontaktperson", data={"old": value("samir", ids), "new": value("sara", ids)})
    assert response.status_code == 302
    page = anna.get(view).get_data(as_text=True)
    plan_text = page[:page.index('id="godkannande"')]
    assert "Sara Socialdotter, IFO barn och familj" in plan_text and "Samir Socialsson" not in plan_text
    assert "En eller flera kontaktpersoner har bytts" in page
    data = json.loads(anna.get(f"{view}.json").data)
    assert data["roles"]["coordinator"]["name"] == "Sara Socialdotter"
    assert data["interventions"][1]["contact"]["name"] == "Sara Socialdotter"
    # The approved version itself is unchanged: the change is shown on top of it.
    from portal.extensions import db
    from portal.plans.models import PlanVersion

    with app.app_context():
        stored = db.session.scalar(select(PlanVersion.content).where(PlanVersion.number == 1))
    assert stored["interventions"][1]["contact"] == value("samir", ids)


def test_barnets_plan_keeps_the_childs_words_and_the_professionals_apart(world):
    app, ref, ids, anna = world
    anna.post(f"/arenden/{ref}/arbetssatt", data={"process_key": "kronobarn"})
    give_consent(app, anna, ref, (SKOLA, IFO, VC))
    editor = new_plan(anna, ref)
    page = anna.get(editor).get_data(as_text=True)
    assert "<h1>Barnets plan – version 1</h1>" in page
    for area in ("Hälsa", "Utbildning", "Känslo- och beteendemässig utveckling", "Identitet",
                 "Familj och sociala relationer", "Socialt uppträdande", "Klara sig själv"):
        assert f">{area}</h3>" in page
    data = {
        "background__info": "Har nyligen bytt klass.", **date_fields("background__established_on", TODAY),
        "area_halsa__child_words": "Jag är trött på eftermiddagarna.", "area_halsa__needs": "Mer näring under dagen.",
        "area_halsa__priority": "y",
        "area_utbildning__child_words": "Matten är svår.", "area_utbildning__priority": "y",
        "views-0-area": "halsa", "views-0-who": "Mentor och skolsköterska",
        "views-0-text": "Äter för lite för att orka en hel skoldag.",
        **intervention(0, "Mellanmål varje eftermiddag", SKOLA, value("anna", ids), area="halsa"),
        **intervention(1, "Hälsosamtal", VC, "", area="halsa"),
        "roles__lead_service": "arjeplog-grundskola", "roles__coordinator": value("anna", ids),
        "roles__plan_owner": value("vera", ids), **date_fields("followup__date", TODAY + dt.timedelta(days=45)),
        "submit": "1",
    }
    response = anna.post(editor, data=data)
    assert response.status_code == 400
    assert "Välj en kontaktperson för insatsen" in response.get_data(as_text=True)   # every intervention has one
    # Barnets plan holds every part of a SIP (Kronoberg): who has the overall responsibility, measures by
    # others than the two principals, and an actor's documented judgement that nothing more is needed.
    assert "Välj vilken huvudman som har det övergripande ansvaret för planen" in response.get_data(as_text=True)
    data.update({"interventions-1-contact": value("vera", ids), "roles__overall_authority": "arjeplogs-kommun",
                 "others__measures": "Fotbollsföreningen ordnar skjuts till träningen.",
                 "no_further-0-unit": IFO, "no_further-0-reasoning": "Inget behov av utredning enligt IFO:s bedömning."})
    assert anna.post(editor, data=data).status_code == 302
    view = editor.replace("/redigera", "")
    page = anna.get(view).get_data(as_text=True)
    assert "Jag är trött på eftermiddagarna." in page
    assert "<strong>Mentor och skolsköterska:</strong> Äter för lite" in page
    assert "<h2>Hälsa – viktigast just nu</h2>" in page and "<h2>Identitet" not in page   # only areas with needs
    assert "Vera Vårdsson, Arjeplogs vårdcentral" in page
    assert "Fotbollsföreningen ordnar skjuts till träningen." in page and "Arjeplogs kommun" in page
    assert "Ingen vidare insats behövs enligt" in page and "Inget behov av utredning enligt IFO:s bedömning." in page
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(anna.get(f"{view}.pdf").data)).pages)
    assert "Inget behov av utredning enligt IFO:s bedömning." in text
    assert text.index("Jag är trött på eftermiddagarna.") < text.index("Matten är svår.") \
        < text.index("Mentor och skolsköterska") < text.index("Mellanmål varje eftermiddag")
    export = json.loads(anna.get(f"{view}.json").data)
    assert [a["key"] for a in export["areas"]] == ["halsa", "utbildning"]
    assert export["areas"][0]["professional_views"] == [{"who": "Mentor och skolsköterska",
                                                         "text": "Äter för lite för att orka en hel skoldag."}]
    assert {i["area"] for i in export["interventions"]} == {"halsa"}
    assert export["measures_by_others"] == "Fotbollsföreningen ordnar skjuts till träningen."
    assert export["no_further_measures"] == [{"unit": "IFO barn och familj (Individ- och familjeomsorgen, Arjeplogs kommun)",
                                              "reasoning": "Inget behov av utredning enligt IFO:s bedömning."}]


def test_a_case_follows_its_region_s_routine_until_staff_choose_another(app_factory, make_user, make_case):
    """Arjeplog's units follow Arjeplog's routines (two weeks to the meeting), Kronoberg's the
    Kronobarnsmodellen, whatever PORTAL_DEFAULT_PROCESS says; an authority without one gets the default."""
    from portal.cases.models import Case
    from portal.extensions import db
    from portal.plans import service
    from sqlalchemy import select

    app = app_factory()
    cases = {}
    for email, unit in (("alva.larare@arjeplog.example", "solbackens-skola"), ("kim.larare@vaxjo.example", "ekbackens-skola"),
                        ("pia.polis@polisen.example", "polisen-arjeplog")):
        uid = make_user(email, units=(unit,))
        cases[unit] = (make_case(uid, unit_key=unit), uid)
    with app.test_request_context():
        from portal.accounts.models import User

        got = {}
        for unit, (ref, uid) in cases.items():
            case = db.session.scalar(select(Case).where(Case.ref == ref))
            got[unit] = service.ensure_process(case, db.session.get(User, uid)).key
    assert got == {"solbackens-skola": "arjeplog", "ekbackens-skola": "kronobarn", "polisen-arjeplog": "norrbus"}


def test_the_directory_check_warns_about_an_authority_whose_process_does_not_exist(tmp_path):
    import shutil

    from portal.config import ROOT
    from portal.directory.checks import directory_warnings
    from portal.directory.loader import load_directory

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    path = content / "directory.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("process: kronobarn", "process: kronoberg", 1),
                    encoding="utf-8")
    warnings = directory_warnings(load_directory(content), content)
    assert any("huvudmannen 'vaxjo-kommun' har process 'kronoberg', som inte finns" in w for w in warnings)


def test_a_placement_brings_the_cost_split_step_due_ten_working_days_after_the_decision(world):
    """Norrbus riktlinjer, Kostnadsfördelning vid placering utanför hemmet: "Vid akut placering ska
    kostnadsfördelningen vara klarlagd senast tio arbetsdagar efter beslut om placering." """
    from tests.helpers import SEEDS

    seed = " ".join((SEEDS / "norrbus-riktlinjer.txt").read_text(encoding="utf-8").split())
    assert ("Vid akut placering ska kostnadsfördelningen vara klarlagd senast tio arbetsdagar efter beslut om "
            "placering.") in seed
    app, ref, ids, anna = world
    assert anna.post(f"/arenden/{ref}/arbetssatt", data={"process_key": "norrbus"}).status_code == 302
    page = anna.get(f"/arenden/{ref}").get_data(as_text=True)
    assert "Beslut om placering utanför hemmet" in page
    assert "Kostnadsfördelningen mellan huvudmännen klarlagd" not in page   # no placement, no cost split step
    response = anna.post(f"/arenden/{ref}/steg/placement", data=date_fields("done_on", dt.date(2025, 12, 18)))
    assert response.status_code == 302
    page = anna.get(f"/arenden/{ref}").get_data(as_text=True)
    assert "Kostnadsfördelningen mellan huvudmännen klarlagd" in page
    # 18 December + 10 working days, without julafton, juldagen, annandagen, nyårsafton, nyårsdagen
    # and trettondedagen: 9 January
    assert "Senast fredag 9 januari 2026" in page
    assert "10 arbetsdagar efter steget ”beslut om placering utanför hemmet" in page
