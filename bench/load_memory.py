"""6. Peak memory of a worker, and its growth over 10 000 requests: one gunicorn worker, a mix of
public pages, searches and signed-in pages (case list, case pages, inbox), resident memory read
from /proc after a warm-up and after the 10 000."""
from __future__ import annotations

import urllib.parse

from harness import Row, memory_kib, wrk
from load import STAFF, Browser

CASES = 40
REQUESTS = 10_000
WARM_UP = 1_000


def seed(app) -> None:
    from sqlalchemy import insert, select

    from portal.accounts.models import User
    from portal.cases.models import Case, new_reference
    from portal.extensions import db

    staff = db.session.scalar(select(User).where(User.email == STAFF))
    db.session.execute(insert(Case), [
        dict(ref=new_reference(), child_name=f"Barn Nummer{i}", personal_number="20120415-2381", address="",
             phone="", email="", unit_key="solbackens-skola", opened_by_id=staff.id, status="open", notes="")
        for i in range(CASES)])


def run(ctx, results) -> None:
    from sqlalchemy import select

    from portal.cases.models import Case
    from portal.extensions import db

    server, app = ctx.new_portal("memory", workers=1, seed=seed)
    try:
        with app.app_context():
            refs = list(db.session.scalars(select(Case.ref).order_by(Case.id)))
        public = ["/riktlinjer/", "/riktlinjer/norrbus-riktlinjer", "/riktlinjer/arjeplog-rutiner", "/roller/",
                  "/ordlista/"] + ["/sok?q=" + urllib.parse.quote(q) for q in ("möte", "vårdnadshavare", "skola")]
        # Search words nobody asked before: the search cache must stay bounded too.
        public += [f"/sok?q=ord{i}" for i in range(300)]
        private = ["/arenden/", "/inkorg", "/avvikelser/", "/riktlinjer/norrbus-riktlinjer", "/sok?q=plan"]
        private += [f"/arenden/{ref}" for ref in refs]
        cookie = Browser(server.url).login(STAFF).cookie
        (worker,) = server.worker_pids()
        half = WARM_UP // 2
        wrk(server.url, public, connections=8, seconds=60, max_requests=half)
        wrk(server.url, private, connections=8, seconds=60, max_requests=half, cookie=cookie)
        before, _ = memory_kib(worker)
        done = 0
        for _ in range(5):
            a = wrk(server.url, public, connections=8, seconds=120, max_requests=REQUESTS // 10)
            b = wrk(server.url, private, connections=8, seconds=120, max_requests=REQUESTS // 10, cookie=cookie)
            for load in (a, b):
                assert load.status["5xx"] == 0 and not load.errors, f"failed requests: {load}"
            done += a.requests + b.requests
        after, peak = memory_kib(worker)
        assert server.worker_pids() == [worker], "the worker was replaced during the run"
    finally:
        server.stop()
    growth = (after - before) / before
    results.add(Row("6 memory", f"one worker after {WARM_UP} requests (warm)", memory_mb=before / 1024),
                Row("6 memory", f"the same worker after {done} more requests", memory_mb=after / 1024,
                    note=f"growth {growth * 100:+.1f} %"),
                Row("6 memory", "peak resident memory of the worker", memory_mb=peak / 1024))
    results.target("6 memory", "worker memory <= 150 MB", f"peak {peak / 1024:.0f} MB", peak / 1024 <= 150)
    results.target("6 memory", f"growth <= 10 % over {REQUESTS} requests", f"{growth * 100:+.1f} % over {done}",
                   growth <= 0.10 and done >= REQUESTS * 0.95)
