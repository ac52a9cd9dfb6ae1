"""The access matrix: every route in app.url_map × every role × GET and POST, with the answer
each must get. The table below is the specification; a route without an entry, or an entry for
a route that no longer exists, fails `test_every_route_has_an_entry`.

Answers: a status code; "login" (302 to /logga-in); "ok" (allowed: 200, 302 elsewhere, or 400 for
a form posted empty — the point is that the request reached the view). Nothing may ever be 500.
POSTs are sent as empty forms (the matrix app has CSRF off; test_csrf.py proves every POST needs it), so
no form succeeds by accident, and destructive routes run last for their role (`order`)."""
from __future__ import annotations

import pytest

from tests.support.markup import markup_problems
from tests.support.security import CHILD_NAME, CHILD_NUMBER, ROLES, client_for

LOGIN, OK = "login", "ok"
# Who may see the child's name, personal number or the guardians' addresses anywhere.
SEES_THE_CHILD = {"own", "manager", "guardian"}
# The development mailbox (only when no SMTP server is configured) shows administrators the
# e-mails as they would have been sent, addresses included: by design, never in production.
DEV_MAILBOX = {("admin", "notify.dev_mailbox"), ("admin", "notify.dev_message"), ("admin", "notify.dev_message_html")}


def roles(base: dict | None = None, **overrides) -> dict:
    table = dict(base or {})
    table.update(overrides)
    missing = set(ROLES) - set(table)
    assert not missing, f"roles missing: {missing}"
    return table


def same(answer) -> dict:
    return {r: answer for r in ROLES}


PUBLIC = same(200)
# Signed-in pages: staff and administrators alike.
SIGNED_IN = roles(same(LOGIN), own=200, other=200, manager=200, admin=200)
# The rule (portal/web/guards.py): not signed in -> sign-in; signed in but the role lacks the
# capability -> 403; a record the person may not know exists -> 404.
# Staff who work with cases (never administrators), no particular case.
STAFF = roles(same(LOGIN), own=200, other=200, manager=200, admin=403)
# One case: its unit's staff and manager; other staff get 404 (the case is not revealed),
# administrators 403 (they never work with cases).
CASE = roles(same(LOGIN), own=200, other=404, manager=200, admin=403)
CASE_POST = roles(CASE, own=OK, manager=OK)
# Administration: 403 for signed-in non-administrators.
ADMIN = roles(same(LOGIN), own=403, other=403, manager=403, admin=200)
ADMIN_POST = roles(ADMIN, admin=OK)
MANAGERS = roles(same(LOGIN), own=403, other=403, manager=200, admin=403)


# A personal link (/samtycke/s/<token>): a bearer of the token sees the "confirm who you are" page;
# the guardian who verified and signed sees their answer; the one who withdrew sees that it is withdrawn.
LINK_BEARER = same(200)
LINK_VERIFIED = roles(same(302), guardian=200, withdrawn=200)  # others are sent to verify first
LINK_ANSWERED = roles(same(302), withdrawn=200)                # already answered: back to the link's page
CASE_REDIRECT = roles(CASE, own=302, manager=302)              # e.g. a sent consent is no longer editable
REPORT = roles(same(LOGIN), own=200, other=404, manager=200, admin=403)      # reporter and line manager
DRAFT_REPORT = roles(same(LOGIN), own=200, other=404, manager=404, admin=403)  # only the reporter
SUMMARY = roles(same(LOGIN), own=403, other=403, manager=200, admin=200)      # aggregates only


def redirect_for_signed_in(answer_for_others):
    return roles(same(answer_for_others), own=302, other=302, manager=302, admin=302)


# endpoint -> {"GET": {role: answer}, "POST": {...}, "order": n}. Unlisted methods must be 405.
MATRIX: dict[str, dict] = {
    "static": {"GET": PUBLIC},
    "main.index": {"GET": PUBLIC},
    "main.privacy": {"GET": PUBLIC},
    "accounts.login": {"GET": redirect_for_signed_in(200), "POST": redirect_for_signed_in(400)},
    "accounts.logout": {"POST": same(302), "order": 99},
    "accounts.account": {"GET": SIGNED_IN, "POST": roles(SIGNED_IN, own=400, other=400, manager=400, admin=400)},
    "accounts.end_other_sessions": {"POST": roles(SIGNED_IN, own=302, other=302, manager=302, admin=302)},
    "accounts.admin_users": {"GET": ADMIN},
    "accounts.admin_user_new": {"GET": ADMIN, "POST": roles(ADMIN, admin=400)},
    "accounts.admin_user_edit": {"GET": ADMIN, "POST": ADMIN_POST},
    "accounts.admin_user_unlock": {"POST": roles(ADMIN, admin=302)},
    "accounts.unit_members": {"GET": MANAGERS},
    "notify.outbox": {"GET": ADMIN},
    "notify.retry": {"POST": roles(ADMIN, admin=302)},
    "notify.case_retry": {"POST": CASE_POST},
    "notify.dev_mailbox": {"GET": ADMIN},
    "notify.dev_message": {"GET": ADMIN},
    "notify.dev_message_html": {"GET": ADMIN},
    "notify.dev_attachment": {"GET": ADMIN},
    "directory.index": {"GET": SIGNED_IN},
    "cases.index": {"GET": STAFF},
    "cases.new": {"GET": STAFF, "POST": roles(STAFF, own=400, other=400, manager=400)},
    "cases.view": {"GET": CASE},
    "cases.edit": {"GET": CASE, "POST": CASE_POST},
    "cases.print_view": {"GET": CASE},
    "cases.close": {"POST": roles(CASE, own=302, manager=302), "order": 50},
    "cases.guardian_new": {"GET": CASE, "POST": roles(CASE, own=400, manager=400)},
    "cases.guardian_edit": {"GET": CASE, "POST": CASE_POST},
    "guidance.checklist_update": {"GET": roles(CASE, own=302, manager=302), "POST": roles(CASE, own=302, manager=302)},
    "audit.index": {"GET": MANAGERS},
    "audit.case_log": {"GET": MANAGERS},
    "guidance.index": {"GET": PUBLIC},
    "guidance.guideline": {"GET": PUBLIC},
    "guidance.guideline_pdf": {"GET": PUBLIC},
    "guidance.roles": {"GET": PUBLIC},
    "guidance.glossary": {"GET": PUBLIC},
    "guidance.search": {"GET": PUBLIC},
    "main.accessibility": {"GET": PUBLIC},
    # --- consent: the signer's personal link ---
    "consent.start": {"GET": PUBLIC},
    "consent.signer_home": {"GET": LINK_BEARER},
    "consent.identify": {"GET": LINK_BEARER, "POST": LINK_BEARER},
    "consent.sign": {"POST": LINK_ANSWERED},
    "consent.decline": {"GET": LINK_ANSWERED, "POST": LINK_ANSWERED},
    "consent.withdraw": {"GET": LINK_VERIFIED, "POST": roles(LINK_VERIFIED, guardian=400)},
    "consent.signer_receipt": {"GET": LINK_VERIFIED},
    # --- consent: staff pages on the case (the consent is sent and signed) ---
    "consent.new": {"GET": CASE, "POST": roles(CASE, own=400, manager=400)},
    "consent.detail": {"GET": CASE},
    "consent.receipt": {"GET": CASE},
    "consent.edit": {"GET": CASE_REDIRECT, "POST": CASE_REDIRECT},
    "consent.check": {"GET": CASE_REDIRECT, "POST": CASE_REDIRECT},
    "consent.delete_draft": {"POST": CASE_REDIRECT},
    "consent.resend": {"POST": CASE_REDIRECT},
    "consent.remind": {"POST": CASE_REDIRECT},
    "consent.staff_withdraw": {"GET": CASE, "POST": roles(CASE, own=400, manager=400)},
    "consent.in_person": {"GET": CASE_REDIRECT, "POST": CASE_REDIRECT},
    "consent.in_person_sign": {"GET": CASE_REDIRECT, "POST": CASE_REDIRECT},
    "consent.in_person_decline": {"GET": CASE_REDIRECT, "POST": CASE_REDIRECT},
    "consent.in_person_unlock": {"GET": roles(same(LOGIN), own=302, other=302, manager=302, admin=302), "POST": roles(same(LOGIN), own=302, other=302, manager=302, admin=302)},
    # --- plans and meetings on the case ---
    "plans.choose_process": {"GET": CASE, "POST": CASE_POST},
    "plans.record_step": {"GET": CASE, "POST": CASE_POST},
    "plans.undo_step": {"POST": CASE_POST},
    "escalation.refer": {"POST": CASE_POST},
    "escalation.decide": {"POST": CASE_POST, "order": 58},
    # Minutes shared with the members of the level a case was referred to: nobody in the world is one.
    "escalation.minutes": {"GET": roles(same(LOGIN), own=404, other=404, manager=404, admin=403)},  # members of the level only; administrators never (403)
    "plans.plan_new": {"POST": CASE_POST},
    "plans.plan_latest": {"GET": CASE_REDIRECT},
    "plans.view": {"GET": CASE},
    "plans.edit": {"GET": CASE, "POST": CASE_POST},
    "plans.history": {"GET": CASE},
    "plans.pdf": {"GET": CASE},
    "plans.export": {"GET": CASE},
    "plans.approve": {"POST": CASE_POST},
    "plans.family_paper_approval": {"POST": CASE_POST},
    "plans.followup": {"GET": CASE_REDIRECT, "POST": CASE_POST},
    "plans.contact_change": {"GET": CASE, "POST": CASE_POST},
    "plans.plan_delete": {"POST": CASE_POST, "order": 60},
    "plans.meeting_new": {"GET": CASE, "POST": CASE_POST},
    "plans.meeting_view": {"GET": CASE},
    "plans.meeting_edit": {"GET": CASE, "POST": CASE_POST},
    "plans.meeting_notes": {"POST": CASE_POST},
    "plans.meeting_roles": {"POST": CASE_POST},
    "plans.meeting_invite": {"POST": CASE_POST},
    "plans.meeting_absence": {"POST": CASE_POST},
    "plans.participant_add": {"POST": CASE_POST},
    "plans.guest_add": {"POST": CASE_POST},
    "plans.participant_remove": {"POST": CASE_POST, "order": 55},
    "plans.meeting_held": {"POST": CASE_POST, "order": 55},
    "plans.meeting_cancel": {"POST": CASE_POST, "order": 56},
    # --- plans: the family's personal plan link (a bearer sees the code page only) ---
    "plans_family.home": {"GET": LINK_BEARER},
    "plans_family.code": {"GET": LINK_BEARER, "POST": LINK_BEARER},
    "plans_family.approve": {"POST": same(302)},
    "plans_family.pdf": {"GET": same(302)},
    # --- deviation reports ---
    "deviations.new": {"GET": STAFF, "POST": roles(STAFF, own=400, other=400, manager=400)},
    "deviations.mine": {"GET": STAFF},
    "deviations.inbox": {"GET": STAFF},
    "deviations.edit": {"GET": DRAFT_REPORT, "POST": roles(DRAFT_REPORT, own=400)},
    "deviations.review": {"GET": DRAFT_REPORT, "POST": roles(DRAFT_REPORT, own=400)},
    "deviations.view": {"GET": REPORT},
    "deviations.pdf": {"GET": REPORT},
    "deviations.act": {"POST": roles(REPORT, own=OK, manager=OK)},
    "deviations.compilation": {"GET": SUMMARY},
    "deviations.compilation_csv": {"GET": SUMMARY},
    "deviations.compilation_pdf": {"GET": SUMMARY},
    "deviations.unrouted": {"GET": ADMIN},
    "deviations.route_manually": {"POST": ADMIN_POST},
    # --- registerutdrag ---
    "subject_access.signer_page": {"GET": LINK_VERIFIED},
    "subject_access.signer_pdf": {"GET": LINK_VERIFIED},
    "subject_access.staff_page": {"GET": MANAGERS},
    "subject_access.staff_pdf": {"GET": MANAGERS},
    "subject_access.signer_export": {"GET": LINK_VERIFIED},
    "subject_access.signer_export_pdf": {"GET": LINK_VERIFIED},
    "subject_access.staff_export": {"GET": MANAGERS},
    "subject_access.staff_export_pdf": {"GET": MANAGERS},
    # OpenID Connect: no provider is configured in the demo content (the journeys through a real
    # provider are in tests/browser/test_oidc_journeys.py).
    "oidc.login": {"GET": same(404)},
    "oidc.callback": {"GET": same(404)},
    "oidc.signed_out": {"GET": PUBLIC},
}
# Query strings some routes need (besides the URL's own variables).
QUERY: dict[str, dict] = {"subject_access.staff_pdf": {"for": "barnet"}}

# URL values per endpoint where the default by name (World.values) is not the right object.
URL_VALUES: dict[str, dict] = {
    "deviations.view": {"ref": "report_ref"}, "deviations.act": {"ref": "report_ref"},
    "subject_access.staff_export": {"export_id": "staff_export_id"},
    "subject_access.staff_export_pdf": {"export_id": "staff_export_id"},
    "subject_access.signer_export": {"export_id": "signer_export_id"},
    "subject_access.signer_export_pdf": {"export_id": "signer_export_id"},
    "deviations.pdf": {"ref": "report_ref"}, "deviations.edit": {"ref": "draft_ref"},
    "deviations.review": {"ref": "draft_ref"}, "deviations.route_manually": {"ref": "report_ref"},
    "plans_family.home": {"token": "plan_token"}, "plans_family.approve": {"token": "plan_token"},
    "plans_family.code": {"token": "plan_token"}, "plans_family.pdf": {"token": "plan_token"},
    "notify.case_retry": {"message_id": "case_message_id"},
}


def _rules(app):
    return [r for r in app.url_map.iter_rules()]


def _url(app, world, rule, role) -> str:
    values = {}
    aliases = URL_VALUES.get(rule.endpoint, {})
    for name in rule.arguments:
        source = name
        if name in aliases:
            source = aliases[name]
        elif name == "token" and role in world.tokens and rule.rule.startswith("/samtycke/s/"):
            source = None  # a guardian uses their own personal link
        value = world.tokens[role] if source is None else world.values.get(source)
        assert value is not None, f"{rule.endpoint}: no value for <{name}> (add it to World.values or URL_VALUES)"
        values[name] = value
    values.update(QUERY.get(rule.endpoint, {}))
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _verdict(response, expected) -> bool:
    code = response.status_code
    location = response.headers.get("Location", "")
    if code == 500:
        return False
    if expected == LOGIN:
        return code == 302 and "/logga-in" in location
    if expected == OK:
        return code in (200, 400) or (code in (302, 303) and "/logga-in" not in location)
    if expected == 302:
        return code in (302, 303) and "/logga-in" not in location
    return code == expected


def test_every_route_has_an_entry(app):
    endpoints = {r.endpoint for r in _rules(app)}
    missing = sorted(endpoints - set(MATRIX))
    stale = sorted(set(MATRIX) - endpoints)
    assert not missing, f"routes without an access matrix entry: {missing}"
    assert not stale, f"matrix entries for routes that do not exist: {stale}"
    for rule in _rules(app):
        entry = MATRIX[rule.endpoint]
        for method in ("GET", "POST"):
            if method in rule.methods:
                assert method in entry, f"{rule.endpoint}: no expectation for {method}"
                assert set(entry[method]) == set(ROLES), f"{rule.endpoint} {method}: every role needs an answer"


def _plan(app):
    """(order, endpoint, method, rule) for every request, GETs before POSTs."""
    steps = []
    for rule in _rules(app):
        entry = MATRIX.get(rule.endpoint, {})
        for method in ("GET", "POST"):
            if method in rule.methods or method in entry:
                steps.append((entry.get("order", 0) if method == "POST" else -1, rule.endpoint, method, rule))
    return sorted(steps, key=lambda s: (s[0], s[1], s[2]))


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(world_app, role):
    app, world = world_app()
    client = client_for(app, world, role)
    wrong = []
    for _order, endpoint, method, rule in _plan(app):
        url = _url(app, world, rule, role)
        if method not in rule.methods:
            response = client.open(url, method=method)
            if response.status_code != 405:
                wrong.append(f"{method} {url} ({endpoint}): {response.status_code}, expected 405")
            continue
        expected = MATRIX[endpoint][method][role]
        # A browser always posts at least the CSRF field: an otherwise empty form.
        response = client.open(url, method=method, data={"_": ""} if method == "POST" else None)
        if not _verdict(response, expected):
            where = response.headers.get("Location", "")
            wrong.append(f"{method} {url} ({endpoint}): {response.status_code} {where}, expected {expected}")
        if response.mimetype == "text/html":  # every page and error state is valid HTML
            wrong += [f"{method} {url} ({endpoint}): {p}" for p in markup_problems(response.get_data(as_text=True))]
        if role not in SEES_THE_CHILD and (role, endpoint) not in DEV_MAILBOX and response.mimetype in ("text/html", "text/plain", "application/json", "text/csv"):
            body = response.get_data(as_text=True)
            for secret in (CHILD_NAME, CHILD_NUMBER, "vera@familj.example"):
                if secret in body:
                    wrong.append(f"{method} {url} ({endpoint}): shows {secret!r} to {role}")
    assert not wrong, f"role {role}:\n" + "\n".join(wrong)
