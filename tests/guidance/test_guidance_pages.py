"""The guidance pages: list, guideline, roles, glossary, PDF and print."""
from __future__ import annotations

import io
import re

from pypdf import PdfReader

from tests.support.guidance import element_text

PAGES = ["/riktlinjer/", "/riktlinjer/norrbus-riktlinjer", "/roller/", "/ordlista/", "/sok", "/sok?q=samordnare"]


def test_start_page_links_to_the_guidelines(client):
    html = client.get("/").get_data(as_text=True)
    assert '<a href="/riktlinjer/">Läs riktlinjerna</a>' in html
    assert '<a href="/riktlinjer/">Riktlinjer</a>' in html   # main navigation


def test_the_list_shows_every_guideline_in_order_with_summary_issuer_and_revision(client, app):
    html = client.get("/riktlinjer/").get_data(as_text=True)
    content = app.extensions["guidance"].get()
    titles = re.findall(r'<h3 class="guideline-list__title"><a href="/riktlinjer/([^"]+)">', html)
    assert titles == ["norrbus-riktlinjer", "grona-kortet-norrbus", "grona-kortet-ostra-norrbotten",
                      "arjeplog-rutiner", "kronoberg-samverkansmote-barnets-plan"]
    for g in content.guidelines.values():
        assert g.summary in html and g.issuer in html
    # An ISO revision date is shown as a Swedish date.
    assert '<time datetime="2012-04-18">18 april 2012</time>' in html
    assert "Antagen december 2010, reviderad 2013" in html
    # An accessible search form.
    form = re.search(r"<form[^>]*role=\"search\".*?</form>", html, re.S).group()
    assert 'action="/sok"' in form and 'aria-label="Sök i riktlinjerna"' in form
    assert '<label class="label" for="sok-q">' in form and 'id="sok-q" name="q"' in form


def test_a_guideline_page_has_toc_source_issuer_revision_and_pdf_link(client):
    html = client.get("/riktlinjer/arjeplog-rutiner").get_data(as_text=True)
    assert "<title>Rutiner för samverkan mellan Barn- och utbildning (BU)" in html
    assert html.count("<h1") == 1
    meta = element_text(html, "innehall")
    assert "Utfärdare Styrgruppen för samverkan i barn- och ungdomsfrågor, Arjeplog" in meta
    assert "Källa Rutiner för samverkan mellan Barn- och utbildning (BU)" in meta
    assert "Revision 18 april 2012" in meta
    assert '<nav class="toc" aria-labelledby="sida-innehall">' in html
    assert '<a href="#bilaga-4-rutin-for-avvikelsehantering">Bilaga 4 Rutin för avvikelsehantering</a>' in html
    assert '<a href="/riktlinjer/arjeplog-rutiner.pdf">Ladda ned riktlinjen som PDF</a>' in html
    # Links to the portal's forms stay links to the portal.
    assert '<a href="/samtycke/">Digital samtyckesblankett</a>' in html
    assert '<a href="/avvikelser/ny">Digital avvikelserapport</a>' in html


def test_unknown_guideline_is_404(client):
    assert client.get("/riktlinjer/finns-inte").status_code == 404
    assert client.get("/riktlinjer/finns-inte.pdf").status_code == 404


def test_roles_page_lists_responsibilities_roles_and_levels_linking_to_their_sections(client, app):
    html = client.get("/roller/").get_data(as_text=True)
    content = app.extensions["guidance"].get()
    for heading in ("Verksamheternas ansvar", "Roller i ett ärende", "Samverkansnivåer"):
        assert f">{heading}</h2>" in html
    assert '<div class="role" id="samordnare">' in html
    assert ('<a href="/riktlinjer/norrbus-riktlinjer#samordnare">Norrbus – Gemensamma riktlinjer för samverkan kring '
            'barn och unga i Norrbotten, avsnittet ”Samordnare”</a>') in html
    assert "<h4>Sammansättning</h4>" in html and "<li>Närsjukvårdschef</li>" in html
    assert "<h4>Ansvar</h4>" in html and "<li>Styra och leda verksamheten</li>" in html
    # Every source link goes to a heading that exists on the guideline page.
    links = re.findall(r'<p class="source-link">Källa: <a href="/riktlinjer/([^"#]+)#([^"]+)"', html)
    assert len(links) == sum(len(v) for v in content.roles.values())
    for slug, anchor in set(links):
        page = client.get(f"/riktlinjer/{slug}").get_data(as_text=True)
        assert f'id="{anchor}"' in page, (slug, anchor)


def test_glossary_is_alphabetical_in_swedish_with_slug_ids_and_source_links(client, app):
    html = client.get("/ordlista/").get_data(as_text=True)
    content = app.extensions["guidance"].get()
    ids = re.findall(r'<dt id="([^"]+)">', html)
    assert sorted(ids) == sorted(t.slug for t in content.glossary)
    terms = [re.sub(r"<[^>]+>", "", t).split(" (")[0] for t in re.findall(r'<dt id="[^"]+">(.*?)</dt>', html)]
    assert terms.index("Vårdplan") < terms.index("Åtgärdsprogram")              # å ä ö after z
    assert terms.index("Samverkansmöte") < terms.index("SIP") < terms.index("SoL")
    assert terms[-1] == "Åtgärdsprogram"
    letters = re.findall(r'<h2 id="bokstav-([^"]+)" class="letter-heading">([^<]+)</h2>', html)
    assert letters[-1] == ("aa", "Å")
    assert "(samordnad individuell plan)" in html
    # The source link goes to the section where the guideline first uses the term.
    anchor = content.guidelines["norrbus-riktlinjer"].terms["sip"]
    assert anchor == "samordnad-individuell-plan-sip"
    assert re.search(r'<dt id="sip">.*?<p class="source-link">Definitionen är ordagrant från <a href="/riktlinjer/'
                     r'norrbus-riktlinjer#samordnad-individuell-plan-sip">', html, re.S)
    # the portal's own explanations say so
    assert re.search(r'<dt id="samsyn">.*?<p class="source-link">Förklaringen är portalens. Ordet används i', html, re.S)
    for slug, anchor in set(re.findall(r'href="/riktlinjer/([^"#]+)#([^"]+)"', html)):
        assert f'id="{anchor}"' in client.get(f"/riktlinjer/{slug}").get_data(as_text=True)


def test_the_guideline_pdf_is_tagged_and_readable(client):
    response = client.get("/riktlinjer/grona-kortet-norrbus.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and str(root["/Lang"]).lower().startswith("sv")
    assert reader.metadata.title == "Gröna kortet – samverkansrutiner och checklista (Norrbus, bilaga 1)"
    text = " ".join(page.extract_text() for page in reader.pages)
    text = re.sub(r"\s+", " ", text)
    assert "Håll nätverksmöte inom 10 arbetsdagar." in text
    assert "Vem gör kallelse och ordnar det praktiska kring nätverksmötet?" in text
    assert "Begrepp i riktlinjen" in text
    assert "Länk till avsnittet" not in text   # no heading links in print


def test_pages_follow_the_csp_and_print_cleanly(client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert "style=" not in html, path
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert 'href="/static/css/print.css" media="print"' in html
        assert html.count("<h1") == 1, path
    # Navigation, search forms and heading links are hidden in print.
    css = open("static/css/portal.css", encoding="utf-8").read()
    block = css[css.index("@media print", css.index("==== Guidance")):]
    for selector in (".subnav", ".guidance-search", ".heading-anchor", ".breadcrumbs"):
        assert selector in block.split("}")[0]
    assert ".no-print" in open("static/css/print.css", encoding="utf-8").read()


def _main(html: str) -> str:
    return re.search(r'<main id="innehall".*?</main>', html, re.S).group()


def test_every_reader_gets_the_same_guidance_text_inside_their_own_frame(app, make_user):
    """The guidance's text is rendered once and shared (guidance/routes.py shared_page): a
    visitor, a staff member and an administrator read the same main content, each with their own
    menu around it, whoever happened to load the page first."""
    from tests.helpers import login

    make_user("ada.admin@example.se", role="admin", units=())
    make_user("anna.larare@example.se")
    readers = {"visitor": app.test_client(), "admin": app.test_client(), "staff": app.test_client()}
    login(readers["admin"], "ada.admin@example.se")
    login(readers["staff"], "anna.larare@example.se")
    for path in ("/riktlinjer/", "/riktlinjer/arjeplog-rutiner", "/roller/", "/ordlista/"):
        pages = {who: c.get(path).get_data(as_text=True) for who, c in readers.items()}
        mains = {who: _main(html) for who, html in pages.items()}
        assert mains["admin"] == mains["visitor"] == mains["staff"], path
        assert "Logga ut" not in pages["visitor"] and "Logga ut" in pages["admin"] and "Logga ut" in pages["staff"]
        assert ">Konton</a>" in pages["admin"] and ">Konton</a>" not in pages["staff"]
        assert ">Mina ärenden</a>" in pages["staff"] and ">Mina ärenden</a>" not in pages["admin"]
