"""The HTML that PDFs are made from passes axe-core too (WeasyPrint keeps its structure as PDF tags).

Every template that extends "pdf/base.html" needs a sample in pages.PDF_TEMPLATES; the HTML from
portal.pdf.render_pdf_html() is loaded into Chromium with static/css/pdf.css and checked."""
from __future__ import annotations

import re

import pytest
from jinja2 import ChoiceLoader, DictLoader
from playwright.sync_api import expect

from .helpers import check_pdf_html, format_results
from .pages import PDF_TEMPLATES

pytestmark = pytest.mark.browser

EXTENDS_PDF_BASE = re.compile(r"""{%-?\s*extends\s+["']pdf/base\.html["']""")

PROBE = """{% extends "pdf/base.html" %}{% block content %}
<p class="confidential">Innehåller uppgifter som kan omfattas av sekretess (OSL).</p>
<h1>Samordnad individuell plan</h1>
<h2>Barnet</h2>
<dl class="summary"><dt>Namn</dt><dd>Elsa Exempeldotter</dd><dt>Personnummer</dt><dd>20120415-2381</dd></dl>
<h2>Insatser</h2>
<table><caption>Insatser i planen</caption>
<thead><tr><th scope="col">Insats</th><th scope="col">Ansvarig</th><th scope="col">Klart</th></tr></thead>
<tbody><tr><td>Stödsamtal varje vecka</td><td>Elevhälsan</td><td>1 mars 2027</td></tr></tbody></table>
<ul><li>Uppföljning efter sex veckor</li></ul>
<p class="hash">Kontrollsumma: 3f7a…</p>
{% endblock %}"""


@pytest.fixture(scope="module")
def pdf_page(new_context):
    return new_context().new_page()


def pdf_templates(app) -> list[str]:
    found = []
    for name in app.jinja_env.list_templates():
        if name.endswith(".html") and name != "pdf/base.html":
            source = app.jinja_env.loader.get_source(app.jinja_env, name)[0]
            if EXTENDS_PDF_BASE.search(source):
                found.append(name)
    return sorted(found)


def test_every_pdf_template_has_a_sample_to_check(portal_server):
    missing = set(pdf_templates(portal_server.app)) - set(PDF_TEMPLATES)
    assert not missing, f"PDF templates without a sample in tests/browser/pages.py PDF_TEMPLATES: {sorted(missing)}"


def test_pdf_templates_html_passes_axe(portal_server, pdf_page):
    from portal.pdf import render_pdf_html

    app, failures = portal_server.app, []
    for template, sample in sorted(PDF_TEMPLATES.items()):
        with app.test_request_context():
            samples = sample()
            samples = samples if isinstance(samples, list) else [samples]
            assert samples, f"no sample data for {template}"
            documents = [(kwargs["title"], render_pdf_html(template, **kwargs)) for kwargs in samples]
        for title, html in documents:
            report = check_pdf_html(pdf_page, html, f"PDF {template} ({title})")
            expect(pdf_page).to_have_title(title)
            if report.violations:
                failures.append(format_results(report.label, report.violations))
    if failures:
        pytest.fail("axe-core found WCAG 2.1 A/AA violations in PDF HTML:\n" + "\n".join(failures), pytrace=False)


def _render_probe(app_factory, source: str, title: str) -> str:
    from portal.pdf import render_pdf_html

    app = app_factory()
    app.jinja_env.loader = ChoiceLoader([DictLoader({"probe_pdf.html": source}), app.jinja_env.loader])
    with app.test_request_context():
        return render_pdf_html("probe_pdf.html", title=title)


def test_the_pdf_base_layout_passes_axe(app_factory, pdf_page):
    html = _render_probe(app_factory, PROBE, "Samordnad individuell plan")
    report = check_pdf_html(pdf_page, html, "PDF base layout with a typical document")
    expect(pdf_page).to_have_title("Samordnad individuell plan")
    assert pdf_page.evaluate("document.documentElement.lang") == "sv"
    assert not report.violations, format_results(report.label, report.violations)


def test_the_pdf_check_finds_problems(app_factory, pdf_page):
    bad = PROBE.replace("<h2>Insatser</h2>", '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">') \
               .replace('<th scope="col">Insats</th>', '<td></td>')
    html = _render_probe(app_factory, bad, "")
    ids = {v["id"] for v in check_pdf_html(pdf_page, html, "deliberately broken PDF HTML").violations}
    assert {"image-alt", "document-title"} <= ids
