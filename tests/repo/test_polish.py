"""Issue 29 item 9: the smaller things seen on the way, each as a person would notice it."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import select

from portal.timeutil import today_local
from tests.support.consent import ask_for_consent
from tests.helpers import login
from tests.support.markup import markup_problems
from tests.support.plans import IFO, SKOLA, client_for, date_fields, give_consent, make_people, new_plan, value

ROOT = Path(__file__).resolve().parent.parent.parent


def test_the_lead_service_has_one_name_everywhere():
    """The seeds' word (Kronobergs vägledning, content/roles.yaml, docs/NAMING.md) is
    "samverkansansvarig"; Arjeplog's template word is kept only as a glossary alias and a quote."""
    allowed = {ROOT / "content" / "glossary.yaml", ROOT / "content" / "guidelines" / "arjeplog-rutiner.md"}
    files = [*ROOT.glob("forms/*.yaml"), *ROOT.glob("content/**/*.yaml"), *ROOT.glob("content/**/*.md"),
             *ROOT.glob("portal/**/*.html"), *ROOT.glob("portal/**/*.txt"), *ROOT.glob("portal/**/*.py")]
    found = [str(f.relative_to(ROOT)) for f in files
             if f not in allowed and "samordningsansvarig" in f.read_text(encoding="utf-8").lower()]
    assert not found, f"'Samordningsansvarig' for the lead service (say 'Samverkansansvarig'): {found}"
    assert "- **Samverkansansvarig** (i Arjeplogs mall: samordningsansvarig)" in (
        ROOT / "content" / "guidelines" / "arjeplog-rutiner.md").read_text(encoding="utf-8")


def test_the_plan_status_has_no_space_before_its_full_stop(app, make_user, make_case):
    ids = make_people(make_user)
    ref = make_case(ids["anna"])
    anna = client_for(app, "anna")
    view = new_plan(anna, ref).replace("/redigera", "")
    html = anna.get(view).get_data(as_text=True)
    status = re.search(r"<p>Status: (.*?)</p>", html, re.S).group(1)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", status)).strip()
    assert text.startswith("Utkast.") or text.startswith("Utkast"), text
    assert " ." not in text, f"a space before the full stop: {text!r}"


def test_consents_are_numbered_per_case(app, make_user, make_case):
    ids = make_people(make_user)
    first_case, second_case = make_case(ids["anna"]), make_case(ids["anna"])
    anna = client_for(app, "anna")
    ask_for_consent(anna, first_case, child_include="nej")
    ask_for_consent(anna, first_case, child_include="nej")
    consent_id = ask_for_consent(anna, second_case, child_include="nej")
    assert consent_id == 3
    page = anna.get(f"/arenden/{second_case}").get_data(as_text=True)
    assert "Samtycke 1" in page and "Samtycke 3" not in page
    assert "<h1>Samtycke 1</h1>" in anna.get(f"/arenden/{second_case}/samtycke/{consent_id}").get_data(as_text=True)
    first = anna.get(f"/arenden/{first_case}").get_data(as_text=True)
    assert "Samtycke 1" in first and "Samtycke 2" in first


def test_a_staff_member_with_one_unit_is_not_asked_to_choose_it(app, make_user):
    make_user("ett@skola.example", units=("solbackens-skola",))
    make_user("tva@skola.example", units=("solbackens-skola", "elevhalsan-arjeplog"))
    one = app.test_client()
    login(one, "ett@skola.example")
    html = one.get("/arenden/nytt").get_data(as_text=True)
    assert '<select' not in html.split('id="unit_key"')[0][-200:] and 'name="unit_key" value="solbackens-skola"' in html
    assert "Solbackens skola" in html and not markup_problems(html)
    two = app.test_client()
    login(two, "tva@skola.example")
    html = two.get("/arenden/nytt").get_data(as_text=True)
    assert re.search(r'<select[^>]*id="unit_key"[^>]*>\s*<option selected value="">Välj enhet</option>', html) \
        or re.search(r'<select[^>]*id="unit_key"[^>]*>\s*<option value="">Välj enhet</option>', html), html
    response = one.post("/arenden/nytt", data={"unit_key": "solbackens-skola", "child_name": "Ett Barn",
                                               "personal_number": "20120415-2381"})
    assert response.status_code == 302


def test_only_professionals_are_offered_as_chair_or_secretary(app, make_user, make_case):
    ids = make_people(make_user)
    ref = make_case(ids["anna"])
    anna = client_for(app, "anna")
    give_consent(app, anna, ref, (SKOLA, IFO))
    response = anna.post(f"/arenden/{ref}/moten/nytt", data={
        **date_fields("day", today_local() + dt.timedelta(days=30)), "start": "13:00", "end": "14:00",
        "place": "Rum 12", "digital_link": "", "purpose": "Få en gemensam bild.", "agenda": "",
        "child_participation": "on_site"})
    assert response.status_code == 302
    meeting = response.headers["Location"].split("#")[0].replace("http://localhost", "")
    page = anna.get(meeting).get_data(as_text=True)
    guardian = re.search(r'<option value="(guardian:\d+)">Vårdnadshavare: Vårdnadshavare 1<', page).group(1)
    assert anna.post(f"{meeting}/deltagare", data={"who": guardian, "purpose": ""}).status_code == 302
    assert anna.post(f"{meeting}/deltagare", data={"who": f"staff:{value('anna', ids)}", "purpose": "Skolans bild"}) \
        .status_code == 302
    page = anna.get(meeting).get_data(as_text=True)
    for role in ("chair", "secretary"):
        select_html = re.search(rf'<select[^>]*name="{role}"[^>]*>(.*?)</select>', page, re.S)
        offered = select_html.group(1) if select_html else page.split(f'name="{role}"')[0][-300:]
        assert "Anna Lärarsson" in offered and "Vårdnadshavare 1" not in offered, role
    # The purpose is needed for professionals: the field is not marked optional.
    label = re.search(r'<label class="label" for="purpose">(.*?)</label>', page, re.S).group(1)
    assert "frivilligt" not in label


def test_every_way_in_on_the_start_page_opens_for_the_role_that_sees_it(app, make_user):
    for email, role in (("personal@skola.example", "staff"), ("chef@skola.example", "manager"),
                        ("admin@portal.example", "admin")):
        make_user(email, role=role, units=() if role == "admin" else ("solbackens-skola",))
        client = app.test_client()
        login(client, email)
        main = client.get("/").get_data(as_text=True).split("<main", 1)[1].split("</main>", 1)[0]
        links = sorted(set(re.findall(r'href="(/[^"#]*)"', main)))
        assert links, role
        broken = [(href, client.get(href).status_code) for href in links if client.get(href).status_code >= 400]
        assert not broken, f"{role}: links on the start page that do not open: {broken}"


def test_every_page_names_its_icon(client):
    html = client.get("/").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)"', html).group(1)
    response = client.get(icon)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"


def test_the_compilation_csv_names_its_charset_once(app):
    from tests.support.deviations import RUT, client_for as deviation_client, make_people as deviation_people

    deviation_people(app)
    response = deviation_client(app, RUT).get("/avvikelser/sammanstallning.csv?ar=2026")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_a_managers_read_of_another_units_case_is_logged_under_the_cases_unit(app, make_case):
    from portal.accounts.models import User
    from portal.audit.models import AuditEvent
    from portal.extensions import db
    from tests.support.deviations import ERIK, REPORTER, RUT, act, client_for as deviation_client, file_report
    from tests.support.deviations import make_people as deviation_people

    people = deviation_people(app)
    case_ref = make_case(people[REPORTER], unit_key="solbackens-skola")
    ref = file_report(deviation_client(app, REPORTER), "Anna Lärarsson", case_ref=case_ref)
    rut = deviation_client(app, RUT)
    act(rut, ref, "cosign", text="Jag instämmer.", confirm="y")
    act(rut, ref, "send_to_concerned", text="")
    assert deviation_client(app, ERIK).get(f"/avvikelser/{ref}").status_code == 200  # Erik: IFO's manager
    with app.app_context():
        erik = db.session.scalar(select(User.id).where(User.email == ERIK))
        reads = db.session.scalars(select(AuditEvent).where(AuditEvent.user_id == erik,
                                                            AuditEvent.action == "deviation.view")).all()
        assert reads and all(e.case_id is not None for e in reads)
        assert {e.unit_key for e in reads} == {"solbackens-skola"}


def test_an_exact_term_or_abbreviation_comes_first_in_the_search(client):
    for query, first in (("BUP", "BUP (barn- och ungdomspsykiatri)"), ("bup", "BUP (barn- och ungdomspsykiatri)"),
                         ("barn- och ungdomspsykiatri", "BUP (barn- och ungdomspsykiatri)"),
                         ("SIP", "SIP (samordnad individuell plan)")):
        html = client.get("/sok", query_string={"q": query}).get_data(as_text=True)
        headings = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h3[^>]*>(.*?)</h3>", html, re.S)]
        assert headings and headings[0].endswith(first), (query, headings[:5])


def test_the_markup_check_finds_what_a_validator_would():
    page = """<!doctype html><html lang="sv"><head><title>x</title></head><body>
    <form method="post"><input type="hidden" name="csrf_token" id="csrf_token" value="1"></form>
    <form method="post"><input type="hidden" name="csrf_token" id="csrf_token" value="1">
      <label for="saknas">Namn</label><select id="unit" name="unit" required><option value="a">A</option></select>
      <form><input id="inner" name="x"></form>
      <p aria-describedby="inget">x</p><a href="#borta">hit</a>
    </form></body></html>"""
    problems = "\n".join(markup_problems(page))
    assert "id 'csrf_token' is used 2 times" in problems
    assert 'required <select id="unit" name="unit"> does not start with an empty option' in problems
    assert '<label for="saknas"> labels no form control' in problems
    assert "unexpected-start-tag" in problems  # the nested form
    assert "aria-describedby names no element: 'inget'" in problems
    assert '<a href="#borta"> points to no element' in problems
    assert markup_problems("<!doctype html><html lang='sv'><head><title>x</title></head><body><main>"
                           "<label for='a'>A</label><select id='a' name='a' required><option value=''>Välj</option>"
                           "<option value='b'>B</option></select></main></body></html>") == []


def test_no_template_lets_the_browser_cut_text():
    """Text over a limit gets a message; no template carries an HTML maxlength that cuts pasted text
    silently (the character count's data-maxlength is not one)."""
    found = [str(f.relative_to(ROOT)) for f in ROOT.glob("portal/**/*.html")
             if re.search(r"\smaxlength\s*=\s*[\"']", f.read_text(encoding="utf-8"))]
    assert not found, f"maxlength left in {found}"
