"""7. The signed-in pages against their hand-written floors (issue 32): the guideline page, the
search, the case page with its panels and the managers' inbox, each served by the portal and by
bench/baselines/floor_<flow>.py on the same SQLite file (the floor signs in by its own session row
in the same table), loaded in turn under wrk. Target: every flow >= 0.5 x its floor; the case page
writes an audit row on every view, counted afterwards (zero lost). The submission's floor is
section 3's."""
from __future__ import annotations

import sqlite3
import urllib.parse
import urllib.request

from harness import HERE, Row, gunicorn, ratio, wrk
from load import MANAGER, STAFF, WORKERS, Browser
from load_scale import combined

GUIDELINE = "/riktlinjer/norrbus-riktlinjer"
QUERIES = ["samverkansmöte", "barn", "vårdnadshavare", "barnets plan", "kostnadsfördelning placering", "bbic"]
HALVES = 2    # each side loaded this many times in turn, so the host's drift falls on both alike
REPORTS, CASES, CASE_EVENTS = 1_000, 100, 50


def seed_flows(made: dict, reports: int = REPORTS, cases: int = CASES):
    """seed(app) for new_portal: generated reports and cases (bench/datagen.py), and a case of the
    staff member's unit with CASE_EVENTS audit events; its reference in made["case_ref"]."""
    def seed(app) -> None:
        from sqlalchemy import insert, select

        import datagen
        from portal.accounts.models import User
        from portal.audit.models import AuditEvent
        from portal.cases.models import Case
        from portal.extensions import db

        staff = db.session.scalar(select(User).where(User.email == STAFF))
        made.update(datagen.make_reports(reports, MANAGER))
        made.update(datagen.make_cases(cases, staff.id))
        case = db.session.scalar(select(Case).where(Case.unit_key == "solbackens-skola").order_by(Case.id).limit(1))
        db.session.execute(insert(AuditEvent), [dict(user_id=staff.id, actor="", unit_key=case.unit_key,
                                                     case_id=case.id, action="case.view", object_type="case",
                                                     object_id=str(case.id), detail="")] * CASE_EVENTS)
        made["case_ref"] = case.ref
    return seed


def search_paths() -> list[str]:
    return ["/sok?q=" + urllib.parse.quote(q) for q in QUERIES]


def case_views(database) -> int:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT count(*) FROM audit_events WHERE action = 'case.view'").fetchone()[0]


def side_by_side(ctx, portal, floor, paths, portal_cookie, floor_cookie):
    """(portal load, floor load, responses in all): each loaded HALVES times in turn, ctx.seconds in all."""
    seconds = max(1.0, ctx.seconds / HALVES)
    warm = [wrk(url, paths, connections=2, seconds=1, cookie=cookie, max_requests=len(paths) * 4)   # every path
            for url, cookie in ((portal.url, portal_cookie), (floor.url, floor_cookie))]
    mine, base = [], []
    for _ in range(HALVES):
        base.append(wrk(floor.url, paths, connections=ctx.connections, seconds=seconds, cookie=floor_cookie))
        mine.append(wrk(portal.url, paths, connections=ctx.connections, seconds=seconds, cookie=portal_cookie))
    mine, base = combined(mine), combined(base)
    for name, load in (("portal", mine), ("floor", base)):
        assert load.status["2xx"] == load.requests and not load.errors, f"{name}: failed requests: {load}"
    return mine, base, mine.requests + base.requests + sum(w.status["2xx"] for w in warm)


def run(ctx, results) -> None:
    made: dict = {}
    portal, _app = ctx.new_portal("flows", seed=seed_flows(made))
    database = ctx.folder / "flows" / "portal.sqlite3"
    try:
        with urllib.request.urlopen(portal.url + GUIDELINE, timeout=30) as r:  # noqa: S310 (loopback)
            page_file = ctx.folder / "flows" / "guideline.html"
            page_file.write_bytes(r.read())
        cookies = {email: Browser(portal.url).login(email).cookie for email in (STAFF, MANAGER)}
        flows = [("guideline page, signed in", "floor_guideline", [GUIDELINE], STAFF),
                 ("search, signed in", "floor_search", search_paths(), STAFF),
                 ("case page with its panels", "floor_case", [f"/arenden/{made['case_ref']}"], STAFF),
                 ("managers' inbox, page 1", "floor_inbox", ["/inkorg"], MANAGER)]
        for what, module, paths, email in flows:
            floor = gunicorn(module, f"{module}:app", workers=WORKERS, cwd=HERE / "baselines", ready_path="/logga-in",
                             env={"BENCH_DATABASE": str(database), "BENCH_HTML": str(page_file)}, log=ctx.log).start()
            try:
                views_before = case_views(database)
                mine, base, answered = side_by_side(ctx, portal, floor, paths, cookies[email], Browser(floor.url).login(email).cookie)
                views = case_views(database) - views_before
            finally:
                floor.stop()
            r = ratio(mine.rps, base.rps)
            results.add(Row("7 floors", f"{what}: hand-written floor (bench/baselines/{module}.py)", base.rps,
                            base.p50_ms, base.p99_ms),
                        Row("7 floors", f"{what}: portal (gunicorn)", mine.rps, mine.p50_ms, mine.p99_ms,
                            note=f"{r:.2f} x the floor; {len(paths)} path(s) in turn, {HALVES} loads of each in turn"))
            results.target("7 floors", f"{what} >= 0.5 x its floor", f"{r:.2f} x ({mine.rps:.0f} vs {base.rps:.0f}/s)",
                           r >= 0.5)
            if module == "floor_case":
                # wrk is interrupted at the end: a view the server answered may be uncounted, never the reverse.
                results.target("7 floors", "case page: zero lost (an audit 'case.view' row for every view answered)",
                               f"{views} rows for {answered} views wrk counted (portal and floor)", views >= answered)
    finally:
        portal.stop()
