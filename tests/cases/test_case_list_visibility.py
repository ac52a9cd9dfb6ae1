"""The case list (/arenden/) shows exactly the cases the user may see: those of their units, and
those a valid consent or a plan grants their units; each once, newest change first, on every
page, with the right total, under each status filter and with a search.

The list is built in parts (access.VisibleCases); these tests hold it to the one definition of
visibility, visible_cases_query (and to hand-picked expectations, so that both are checked)."""
from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.cases.access import VisibleCases, visible_cases_query
from portal.cases.models import Case
from portal.cases.routes import case_search
from portal.extensions import db
from portal.timeutil import today_local
from tests.helpers import login

SKOLA, ELEVHALSA, IFO, VC, BUP, POLIS = ("solbackens-skola", "elevhalsan-arjeplog", "ifo-barn-och-familj",
                                         "arjeplogs-vardcentral", "bup-pite-alvdal", "polisen-arjeplog")
BASE = dt.datetime(2026, 1, 1, 8, 0)

# Granted to SKOLA and opened elsewhere: visible to anna (SKOLA).
GRANTED = {"Samtycke dubbel", "Samtycke avslutat", "Plan enbart", "Samtycke nyast", "Plan äldst"}
# Never visible to anna: another unit's case, or a grant that does not count (any more).
HIDDEN = {"Polisens ärende", "Återkallat samtycke", "Utgånget samtycke", "Utgången plan", "Plan utan slutdatum",
          "Samtycke för IFO", "Elevhälsans 00", "Samtycke för elevhälsan"}


@pytest.fixture
def people(make_user):
    return {"anna": make_user("anna@skola.example", units=(SKOLA,)),
            "bertil": make_user("bertil@skola.example", units=(SKOLA, ELEVHALSA)),
            "sam": make_user("sam@ifo.example", units=(IFO,)),
            "nobody": make_user("ingen@enhet.example", units=())}


@pytest.fixture
def cases(app, people):
    """110 SKOLA cases (a fifth closed; few distinct times, so that ties need the id), 15
    ELEVHALSA cases and the granted and not-granted cases of other units. {name: id}."""
    from portal.consent.models import Consent, ConsentStatus, ConsentUnit
    from portal.plans.models import PlanUnit

    rng = random.Random(7)
    today = today_local()
    soon, yesterday = today + dt.timedelta(days=30), today - dt.timedelta(days=1)
    anna = people["anna"]
    with app.app_context():
        made = {}

        def case(name, unit, *, hours=None, status="open"):
            changed = BASE + dt.timedelta(hours=rng.randrange(40) if hours is None else hours)
            c = Case(child_name=name, personal_number="20120415-2381", unit_key=unit, opened_by_id=anna,
                     status=status, updated_at=changed, closed_at=changed if status == "closed" else None)
            db.session.add(c)
            db.session.flush()
            made[name] = c.id
            return c.id

        def consent(case_id, units, status=ConsentStatus.VALID, until=soon):
            db.session.add(Consent(case_id=case_id, status=status, valid_until=until, created_by_id=anna,
                                   units=[ConsentUnit(unit_key=u, position=i) for i, u in enumerate(units)]))

        for i in range(110):
            case(f"Egen {i:03d}", SKOLA, status="closed" if rng.random() < 0.2 else "open")
        for i in range(15):
            case(f"Elevhälsans {i:02d}", ELEVHALSA)
        # Two valid consents and a plan on one case: one case in the list, counted once.
        double = case("Samtycke dubbel", IFO)
        consent(double, (IFO, SKOLA))
        consent(double, (SKOLA, BUP))
        db.session.add(PlanUnit(case_id=double, unit_key=SKOLA, valid_until=soon))
        consent(case("Samtycke avslutat", IFO, status="closed"), (SKOLA,))
        db.session.add(PlanUnit(case_id=case("Plan enbart", BUP), unit_key=SKOLA, valid_until=soon))
        consent(case("Samtycke nyast", VC, hours=100), (SKOLA,))        # first on the first page
        db.session.add(PlanUnit(case_id=case("Plan äldst", BUP, hours=-100), unit_key=SKOLA, valid_until=soon))
        # An own case that a consent also names: in the list once.
        consent(case("Egen med samtycke", SKOLA), (SKOLA, IFO))
        case("Polisens ärende", POLIS)
        consent(case("Återkallat samtycke", IFO), (SKOLA,), status=ConsentStatus.WITHDRAWN)
        # own case; the draft gives IFO nothing
        consent(case("Utkast till samtycke", SKOLA), (IFO,), status=ConsentStatus.DRAFT)
        consent(case("Utgånget samtycke", IFO), (SKOLA,), until=yesterday)
        db.session.add(PlanUnit(case_id=case("Utgången plan", BUP), unit_key=SKOLA, valid_until=yesterday))
        db.session.add(PlanUnit(case_id=case("Plan utan slutdatum", BUP), unit_key=SKOLA, valid_until=None))
        consent(case("Samtycke för IFO", VC), (IFO,))
        consent(case("Samtycke för elevhälsan", VC), (ELEVHALSA,))
        db.session.commit()
        return made


def _reference(user, *conditions) -> list[int]:
    """The visible ids by the one definition (visible_cases_query), newest change first."""
    query = visible_cases_query(user).where(*conditions).order_by(Case.updated_at.desc(), Case.id.desc())
    return list(db.session.scalars(query.with_only_columns(Case.id)))


def _filters() -> dict:
    """Status filters and searches (case_search needs the app: its case folding is the database's)."""
    return {
        "all": (),
        "open": (Case.status == "open",),
        "closed": (Case.status == "closed",),
        "q=samtycke": (case_search("samtycke"),),
        "open q=egen 0": (Case.status == "open", case_search("egen 0")),
        "closed q=plan": (Case.status == "closed", case_search("plan")),
    }


@pytest.mark.parametrize("who", ["anna", "bertil", "sam", "nobody"])
def test_the_parts_are_exactly_the_visible_set_in_order_with_the_total(app, people, cases, who):
    names = {v: k for k, v in cases.items()}
    with app.app_context():
        user = db.session.get(User, people[who])
        for label, conditions in _filters().items():
            want = _reference(user, *conditions)
            visible = VisibleCases(user, *conditions)
            assert visible.count() == len(want), (who, label)
            for first in (1, 7, 50, 100, 150, 1000):
                got = list(db.session.scalars(visible.newest_first(first).limit(first)))
                assert got == want[:first], (who, label, first)
                oldest = list(db.session.scalars(visible.ordered(first, newest=False).limit(first)))
                assert oldest == want[::-1][:first], (who, label, first)
            pages = []
            for page in range(1, len(want) // 50 + 2):
                pages += db.session.scalars(visible.newest_first(page * 50).offset((page - 1) * 50).limit(50))
            assert pages == want, (who, label)
            assert len(set(pages)) == len(pages)
        if who == "anna":
            seen = {names[i] for i in _reference(user)}
            assert GRANTED <= seen and not (HIDDEN & seen)
            assert {"Egen med samtycke", "Utkast till samtycke"} <= seen
            assert len(seen) == 110 + 2 + len(GRANTED)
        if who == "nobody":
            assert VisibleCases(user).count() == 0 and _reference(user) == []


def _listed(client, query: str) -> tuple[list[str], str]:
    response = client.get("/arenden/" + query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    shown = re.search(r"Visar (\d+)–(\d+) av (\d+) ärenden?\.", html)
    return re.findall(r'<td[^>]*><a href="/arenden/[A-Z0-9]{8}">([^<]+)</a></td>', html), shown.groups() if shown else None


@pytest.mark.parametrize("status,q", [("open", ""), ("closed", ""), ("all", ""), ("all", "samtycke"),
                                      ("open", "plan"), ("all", "Egen 1")])
def test_the_case_list_pages_show_every_visible_case_once_newest_first(app, client, people, cases, status, q):
    names = {v: k for k, v in cases.items()}
    with app.app_context():
        conditions = () if status == "all" else (Case.status == status,)
        if q:
            conditions += (case_search(q),)
        want = [names[i] for i in _reference(db.session.get(User, people["anna"]), *conditions)]
    assert want, "the data must give this filter something to show"
    login(client, "anna@skola.example")
    listed, page = [], 1
    while True:
        names_on_page, shown = _listed(client, f"?status={status}&q={q}&sida={page}")
        first, last, total = map(int, shown)
        assert (first, last, total) == ((page - 1) * 50 + 1, (page - 1) * 50 + len(names_on_page), len(want))
        listed += names_on_page
        if last == total:
            break
        page += 1
    assert listed == want and len(set(listed)) == len(listed)
    if status == "all" and not q:
        assert listed[0] == "Samtycke nyast" and listed[-1] == "Plan äldst"   # granted cases merge in by time
        assert listed.count("Samtycke dubbel") == 1 and listed.count("Egen med samtycke") == 1
        assert GRANTED <= set(listed) and not HIDDEN & set(listed)
        assert page == 3 and len(listed) == 117


@pytest.mark.parametrize("per_page", [1, 7, 50, 200])
def test_every_page_is_the_same_from_either_end_of_the_list(app, people, cases, per_page):
    """paginate_from_either_end reads a back page from the oldest end: it must hold exactly the
    rows that skipping from the newest end gives, in the same order, on every page."""
    from portal.paging import paginate_from_either_end

    with app.app_context():
        user = db.session.get(User, people["bertil"])
        for label, conditions in _filters().items():
            want = _reference(user, *conditions)
            visible = VisibleCases(user, *conditions)
            last = max(1, -(-len(want) // per_page))
            listed = []
            for page in range(1, last + 2):   # and one past the end: the last page again
                with app.test_request_context(f"/arenden/?sida={page}"):
                    pages = paginate_from_either_end(visible.ordered, total=len(want), per_page=per_page)
                shown = min(page, last)
                assert pages.page == shown and pages.pages == -(-len(want) // per_page), (label, page)
                assert pages.total == len(want)
                assert pages.items == want[(shown - 1) * per_page:shown * per_page], (label, per_page, page)
                if page <= last:
                    listed += pages.items
            assert listed == want, (label, per_page)


def test_a_grant_that_ends_leaves_the_list_and_the_total_at_once(app, client, people, cases):
    from portal.consent.models import Consent, ConsentStatus

    login(client, "anna@skola.example")
    assert "Samtycke avslutat" in _listed(client, "?status=closed")[0]
    closed_total = int(_listed(client, "?status=closed")[1][2])
    with app.app_context():
        consent = db.session.scalar(select(Consent).where(Consent.case_id == cases["Samtycke avslutat"]))
        consent.status = ConsentStatus.WITHDRAWN
        db.session.commit()
    listed, shown = _listed(client, "?status=closed")
    assert "Samtycke avslutat" not in listed and int(shown[2]) == closed_total - 1
    assert client.get("/arenden/?status=closed&q=Samtycke+avslutat").get_data(as_text=True).count("Inga ärenden") == 1


@pytest.mark.parametrize("keep", ["consent", "plans", "none"])
def test_with_one_provider_or_none_the_parts_still_are_the_visible_set(app, people, cases, monkeypatch, keep):

    hooks = app.extensions["portal"]
    providers = [pair for pair in hooks["access_providers"] if keep in pair[0].__module__]
    monkeypatch.setitem(hooks, "access_providers", providers)
    assert len(providers) == (0 if keep == "none" else 1)
    with app.app_context():
        for who in ("anna", "bertil"):
            user = db.session.get(User, people[who])
            for label, conditions in _filters().items():
                want = _reference(user, *conditions)
                visible = VisibleCases(user, *conditions)
                assert visible.count() == len(want), (keep, who, label)
                assert list(db.session.scalars(visible.newest_first(1000))) == want, (keep, who, label)
        if keep == "consent":   # two consents name SKOLA on this case: still one row
            assert _reference(db.session.get(User, people["anna"])).count(cases["Samtycke dubbel"]) == 1
