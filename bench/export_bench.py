"""The registerutdrag (subject access export) of a case with 1 000 audit events, and every guideline
as PDF the first time (before the per-content-version cache), through the WSGI stack in process
(issue 32: each under 1 s, or prepared ahead). Prints the wall time of each, median of a few."""
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

    statuses = []

    def export():
        response = client.get(f"/arenden/{ref}/registerutdrag.pdf?for=barnet")
        statuses.append(response.status_code)   # 503: over PORTAL_PDF_SECONDS (or PORTAL_PDF_MAX_CHARS)
        export.size = len(response.data)

    samples = timed(export, REPEAT)
    print(f"registerutdrag of a case with {EVENTS} audit events: median {statistics.median(samples) * 1000:.0f} ms, "
          f"slowest {max(samples) * 1000:.0f} ms ({export.size // 1024} KiB); answered {statuses} "
          f"(503: over the PDF budget, PORTAL_PDF_SECONDS {app.config['PORTAL_PDF_SECONDS']:g})")
    with app.app_context():
        from portal.guidance.routes import current_content
        slugs = list(current_content().guidelines)
    firsts = []
    for slug in slugs:
        start = time.perf_counter()
        response = client.get(f"/riktlinjer/{slug}.pdf")
        firsts.append((time.perf_counter() - start, slug, len(response.data)))
        assert response.status_code == 200, (slug, response.status_code)
    again = timed(lambda: client.get(f"/riktlinjer/{slugs[0]}.pdf"), REPEAT)
    worst = max(firsts)
    print(f"guideline PDF, first time (rendered): slowest {worst[0] * 1000:.0f} ms ({worst[1]}, {worst[2] // 1024} KiB), "
          f"median of {len(firsts)} guidelines {statistics.median(f[0] for f in firsts) * 1000:.0f} ms; "
          f"again (cached for the content version): median {statistics.median(again) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
