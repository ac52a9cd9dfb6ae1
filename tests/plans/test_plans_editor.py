"""The plan editor: consented units only, the coordinator/plan owner rule, the lead-service
suggestion, priorities, drafts that are never lost, approval, immutability and versions."""
from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.timeutil import today_local
from tests.support.plans import (BUP, IFO, SKOLA, client_for, date_fields, give_consent, intervention, make_people,
                                 new_plan, plan_id_from, value, version_status)

TODAY = today_local()


@pytest.fixture
def world(app, make_user, make_case):
    ids = make_people(make_user)
    ref = make_case(ids["anna"])
    anna = client_for(app, "anna")
    give_consent(app, anna, ref, (SKOLA, IFO))
    return app, ref, ids, anna


def sip_data(ids, **overrides) -> dict:
    data = {
        **date_fields("plan__established_on", TODAY),
        "needs__needs": "Behöver stöd i skolan och hemma.",
        "needs__strengths": "Tycker om att rita.",
        **intervention(0, "Läxhjälp två gånger i veckan", SKOLA, value("anna", ids), frequency="2 gånger i veckan",
                       duration="Vårterminen"),
        **intervention(1, "Föräldrastöd", IFO, value("samir", ids), frequency="Varannan vecka"),
        "family__child": "Jag vill ha hjälp med matten.",
        "family__guardians": "Vi vill ha stöd hemma.",
        "roles__coordinator": value("samir", ids),
        "roles__lead_service": "arjeplog-ifo",
        "roles__overall_authority": "arjeplogs-kommun",
        **date_fields("followup__date", TODAY + dt.timedelta(days=60)),
        "followup__place": "Solbackens skola",
        "submit": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def options(html: str, name: str) -> list[str]:
    select_html = re.search(rf'<select[^>]*name="{re.escape(name)}".*?</select>', html, re.S).group(0)
    return [v for v in re.findall(r'<option[^>]*value="([^"]*)"', select_html) if v]


def test_only_units_covered_by_a_valid_consent_can_be_chosen(world):
    app, ref, ids, anna = world
    editor = new_plan(anna, ref)
    # The consent step of the process counts from the day the consent became valid.
    case_page = anna.get(f"/arenden/{ref}").get_data(as_text=True)
    assert "Samtycket blev giltigt i portalen" in case_page and "Kallelse till nätverksmöte" in case_page
    page = anna.get(editor).get_data(as_text=True)
    assert options(page, "interventions-0-unit") == [SKOLA, IFO]
    assert value("britt", ids) not in options(page, "interventions-0-contact")
    # A unit the consent does not cover is refused with a clear error, and nothing typed is lost.
    data = sip_data(ids, **intervention(1, "Samtal på BUP", BUP, value("britt", ids)))
    response = anna.post(editor, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "BUP Pite älvdal (Barn- och ungdomspsykiatrin, Region Norrbotten) omfattas inte av något giltigt samtycke" in html
    assert 'href="#interventions-1-unit"' in html
    assert "Samtal på BUP" in html
    assert version_status(app, plan_id_from(editor), 1) == "draft"


def test_a_coordinator_outside_social_services_and_health_care_needs_a_plan_owner(world):
    app, ref, ids, anna = world
    editor = new_plan(anna, ref)
    response = anna.post(editor, data=sip_data(ids, roles__coordinator=value("anna", ids)))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Samordnaren arbetar inom skola, alltså utanför socialtjänsten och hälso- och sjukvården. " \
           "Utse därför också en planansvarig" in html
    # A plan owner inside the school is refused too …
    response = anna.post(editor, data=sip_data(ids, roles__coordinator=value("anna", ids),
                                                 roles__plan_owner=value("anna", ids)))
    assert "Planansvarig ska arbeta inom socialtjänsten eller hälso- och sjukvården" in response.get_data(as_text=True)
    # … one in social services is accepted and the plan goes for approval.
    response = anna.post(editor, data=sip_data(ids, roles__coordinator=value("anna", ids),
                                                 roles__plan_owner=value("samir", ids)))
    assert response.status_code == 302
    assert version_status(app, plan_id_from(editor), 1) == "proposed"


def test_the_lead_service_is_suggested_from_the_interventions_and_priorities_above_three_warn(world):
    """Kronobarnsmodellen's own rules (samverkansansvarig, de 2–3 viktigaste): on Kronobarn plans only."""
    app, ref, ids, anna = world
    assert anna.post(f"/arenden/{ref}/arbetssatt", data={"process_key": "kronobarn"}).status_code in (302, 303)
    editor = new_plan(anna, ref, "sip")
    data = {**intervention(0, "Läxhjälp", SKOLA, value("anna", ids), priority=True),
            **intervention(1, "Föräldrastöd", IFO, value("samir", ids), priority=True),
            **intervention(2, "Samtalsstöd", IFO, value("samir", ids), priority=True),
            **intervention(3, "Kontaktperson", IFO, value("sara", ids), priority=True),
            "save_draft": "1"}
    anna.post(editor, data=data)
    html = anna.get(editor).get_data(as_text=True)
    assert "Förslag: Individ- och familjeomsorgen, som har flest insatser i planen. Insatser per verksamhet: " \
           "Individ- och familjeomsorgen 3 insatser, Grundskolan i Arjeplog 1 insats." in html
    assert "Planen har 4 prioriteringar. Välj de 2–3 viktigaste just nu" in html
    assert "Vem är samordnare?" not in html


def test_a_norrbus_sip_gets_norrbus_s_coordinator_rule_and_not_kronoberg_s(world):
    """Norrbus riktlinjer, Samordnare: "I det fall socialtjänsten har insatser utöver tidiga insatser är det
    naturligt att samordnaren tillhör socialtjänsten." Kronoberg's rules do not apply."""
    from tests.helpers import SEEDS

    seed = " ".join((SEEDS / "norrbus-riktlinjer.txt").read_text(encoding="utf-8").split()).lower()
    from portal.plans.rules import NORRBUS_COORDINATOR, NORRBUS_PLACEMENT

    assert NORRBUS_COORDINATOR.lower() in seed and NORRBUS_PLACEMENT.lower() in seed
    app, ref, ids, anna = world
    editor = new_plan(anna, ref)
    data = {**intervention(0, "Läxhjälp", SKOLA, value("anna", ids), priority=True),
            **intervention(1, "Föräldrastöd", IFO, value("samir", ids), priority=True),
            **intervention(2, "Samtalsstöd", IFO, value("samir", ids), priority=True),
            **intervention(3, "Kontaktperson", IFO, value("sara", ids), priority=True),
            "roles__coordinator": value("anna", ids), "save_draft": "1"}
    anna.post(editor, data=data)
    html = anna.get(editor).get_data(as_text=True)
    assert "som har flest insatser i planen" not in html and "Planen har 4 prioriteringar" not in html
    assert "Vem är samordnare?" in html
    assert "Socialtjänsten har 3 insatser i planen, men samordnaren arbetar på" in html
    # with a samordnare from socialtjänsten there is nothing to advise
    anna.post(editor, data={**data, "roles__coordinator": value("samir", ids)})
    assert "Vem är samordnare?" not in anna.get(editor).get_data(as_text=True)
    # at a placement socialtjänsten coordinates, whatever the interventions
    import datetime as dt

    from tests.support.plans import date_fields

    anna.post(editor, data={**data, "interventions-1-unit": SKOLA, "interventions-2-unit": SKOLA,
                            "interventions-3-unit": SKOLA})
    assert "Vem är samordnare?" not in anna.get(editor).get_data(as_text=True)
    anna.post(f"/arenden/{ref}/steg/placement", data=date_fields("done_on", dt.date.today()))
    html = anna.get(editor).get_data(as_text=True)
    assert "Barnet är placerat utanför hemmet" in html and "har socialtjänsten samordningsansvaret" in html


def test_drafts_are_saved_on_every_add_and_remove_click_and_on_spara_utkast(world):
    app, ref, ids, anna = world
    editor = new_plan(anna, ref)
    response = anna.post(editor, data={"needs__needs": "Behov som inte får försvinna",
                                       **intervention(0, "Läxhjälp", SKOLA, value("anna", ids)),
                                       "formdefs_action": "add:interventions"})
    assert response.status_code == 200 and "Utkastet är sparat." in response.get_data(as_text=True)
    assert 'name="interventions-1-what"' in response.get_data(as_text=True)
    # A new browser session: the draft is on the server.
    again = client_for(app, "anna").get(editor).get_data(as_text=True)
    assert "Behov som inte får försvinna" in again and "Läxhjälp" in again
    response = anna.post(editor, data={"needs__needs": "Behov som inte får försvinna",
                                       **intervention(0, "Läxhjälp", SKOLA, value("anna", ids)),
                                       **intervention(1, "Ta bort mig", IFO, value("samir", ids)),
                                       "formdefs_action": "remove:interventions:1"})
    assert "Ta bort mig" not in anna.get(editor).get_data(as_text=True)
    response = anna.post(editor, data={"needs__needs": "Ändrat behov", "save_draft": "1"})
    assert response.status_code == 302
    assert "Ändrat behov" in anna.get(editor).get_data(as_text=True)


@pytest.mark.parametrize("button", [{"save_draft": "1"}, {"formdefs_action": "add:interventions"}, {"submit": "1"}])
def test_a_draft_with_text_over_its_limit_is_refused_and_the_saved_draft_stays(world, button):
    app, ref, ids, anna = world
    editor = new_plan(anna, ref)
    assert anna.post(editor, data={"needs__needs": "Behov som redan är sparat", "save_draft": "1"}).status_code == 302
    pasted = "Lång text. " * 500   # 5 000 characters in a field of at most 4 000, as pasted from another system
    response = anna.post(editor, data={"needs__needs": pasted, **intervention(0, "x" * 2001, SKOLA, value("anna", ids)),
                                       **button})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    summary = html.split('class="error-summary"', 1)[1].split("</ul>", 1)[0]
    assert "Barnets eller den unges behov får vara högst 4000 tecken" in summary and "Insats får vara högst 2000 tecken" in summary
    assert 'id="needs__needs-error"' in html and pasted.strip() in html   # next to the field, and nothing typed lost
    assert not re.search(r"\smaxlength=", html)   # the browser would cut pasted text silently
    saved = client_for(app, "anna").get(editor).get_data(as_text=True)
    assert "Behov som redan är sparat" in saved and "Lång text." not in saved


def _approve_all(app, ref, editor, ids):
    """Staff of each participating unit approve; the guardians' paper signatures are recorded."""
    view = editor.replace("/redigera", "")
    for key in ("anna", "samir"):
        client = client_for(app, key)
        response = client.post(f"{view}/godkann", data={"unit_key": {"anna": SKOLA, "samir": IFO}[key]})
        assert response.status_code == 302
    anna = client_for(app, "anna")
    page = anna.get(view).get_data(as_text=True)
    for approval_id in re.findall(r'<option value="(\d+)">Vårdnadshavare', page):
        response = anna.post(f"{view}/underskrift", data={"approval": approval_id, **date_fields("signed_on", TODAY)})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return view


def test_approval_locks_the_version_and_a_follow_up_makes_version_2_with_a_diff(world):
    app, ref, ids, anna = world
    editor = new_plan(anna, ref)
    assert anna.post(editor, data=sip_data(ids)).status_code == 302
    plan_id = plan_id_from(editor)
    view = editor.replace("/redigera", "")
    # Approvals: both units and both guardians.
    page = anna.get(view).get_data(as_text=True)
    assert "Väntar på godkännande" in page and "Godkänn planen för Solbackens skola" in page
    assert "Godkänn planen för IFO barn och familj" not in page     # Anna does not work there
    _approve_all(app, ref, editor, ids)
    assert version_status(app, plan_id, 1) == "approved"

    # The approved version cannot be edited: not through the pages …
    response = anna.post(editor, data=sip_data(ids, needs__needs="Försök att ändra"))
    assert response.status_code == 302
    assert "Försök att ändra" not in anna.get(view).get_data(as_text=True)
    # … and not in the model layer.
    from portal.extensions import db
    from portal.plans.models import PlanVersion, PlanVersionLocked

    with app.app_context():
        version = db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan_id))
        version.content = {**version.content, "needs": {"needs": "Ändrat i databasen", "strengths": ""}}
        with pytest.raises(PlanVersionLocked):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(PlanVersionLocked):
            db.session.delete(db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan_id)))
            db.session.commit()
        db.session.rollback()

    # The process steps "plan" and "coordinator" were recorded by the approval.
    case_page = anna.get(f"/arenden/{ref}").get_data(as_text=True)
    assert "Planen godkändes" in case_page and "Utsedd i den godkända planen" in case_page

    # Follow-up: version 2 starts from version 1; change a frequency, drop one, add one.
    response = anna.post(f"/arenden/{ref}/planer/{plan_id}/uppfoljning",
                         data={**date_fields("held_on", TODAY), "deviations": "to_report"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/v/2/redigera")
    editor2 = editor.replace("/v/1/", "/v/2/")
    assert "Läxhjälp två gånger i veckan" in anna.get(editor2).get_data(as_text=True)
    data = sip_data(ids, **intervention(0, "Läxhjälp två gånger i veckan", SKOLA, value("anna", ids),
                                        frequency="3 gånger i veckan", duration="Vårterminen"),
                    **intervention(1, "Kontaktperson på fritiden", IFO, value("sara", ids)))
    data["needs__strengths"] = ""
    assert anna.post(editor2, data=data).status_code == 302
    history = anna.get(f"/arenden/{ref}/planer/{plan_id}/historik").get_data(as_text=True)
    rows = [re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", row)).strip()
            for row in re.findall(r"<tr><td[^>]*>.*?</tr>", history, re.S)]
    assert "Ändrat Insatser: Insats ”Läxhjälp två gånger i veckan” – Hur ofta 2 gånger i veckan 3 gånger i veckan" in rows
    assert "Borttaget Insatser: Insats ”Föräldrastöd” – –" in rows
    assert "Tillagt Insatser: Insats ”Kontaktperson på fritiden” – –" in rows
    assert "Borttaget Barnets eller den unges behov – Det här fungerar bra Tycker om att rita. –" in rows
    assert len(rows) == 4
    # Version 1 is unchanged and still readable.
    assert "Föräldrastöd" in anna.get(view).get_data(as_text=True)


def test_the_family_pdf_puts_the_childs_own_words_first_and_the_json_export_is_documented(world):
    app, ref, ids, anna = world
    editor = new_plan(anna, ref)
    anna.post(editor, data=sip_data(ids))
    view = editor.replace("/redigera", "")
    assert anna.get(view).status_code == 200
    response = anna.get(f"{view}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert reader.metadata.title == "Samordnad individuell plan (SIP) – version 1"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert text.index("Det här har barnet sagt") < text.index("Jag vill ha hjälp med matten.") \
        < text.index("Det här ska göras") < text.index("Läxhjälp två gånger i veckan")
    assert "Samir Socialsson, IFO barn och familj" in text
    assert "Arjeplogs kommun" in text                   # cost follows responsibility by default
    assert "samordnare_" not in text and "interventions" not in text   # not a dump of field keys
    # Norrbus Bilaga 2, the paper form: the child's and the guardians' personnummer and contact details
    assert "Barnet och vårdnadshavarna" in text
    assert "Testbarn Testsson" in text and "20120415-2381" in text
    assert "Vårdnadshavare 1" in text and "vh1@familj.example" in text

    response = anna.get(f"{view}.json")
    data = json.loads(response.data)
    assert data["schema"] == "samverkansportalen.plan/1"
    assert data["version"]["number"] == 1 and data["version"]["status"] == "proposed"
    assert [i["what"] for i in data["interventions"]] == ["Läxhjälp två gånger i veckan", "Föräldrastöd"]
    assert data["interventions"][1]["cost_responsibility"] == {"key": "arjeplogs-kommun", "name": "Arjeplogs kommun"}
    assert data["roles"]["coordinator"]["unit"] == IFO and data["roles"]["lead_service"]["key"] == "arjeplog-ifo"
    from portal.audit.models import AuditEvent
    from portal.extensions import db

    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert {"plan.print", "plan.export", "plan.view", "plan.propose", "plan.create"} <= set(actions)


def test_barnets_plan_says_where_its_areas_come_from_until_the_region_confirms_them(world, tmp_path):
    """Kronoberg: "Barnets plan består av samma sju områden som tas upp i Barnens bästa-hjulet" – the
    guidance does not list them, so the portal's labels are a proposal in content/ for the region."""
    from click.testing import CliRunner

    from portal.cli import cli
    from portal.config import ROOT
    from tests.helpers import SEEDS

    assert "samma sju områden som tas upp i Barnens bästa-hjulet" in (
        SEEDS / "kronoberg-vagledning-samverkansmote-barnets-plan.txt").read_text(encoding="utf-8")
    app, ref, ids, anna = world
    html = anna.get(new_plan(anna, ref, "barnets_plan")).get_data(as_text=True)
    assert "Var områdenas namn kommer ifrån: Portalens förslag: BBIC:s sju behovsområden." in html
    assert "Regionen har ännu inte bekräftat dem." in html
    out = CliRunner().invoke(cli, ["content", "check", "--content-dir", str(ROOT / "content")]).output
    assert "plan_areas.yaml, rad 1: områdena i Barnets plan är inte bekräftade av regionen" in out
    import shutil

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    path = content / "plan_areas.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("confirmed: false", "confirmed: true"), encoding="utf-8")
    out = CliRunner().invoke(cli, ["content", "check", "--content-dir", str(content)]).output
    assert "plan_areas.yaml" not in out
