"""5. The managers' inbox and a staff member's case list with 1 000 vs 100 000 reports and 100 vs
10 000 cases: the same pages under wrk on a small and on a large database (bench/datagen.py),
one database at a time, and how their time grows with 100 times the data."""
from __future__ import annotations

from harness import Row, ratio, wrk
from load import MANAGER, STAFF, Browser

SMALL_REPORTS, SMALL_CASES, FACTOR = 1_000, 100, 100
CONNECTIONS = 4      # a few readers at once: the time of one page, not the saturation of the server
PAGES = {"inbox": (MANAGER, ["/inkorg", "/inkorg?sida=2"]), "case list": (STAFF, ["/arenden/", "/arenden/?sida=2"])}


def seeder(reports: int, cases: int, made: dict):
    def seed(app) -> None:
        from sqlalchemy import select

        import datagen
        from portal.accounts.models import User
        from portal.extensions import db

        staff = db.session.scalar(select(User).where(User.email == STAFF))
        made.update(datagen.make_reports(reports, MANAGER))
        made.update(datagen.make_cases(cases, staff.id))
    return seed


def measure(ctx, name: str, reports: int, cases: int) -> tuple[dict, dict]:
    made: dict = {}
    server, _app = ctx.new_portal(name, seed=seeder(reports, cases, made))
    try:
        loads = {}
        for page, (email, paths) in PAGES.items():
            cookie = Browser(server.url).login(email).cookie
            wrk(server.url, paths, connections=2, seconds=1, cookie=cookie, max_requests=20)   # warm-up
            load = wrk(server.url, paths, connections=CONNECTIONS, seconds=ctx.seconds, cookie=cookie)
            assert load.status["2xx"] == load.requests and not load.errors, f"failed requests: {load}"
            loads[page] = load
    finally:
        server.stop()
    return loads, made


def run(ctx, results) -> None:
    small, made_small = measure(ctx, "scale-small", SMALL_REPORTS, SMALL_CASES)
    large, made_large = measure(ctx, "scale-large", SMALL_REPORTS * FACTOR, SMALL_CASES * FACTOR)
    for page in PAGES:
        what = ("reports", "visible_to_manager", "in the inbox") if page == "inbox" else ("cases", "visible", "visible")
        for label, loads, made in (("small", small, made_small), ("large", large, made_large)):
            load = loads[page]
            results.add(Row("5 scale", f"{page}, {made[what[0]]} {what[0]} ({made[what[1]]} {what[2]})", load.rps,
                            load.p50_ms, load.p99_ms, note=f"{CONNECTIONS} connections, pages 1 and 2"))
        growth = ratio(large[page].p50_ms, small[page].p50_ms)
        results.target("5 scale", f"{page} at 100 x the data <= 1.5 x the time (p50)",
                       f"{small[page].p50_ms:.1f} -> {large[page].p50_ms:.1f} ms = {growth:.2f} x", growth <= 1.5)
