"""portal/memo.py: the case page's panels ask once per transaction which process a case follows and
which consents it has (issue 32), and never see less than a query would show them."""
from sqlalchemy import event, select


def _counting(db):
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)
    event.listen(db.engine, "before_cursor_execute", count)
    return seen, lambda: event.remove(db.engine, "before_cursor_execute", count)


def test_the_process_is_read_once_and_a_new_choice_is_seen_at_once(app, make_user, make_case):
    from portal.cases.models import Case
    from portal.extensions import db
    from portal.plans.models import CaseProcess
    from portal.plans.service import case_process, set_process
    from portal.accounts.models import User

    uid = make_user("larare@solbacken.example")
    ref = make_case(uid)
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.ref == ref))
        user = db.session.get(User, uid)
        seen, stop = _counting(db)
        try:
            assert case_process(case) is None
            assert case_process(case) is None
            assert len([s for s in seen if "case_processes" in s]) == 1        # "none" kept too
            chosen = set_process(case, "norrbus", False, user)                # added, not flushed
            assert case_process(case) is chosen                               # seen at once
            db.session.commit()
            seen.clear()
            assert case_process(case).process_key == "norrbus"
            assert case_process(case).process_key == "norrbus"
            assert len([s for s in seen if "case_processes" in s]) == 1        # commit forgot it once
            other = db.session.scalar(select(CaseProcess).where(CaseProcess.case_id == case.id))
            other.process_key = "kronobarn"                                   # a change not yet flushed
            assert case_process(case).process_key == "kronobarn"
            db.session.rollback()
        finally:
            stop()


def test_consents_are_read_once_and_a_withdrawal_in_the_transaction_counts(app, make_user, make_case):
    import datetime as dt

    from portal.cases.models import Case
    from portal.consent.api import covered_units
    from portal.consent.models import Consent, ConsentStatus, ConsentUnit
    from portal.extensions import db

    uid = make_user("larare@solbacken.example")
    ref = make_case(uid)
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.ref == ref))
        today = dt.date.today()
        consent = Consent(case_id=case.id, status=ConsentStatus.VALID, record={},
                          months=12, valid_from=today, valid_until=today + dt.timedelta(days=300), created_by_id=uid)
        consent.units.append(ConsentUnit(unit_key="bup-norrbotten"))
        db.session.add(consent)
        db.session.commit()
        seen, stop = _counting(db)
        try:
            first = covered_units(case)
            assert set(first) == {"bup-norrbotten"}
            assert covered_units(case) == first
            assert len([s for s in seen if "FROM consents" in s]) == 1
            consent.status = ConsentStatus.WITHDRAWN                          # unflushed: asked again
            assert covered_units(case) == {}
        finally:
            stop()
            db.session.rollback()
