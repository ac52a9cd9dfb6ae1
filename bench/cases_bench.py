"""Case list, case page (with its audit write) and login, on a database with many cases.

Prints request latencies (median and 95th percentile) through the WSGI stack, SQLite file DB."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import bench_app, percentiles as _percentiles  # noqa: E402

CASES = int(os.environ.get("BENCH_CASES", "3000"))
EVENTS_PER_CASE = int(os.environ.get("BENCH_EVENTS", "10"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))


def main() -> None:
    from sqlalchemy import insert

    from portal.accounts.service import create_user
    from portal.audit.models import AuditEvent
    from portal.cases.models import Case, new_reference
    from portal.extensions import db

    app, _url, _folder = bench_app()
    units = ["solbackens-skola", "ifo-barn-och-familj", "arjeplogs-vardcentral", "silverfjallets-gymnasium"]
    with app.app_context():
        user = create_user("bench@skola.example", "Bench", "mätning-lösenord-123", "staff", ["solbackens-skola"])
        db.session.commit()
        rows = [dict(ref=new_reference(), child_name=f"Barn {i}", personal_number="20120415-2381", address="", phone="",
                     email="", unit_key=units[i % len(units)], opened_by_id=user.id, status="open", notes="")
                for i in range(CASES)]
        db.session.execute(insert(Case), rows)
        db.session.commit()
        ids = [c for c in db.session.scalars(db.select(Case.id))]
        db.session.execute(insert(AuditEvent), [dict(user_id=user.id, actor="", unit_key="solbackens-skola", case_id=cid,
                                                     action="case.view", object_type="case", object_id=str(cid), detail="")
                                                for cid in ids for _ in range(EVENTS_PER_CASE)])
        db.session.commit()
        own = db.session.scalars(db.select(Case.ref).where(Case.unit_key == "solbackens-skola").limit(REQUESTS)).all()
    client = app.test_client()
    t = time.perf_counter()
    client.post("/logga-in", data={"email": "bench@skola.example", "password": "mätning-lösenord-123"})
    login_ms = (time.perf_counter() - t) * 1000
    list_times, view_times, search_times = [], [], []
    for i in range(REQUESTS):
        t = time.perf_counter()
        assert client.get(f"/arenden/?status=all&q=barn+{i % 30}").status_code == 200
        search_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        assert client.get("/arenden/").status_code == 200
        list_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        assert client.get(f"/arenden/{own[i % len(own)]}").status_code == 200
        view_times.append(time.perf_counter() - t)
    print(f"database: {CASES} cases ({CASES // len(units)} visible to the user), {CASES * EVENTS_PER_CASE} audit events")
    print(f"login (argon2id verify + session): {login_ms:.1f} ms")
    print("case list  /arenden/        median %.1f ms, p95 %.1f ms (first page of 50)" % _percentiles(list_times))
    print("case search ?q=barn+N       median %.1f ms, p95 %.1f ms (name, number, personnummer)" %
          _percentiles(search_times))
    print("case page  /arenden/<ref>   median %.1f ms, p95 %.1f ms (includes the audit write)" % _percentiles(view_times))


if __name__ == "__main__":
    main()
