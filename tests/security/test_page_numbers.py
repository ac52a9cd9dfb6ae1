"""Issue 27: /granskning/?sida=99999999999999999999 was a 500. Every ?sida in the portal goes
through portal/paging.py: a number past the end shows the last page, however long the number;
anything that is not a positive whole number shows the first."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import insert

from tests.helpers import login

HUGE = ("99999999999999999999", "9223372036854775808", "99999999999", "9" * 5000)
NOT_A_PAGE = ("abc", "0", "-1", "%C2%B2", "1e5", "%20", "")
DETAIL = re.compile(r"<td>händelse (\d+)</td>")


@pytest.fixture
def audit_log(app, make_user, make_case):
    """A manager, and 250 events on one case of their unit (three pages of 100)."""
    from portal.audit.models import AuditEvent
    from portal.cases.models import Case
    from portal.extensions import db

    staff = make_user("anna@skola.example")
    make_user("rut@skola.example", role="manager", units=("solbackens-skola",))
    ref = make_case(staff)
    with app.app_context():
        case_id = db.session.query(Case.id).filter(Case.ref == ref).scalar()
        db.session.execute(insert(AuditEvent), [
            dict(at=dt.datetime(2026, 1, 1) + dt.timedelta(minutes=i), user_id=staff, actor="", unit_key="solbackens-skola",
                 case_id=case_id, action="case.view", object_type="case", object_id=str(case_id), detail=f"händelse {i}")
            for i in range(250)])
        db.session.commit()
    manager = app.test_client()
    login(manager, "rut@skola.example")
    return manager, ref


def shown(client, path: str) -> tuple[list[int], str]:
    response = client.get(path)
    assert response.status_code == 200, path[:80]
    html = response.get_data(as_text=True)
    return [int(n) for n in DETAIL.findall(html)], html


@pytest.mark.parametrize("where", ["/granskning/", "/granskning/arende/{ref}"])
def test_the_audit_log_shows_its_last_page_for_any_page_number_past_the_end(audit_log, where):
    """(Reading the case's log is logged on the case too: newer rows push the oldest further back,
    so the last page is told by the oldest event and no link to a next page.)"""
    manager, ref = audit_log
    path = where.format(ref=ref)
    first, _ = shown(manager, path)
    assert first[:2] == [249, 248]
    for page in HUGE + ("4", "99"):
        rows, html = shown(manager, f"{path}?sida={page}")
        assert rows and rows[-1] == 0 and "Nästa sida" not in html and "Föregående sida" in html, page[:30]
    for page in NOT_A_PAGE:
        rows, html = shown(manager, f"{path}?sida={page}")
        assert rows[:2] == [249, 248] and "Föregående sida" not in html, page


def test_the_page_number_is_read_by_one_rule(app):
    from portal.paging import shown_page

    for query, total, page in (("sida=2", 120, 2), ("sida=99", 120, 3), ("sida=99999999999999999999", 120, 3),
                               ("sida=" + "9" * 5000, 0, 1), ("sida=%C2%B2", 120, 1), ("sida=%D9%A1", 120, 1),
                               ("sida=-3", 120, 1), ("sida=0", 120, 1), ("", 120, 1)):
        with app.test_request_context(f"/arenden/?{query}"):
            assert shown_page(total) == page, query[:40]
