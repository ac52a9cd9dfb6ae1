"""Registerutdrag, backup and retention on a database with many cases.

Prints: the registerutdrag PDF for a case with a long audit trail (through the WSGI stack, as the
unit's manager prints it), `portal backup` of the whole database, and a retention run (dry run,
then for real) where a third of the cases were closed long ago. SQLite file DB."""
from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import bench_app  # noqa: E402

CASES = int(os.environ.get("BENCH_CASES", "3000"))
EVENTS_PER_CASE = int(os.environ.get("BENCH_EVENTS", "10"))
TRAIL = int(os.environ.get("BENCH_TRAIL", "1000"))  # audit events on the case whose extract is printed,
PER_DAY = 5                                          # spread over TRAIL / PER_DAY days
PDFS = int(os.environ.get("BENCH_PDFS", "5"))


def main() -> None:
    from sqlalchemy import insert, select

    from portal.accounts.service import create_user
    from portal.audit.models import AuditEvent
    from portal.backup import backup
    from portal.cases.models import Case, Guardian, new_reference
    from portal.extensions import db
    from portal.retention.run import run_retention

    app, url, tmp = bench_app()
    unit = "solbackens-skola"
    long_ago = dt.datetime(2019, 6, 1)
    with app.app_context():
        manager = create_user("rektor@skola.example", "Rektor", "mätning-lösenord-123", "manager", [unit])
        db.session.commit()
        rows = [dict(ref=new_reference(), child_name=f"Barn {i}", personal_number="20120415-2381",
                     address="Storgatan 1", phone="", email="", unit_key=unit, opened_by_id=manager.id,
                     status="closed" if i % 3 == 0 else "open", closed_at=long_ago if i % 3 == 0 else None, notes="")
                for i in range(CASES)]
        db.session.execute(insert(Case), rows)
        ids = list(db.session.scalars(select(Case.id).order_by(Case.id)))
        db.session.execute(insert(Guardian), [dict(case_id=cid, name=f"Vårdnadshavare {cid}", email="vh@familj.example")
                                              for cid in ids])
        db.session.execute(insert(AuditEvent), [
            dict(user_id=manager.id, actor="", unit_key=unit, case_id=cid, action="case.view", object_type="case",
                 object_id=str(cid), detail="") for cid in ids for _ in range(EVENTS_PER_CASE)])
        target = ids[1]  # open
        if TRAIL:
            db.session.execute(insert(AuditEvent), [
                dict(at=dt.datetime(2026, 11, 1, 9) - dt.timedelta(days=i // PER_DAY, minutes=i % PER_DAY),
                     user_id=manager.id, actor="", unit_key=unit, case_id=target, action="case.view",
                     object_type="case", object_id=str(target), detail="") for i in range(TRAIL)])
        db.session.commit()
        ref = db.session.get(Case, target).ref
        guardian = db.session.scalar(select(Guardian.id).where(Guardian.case_id == target))
    print(f"database: {CASES} cases ({CASES // 3} closed in {long_ago:%Y}), {CASES * EVENTS_PER_CASE + TRAIL} audit events")

    client = app.test_client()
    client.post("/logga-in", data={"email": "rektor@skola.example", "password": "mätning-lösenord-123"})
    times = []
    for _ in range(PDFS):
        t = time.perf_counter()
        response = client.get(f"/arenden/{ref}/registerutdrag.pdf?for={guardian}")
        times.append(time.perf_counter() - t)
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
    print(f"registerutdrag PDF ({TRAIL + EVENTS_PER_CASE}+ audit events on the case over {TRAIL // PER_DAY} days): median "
          f"{statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms, {len(response.data) // 1024} KiB")

    t = time.perf_counter()
    info = backup(url, tmp / "backup" / "portal.bak")
    print(f"portal backup: {(time.perf_counter() - t) * 1000:.0f} ms, {info['bytes'] // 1024} KiB")

    with app.app_context():
        t = time.perf_counter()
        dry = run_retention(dry_run=True)
        dry_ms = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        done = run_retention()
        run_ms = (time.perf_counter() - t) * 1000
        left = db.session.scalar(select(db.func.count()).select_from(Case))
    print(f"retention --dry-run: {dry_ms:.0f} ms; run: {run_ms:.0f} ms; {CASES - left} cases deleted, {left} left")
    assert dry.ok and done.ok


if __name__ == "__main__":
    main()
