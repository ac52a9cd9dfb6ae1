"""The registerutdrag (subject access export) of a case with 1 000 audit events, and every guideline
as PDF the first time (before the per-content-version cache), through the WSGI stack in process
(issue 32: each under 1 s, or prepared ahead). Prints the wall time of each, median of a few: for the
registerutdrag the request (what the person waits for), the worker's render and the download; for
the guidelines the first render, and the first answer after `portal guidance prerender`."""
from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import bench_app, timed  # noqa: E402

EVENTS, REPEAT = 1000, 3
ACTIONS = ["case.view", "case.print", "consent.view", "plan.view"]
UNITS = ["solbackens-skola", "ifo-barn-och-familj", "arjeplogs-vardcentral"]


def seed(app):
    from sqlalchemy import insert

    from portal.accounts.service import create_user
    from portal.audit.models import AuditEvent
    from portal.cases.models import Case, new_reference
    from portal.extensions import db

    with app.app_context():
        manager = create_user("rektor@skola.example", "Rektor", "mätning-lösenord-123", "manager", ["solbackens-skola"])
        db.session.commit()
        case = Case(ref=new_reference(), child_name="Barn Bench", personal_number="20120415-2381", address="",
                    phone="", email="", unit_key="solbackens-skola", opened_by_id=manager.id, status="open", notes="")
        db.session.add(case)
        db.session.commit()
        start = dt.datetime(2025, 1, 1)
        # Spread over days, actions and units: the export groups a day's same reads, so this is about
        # as many rows as 1 000 events can make.
        db.session.execute(insert(AuditEvent), [
            dict(at=start + dt.timedelta(hours=17 * i), user_id=manager.id, actor="", unit_key=UNITS[i % 3],
                 case_id=case.id, action=ACTIONS[i % 4], object_type="case", object_id=str(case.id), detail="")
            for i in range(EVENTS)])
        db.session.commit()
        return case.ref


def main() -> None:
    app, _url, _folder = bench_app()
    ref = seed(app)
    client = app.test_client()
    client.post("/logga-in", data={"email": "rektor@skola.example", "password": "mätning-lösenord-123"})

    # Issue 32: the person waits for the request only ("Utdraget förbereds", 303 to the export's page);
    # the worker (`portal exports run`) renders it with its own budget; then the download.
    statuses = []

    def ask():
        response = client.get(f"/arenden/{ref}/registerutdrag.pdf?for=barnet")
        statuses.append(response.status_code)   # 303: queued; 200: inline (a small case); 503: over budget
        ask.page = response.headers.get("Location", "")
        client.get(ask.page)

    asked = timed(ask, REPEAT)
    start = time.perf_counter()
    worker = app.test_cli_runner().invoke(args=["exports", "run", "--once"])
    worker_seconds = time.perf_counter() - start
    sizes = []

    def download():
        response = client.get(ask.page + ".pdf")
        assert response.status_code == 200, response.status_code
        sizes.append(len(response.data))

    fetched = timed(download, REPEAT)
    print(f"registerutdrag of a case with {EVENTS} audit events: the request (what the person waits for) median "
          f"{statistics.median(asked) * 1000:.0f} ms, slowest {max(asked) * 1000:.0f} ms, answered {statuses}; "
          f"the worker {worker_seconds:.1f} s ({worker.output.strip()}); the download median "
          f"{statistics.median(fetched) * 1000:.0f} ms ({sizes[0] // 1024} KiB)")
    with app.app_context():
        from portal.guidance.routes import current_content
        content = current_content()
        slugs = list(content.guidelines)
    firsts = []
    for slug in slugs:
        start = time.perf_counter()
        response = client.get(f"/riktlinjer/{slug}.pdf")
        firsts.append((time.perf_counter() - start, slug, len(response.data)))
        assert response.status_code == 200, (slug, response.status_code)
    again = timed(lambda: client.get(f"/riktlinjer/{slugs[0]}.pdf"), REPEAT)
    worst = max(firsts)
    print(f"guideline PDF, first time without prerender (rendered): slowest {worst[0] * 1000:.0f} ms ({worst[1]}, "
          f"{worst[2] // 1024} KiB), median of {len(firsts)} guidelines {statistics.median(f[0] for f in firsts) * 1000:.0f} ms; "
          f"again (cached for the content version): median {statistics.median(again) * 1000:.1f} ms")
    # Prepared ahead: `portal guidance prerender`, then a new worker process (nothing kept in memory).
    start = time.perf_counter()
    app.test_cli_runner().invoke(args=["guidance", "prerender"])
    prerender_seconds = time.perf_counter() - start
    content.rendered.clear()
    firsts = []
    for slug in slugs:
        start = time.perf_counter()
        response = client.get(f"/riktlinjer/{slug}.pdf")
        firsts.append((time.perf_counter() - start, slug))
        assert response.status_code == 200, (slug, response.status_code)
    print(f"guideline PDF after `portal guidance prerender` ({prerender_seconds:.1f} s for {len(slugs)}), first time in a "
          f"new process: slowest {max(firsts)[0] * 1000:.1f} ms, median {statistics.median(f[0] for f in firsts) * 1000:.1f} ms")

if __name__ == "__main__":
    main()
