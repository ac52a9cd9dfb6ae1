"""The measured flows in process: the median time of many calls through the Flask test client, and
a pyinstrument profile of one flow (issue 32). Robust to a shared host's noise, unlike wrk.

    .venv/bin/python bench/profile_flows.py                 (every flow: median and p95)
    .venv/bin/python bench/profile_flows.py --profile case  (and pyinstrument's tree for that flow)

The flows are those of bench/load.py's rows: the signed-in guideline page, the signed-in search,
the case page with its panels, the managers' inbox and a report submission (form + signature)."""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from load import MANAGER, PASSWORD, STAFF, make_database  # noqa: E402

GUIDELINE = "/riktlinjer/norrbus-riktlinjer"
QUERIES = ["samverkansmöte", "barn", "vårdnadshavare", "barnets plan", "kostnadsfördelning placering"]


def case_events(case_id: int, user_id: int, n: int) -> None:
    """n audit events on the case (its history), as a much-viewed case has."""
    from sqlalchemy import insert

    from portal.audit.models import AuditEvent
    from portal.extensions import db

    db.session.execute(insert(AuditEvent), [dict(user_id=user_id, actor="", unit_key="solbackens-skola",
                                                 case_id=case_id, action="case.view", object_type="case",
                                                 object_id=str(case_id), detail="") for _ in range(n)])


def setup(folder: Path, reports: int = 1000, cases: int = 100):
    """(app, the staff member's case reference): a SQLite database as bench/load.py's portal has,
    with generated reports and cases."""
    made = {}

    def seed(app):
        from sqlalchemy import select

        import datagen
        from portal.accounts.models import User
        from portal.cases.models import Case
        from portal.extensions import db

        staff = db.session.scalar(select(User).where(User.email == STAFF))
        made.update(datagen.make_reports(reports, MANAGER))
        made.update(datagen.make_cases(cases, staff.id))
        case = db.session.scalar(select(Case).where(Case.unit_key == "solbackens-skola").order_by(Case.id).limit(1))
        case_events(case.id, staff.id, 50)
        made["case_ref"] = case.ref

    url = f"sqlite:///{folder / 'portal.sqlite3'}"
    app = make_database(folder, url, seed)
    return app, made["case_ref"]


def signed_in(app, email: str):
    client = app.test_client()
    html = client.get("/logga-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post("/logga-in", data={"csrf_token": token, "email": email, "password": PASSWORD})
    assert response.status_code in (302, 303), response.status_code
    return client


def flows(app, case_ref: str) -> dict:
    """name -> a function doing one request (or one submission) and checking its answer."""
    from load_submit import FIELDS, SIGNED_NAME

    staff, manager = signed_in(app, STAFF), signed_in(app, MANAGER)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      staff.get("/avvikelser/ny").get_data(as_text=True)).group(1)
    counter = iter(range(10**9))

    def get(client, path):
        def one():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        return one

    def search():
        response = staff.get("/sok", query_string={"q": QUERIES[next(counter) % len(QUERIES)]})
        assert response.status_code == 200

    def submit():
        response = staff.post("/avvikelser/ny", data={"csrf_token": token, **FIELDS})
        assert response.status_code in (302, 303), response.status_code
        response = staff.post(response.headers["Location"],
                              data={"csrf_token": token, "signed_name": SIGNED_NAME, "confirm": "y"})
        assert response.status_code in (302, 303), response.status_code

    return {"guideline": get(staff, GUIDELINE), "guideline public": get(app.test_client(), GUIDELINE),
            "search": search, "case": get(staff, f"/arenden/{case_ref}"), "inbox": get(manager, "/inkorg"),
            "case list": get(staff, "/arenden/"), "submission": submit}


def timed(fn, n: int) -> list[float]:
    for _ in range(max(3, n // 10)):   # warm: templates compiled, caches filled
        fn()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--only", default="", help="comma-separated flows")
    parser.add_argument("--profile", default="", help="a flow to profile with pyinstrument")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    app, case_ref = setup(folder)
    every = flows(app, case_ref)
    wanted = [w for w in args.only.split(",") if w] or list(every)
    for name in wanted:
        samples = sorted(timed(every[name], args.requests))
        print(f"{name:18s} median {statistics.median(samples) * 1000:7.2f} ms   "
              f"p95 {samples[int(len(samples) * 0.95) - 1] * 1000:7.2f} ms   ({len(samples)} calls)", flush=True)
    if args.profile:
        from pyinstrument import Profiler

        fn = every[args.profile]
        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(args.requests):
                fn()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
