"""Which pages the browser suite visits: every GET route in app.url_map.

A route is either visited (its URL parameters filled from the demo data by PARAMETERS) or
listed in EXCLUDED with the reason. tests/browser/test_axe_pages.py fails when a GET route is
neither, so a new page cannot be missed. When your feature adds a page:
  - no URL parameters: nothing to do, it is visited as every role in ROLES;
  - a new parameter name: add a resolver to PARAMETERS (or ENDPOINT_PARAMETERS when the name
    means something else on your route), reading the demo data (portal/demo.py);
  - not an HTML page (a PDF, JSON, iCalendar, a redirect): add it to EXCLUDED with the reason;
    a PDF's template gets a sample in PDF_TEMPLATES, and test_pdf_html.py checks its HTML.
A form that is valid when submitted empty has no error state: list it in
FORMS_WITHOUT_ERROR_STATE with the reason."""
from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from typing import Callable

from flask import Flask, url_for
from sqlalchemy import select

ROLES: dict[str, str | None] = {
    "anonymous": None,
    "staff": "anna.larare@arjeplog.example",
    "manager": "rut.rektorsson@arjeplog.example",
    "admin": "admin@demo.example",
}

EXCLUDED: dict[str, str] = {
    "static": "Static files (CSS, JavaScript), not pages",
    "plans.pdf": "A PDF; its text and order are checked in tests/test_plans_editor.py",
    "plans.export": "JSON for journal systems, not a page (tests/test_plans_editor.py)",
    "plans.plan_latest": "A redirect to the newest version of the plan",
    "plans_family.home": "The family's personal link: a token sent by e-mail (tests/test_plans_journey.py)",
    "plans_family.code": "The family's one-time code page: a token sent by e-mail (tests/test_plans_journey.py)",
    "plans_family.pdf": "A PDF behind the family's personal link (tests/test_plans_journey.py)",
}

# (endpoint, submit button text) -> why submitting the form empty shows no error state.
FORMS_WITHOUT_ERROR_STATE: dict[tuple[str, str], str] = {
    ("plans.choose_process", "Spara arbetssätt"): "The case's current process is preselected; submitting keeps it",
    ("plans.edit", "Ta bort synpunkt 1"): "The first button removes an entry and autosaves the draft (no error "
                                          "state); the editor's error state is checked in test_plans_keyboard.py",
    ("plans.meeting_view", "Spara anteckningarna"): "Meeting notes are optional; saving them empty is valid",
}


def _demo_case():
    from portal.cases.models import Case
    from portal.extensions import db

    return db.session.scalar(select(Case).where(Case.child_name == "Elsa Exempeldotter"))


def _user_id(email: str) -> int:
    from portal.accounts.models import User
    from portal.extensions import db

    return db.session.scalar(select(User.id).where(User.email == email))


# URL parameter name -> resolver() run in the live app's context, returning the value.
PARAMETERS: dict[str, Callable[[], object]] = {
    "ref": lambda: _demo_case().ref,
    "guardian_id": lambda: _demo_case().guardians[0].id,
    "user_id": lambda: _user_id(ROLES["staff"]),
}

# (endpoint, parameter name) -> resolver, for routes where a name means something else.
ENDPOINT_PARAMETERS: dict[tuple[str, str], Callable[[], object]] = {}

# PDF templates (every template that extends "pdf/base.html") -> sample() run in the live app's
# request context, returning the keyword arguments of portal.pdf.render_pdf_html(), title included:
#     "consent/receipt_pdf.html": lambda: {"title": "Kvitto på samtycke", "consent": _demo_consent()},
# test_pdf_html.py fails for a PDF template without a sample here.
PDF_TEMPLATES: dict[str, Callable[[], dict]] = {}


def _demo_plan(kind: str):
    from portal.extensions import db
    from portal.plans.models import Plan

    return db.session.scalar(select(Plan).where(Plan.case_id == _demo_case().id, Plan.kind == kind))


def _demo_meeting_id() -> int:
    from portal.extensions import db
    from portal.plans.models import Meeting

    return db.session.scalar(select(Meeting.id).where(Meeting.case_id == _demo_case().id))


# Plans (portal/plans/demo.py): a SIP with two approved versions, a draft Barnets plan, a meeting.
PARAMETERS.update({
    "plan_id": lambda: _demo_plan("sip").id,
    "number": lambda: _demo_plan("sip").latest.number,
    "meeting_id": _demo_meeting_id,
    "key": lambda: "consent",
})
ENDPOINT_PARAMETERS.update({
    ("plans.edit", "plan_id"): lambda: _demo_plan("barnets_plan").id,
    ("plans.edit", "number"): lambda: 1,
})


def get_rules(app: Flask) -> list:
    """Every GET rule, sorted by endpoint."""
    return sorted((r for r in app.url_map.iter_rules() if "GET" in (r.methods or ())),
                  key=lambda r: (r.endpoint, r.rule))


def page_id(rule) -> str:
    return rule.endpoint if len([r for r in rule.map.iter_rules(rule.endpoint) if "GET" in r.methods]) == 1 \
        else f"{rule.endpoint}:{rule.rule}"


def resolver_for(endpoint: str, name: str):
    return ENDPOINT_PARAMETERS.get((endpoint, name)) or PARAMETERS.get(name)


def coverage_problems(app: Flask) -> list[str]:
    """GET routes that are neither visitable nor excluded (empty when everything is covered)."""
    problems = []
    for rule in get_rules(app):
        if rule.endpoint in EXCLUDED:
            continue
        missing = sorted(a for a in rule.arguments if resolver_for(rule.endpoint, a) is None)
        if missing:
            problems.append(f"{rule.endpoint} ({rule.rule}): no resolver for {', '.join(missing)}")
    return problems


def covered_page_ids(app: Flask) -> list[str]:
    return [page_id(r) for r in get_rules(app) if r.endpoint not in EXCLUDED]


def build_url(app: Flask, pid: str) -> str:
    """The path of a covered page, with its parameters filled from the demo data."""
    rule = next(r for r in get_rules(app) if page_id(r) == pid)
    with app.app_context():
        values = {a: resolver_for(rule.endpoint, a)() for a in rule.arguments}
        with app.test_request_context():
            path = url_for(rule.endpoint, **values)
    return path


@functools.cache
def rules_app() -> Flask:
    """An app built only to read its URL map at collection time (in-memory database, not used)."""
    from portal import create_app

    instance = tempfile.mkdtemp(prefix="portal-rules-")
    atexit.register(shutil.rmtree, instance, True)
    return create_app({"INSTANCE_PATH": instance, "SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})


def _plan_pdf_sample() -> dict:
    from portal.plans.readable import readable
    from portal.timeutil import local, utcnow

    plan = _demo_plan("sip")
    r = readable(plan, plan.latest)
    return {"title": f"{r.title} – version {plan.latest.number}", "case": _demo_case(), "r": r,
            "printed_at": local(utcnow())}


PDF_TEMPLATES["plans/plan_pdf.html"] = _plan_pdf_sample
