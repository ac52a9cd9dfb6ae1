"""The managers' inbox at size: paged fifty at a time, counted in SQL, exactly the reports the
role rules (portal/deviations/access.py roles_on) give each account."""
from __future__ import annotations

import importlib.util
import re

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.deviations import lifecycle
from portal.deviations.access import roles_on
from portal.deviations.models import DeviationRecipient, DeviationReport
from portal.extensions import db
from tests.helpers import ROOT
from tests.support.deviations import ERIK, GRETA, OUTSIDER, RUT, client_for, make_people

_spec = importlib.util.spec_from_file_location("bench_datagen", ROOT / "bench" / "datagen.py")
datagen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(datagen)

ROW_REF = re.compile(r'<td data-label="Rapport"><a href="/avvikelser/([A-Z0-9]{8})">')


@pytest.fixture
def people(app):
    return make_people(app)


@pytest.fixture
def many(app, people):
    """300 reports, half of them routed to Rut (as line manager, copy or concerned)."""
    with app.app_context():
        return datagen.make_reports(300, RUT, share=0.5, seed=3)


def expected(app, email) -> dict[str, set[str]]:
    """{ref: roles} by the role rules in Python, over every report: what the inbox must show."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        result = {}
        for report in db.session.scalars(select(DeviationReport)):
            roles = roles_on(user, report) - {"reporter"}
            if roles and not report.is_draft:
                result[report.ref] = (report.status, roles)
        return result


def listed(client, query="") -> list[str]:
    return ROW_REF.findall(client.get("/inkorg" + query).get_data(as_text=True))


def all_pages(client) -> list[str]:
    refs, page = [], 1
    while True:
        html = client.get(f"/inkorg?sida={page}").get_data(as_text=True)
        refs += ROW_REF.findall(html)
        if "Nästa sida" not in html:
            return refs
        page += 1


def test_the_inbox_is_paged_fifty_at_a_time_and_every_page_is_full(app, many):
    want = expected(app, RUT)
    assert len(want) == many["visible_to_manager"] > 100
    rut = client_for(app, RUT)
    first = rut.get("/inkorg").get_data(as_text=True)
    pages = -(-len(want) // 50)
    assert f"Visar 1–50 av {len(want)} rapporter." in first and f"Sida 1 av {pages}" in first
    assert 'href="/inkorg?sida=2#alla">Nästa sida' in first and "Föregående sida" not in first
    assert len(ROW_REF.findall(first)) == 50
    second = rut.get("/inkorg?sida=2").get_data(as_text=True)
    assert "Visar 51–100 av" in second and len(ROW_REF.findall(second)) == 50 and "Föregående sida" in second
    last = rut.get(f"/inkorg?sida={pages}").get_data(as_text=True)
    assert len(ROW_REF.findall(last)) == len(want) - 50 * (pages - 1) and "Nästa sida" not in last
    # past the end: the last page; not a number: the first, as in the case list
    assert listed(rut, "?sida=999") == listed(rut, "?sida=99999999999999999999") == ROW_REF.findall(last)
    for bad in ("?sida=abc", "?sida=0", "?sida=-2", "?sida=%C2%B2"):
        assert listed(rut, bad) == ROW_REF.findall(first)
    # the pages together: every report once, newest first, and only those the rules give
    refs = all_pages(rut)
    assert len(refs) == len(set(refs)) == len(want) and set(refs) == set(want)
    with app.app_context():
        order = {r.ref: (r.submitted_at, r.id) for r in db.session.scalars(select(DeviationReport))}
    assert [order[r] for r in refs] == sorted((order[r] for r in refs), reverse=True)
    # the number of days is kept when paging
    assert 'href="/inkorg?dagar=7&amp;sida=2#alla"' in rut.get("/inkorg?dagar=7").get_data(as_text=True)


def test_the_counts_per_status_come_from_the_same_rows(app, many):
    want = expected(app, RUT)
    html = client_for(app, RUT).get("/inkorg").get_data(as_text=True)
    stats = html.split('id="statistik"', 1)[1]
    for status in lifecycle.SUBMITTED_STATUSES:
        n = sum(1 for s, _ in want.values() if s == status)
        assert n == many["by_status"][status]
        assert f'<tr><th scope="row">{lifecycle.DeviationStatus.labels()[status]}</th><td>{n}</td></tr>' in stats
    assert f'<tr><th scope="row">Totalt</th><td>{len(want)}</td></tr>' in stats
    # what waits for her: the start page's figure; the list shows the newest twenty of them
    waiting = sum(1 for s, roles in want.values() if lifecycle.waits_for(s, roles))
    assert f"{waiting} avvikelserapporter väntar på dig" in client_for(app, RUT).get("/").get_data(as_text=True)
    part = html.split("<h2>Väntar på dig</h2>", 1)[1].split("<h2>", 1)[0]
    assert f"{waiting} rapporter väntar på dig. Här visas de 20 senast skickade" in part
    assert part.count("<li>") == 20
    # open longer than 30 days: every submitted report here is older than that, or not
    with app.app_context():
        from portal.timeutil import utcnow
        import datetime as dt

        limit = utcnow() - dt.timedelta(days=30)
        old = sum(1 for r in db.session.scalars(select(DeviationReport)) if r.ref in want
                  and lifecycle.is_open(r.status) and r.submitted_at < limit)
    assert f"<strong>{old}</strong> öppna rapporter skickades för mer än 30 dagar sedan. De 20 senast skickade:" in html


@pytest.mark.parametrize("email", [RUT, GRETA, ERIK])
def test_each_manager_sees_exactly_the_reports_the_rules_give_them(app, many, email):
    want = expected(app, email)
    refs = all_pages(client_for(app, email))
    assert sorted(refs) == sorted(want)


def test_a_manager_never_sees_reports_routed_to_others(app, many):
    with app.app_context():
        others = set(db.session.scalars(
            select(DeviationReport.ref).where(~DeviationReport.id.in_(
                select(DeviationRecipient.report_id).where(DeviationRecipient.email == RUT)))))
    assert len(others) > 100
    assert not set(all_pages(client_for(app, RUT))) & others
    assert listed(client_for(app, OUTSIDER)) == []


def test_the_concerned_party_sees_a_report_only_once_the_copy_was_sent(app, many):
    with app.app_context():
        rows = db.session.execute(
            select(DeviationReport.ref, DeviationReport.status).join(DeviationRecipient)
            .where(DeviationRecipient.email == RUT, DeviationRecipient.capacity == "concerned")).all()
    before = {ref for ref, status in rows if status in ("received", "cosigned")}
    after = {ref for ref, status in rows if status not in ("received", "cosigned")}
    assert before and after
    refs = set(all_pages(client_for(app, RUT)))
    assert not refs & before and after <= refs


@pytest.mark.parametrize("typed", ["abc", "0", "-5", "99999", "1e3", "7" * 300])
def test_a_wrong_number_of_days_is_told_next_to_the_field_and_kept(app, people, typed):
    """The "older than N days" filter: a wrong value gets a Swedish message next to the field and in
    the error summary, keeps what was typed, and the page still shows the inbox with 30 days."""
    client = client_for(app, RUT)
    response = client.get("/inkorg", query_string={"dagar": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 200                                # the inbox, with the filter's error
    message = "Skriv antalet dagar med siffror, från 1 till 3650, till exempel 30"
    assert html.count(message) == 2                                   # next to the field and in the summary
    assert 'class="error-summary"' in html and 'href="#dagar"' in html
    assert re.search(r'<input[^>]*id="dagar"[^>]*value="' + re.escape(typed) + '"', html)
    assert "skickades för mer än 30 dagar sedan" in html


def test_a_right_number_of_days_is_used_and_the_default_is_shown(app, people):
    client = client_for(app, RUT)
    page = client.get("/inkorg").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="dagar"[^>]*value="30"', page) and "error-summary" not in page
    response = client.get("/inkorg?dagar=7")
    assert response.status_code == 200
    assert "skickades för mer än 7 dagar sedan" in response.get_data(as_text=True)
