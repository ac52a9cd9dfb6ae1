"""Which pages the browser suite visits: every GET route in app.url_map.

A route is either visited (its URL parameters filled from the demo data by PARAMETERS) or
listed in EXCLUDED with the reason. tests/browser/test_axe_pages.py fails when a GET route is
neither, so a new page cannot be missed. When your feature adds a page:
  - no URL parameters: nothing to do, it is visited as every role in ROLES;
  - a new parameter name: add a resolver to PARAMETERS (or ENDPOINT_PARAMETERS when the name
    means something else on your route), reading the demo data (portal/demo.py). A resolver may
    return a list: the first value is checked as every role, the others as the first role that
    sees the page (content that differs, e.g. each guideline);
  - state the demo data lacks (a message in the outbox, a consent awaiting signature): add a
    function to SETUP; it runs once in the browser portal's app context after seed_demo();
  - other states of the same page worth checking (a search with results): VARIANTS;
  - not an HTML page (a PDF, JSON, iCalendar, a download, a redirect): add it to EXCLUDED with the
    reason; a PDF's template gets a sample in PDF_TEMPLATES, and test_pdf_html.py checks its HTML.
A form that is valid when submitted empty has no error state: list it in
FORMS_WITHOUT_ERROR_STATE with the reason."""
from __future__ import annotations

import atexit
import functools
import itertools
import re
import shutil
import tempfile
from typing import Callable

from flask import Flask, current_app, url_for
from sqlalchemy import select

ROLES: dict[str, str | None] = {
    "anonymous": None,
    "staff": "anna.larare@arjeplog.example",
    "manager": "rut.rektorsson@arjeplog.example",
    "admin": "admin@demo.example",
}

EXCLUDED: dict[str, str] = {
    "static": "Static files (CSS, JavaScript), not pages",
    "consent.receipt": "A PDF (its HTML is checked in test_pdf_html.py)",
    "consent.signer_receipt": "A PDF (its HTML is checked in test_pdf_html.py)",
    "consent.decline": "Needs a signer verified with a one-time code in the session; checked with axe in "
                       "test_keyboard_consent.py",
    "consent.withdraw": "Needs a signer verified with a one-time code in the session; checked with axe in "
                        "test_keyboard_consent.py",
    "consent.in_person_sign": "Needs the staff member's identity check in the session; the same template as the "
                              "signer's page, checked in test_keyboard_consent.py",
    "consent.in_person_decline": "Needs the staff member's identity check in the session; the same template as "
                                 "consent.decline, checked in test_keyboard_consent.py",
    "consent.in_person_unlock": "The lock screen, only on a device locked for in-person signing; checked with axe "
                                "(also with a wrong password) in test_signer_identity_browser.py",
    "guidance.guideline_pdf": "A PDF; its HTML is checked by test_pdf_html.py (PDF_TEMPLATES)",
    "guidance.checklist_update": "GET only redirects to the case page, where the checklist is a panel (cases.view)",
    "notify.dev_attachment": "A file download (e-mail attachment such as a calendar invitation), not a page",
}

# (endpoint, submit button text) -> why submitting the form empty shows no error state.
FORMS_WITHOUT_ERROR_STATE: dict[tuple[str, str], str] = {
    ("cases.view", "Spara checklistan"): "The green card checklist: any set of ticks, none included, is valid",
}

# page id -> query strings of further states of the page, checked as the first role that sees it.
VARIANTS: dict[str, list[str]] = {
    "cases.index": ["?status=closed", "?status=all", "?q=Kalle+Anka", "?q=%C3%A5sa"],
    "guidance.search": ["?q=samtycke", "?q=xyzzy-finns-inte"],
}


def _demo_case():
    from portal.cases.models import Case
    from portal.extensions import db

    return db.session.scalar(select(Case).where(Case.child_name == "Elsa Exempeldotter"))


def _user_id(email: str) -> int:
    from portal.accounts.models import User
    from portal.extensions import db

    return db.session.scalar(select(User.id).where(User.email == email))


def _guideline_slugs() -> list[str]:
    from portal.guidance.routes import current_content

    return list(current_content().guidelines)


def _dev_mailbox_message_id() -> int:
    from portal.extensions import db
    from portal.notify.models import TRANSPORT_LOCAL, OutboxMessage

    return db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.transport == TRANSPORT_LOCAL)
                             .order_by(OutboxMessage.id))


# URL parameter name -> resolver() run in the live app's context, returning the value (or values).
PARAMETERS: dict[str, Callable[[], object]] = {
    "ref": lambda: _demo_case().ref,
    "guardian_id": lambda: _demo_case().guardians[0].id,
    "user_id": lambda: _user_id(ROLES["staff"]),
    "slug": _guideline_slugs,
    "message_id": _dev_mailbox_message_id,
}

# (endpoint, parameter name) -> resolver, for routes where a name means something else.
ENDPOINT_PARAMETERS: dict[tuple[str, str], Callable[[], object]] = {
    # consent: a sent request on the demo case (tests/browser/consent_data.py); signer 0 has not answered
    **{(endpoint, "consent_id"): lambda: _consent_data().pages_consent().id
       for endpoint in ("consent.detail", "consent.in_person", "consent.staff_withdraw")},
    ("consent.in_person", "signer_id"): lambda: _consent_data().pages_consent().signers[0].id,
    ("consent.signer_home", "token"): lambda: _consent_data().sign_token(),
    ("consent.identify", "token"): lambda: _consent_data().sign_token(),
    ("consent.identify", "provider"): lambda: "email_otp",
    ("consent.check", "consent_id"): lambda: _consent_data().new_draft_id(),
    ("consent.edit", "consent_id"): lambda: _consent_data().new_draft_id(),
    ("consent.staff_withdraw", "signer_id"): lambda: _consent_data().pages_consent().signers[1].id,  # has signed
}


def _consent_data():
    from . import consent_data

    return consent_data


def _deliver_a_test_email() -> None:
    """One e-mail in the development mailbox, delivered by the real outbox worker."""
    from portal.extensions import db
    from portal.notify import queue_email
    from portal.notify.worker import deliver_due

    queue_email(to="maria.exempel@familj.example", template="notify/email/test", kind="notify.test")
    db.session.commit()
    assert deliver_due().sent == 1


# Run once, in order, in the browser portal's app context after seed_demo().
SETUP: list[Callable[[], None]] = [_deliver_a_test_email]


def _guideline_pdf_samples() -> list[dict]:
    """The context guidance.guideline_pdf gives the template, for every guideline."""
    from portal.guidance.routes import current_content

    content, base = current_content(), current_app.config["PORTAL_BASE_URL"]
    return [{"title": g.title, "g": g, "body": re.sub(r'href="/', f'href="{base}/', g.pdf_html),
             "terms": [content.term(s) for s in g.terms if content.term(s)], "base_url": base}
            for g in content.guidelines.values()]


# PDF templates (every template that extends "pdf/base.html") -> sample() run in the live app's
# request context, returning the keyword arguments of portal.pdf.render_pdf_html() (title
# included), or a list of them:
#     "consent/receipt_pdf.html": lambda: {"title": "Kvitto på samtycke", "consent": _demo_consent()},
# test_pdf_html.py fails for a PDF template without a sample here.
PDF_TEMPLATES: dict[str, Callable[[], dict | list[dict]]] = {
    "guidance/guideline_pdf.html": _guideline_pdf_samples,
    "consent/receipt_pdf.html": lambda: _consent_receipt(),
}


def _consent_receipt() -> dict:
    from portal.consent.routes import receipt_context

    return receipt_context(_consent_data().pages_consent())


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


def build_urls(app: Flask, pid: str) -> list[str]:
    """The paths of a covered page: parameters filled from the demo data, then its VARIANTS.

    The first is the primary URL (checked as every role); the rest are further content or states."""
    rule = next(r for r in get_rules(app) if page_id(r) == pid)
    with app.app_context():
        names = sorted(rule.arguments)
        choices = []
        for name in names:
            value = resolver_for(rule.endpoint, name)()
            values = list(value) if isinstance(value, (list, tuple)) else [value]
            assert values and None not in values, f"the resolver for <{name}> of {pid} found nothing in the demo data"
            choices.append(values)
        with app.test_request_context():
            paths = [url_for(rule.endpoint, **dict(zip(names, combo))) for combo in itertools.product(*choices)]
    return paths + [paths[0] + query for query in VARIANTS.get(pid, [])]


def build_url(app: Flask, pid: str) -> str:
    """The primary path of a covered page."""
    return build_urls(app, pid)[0]


@functools.cache
def rules_app() -> Flask:
    """An app built only to read its URL map at collection time (in-memory database, not used)."""
    from portal import create_app

    instance = tempfile.mkdtemp(prefix="portal-rules-")
    atexit.register(shutil.rmtree, instance, True)
    return create_app({"INSTANCE_PATH": instance, "SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})


# --- portal.deviations (demo reports from portal/deviations/demo.py) ------------------------------

def _demo_deviation(draft: bool):
    from portal.accounts.models import User
    from portal.deviations.models import DeviationReport
    from portal.extensions import db

    query = (select(DeviationReport).join(User, User.id == DeviationReport.reporter_id)
             .where(User.email == ROLES["staff"]).order_by(DeviationReport.id))
    query = query.where(DeviationReport.status == "draft") if draft else query.where(DeviationReport.status != "draft")
    return db.session.scalars(query).first()


def _deviation_pdf_sample(template: str):
    def sample():
        from portal.deviations import routes

        if template == "deviations/report_pdf.html":
            return routes.report_pdf_context(_demo_deviation(draft=False), {"line_manager"})
        return routes.compilation_pdf_context(_demo_deviation(draft=False).submitted_at.year)
    return sample


ENDPOINT_PARAMETERS.update({
    ("deviations.view", "ref"): lambda: _demo_deviation(draft=False).ref,
    ("deviations.edit", "ref"): lambda: _demo_deviation(draft=True).ref,
    ("deviations.review", "ref"): lambda: _demo_deviation(draft=True).ref,
})
EXCLUDED.update({
    "deviations.pdf": "A PDF (its template's HTML is checked through PDF_TEMPLATES)",
    "deviations.compilation_pdf": "A PDF (its template's HTML is checked through PDF_TEMPLATES)",
    "deviations.compilation_csv": "A CSV file for Excel, not a page",
})
PDF_TEMPLATES.update({
    "deviations/report_pdf.html": _deviation_pdf_sample("deviations/report_pdf.html"),
    "deviations/compilation_pdf.html": _deviation_pdf_sample("deviations/compilation_pdf.html"),
})
VARIANTS.update({
    "deviations.inbox": ["?dagar=1", "?dagar=7&sida=2"],
    # a year without reports: the compilation says so instead of drawing empty charts
    "deviations.compilation": [f"?ar={__import__('portal.timeutil', fromlist=['today_local']).today_local().year - 3}"],
})


# --- plans (portal/plans/demo.py: a SIP with two approved versions, a draft Barnets plan, a meeting) ---

def _demo_plan(kind: str):
    from portal.extensions import db
    from portal.plans.models import Plan

    return db.session.scalar(select(Plan).where(Plan.case_id == _demo_case().id, Plan.kind == kind))


def _demo_meeting_id() -> int:
    from portal.extensions import db
    from portal.plans.models import Meeting

    return db.session.scalar(select(Meeting.id).where(Meeting.case_id == _demo_case().id))


def _plan_pdf_sample() -> dict:
    from portal.plans.readable import readable
    from portal.timeutil import local, utcnow

    plan = _demo_plan("sip")
    r = readable(plan, plan.latest)
    return {"title": f"{r.title} – version {plan.latest.number}", "case": _demo_case(), "r": r,
            "printed_at": local(utcnow())}


EXCLUDED.update({
    "plans.pdf": "A PDF (its HTML is checked in test_pdf_html.py; its text and order in tests/plans/test_plans_editor.py)",
    "plans.export": "JSON for journal systems, not a page (tests/plans/test_plans_editor.py)",
    "plans.plan_latest": "A redirect to the newest version of the plan",
    "plans_family.home": "The family's personal link: a token sent by e-mail (tests/plans/test_plans_journey.py)",
    "plans_family.code": "The family's one-time code page: a token sent by e-mail (tests/plans/test_plans_journey.py)",
    "plans_family.pdf": "A PDF behind the family's personal link (tests/plans/test_plans_journey.py)",
})
FORMS_WITHOUT_ERROR_STATE.update({
    ("plans.choose_process", "Spara arbetssätt"): "The case's current process is preselected; submitting keeps it",
    ("plans.edit", "Ta bort synpunkt 1"): "The first button removes an entry and autosaves the draft (no error "
                                          "state); the editor's error state is checked in test_plans_keyboard.py",
    ("plans.meeting_view", "Spara anteckningarna"): "Meeting notes are optional; saving them empty is valid",
})
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
PDF_TEMPLATES["plans/plan_pdf.html"] = _plan_pdf_sample


def _minutes_shared_with_the_manager() -> None:
    """escalation.minutes: a second case of the demo teacher, referred to Arjeplog's styrgrupp, with a
    meeting whose minutes are shared with the manager role's address (the demo's styrgrupp members
    have no account; the demo case itself stays unreferred for the other pages)."""
    import datetime as dt

    from portal.cases.models import Case
    from portal.escalation.models import MinutesShare, Referral
    from portal.extensions import db
    from portal.timeutil import to_utc
    from portal.plans.models import Meeting, MeetingParticipant
    from portal.timeutil import today_local

    demo = _demo_case()
    case = Case(child_name="Mia Minnesdotter", personal_number="20140505-2380", unit_key=demo.unit_key,
                opened_by_id=demo.opened_by_id)
    db.session.add(case)
    db.session.flush()
    day = today_local() - dt.timedelta(days=2)
    meeting = Meeting(case_id=case.id, purpose="Ansvaret för skjutsen.", starts_at=to_utc(day, dt.time(9, 0)),
                      ends_at=to_utc(day, dt.time(10, 0)), status="held", child_participation="not_present",
                      notes="Skolan och IFO är oense om skjutsen.\nFrågan går till styrgruppen.",
                      created_by_id=demo.opened_by_id,
                      participants=[MeetingParticipant(kind="guest", name="Tore Tränarsson", email="tore@idrott.example",
                                                       guest_role="Tränare eller ledare på fritiden")])
    referral = Referral(case_id=case.id, process_key="arjeplog", level_key="styrgrupp", question="Vem ordnar skjutsen?")
    db.session.add_all([meeting, referral])
    db.session.flush()
    db.session.add(MinutesShare(meeting_id=meeting.id, referral_id=referral.id, email=ROLES["manager"]))
    db.session.commit()


def _shared_minutes_meeting_id() -> int:
    from portal.escalation.models import MinutesShare
    from portal.extensions import db

    return db.session.scalar(select(MinutesShare.meeting_id).where(MinutesShare.email == ROLES["manager"]))


SETUP.append(_minutes_shared_with_the_manager)
ENDPOINT_PARAMETERS[("escalation.minutes", "meeting_id")] = _shared_minutes_meeting_id


# --- registerutdrag (portal.subject_access) --------------------------------------------------------

def _subject_access_sample() -> dict:
    from portal.subject_access.report import build_report
    from portal.timeutil import local, utcnow

    case = _demo_case()
    report = build_report(case, guardian=case.guardians[0], requester_name=case.guardians[0].name,
                          contact="solbacken@arjeplog.example")
    return {"title": "Registerutdrag", "report": report, "created": local(utcnow())}


EXCLUDED.update({
    "subject_access.signer_page": "Needs a signer verified with a one-time code in the session; the page is "
                                  "checked in tests/cases/test_subject_access.py",
    "subject_access.signer_pdf": "A PDF behind the signer's verified link (its HTML through PDF_TEMPLATES)",
    "subject_access.staff_pdf": "A PDF (its HTML is checked through PDF_TEMPLATES)",
})
PDF_TEMPLATES["subject_access/report_pdf.html"] = _subject_access_sample


def _prepared_export_id() -> int:
    """A registerutdrag of the demo case waiting for the worker, asked for by the manager (issue 32)."""
    import datetime as dt

    from portal.extensions import db
    from portal.subject_access.models import SubjectAccessExport
    from portal.timeutil import utcnow

    export = db.session.scalar(select(SubjectAccessExport).order_by(SubjectAccessExport.id))
    if export is None:
        export = SubjectAccessExport(case_id=_demo_case().id, requested_by_id=_user_id(ROLES["manager"]),
                                     expires_at=utcnow() + dt.timedelta(days=7))
        db.session.add(export)
        db.session.commit()
    return export.id


ENDPOINT_PARAMETERS[("subject_access.staff_export", "export_id")] = _prepared_export_id
EXCLUDED.update({
    "subject_access.staff_export_pdf": "A stored PDF (its HTML is checked through PDF_TEMPLATES)",
    "subject_access.signer_export": "Needs a signer verified with a one-time code in the session; the page is "
                                    "checked in tests/cases/test_subject_access_exports.py",
    "subject_access.signer_export_pdf": "A stored PDF behind the signer's verified link",
})


EXCLUDED.update({
    "oidc.login": "A redirect to an organisation's OpenID provider (none in the demo configuration); the journeys "
                  "through a real provider, with axe on the portal's pages, are in test_oidc_journeys.py",
    "oidc.callback": "The provider's redirect back (needs a sign-in in progress); see test_oidc_journeys.py",
})
