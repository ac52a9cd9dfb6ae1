"""Helpers for the deviation report tests: the people of Arjeplog's directory and a filled form."""
from __future__ import annotations

import re
from functools import lru_cache

from tests.helpers import TEST_PASSWORD, login

REPORTER = "anna.larare@arjeplog.example"          # staff, Solbackens skola (grundskola)
RUT = "rut.rektorsson@arjeplog.example"            # rektor, Solbacken and the elevhälsa: line manager
GRETA = "greta.grundstrom@arjeplog.example"        # förskole- och grundskolechef (whole service): copy
ERIK = "erik.enhetsson@arjeplog.example"           # enhetschef IFO: the concerned organisation
TEACHER = "tove.larare@arjeplog.example"           # staff, Solbacken: may be named handler
OUTSIDER = "gabriel.gymnasielarare@arjeplog.example"  # staff, the gymnasium: unrelated
POLICE = "polly.polis@polisen.example"             # staff, polisen: no routing rule
ADMIN = "admin@demo.example"

NAMES = {REPORTER: "Anna Lärarsson", RUT: "Rut Rektorsson", GRETA: "Greta Grundström", ERIK: "Erik Enhetsson",
         TEACHER: "Tove Lärarsson", OUTSIDER: "Gabriel Gymnasiesson", POLICE: "Polly Polisson", ADMIN: "Ada Admin"}


PEOPLE = [
    (REPORTER, "staff", ("solbackens-skola",)),
    (RUT, "manager", ("solbackens-skola", "elevhalsan-arjeplog")),
    (GRETA, "manager", ("solbackens-skola",)),
    (ERIK, "manager", ("ifo-barn-och-familj",)),
    (TEACHER, "staff", ("solbackens-skola",)),
    (OUTSIDER, "staff", ("silverfjallets-gymnasium",)),
    (POLICE, "staff", ("polisen-arjeplog",)),
    (ADMIN, "admin", ()),
]


@lru_cache(maxsize=1)
def _password_hash() -> str:
    # One real argon2 hash of the test password, shared by the many accounts these tests need
    # (hashing each one again only makes the suite slower; logging in still verifies it).
    from portal.accounts.passwords import hash_password

    return hash_password(TEST_PASSWORD)


def make_people(app, people=PEOPLE) -> dict[str, int]:
    """Accounts for the people of Arjeplog's directory; returns {email: user id}."""
    from portal.accounts.models import User, UserUnit
    from portal.extensions import db

    ids = {}
    with app.app_context():
        for email, role, units in people:
            user = User(email=email, name=NAMES[email], password_hash=_password_hash(), role=role)
            user.memberships = [UserUnit(unit_key=u) for u in units]
            db.session.add(user)
            db.session.flush()
            ids[email] = user.id
        db.session.commit()
    return ids


def client_for(app, email):
    client = app.test_client()
    login(client, email)
    return client


REASON = "Kallelsen till nätverksmötet kom tre veckor efter att vi bad om mötet."
CHILD = "Barnet fick vänta på stöd i skolan under tre veckor."
MEASURES = "Påminnelse i portalen efter fem arbetsdagar."


def report_form(**overrides) -> dict:
    data = {
        "reporter_unit": "solbackens-skola",
        "case_ref": "",
        "event__event_date-day": "3", "event__event_date-month": "2", "event__event_date-year": "2026",
        "event__concerned_unit": "ifo-barn-och-familj",
        "event__kind": "kallelse",
        "client__initials_or_age": "Elev, 12 år",
        "description__reason": REASON,
        "description__consequences_child": CHILD,
        "description__consequences_services": "",
        "description__proposed_measures": MEASURES,
        "action": "continue",
    }
    data.update(overrides)
    return data


def ref_from(location: str) -> str:
    match = re.search(r"/avvikelser/([A-Z0-9]+)/", location)
    assert match, location
    return match.group(1)


def file_report(client, name: str, **overrides) -> str:
    """Fill in, check and sign a report; returns its reference."""
    response = client.post("/avvikelser/ny", data=report_form(**overrides))
    assert response.status_code == 302, response.get_data(as_text=True)
    ref = ref_from(response.headers["Location"])
    assert response.headers["Location"].endswith(f"/avvikelser/{ref}/granska")
    response = client.post(f"/avvikelser/{ref}/granska", data={"signed_name": name, "confirm": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"/avvikelser/{ref}")
    return ref


def act(client, ref: str, action: str, **data):
    prefixed = {f"{action}-{k}": v for k, v in data.items()}
    return client.post(f"/avvikelser/{ref}/atgard/{action}", data=prefixed)


def inbox_differences(app) -> tuple[set, set]:
    """(missing, extra): the managers' inbox entries the role rules give (access.roles_on, in
    Python, over every report and account) that the table lacks, and those it has that the rules
    do not give. Both empty when the entries are right."""
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.deviations.access import roles_on
    from portal.deviations.lifecycle import DeviationStatus, waits_for
    from portal.deviations.models import DeviationReport, InboxEntry
    from portal.extensions import db

    with app.app_context():
        want = set()
        users = db.session.scalars(select(User)).all()
        for report in db.session.scalars(select(DeviationReport)):
            for user in users:
                roles = roles_on(user, report) - {"reporter"}
                if roles and not report.is_draft:
                    want.add((user.id, report.id, report.status, report.submitted_at,
                              waits_for(report.status, roles), report.status != DeviationStatus.CLOSED))
        have = {(e.user_id, e.report_id, e.status, e.submitted_at, e.waiting, e.is_open)
                for e in db.session.scalars(select(InboxEntry))}
        db.session.remove()
    return want - have, have - want
