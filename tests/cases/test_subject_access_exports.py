"""Registerutdrag prepared ahead (issue 32): a large case's export is queued and answered at once
with "Utdraget förbereds"; `portal exports run` builds it; only the one who asked may download it;
it is deleted after its expiry. A small case's export is still served inline."""
from __future__ import annotations

import datetime as dt
import io
import re

from pypdf import PdfReader
from sqlalchemy import func, insert, select

from tests.helpers import TEST_PASSWORD, login
from tests.support.security import CASE_UNIT, client_for

ACTIONS = ["case.view", "case.print", "consent.view", "plan.view"]


def _add_readings(app, world, count: int) -> None:
    """`count` audit events on the case, each its own row in the report (different days)."""
    from portal.audit.models import AuditEvent
    from portal.extensions import db

    start = dt.datetime(2025, 1, 1)
    with app.app_context():
        db.session.execute(insert(AuditEvent), [
            dict(at=start + dt.timedelta(hours=25 * i), user_id=world.users["own"], actor="", unit_key=CASE_UNIT,
                 case_id=world.case_id, action=ACTIONS[i % 4], object_type="case", object_id=str(world.case_id),
                 detail="") for i in range(count)])
        db.session.commit()


def _run_worker(app) -> str:
    result = app.test_cli_runner().invoke(args=["exports", "run", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in reader.pages))


def _exports(app, world):
    """The exports made in this test (the test world holds two of its own, tests/support/security.py)."""
    from portal.extensions import db
    from portal.subject_access.models import SubjectAccessExport

    before = max(world.values.get("staff_export_id", 0), world.values.get("signer_export_id", 0))
    with app.app_context():
        return db.session.scalars(select(SubjectAccessExport).where(SubjectAccessExport.id > before)).all()


def _audit_count(app, action: str) -> int:
    from portal.audit.models import AuditEvent
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def test_a_large_case_is_prepared_by_the_worker_and_the_manager_downloads_it(world_app):
    app, world = world_app()
    _add_readings(app, world, 260)
    manager = client_for(app, world, "manager")
    asked = manager.get(f"/arenden/{world.case_ref}/registerutdrag.pdf?for=barnet")
    assert asked.status_code == 303
    page_url = asked.headers["Location"]
    page = manager.get(page_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Utdraget förbereds" in html and ">Uppdatera</a>" in html
    assert "registerutdrag.pdf" not in html.split("<h1>")[1]  # no download link yet
    # Asking again (a reload) does not queue the same work twice.
    assert manager.get(f"/arenden/{world.case_ref}/registerutdrag.pdf?for=barnet").headers["Location"] == page_url
    assert len(_exports(app, world)) == 1 and _exports(app, world)[0].status == "waiting"
    assert manager.get(page_url + ".pdf").status_code == 404   # not ready yet

    assert "Klara utdrag: 1." in _run_worker(app)
    html = manager.get(page_url).get_data(as_text=True)
    assert "Utdraget är klart" in html and f'href="{page_url}.pdf"' in html
    text = _pdf_text(manager.get(page_url + ".pdf"))
    assert "Läste ärendet" in text and text.count("Solbackens skola") >= 260 // 4
    assert _audit_count(app, "subject_access.report") == 2 and _audit_count(app, "subject_access.download") == 1


def test_a_small_case_is_served_inline_without_the_queue(world_app):
    app, world = world_app()
    manager = client_for(app, world, "manager")
    response = manager.get(f"/arenden/{world.case_ref}/registerutdrag.pdf?for=barnet")
    assert "Registerutdrag" in _pdf_text(response)
    assert _exports(app, world) == []


def test_the_signer_gets_their_export_and_nobody_else_can(world_app):
    app, world = world_app(PORTAL_EXPORT_INLINE_ROWS=1)   # every export through the queue
    token = world.tokens["guardian"]
    guardian = client_for(app, world, "guardian")
    asked = guardian.get(f"/samtycke/s/{token}/registerutdrag.pdf")
    assert asked.status_code == 303
    page_url = asked.headers["Location"]
    assert "Utdraget förbereds" in guardian.get(page_url).get_data(as_text=True)
    _run_worker(app)
    assert "Vera Vårdnadshavare" in _pdf_text(guardian.get(page_url + ".pdf"))
    export_id = _exports(app, world)[0].id

    # The case unit's manager, another manager of the same unit and a stranger: 404 on the signer's export.
    from portal.accounts.service import create_user
    from portal.extensions import db

    with app.app_context():
        create_user("annan.rektor@arjeplog.example", "Annan Rektor", TEST_PASSWORD, "manager", [CASE_UNIT])
        db.session.commit()
    other_manager = app.test_client()
    login(other_manager, "annan.rektor@arjeplog.example")
    for client in (client_for(app, world, "manager"), other_manager):
        for suffix in ("", ".pdf"):
            assert client.get(f"/arenden/{world.case_ref}/registerutdrag/{export_id}{suffix}").status_code == 404
    # A manager's own export is theirs alone too.
    manager = client_for(app, world, "manager")
    own_url = manager.get(f"/arenden/{world.case_ref}/registerutdrag.pdf?for=barnet").headers["Location"]
    _run_worker(app)
    assert manager.get(own_url + ".pdf").status_code == 200
    assert other_manager.get(own_url + ".pdf").status_code == 404 and other_manager.get(own_url).status_code == 404
    # Another signer's link does not reach this signer's export.
    if "withdrawn" in world.tokens:
        other = client_for(app, world, "withdrawn")
        response = other.get(f"/samtycke/s/{world.tokens['withdrawn']}/registerutdrag/{export_id}.pdf")
        assert response.mimetype != "application/pdf", response.status_code


def test_expired_exports_are_deleted_by_the_worker(world_app):
    app, world = world_app(PORTAL_EXPORT_INLINE_ROWS=1)
    manager = client_for(app, world, "manager")
    url = manager.get(f"/arenden/{world.case_ref}/registerutdrag.pdf?for=barnet").headers["Location"]
    _run_worker(app)
    assert manager.get(url + ".pdf").status_code == 200

    from portal.extensions import db
    from portal.subject_access.models import SubjectAccessExport

    with app.app_context():
        export = db.session.get(SubjectAccessExport, _exports(app, world)[0].id)
        assert export.pdf and export.expires_at - export.requested_at == dt.timedelta(days=7)
        export.expires_at = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=1)
        db.session.commit()
    assert "Borttagna efter sista dag: 1." in _run_worker(app)   # only the one past its expiry
    assert _exports(app, world) == []
    assert manager.get(url + ".pdf").status_code == 404 and manager.get(url).status_code == 404
