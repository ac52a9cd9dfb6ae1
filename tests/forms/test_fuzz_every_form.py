"""Every POST route in app.url_map is fuzzed with Hypothesis, with the fields of the forms that
post to it as the portal shows them. The forms are found by visiting every page (GET route) of
the security tests' world as each role that may use them: staff of the case's unit, the manager,
the administrator, the guardian on the personal link, a staff device handed to a guardian to
sign in person, and someone holding a link without a code. A POST route no page offers a form for
must be listed in NO_FORM with the reason, and a listed route that gets a form fails the test, so
a new form is fuzzed the day it appears.

For every fuzzed request: never a 500; a refused form is a 400 with the error summary; nothing
that looks like markup comes back unescaped. Routes that end or destroy something run last, in
the access matrix's order."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from hypothesis import given, settings
from werkzeug.exceptions import HTTPException

from tests.support.fuzz import FUZZ, check_answer, form_data, post_forms_with_actions
from tests.support.security import client_for
from tests.security.test_access_matrix import MATRIX, _url
from portal.timeutil import today_local

# endpoint -> why no page in the world offers its form (it is still in the access matrix and the
# CSRF test). Keep it short: every entry is a form no fuzzing reaches.
NO_FORM: dict[str, str] = {
    "accounts.logout": "the header's sign-out button: no field but the CSRF token (tests/security/test_csrf.py)",
    "accounts.end_other_sessions": "/konto's 'Logga ut från andra enheter' button: no field but the CSRF token "
                                   "(tests/security/test_csrf.py, tests/accounts/test_sessions.py)",
    "consent.in_person_unlock": "the lock screen's password field, shown only on a device locked for in-person "
                                "signing; wrong passwords lock the account (tests/consent/test_in_person_lock.py)",
    "escalation.refer": "hidden while the world's referral waits for its decision; its bad input (empty, over the limit, a personnummer) is tested in tests/escalation/test_escalation.py",
}

# Fewer examples per form than the focused fuzz tests: this one covers breadth, every form.
BROAD = settings(FUZZ, max_examples=12)


def _more_state(app, world, clients) -> dict[str, list[str]]:
    """What the security world lacks for some forms to be offered: a draft consent, a sent consent
    nobody has answered, a plan waiting for approval and one approved, a recorded process step,
    a locked account, a failed e-mail and a report without a recipient. Returns the extra pages
    to visit per role (pages whose URL the world's values do not name)."""
    import datetime as dt
    import re

    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.consent.models import ConsentSigner
    from portal.deviations.models import DeviationReport
    from portal.extensions import db
    from portal.notify.models import MessageStatus, OutboxMessage
    from tests.support.consent import ask_for_consent, request_data
    from tests.support.deviations import report_form
    from tests.support.plans import date_fields, intervention, new_plan
    from tests.helpers import login
    from tests.support.security import EMAILS, consent_links, deliver, outbox_texts_to, verify_link

    staff, ref = clients["own"], world.case_ref
    case = f"/arenden/{ref}"
    pages: dict[str, list[str]] = {"own": [], "guardian": [], "anon": []}

    page = staff.get(f"{case}/samtycke/nytt").get_data(as_text=True)
    draft = staff.post(f"{case}/samtycke/nytt", data=request_data(page, child_include="nej"))
    draft_id = int(re.search(r"/samtycke/(\d+)/kontrollera", draft.headers["Location"]).group(1))
    pages["own"] += [f"{case}/samtycke/{draft_id}/andra", f"{case}/samtycke/{draft_id}/kontrollera"]

    pending = ask_for_consent(staff, ref, units=("solbackens-skola", "bup-pite-alvdal"), child_include="nej")
    deliver(app)
    with app.app_context():
        signers = {s.email: s.id for s in db.session.scalars(select(ConsentSigner).where(
            ConsentSigner.consent_id == pending))}
    in_person = f"{case}/samtycke/{pending}/undertecknare/{signers['ville@familj.example']}/pa-plats"
    pages["own"] += [f"{case}/samtycke/{pending}", in_person]
    other = app.test_client()  # a second device handed to the guardian, past the "hand over" step
    login(other, EMAILS["own"])
    assert other.post(in_person, data={"confirm": "y"}).status_code == 302
    clients["own_device"] = other
    pages["own_device"] = [f"{in_person}/las", f"{in_person}/sag-nej"]
    token = consent_links(app, "vera@familj.example")[pending]
    verify_link(app, clients["guardian"], token, "vera@familj.example")
    pages["guardian"] += [f"/samtycke/s/{token}", f"/samtycke/s/{token}/sag-nej"]

    # The plan needs an owner in health care or social services: a BUP doctor, covered by consent A.
    from portal.accounts.service import create_user
    from tests.helpers import TEST_PASSWORD

    with app.app_context():
        britt = create_user("britt.bup@region.example", "Britt Bupsson", TEST_PASSWORD, "staff", ["bup-pite-alvdal"])
        db.session.commit()
        bup_id = britt.id
    bup = app.test_client()
    login(bup, "britt.bup@region.example")

    def submitted_plan() -> str:
        editor = new_plan(staff, ref)
        today = today_local()
        own = f"solbackens-skola:{world.users['own']}"
        response = staff.post(editor, data={
            **date_fields("plan__established_on", today), "needs__needs": "Stöd i matten.",
            **intervention(0, "Läxhjälp", "solbackens-skola", own), "family__child": "Jag vill ha hjälp.",
            "roles__coordinator": own, "roles__plan_owner": f"bup-pite-alvdal:{bup_id}",
            "roles__lead_service": "arjeplog-grundskola",
            "roles__overall_authority": "arjeplogs-kommun",
            **date_fields("followup__date", today + dt.timedelta(days=40)), "submit": "1"})
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        return editor.rsplit("/v/", 1)[0]

    waiting = submitted_plan()
    pages["own"].append(f"{waiting}/v/1")
    pages["own"].append(new_plan(staff, ref, "barnets_plan"))   # the other plan form: areas and their fields
    approved = submitted_plan()
    view = staff.get(f"{approved}/v/1").get_data(as_text=True)
    for approval in re.findall(r'<option value="(\d+)"', view):
        done = staff.post(f"{approved}/v/1/underskrift", data={"approval": approval,
                                                              **date_fields("signed_on", today_local())})
        assert done.status_code == 302
    assert staff.post(f"{approved}/v/1/godkann", data={"unit_key": "solbackens-skola"}).status_code == 302
    assert bup.post(f"{approved}/v/1/godkann", data={"unit_key": "bup-pite-alvdal"}).status_code == 302
    pages["own"].append(f"{approved}/uppfoljning")

    # Each plan sent for approval gives the family a new link (the older one is replaced).
    deliver(app)
    family = clients["guardian"]
    plan_token = re.findall(r"/min-plan/([A-Za-z0-9_-]{20,})", "\n".join(outbox_texts_to(app, "vera@familj.example")))[-1]
    assert family.post(f"/min-plan/{plan_token}/kod", data={"action": "send"}).status_code == 302
    deliver(app)
    code = re.findall(r"Din kod är: (\d{6})", "\n".join(outbox_texts_to(app, "vera@familj.example")))[-1]
    verified = family.post(f"/min-plan/{plan_token}/kod", data={"action": "verify", "code": code})
    assert verified.status_code == 302, re.findall(r'class="(?:error|flash)[^"]*"[^>]*>([^<]+)', verified.get_data(as_text=True))
    pages["guardian"].append(f"/min-plan/{plan_token}")
    pages["anon"] = [f"/min-plan/{plan_token}/kod"]  # someone with the link who has no code yet

    step = staff.post(f"{case}/steg/{world.values['key']}", data=date_fields("done_on", today_local()))
    assert step.status_code == 302

    sent = staff.post("/avvikelser/ny", data=report_form())
    report_ref = re.search(r"/avvikelser/([A-Z0-9]+)/", sent.headers["Location"]).group(1)
    with app.app_context():
        name = db.session.get(User, world.users["own"]).name
    assert staff.post(f"/avvikelser/{report_ref}/granska", data={"signed_name": name, "confirm": "y"}).status_code == 302
    with app.app_context():
        db.session.scalar(select(DeviationReport).where(DeviationReport.ref == report_ref)).needs_routing = True
        db.session.get(User, world.users["other"]).locked_until = dt.datetime.now(dt.timezone.utc).replace(
            tzinfo=None) + dt.timedelta(hours=1)
        message = db.session.scalars(select(OutboxMessage)).first()
        message.status = MessageStatus.FAILED
        db.session.commit()
    return pages


def _pages(app, world, role, client, extra=()) -> dict[str, list[tuple[str, dict]]]:
    """endpoint -> [(url the form posts to, its fields)] from every page `role` may see."""
    adapter = app.url_map.bind("portal.test")
    found: dict[str, list[tuple[str, dict]]] = {}
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.endpoint not in MATRIX:
            continue
        if MATRIX[rule.endpoint].get("GET", {}).get(role) == 200:
            urls.append(_url(app, world, rule, role))
    for url in urls + list(extra):
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for action, fields in post_forms_with_actions(response.get_data(as_text=True)):
            target = urlsplit(urljoin("http://portal.test" + url, action))
            try:
                endpoint, _args = adapter.match(target.path, method="POST")
            except HTTPException:
                continue
            posted = target.path + (f"?{target.query}" if target.query else "")
            if all(posted != u for u, _f in found.get(endpoint, [])):
                found.setdefault(endpoint, []).append((posted, fields))
    return found


def _every_form(world_app):
    """(app, clients, POST endpoints in the access matrix's order, endpoint -> [(url, fields)], endpoint -> role)."""
    app, world = world_app()
    posts = sorted({r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods},
                   key=lambda e: (MATRIX[e].get("order", 0), e))
    forms: dict[str, list[tuple[str, dict]]] = {}
    role_of: dict[str, str] = {}
    order = ("own", "manager", "admin", "guardian", "withdrawn", "anon", "other")
    clients = {role: client_for(app, world, role) for role in order}
    extra = _more_state(app, world, clients)
    for role in order + ("own_device",):
        for endpoint, found in _pages(app, world, role, clients[role], extra.get(role, ())).items():
            if endpoint not in forms:  # the first role that is offered the form fuzzes it
                forms[endpoint], role_of[endpoint] = found, role
    return app, clients, posts, forms, role_of


def test_every_post_route_is_fuzzed_with_the_form_that_posts_to_it(world_app):
    app, clients, posts, forms, role_of = _every_form(world_app)

    missing = sorted(set(posts) - set(forms) - set(NO_FORM))
    assert not missing, f"POST routes with no form on any page of the world (fuzz them or explain in NO_FORM): {missing}"
    stale = sorted(set(NO_FORM) & set(forms))
    assert not stale, f"NO_FORM lists routes whose form is there now: {stale}"

    fuzzed = []
    for endpoint in posts:
        client = clients.get(role_of.get(endpoint))
        for url, fields in forms.get(endpoint, []):
            @BROAD
            @given(data=form_data(fields))
            def attempt(data):
                response = client.post(url, data=data)
                try:
                    check_answer(response, data.values(), allowed=(200, 302, 303, 400, 403, 404, 409))
                except AssertionError as exc:
                    raise AssertionError(f"{endpoint} {url}: {exc}") from None

            attempt()
            fuzzed.append(url)
    assert {role_of[e] for e in forms} >= {"own", "manager", "admin", "guardian", "anon", "own_device"}
    assert len(fuzzed) >= len(posts) - len(NO_FORM)


# Longer than every limit (the longest is the meeting notes' 20 000 characters), ASCII so that it
# reads the same in a JSON column, and posted in at most TOO_LONG_FIELDS fields at a time so that a
# form stays well under MAX_CONTENT_LENGTH (5 MB; over it the whole post is a 413).
TOO_LONG = "zq" * 10_001
TOO_LONG_FIELDS = 20
# Forms whose only text is a fixed format, refused with the format's message rather than a length.
FORMAT_ONLY = {"plans_family.code": "the six-digit code: 'Koden har sex siffror'"}
FREE_TEXT_KINDS = {"text", "textarea", "email", "tel", "search", "url", "password", "number"}


def _valid_value(f):
    if f.kind == "date-part":
        today = today_local()
        return {"day": today.day, "month": today.month, "year": today.year}[f.name.rsplit("-", 1)[1]]
    if f.kind == "checkbox" and len(f.values) > 1:
        return f.values[:1]
    if f.values:
        return next((v for v in f.values if v), f.values[0])
    return "Text"


def _stored_text_holding(app, needle: str) -> list[str]:
    """table.column of every stored value (text and JSON columns alike) that holds `needle`."""
    import json

    from sqlalchemy import inspect, select, table, column

    from portal.extensions import db

    found = []
    with app.app_context():
        inspector = inspect(db.engine)
        for name in inspector.get_table_names():
            columns = [c["name"] for c in inspector.get_columns(name)]
            for row in db.session.execute(select(*(column(c) for c in columns)).select_from(table(name))):
                for key, value in zip(columns, row):
                    text = value if isinstance(value, str) else json.dumps(value) if isinstance(value, (dict, list)) else ""
                    if needle in text:
                        found.append(f"{name}.{key}")
    return found


def test_every_save_path_refuses_text_over_its_limit_and_stores_none_of_it(world_app):
    """Issue 27: every form that saves something (final saves and drafts alike) is posted text
    longer than any limit in each free-text field. It is refused with a message in the error
    summary (a 400), never a 500, and no part of it is stored: neither whole nor cut."""
    app, clients, posts, forms, role_of = _every_form(world_app)
    refused, silent = [], []
    for endpoint in posts:
        client = clients.get(role_of.get(endpoint))
        for url, fields in forms.get(endpoint, []):
            texts = [name for name, f in fields.items() if f.kind in FREE_TEXT_KINDS]
            for start in range(0, len(texts), TOO_LONG_FIELDS):
                chunk = set(texts[start:start + TOO_LONG_FIELDS])
                data = {name: TOO_LONG if name in chunk else _valid_value(f) for name, f in fields.items()}
                response = client.post(url, data=data)
                html = check_answer(response, data.values(), allowed=(200, 302, 303, 400, 403, 404, 409))
                if chunk and response.status_code == 400:
                    refused.append(endpoint)
                    summary = html.split('class="error-summary"', 1)[-1].split("</ul>", 1)[0]
                    if "högst" not in summary and endpoint not in FORMAT_ONLY:
                        silent.append(f"{endpoint}: {re.findall(r'<a href=[^>]*>([^<]+)', summary)}")
                elif chunk:
                    silent.append(f"{endpoint}: {response.status_code}")
    stored = _stored_text_holding(app, TOO_LONG[:50])
    assert not stored, f"text over a limit was stored (whole or cut) in: {sorted(set(stored))}"
    assert not silent, f"over-limit text not refused with '… högst N tecken': {silent}"
    assert {"plans.edit", "deviations.new", "consent.new"} <= set(refused)
    assert len(forms["plans.edit"]) >= 2, "both plan forms (SIP and Barnets plan) are walked"
