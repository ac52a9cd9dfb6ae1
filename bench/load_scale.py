"""5. The managers' inbox and a staff member's case list with 1 000 vs 100 000 reports and 100 vs
10 000 cases: the same pages under wrk on a small and on a large database (bench/datagen.py),
both served at once and loaded in turn, and how their time grows with 100 times the data.

The target compares page 1 at both sizes: the same rows on the page (50 reports or cases, and the
inbox's two short lists of 20), so what grows is only the data behind it. Pages 1 and 2 in turn
and the last page are measured beside it, for the paging: with 1 000 reports the rektor's page 2
holds 2 reports and the staff member's 45 cases fit on page 1, so those pages show less at the
small size, and their ratios (informative) count that difference too."""
from __future__ import annotations

import statistics
from dataclasses import dataclass

from harness import Load, Row, ratio, wrk
from load import MANAGER, STAFF, Browser

from portal.paging import PER_PAGE, last_page

SMALL_REPORTS, SMALL_CASES, FACTOR = 1_000, 100, 100
ROUNDS = 3           # each page, on each database in turn
CONNECTIONS = 4      # a few readers at once: the time of one page, not the saturation of the server
VIEWS = ("page 1", "pages 1 and 2", "last page")


@dataclass(frozen=True)
class Page:
    email: str     # who reads it
    path: str
    counted: str   # what the data is counted in: datagen's key and word ("reports", "cases")
    listed: str    # datagen's key for how many the reader's list holds
    listed_as: str

    def view(self, name: str, made: dict) -> tuple[list[str], str]:
        """(paths loaded in turn, how the table names them) for one view on one database."""
        if name == "page 1":
            return [self.path], "page 1"
        if name == "pages 1 and 2":
            return [self.path, self.path + "?sida=2"], "pages 1 and 2 in turn"
        last = last_page(made[self.listed], PER_PAGE)
        return [self.path + f"?sida={last}"], f"the last page ({last})"


PAGES = {"inbox": Page(MANAGER, "/inkorg", "reports", "visible_to_manager", "in the inbox"),
         "case list": Page(STAFF, "/arenden/", "cases", "visible", "visible")}


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


def combined(loads: list[Load]) -> Load:
    """Rounds of one page on one database as one figure: the median p50, the worst p99."""
    return Load(requests=sum(x.requests for x in loads), seconds=sum(x.seconds for x in loads),
                p50_ms=statistics.median(x.p50_ms for x in loads), p90_ms=max(x.p90_ms for x in loads),
                p99_ms=max(x.p99_ms for x in loads), max_ms=max(x.max_ms for x in loads),
                status={k: sum(x.status.get(k, 0) for x in loads) for k in ("2xx", "3xx", "4xx", "5xx")},
                errors=sum(x.errors for x in loads))


def measure(ctx, sizes: dict[str, tuple[int, int]]) -> tuple[dict, dict]:
    """Both databases served at once, and every page loaded on them in turn, ROUNDS times: the
    machine's drift (a shared host) then falls on both sizes alike."""
    made = {size: {} for size in sizes}
    servers = {}
    try:
        for size, (reports, cases) in sizes.items():
            servers[size], _app = ctx.new_portal(f"scale-{size}", seed=seeder(reports, cases, made[size]))
        cookies = {(size, name): Browser(server.url).login(page.email).cookie
                   for size, server in servers.items() for name, page in PAGES.items()}
        rounds: dict = {}
        for name, page in PAGES.items():
            for view in VIEWS:
                # The target's page for the full time; the informative views for half of it.
                seconds = max(1.0, (ctx.seconds if view == "page 1" else ctx.seconds / 2) / ROUNDS)
                paths = {size: page.view(view, made[size])[0] for size in servers}
                for size, server in servers.items():   # warm-up
                    wrk(server.url, paths[size], connections=2, seconds=1, cookie=cookies[size, name],
                        max_requests=20)
                for _ in range(ROUNDS):
                    for size, server in servers.items():
                        load = wrk(server.url, paths[size], connections=CONNECTIONS, seconds=seconds,
                                   cookie=cookies[size, name])
                        assert load.status["2xx"] == load.requests and not load.errors, f"failed requests: {load}"
                        rounds.setdefault((size, name, view), []).append(load)
    finally:
        for server in servers.values():
            server.stop()
    return {key: combined(loads) for key, loads in rounds.items()}, made


def run(ctx, results) -> None:
    loads, made = measure(ctx, {"small": (SMALL_REPORTS, SMALL_CASES),
                                "large": (SMALL_REPORTS * FACTOR, SMALL_CASES * FACTOR)})
    for name, page in PAGES.items():
        for view in VIEWS:
            for size in ("small", "large"):
                load, m = loads[size, name, view], made[size]
                results.add(Row("5 scale", f"{name}, {m[page.counted]} {page.counted} ({m[page.listed]} {page.listed_as})",
                                load.rps, load.p50_ms, load.p99_ms,
                                note=f"{CONNECTIONS} connections, {page.view(view, m)[1]}; median p50 of {ROUNDS} "
                                     "runs interleaved with the other size's"))
        for view in VIEWS:
            a, b = loads["small", name, view].p50_ms, loads["large", name, view].p50_ms
            growth = ratio(b, a)
            if view == "page 1":
                text = f"{name} at 100 x the data <= 1.5 x the time (p50, page 1: the same rows at both sizes)"
            else:
                text = f"the same, {view} (informative: the small database's page shows fewer rows)"
            results.target("5 scale", text, f"{a:.1f} -> {b:.1f} ms = {growth:.2f} x", growth <= 1.5,
                           required=view == "page 1")
