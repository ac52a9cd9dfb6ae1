"""Declarative form definitions (forms/*.yaml): one definition drives the web form,
its validation, the stored record (JSON) and the PDF.

    from portal.formdefs import get_definition, build_form, summary_sections

    definition = get_definition("deviation_report")
    form = build_form(definition, choices={"unit": directory.unit_choices()})   # a PortalForm
    if form.validate_on_submit():
        record = form.to_record()          # JSON-serialisable dict {section: {field: value} | [ {...}, ... ]}
    form = build_form(definition, record=saved_record)                            # edit again
    form = build_form(definition, draft=True)                                     # drafts: nothing required
    summary_sections(definition, record, labels={"unit": directory.unit_label})   # for check-answers pages and PDFs

The code that reads a definition's fields declares them (`keys`, portal/formdefs/contract.py); the
portal does not start, and `portal forms check` fails, when a definition lacks one. Cross-field
rules are part of the definition: `required_if: {field: x, equals: y}` and `min_choices: n`.

Templates: {% from "formdefs/macros.html" import render_definition %} {{ render_definition(form) }}
Repeating groups add/remove entries with ordinary submit buttons (no JavaScript needed):
`handle_repeat_buttons(form)` returns True when the POST was an add/remove click."""
from flask import Flask

from .contract import FieldKey, keys, record_of  # noqa: F401
from .definition import (FieldDef, FormDefinition, FormDefinitionError, SectionDef, get_definition,  # noqa: F401
                         load_definition, over_limit, refuse_over_limit)
from .wtf import build_form, handle_repeat_buttons, limit_errors, summary_sections  # noqa: F401


def init_app(app: Flask) -> None:
    # local: loaded when the app is built; importing the package stays light (portal.models imports its models)
    from flask import Blueprint

    app.register_blueprint(Blueprint("formdefs", __name__, template_folder="templates"))
