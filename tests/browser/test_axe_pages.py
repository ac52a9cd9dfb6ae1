"""Every page of the portal passes axe-core's WCAG 2.2 A/AA rules in Chromium, for every role that
can see it, and so does every form in its error state (submitted empty).

Pages are found from app.url_map (see pages.py), so a new route is checked as soon as it lands,
or this suite fails until it is listed in pages.EXCLUDED with a reason."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.markup import markup_problems

from .helpers import (check_html_document, fillable_post_forms, format_results, is_sandboxed, run_axe, screenshot,
                      shows_page, submit_form_empty)
from .pages import (EXCLUDED, FORMS_WITHOUT_ERROR_STATE, ROLES, build_urls, coverage_problems, covered_page_ids,
                    get_rules, rules_app)

pytestmark = pytest.mark.browser

PAGE_IDS = covered_page_ids(rules_app())


def test_every_get_route_is_visited_or_excluded_with_a_reason(portal_server):
    app = portal_server.app
    problems = coverage_problems(app)
    assert not problems, (
        "GET routes the browser suite cannot visit. Add a URL parameter resolver to "
        "tests/browser/pages.py PARAMETERS, or list the endpoint in EXCLUDED with the reason:\n  "
        + "\n  ".join(problems))
    endpoints = {r.endpoint for r in get_rules(app)}
    assert not set(EXCLUDED) - endpoints, f"EXCLUDED lists endpoints that no longer exist: {set(EXCLUDED) - endpoints}"
    assert set(covered_page_ids(app)) == set(PAGE_IDS), "the collected pages differ from the served app's routes"
    assert all(reason.strip() for reason in EXCLUDED.values())


@pytest.fixture(scope="module")
def blank_page(new_context):
    return new_context().new_page()


@pytest.mark.parametrize("page_id", PAGE_IDS)
def test_page_and_its_forms_in_error_state_pass_axe(portal_server, role_pages, blank_page, page_id):
    url, *more_urls = build_urls(portal_server.app, page_id)
    seen_by, failures = [], []

    def check(page, label, response):
        if is_sandboxed(response):  # no script runs in it: check the same HTML as a document
            report = check_html_document(blank_page, response.text(), f"{label} (sandboxed HTML as a document)")
        else:
            report = run_axe(page, label)
        if report.violations:
            screenshot(page, f"axe-fail-{label}")
            failures.append(format_results(report.label, report.violations))
        invalid = markup_problems(response.text())   # the served HTML, with CSRF on
        if invalid:
            failures.append(f"  invalid HTML – {label}:\n" + "\n".join(f"      • {p}" for p in invalid))

    for role in ROLES:
        page = role_pages(role)
        response = page.goto(url)
        if shows_page(page, response, url):
            seen_by.append(role)
            check(page, f"{page_id} ({url}) as {role}", response)
    assert seen_by, f"no role in {list(ROLES)} gets {url} with status 200: fix its resolver in pages.py or exclude it"

    # Further content and states of the page, and its forms: as the first role that sees it.
    page = role_pages(seen_by[0])
    for other in more_urls:
        response = page.goto(other)
        assert shows_page(page, response, other), f"{other} does not open for {seen_by[0]} ({response.status})"
        check(page, f"{page_id} ({other}) as {seen_by[0]}", response)

    sandboxed = is_sandboxed(page.goto(url))  # no form can be sent from a sandboxed document
    for form in [] if sandboxed else fillable_post_forms(page):
        reason = FORMS_WITHOUT_ERROR_STATE.get((page_id, form["button"]))
        if reason:
            print(f"{page_id}: form '{form['button']}' has no error state: {reason}")
            continue
        page.goto(url)
        response = submit_form_empty(page, form["index"])
        label = f"{page_id} form '{form['button']}' submitted empty as {seen_by[0]}"
        summary = page.locator("[data-error-summary]")
        assert response.status == 400, (
            f"{label}: expected the page again with status 400 and an error summary, got {response.status} "
            f"at {page.url}. A form that is valid when empty goes in pages.FORMS_WITHOUT_ERROR_STATE.")
        expect(summary, f"{label}: no error summary").to_have_count(1)
        expect(summary, f"{label}: focus did not move to the error summary").to_be_focused()
        check(page, label, response)
    if failures:
        pytest.fail("axe-core found WCAG 2.2 A/AA violations (or invalid HTML):\n" + "\n".join(failures), pytrace=False)


def test_error_pages_pass_axe(role_pages):
    anonymous = role_pages("anonymous")
    response = anonymous.goto("/det-har-finns-inte")
    assert response.status == 404
    failures = [run_axe(anonymous, "404 page as anonymous")]
    staff = role_pages("staff")
    response = staff.goto("/admin/konton")
    assert response.status == 403
    failures.append(run_axe(staff, "403 page as staff"))
    problems = [format_results(r.label, r.violations) for r in failures if r.violations]
    if problems:
        pytest.fail("axe-core found WCAG 2.2 A/AA violations (or invalid HTML):\n" + "\n".join(problems), pytrace=False)


def test_a_new_route_without_resolver_or_exclusion_is_reported(app_factory):
    app = app_factory()

    @app.route("/prov/<token>")
    def probe_page(token):  # a page a feature might add
        return token

    @app.route("/prov/<token>.pdf")
    def probe_pdf(token):
        return token

    problems = coverage_problems(app)
    assert problems == ["probe_page (/prov/<token>): no resolver for token",
                        "probe_pdf (/prov/<token>.pdf): no resolver for token"]
    assert "probe_page" in covered_page_ids(app)
