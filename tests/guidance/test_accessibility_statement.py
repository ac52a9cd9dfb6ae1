"""The accessibility statement at /tillganglighet (lagen (2018:1937), DIGG's model)."""
from __future__ import annotations

import shutil

import pytest

from portal.config import ROOT


def test_statement_is_public_and_has_what_the_law_asks_for(client):
    response = client.get("/tillganglighet")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Tillgänglighetsredogörelse – Samverkansportalen</title>" in html
    assert "Arjeplogs kommun står bakom Samverkansportalen. Vi vill" in html     # the public body
    assert "lagen (2018:1937) om tillgänglighet till digital offentlig service" in html
    assert "<strong>delvis förenlig</strong>" in html                             # conformance status
    assert "helt förenlig" not in html
    assert "2.2.1 Justerbar tidsgräns" in html                                    # known shortcoming
    assert 'href="mailto:tillganglighet@arjeplog.example"' in html               # how to report
    assert "Myndigheten för digital förvaltning (Digg)" in html                  # supervisory authority
    assert 'href="https://www.digg.se/tdosanmalan"' in html
    for method in ("axe-core i webbläsaren Chromium", "Tangentbordstester", "320 pixlar", "200 % förstoring", "1.4.12"):
        assert method in html                                                   # how it was tested
    assert "tester med skärmläsare" in html                                     # what was not tested
    assert "Bedömningen gjordes den 23 november 2026" in html
    assert "uppdaterades senast den 23 november 2026" in html


def test_the_time_limits_named_are_the_portals_own(app_factory):
    """2.2.1: the statement names the idle timeout and the lifetime the sessions really have."""
    app = app_factory(PORTAL_SESSION_IDLE_MINUTES=45, PORTAL_SESSION_LIFETIME_HOURS=9)
    html = app.test_client().get("/tillganglighet").get_data(as_text=True)
    assert "portalen på 45 minuter loggas du ut, och 9 timmar efter inloggningen loggas du alltid ut" in html
    assert "åtta timmar loggas du ut" not in html


def test_every_page_links_to_the_statement_in_the_footer(client):
    for path in ("/", "/logga-in", "/personuppgifter"):
        html = client.get(path).get_data(as_text=True)
        footer = html[html.index("<footer"):]
        assert '<a href="/tillganglighet">Tillgänglighetsredogörelse</a>' in footer, path


def _content_copy(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    return content


def test_an_installation_sets_its_own_organisation_contact_and_dates(app_factory, tmp_path):
    content = _content_copy(tmp_path)
    (content / "accessibility.yaml").write_text(
        "organisation: Region Exempel\n"
        "contact: {email: webb@region.example, phone: 010-000 00 00, response_time: tre arbetsdagar}\n"
        "assessed: 2027-01-15\nupdated: 2027-02-01\n", encoding="utf-8")
    html = app_factory(PORTAL_CONTENT_DIR=content).test_client().get("/tillganglighet").get_data(as_text=True)
    assert "Region Exempel står bakom" in html
    assert "mailto:webb@region.example" in html and "Telefon: 010-000 00 00" in html
    assert "Vi svarar inom tre arbetsdagar." in html
    assert "Bedömningen gjordes den 15 januari 2027" in html and "senast den 1 februari 2027" in html


def test_without_the_file_the_page_still_tells_how_to_get_help(app_factory, tmp_path):
    content = _content_copy(tmp_path)
    (content / "accessibility.yaml").unlink()
    response = app_factory(PORTAL_CONTENT_DIR=content).test_client().get("/tillganglighet")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Kontakta portalens administratör" in html and "digg.se/tdosanmalan" in html


@pytest.mark.parametrize("text, problem", [
    ("organisation: ''\ncontact: {email: a@b.example}\nassessed: 2026-01-01\nupdated: 2026-01-01\n", "organisation saknas"),
    ("organisation: X\ncontact: {email: inte-en-adress}\nassessed: 2026-01-01\nupdated: 2026-01-01\n", "contact.email"),
    ("organisation: X\ncontact: {email: a@b.example}\nassessed: snart\nupdated: 2026-01-01\n", "assessed ska vara ett datum"),
    ("organisation: [\n", "inte giltig YAML"),
])
def test_a_broken_file_stops_start_up_naming_the_problem(app_factory, tmp_path, text, problem):
    from portal.main.accessibility import AccessibilityStatementError

    content = _content_copy(tmp_path)
    (content / "accessibility.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(AccessibilityStatementError) as err:
        app_factory(PORTAL_CONTENT_DIR=content)
    assert "accessibility.yaml" in str(err.value) and problem in str(err.value)
