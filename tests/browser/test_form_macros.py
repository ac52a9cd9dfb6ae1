"""The shared form macros (portal/templates/macros/forms.html) and every declarative form in forms/
pass axe and reflow at 320 px, empty and with errors, before any feature page uses them.

The HTML is rendered by the portal (base.html, the macros, portal.formdefs) and loaded into a page
on the portal's own origin, so the real stylesheet, script and Content-Security-Policy apply."""
from __future__ import annotations

from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from .helpers import ROOT, format_results, reflow_problems, run_axe, screenshot

pytestmark = pytest.mark.browser

DEFINITIONS = sorted(p.stem for p in (ROOT / "forms").glob("*.yaml"))

MACRO_PAGE = """{% extends "base.html" %}
{% from "macros/forms.html" import error_summary, field, textarea, select, radios, checkboxes, checkbox,
   date_input, button, csrf_field, summary_list %}
{% block title %}Alla formulärdelar{% endblock %}
{% block content %}
<h1>Alla formulärdelar</h1>
<form method="post" novalidate>
  {{ csrf_field(form) }}
  {{ error_summary(form) }}
  {{ field(form.name, hint="Som det står i folkbokföringen", show_optional=False) }}
  {{ field(form.nickname) }}
  {{ textarea(form.story, hint="Beskriv kort vad som hände.", show_optional=False) }}
  {{ select(form.unit, show_optional=False) }}
  {{ radios(form.custody, inline=True, hint="Vid gemensam vårdnad ska båda samtycka.", show_optional=False) }}
  {{ checkboxes(form.areas, hint="Välj alla som gäller.", show_optional=False) }}
  {{ checkbox(form.agree, hint="Du kan ändra dig senare.") }}
  {{ date_input(form.when, legend_class="fieldset__legend--l") }}
  {{ button("Skicka") }}{{ button("Spara utkast", name="draft", secondary=True) }}{{ button("Ta bort", name="delete", warning=True) }}
</form>
{{ summary_list([("Namn", "Elsa Exempeldotter", "#name", "namnet"), ("Adress", "")]) }}
{% endblock %}"""

DEFINITION_PAGE = """{% extends "base.html" %}
{% from "macros/forms.html" import error_summary, button, csrf_field %}
{% from "formdefs/macros.html" import render_definition %}
{% block title %}{{ form.definition.title }}{% endblock %}
{% block content %}
<h1>{{ form.definition.title }}</h1>
<form method="post" novalidate>
  {{ csrf_field(form) }}
  {{ error_summary(form) }}
  {{ render_definition(form) }}
  {{ button("Skicka") }}
</form>
{% endblock %}"""


def _probe_form_class():
    from portal.accounts.forms import MultiCheckboxField
    from portal.formkit import DateField, PortalForm

    class ProbeForm(PortalForm):
        name = StringField("Barnets namn", validators=[DataRequired("Ange barnets namn")])
        nickname = StringField("Tilltalsnamn")
        story = TextAreaField("Vad hände?", validators=[DataRequired("Beskriv vad som hände"), Length(max=500)])
        unit = SelectField("Enhet", choices=[("", "Välj enhet"), ("a", "Solbackens skola")],
                           validators=[DataRequired("Välj enhet")])
        custody = RadioField("Har personen vårdnaden?", choices=[("ja", "Ja"), ("nej", "Nej")],
                             validators=[DataRequired("Ange om personen har vårdnaden")])
        areas = MultiCheckboxField("Områden", choices=[("skola", "Skola"), ("fritid", "Fritid")],
                                   validators=[DataRequired("Välj minst ett område")])
        agree = BooleanField("Jag har läst informationen", validators=[DataRequired("Bekräfta att du har läst")])
        when = DateField("Datum för mötet", validators=[DataRequired("Ange datum för mötet")])

    return ProbeForm


@pytest.fixture(scope="module")
def pages(new_context):
    return {"1280px": new_context().new_page(),
            "320px": new_context(viewport={"width": 320, "height": 640}).new_page()}


def _render(app, source: str, make_form, with_errors: bool) -> str:
    from flask import render_template_string

    method = "POST" if with_errors else "GET"
    with app.test_request_context(method=method):
        form = make_form(MultiDict() if with_errors else None)
        if with_errors:
            assert not form.validate(), "an empty submission should have errors"
        return render_template_string(source, form=form)


def _check(portal_server, pages, html: str, label: str) -> list[str]:
    failures = []
    for width, page in pages.items():
        page.goto(portal_server.url + "/personuppgifter")  # the portal's origin: its CSS, JS and CSP
        page.set_content(html, wait_until="load")
        assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui"), \
            "the portal stylesheet did not load"
        screenshot(page, f"forms-{label}-{width}")
        if width == "1280px":
            report = run_axe(page, label)
            if report.violations:
                failures.append(format_results(label, report.violations))
        else:
            failures += reflow_problems(page, f"{label} at 320 px")
    return failures


@pytest.mark.parametrize("state", ["empty", "errors"])
def test_every_form_macro_passes_axe_and_reflows(app_factory, portal_server, pages, state):
    app = app_factory()
    probe = _probe_form_class()
    html = _render(app, MACRO_PAGE, lambda data: probe(formdata=data), state == "errors")
    if state == "errors":
        assert html.count('class="error-message"') == 7  # every required control shows its error
    failures = _check(portal_server, pages, html, f"macros-{state}")
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


@pytest.mark.parametrize("state", ["empty", "errors"])
@pytest.mark.parametrize("key", DEFINITIONS)
def test_every_declarative_form_passes_axe_and_reflows(app_factory, portal_server, pages, key, state):
    from portal.formdefs import build_form, get_definition

    app = app_factory()
    with app.app_context():
        choices = {"unit": app.extensions["directory"].unit_choices()}

    def make(data):
        return build_form(get_definition(key), formdata=data, choices=choices)

    html = _render(app, DEFINITION_PAGE, make, state == "errors")
    failures = _check(portal_server, pages, html, f"formdef-{key}-{state}")
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


def test_forms_directory_is_where_the_definitions_are(app):
    assert Path(app.config["PORTAL_FORMS_DIR"]).resolve() == (ROOT / "forms").resolve()
    assert DEFINITIONS, "no form definitions found in forms/"
