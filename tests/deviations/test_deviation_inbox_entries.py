"""The managers' inbox entries (portal/deviations/inbox.py) stay exactly what the role rules
give, through the whole routine, account changes, manual routing, retention and a rebuild; and a
wrong entry can never show a report to someone without a role on it.

(Every test that builds an app is also checked at teardown, in tests/conftest.py.)"""
from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, select

from portal.accounts.models import User
from portal.accounts.service import set_units
from portal.deviations.models import DeviationReport, InboxEntry
from portal.extensions import db
from tests.support.deviations import (ADMIN, ERIK, GRETA, OUTSIDER, REPORTER, RUT, TEACHER, act, client_for,
                                      file_report, inbox_differences, make_people)


@pytest.fixture
def people(app):
    return make_people(app)


def entries(app, ref) -> dict[int, tuple[str, bool, bool]]:
    """{user id: (status, waiting, open)} for the report."""
    with app.app_context():
        report_id = db.session.scalar(select(DeviationReport.id).where(DeviationReport.ref == ref))
        found = {e.user_id: (e.status, e.waiting, e.is_open)
                 for e in db.session.scalars(select(InboxEntry).where(InboxEntry.report_id == report_id))}
        db.session.remove()
        return found


def assert_as_the_rules_say(app):
    missing, extra = inbox_differences(app)
    assert not missing and not extra, (missing, extra)


def test_entries_follow_a_report_through_the_whole_routine(app, people):
    rut, greta, erik, tove = (client_for(app, e) for e in (RUT, GRETA, ERIK, TEACHER))
    ref = file_report(client_for(app, REPORTER), "Anna Lärarsson")
    # line manager (waits: she co-signs) and copy holder; not yet the concerned organisation
    assert entries(app, ref) == {people[RUT]: ("received", True, True), people[GRETA]: ("received", False, True)}
    assert "1 avvikelserapport väntar på dig" in rut.get("/").get_data(as_text=True)
    assert f"Rapport {ref}" not in erik.get("/inkorg").get_data(as_text=True)
    assert_as_the_rules_say(app)

    assert act(rut, ref, "assign", handler=people[TEACHER]).status_code == 303
    assert set(entries(app, ref)) == {people[RUT], people[GRETA], people[TEACHER]}
    assert f"Rapport {ref}" in tove.get("/inkorg").get_data(as_text=True)
    assert act(rut, ref, "cosign", text="Jag instämmer.", confirm="y").status_code == 303
    assert entries(app, ref)[people[RUT]] == ("cosigned", True, True)  # she may now send the copy
    assert_as_the_rules_say(app)

    assert act(tove, ref, "send_to_concerned", text="").status_code == 303
    assert entries(app, ref)[people[ERIK]] == ("sent_to_concerned", True, True)  # Erik answers now
    assert "Väntar på dig" in erik.get("/inkorg").get_data(as_text=True)
    assert f"Rapport {ref}</a> – Skickad till berörd verksamhet" in erik.get("/inkorg").get_data(as_text=True)
    assert act(erik, ref, "answer", text="Vi missade kallelsen.").status_code == 303
    assert act(tove, ref, "decide_measures", text="Rutinen ses över.").status_code == 303
    assert act(rut, ref, "give_feedback", text="Tack för rapporten.").status_code == 303
    assert act(rut, ref, "close", text="").status_code == 303
    final = entries(app, ref)
    assert set(final) == {people[RUT], people[GRETA], people[ERIK], people[TEACHER]}
    assert all(v == ("closed", False, False) for v in final.values())
    assert "väntar på dig" not in rut.get("/").get_data(as_text=True)
    assert_as_the_rules_say(app)

    assert act(rut, ref, "reopen", text="Åtgärden följdes inte.").status_code == 303
    assert entries(app, ref)[people[RUT]][0] == "under_analysis" and entries(app, ref)[people[RUT]][2]
    assert_as_the_rules_say(app)
    # the rows are on the inbox page, counted
    page = greta.get("/inkorg").get_data(as_text=True)
    assert f"Rapport {ref}" in page and "Visar 1–1 av 1 rapport" in page


def test_entries_follow_account_changes(app, people):
    ref = file_report(client_for(app, REPORTER), "Anna Lärarsson")
    with app.app_context():
        # Rut leaves Solbackens skola: the rule matched her by e-mail and unit, so the report leaves her inbox
        rut = db.session.get(User, people[RUT])
        set_units(rut, ["elevhalsan-arjeplog"])
        db.session.commit()
    assert people[RUT] not in entries(app, ref)
    assert f"Rapport {ref}" not in client_for(app, RUT).get("/inkorg").get_data(as_text=True)
    with app.app_context():
        rut = db.session.get(User, people[RUT])
        set_units(rut, ["solbackens-skola", "elevhalsan-arjeplog"])
        db.session.commit()
    assert entries(app, ref)[people[RUT]] == ("received", True, True)
    with app.app_context():
        greta = db.session.get(User, people[GRETA])
        greta.role = "admin"  # administrators never read reports
        db.session.commit()
    assert people[GRETA] not in entries(app, ref)
    with app.app_context():
        greta = db.session.get(User, people[GRETA])
        greta.role, greta.email = "manager", "greta.ny@arjeplog.example"  # no longer the routed address
        db.session.commit()
    assert people[GRETA] not in entries(app, ref)
    assert_as_the_rules_say(app)


def test_an_account_made_after_the_report_was_routed_finds_it_in_the_inbox(app):
    from tests.support.deviations import PEOPLE

    people = make_people(app, [p for p in PEOPLE if p[0] != GRETA])
    ref = file_report(client_for(app, REPORTER), "Anna Lärarsson")
    assert set(entries(app, ref)) == {people[RUT]}
    # the administrator creates Greta's account through the admin page
    admin = client_for(app, ADMIN)
    response = admin.post("/admin/konton/nytt", data={
        "name": "Greta Grundström", "email": GRETA, "role": "manager", "units": ["solbackens-skola"],
        "active": "y", "password": "ett-långt-lösenord-2026"})
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    with app.app_context():
        greta_id = db.session.scalar(select(User.id).where(User.email == GRETA))
    assert entries(app, ref)[greta_id] == ("received", False, True)
    assert_as_the_rules_say(app)


def test_manual_routing_puts_the_report_in_the_chosen_managers_inbox(app, people):
    ref = file_report(client_for(app, "polly.polis@polisen.example"), "Polly Polisson",
                      reporter_unit="polisen-arjeplog", **{"event__concerned_unit": "solbackens-skola"})
    assert people[RUT] not in entries(app, ref)  # concerned, before the copy: not yet
    with app.app_context():
        report_id = db.session.scalar(select(DeviationReport.id).where(DeviationReport.ref == ref))
    response = client_for(app, ADMIN).post(f"/admin/avvikelser-utan-mottagare/{ref}", data={
        f"r{report_id}-manager": f"{RUT}|solbackens-skola|arjeplog-grundskola"})
    assert response.status_code == 303
    assert entries(app, ref)[people[RUT]] == ("received", True, True)
    assert "1 avvikelserapport väntar på dig" in client_for(app, RUT).get("/").get_data(as_text=True)
    assert_as_the_rules_say(app)


def test_entries_commit_and_roll_back_with_the_change_that_caused_them(app, people):
    ref = file_report(client_for(app, REPORTER), "Anna Lärarsson")
    with app.app_context():
        report = db.session.scalar(select(DeviationReport).where(DeviationReport.ref == ref))
        report.status = "closed"
        db.session.flush()
        db.session.rollback()
    assert entries(app, ref)[people[RUT]] == ("received", True, True)
    with app.app_context():
        report = db.session.scalar(select(DeviationReport).where(DeviationReport.ref == ref))
        report.status = "closed"
        db.session.commit()
    assert entries(app, ref)[people[RUT]] == ("closed", False, False)
    assert_as_the_rules_say(app)


def test_db_upgrade_rebuilds_the_entries(app, people, runner):
    ref = file_report(client_for(app, REPORTER), "Anna Lärarsson")
    with app.app_context():
        db.session.execute(delete(InboxEntry))  # as after a bulk import, or a changed directory
        db.session.commit()
    assert entries(app, ref) == {}
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "Chefernas inkorgar är byggda på nytt (2 rader)." in result.output
    assert set(entries(app, ref)) == {people[RUT], people[GRETA]}


@pytest.mark.inbox_unchecked
def test_a_wrong_entry_never_shows_a_report_to_someone_without_a_role(app, people):
    ref = file_report(client_for(app, REPORTER), "Anna Lärarsson")
    with app.app_context():
        report = db.session.scalar(select(DeviationReport).where(DeviationReport.ref == ref))
        db.session.execute(insert(InboxEntry), [dict(user_id=people[OUTSIDER], report_id=report.id, status=report.status,
                                                     submitted_at=report.submitted_at, waiting=True, is_open=True)])
        db.session.commit()
    outsider = client_for(app, OUTSIDER)
    page = outsider.get("/inkorg").get_data(as_text=True)
    assert f"Rapport {ref}" not in page and ref not in page
    assert outsider.get(f"/avvikelser/{ref}").status_code == 404


def test_accounts_loaded_ahead_are_kept_for_the_commit_and_forgotten_when_an_account_changes(app, people):
    """deviations.service.submit loads the inbox's accounts before its first write; the commit
    uses them only while no account or unit in the transaction has changed."""
    from portal.deviations import inbox

    ref = file_report(client_for(app, REPORTER), "Anna Lärarsson")
    with app.app_context():
        report = db.session.scalar(select(DeviationReport).where(DeviationReport.ref == ref))
        ahead = inbox.accounts_ahead([r.email for r in report.recipients], report.handler_id)
        assert people[RUT] in {u.id for u in ahead}
        report.status = "closed"
        db.session.flush()                      # a change to a report keeps them
        assert inbox._ACCOUNTS in db.session.info
        db.session.get(User, people[GRETA]).name = "Greta Ändrad"
        db.session.flush()                      # a change to an account forgets them
        assert inbox._ACCOUNTS not in db.session.info
        inbox.accounts_ahead([r.email for r in report.recipients], report.handler_id)
        db.session.commit()                     # and the transaction's end
        assert inbox._ACCOUNTS not in db.session.info
    assert entries(app, ref)[people[RUT]] == ("closed", False, False)
    assert_as_the_rules_say(app)
