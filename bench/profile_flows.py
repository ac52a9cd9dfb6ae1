"""The measured flows in process: the median time of many calls through the Flask test client, and
a pyinstrument profile of one flow (issue 32); beside each flow its hand-written floor
(bench/baselines/floor_*.py) on the same database. CPU time: robust to a shared host's noise, unlike wrk.

    .venv/bin/python bench/profile_flows.py                 (every flow: median and p95)
    .venv/bin/python bench/profile_flows.py --profile case  (and pyinstrument's tree for that flow)
    .venv/bin/python bench/profile_flows.py --by-package    (each flow's own time per library, beside its floor)

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

import support  # noqa: E402
from load import MANAGER, PASSWORD, STAFF, make_database  # noqa: E402

GUIDELINE = "/riktlinjer/norrbus-riktlinjer"
QUERIES = ["samverkansmöte", "barn", "vårdnadshavare", "barnets plan", "kostnadsfördelning placering"]


def setup(folder: Path):
    """(app, the staff member's case reference): the database of bench/load_floors.py's portal."""
    from load_floors import seed_flows

    made: dict = {}
    app = make_database(folder, f"sqlite:///{folder / 'portal.sqlite3'}", seed_flows(made))
    return app, made["case_ref"]


def floors(folder: Path, case_ref: str) -> dict:
    """flow -> one request to its hand-written floor (bench/baselines/floor_*.py) in this process,
    on the same database, signed in by its own session row."""
    import os
    import importlib

    sys.path.insert(0, str(HERE / "baselines"))
    os.environ["BENCH_DATABASE"] = str(folder / "portal.sqlite3")
    page = folder / "guideline.html"
    os.environ["BENCH_HTML"] = str(page)
    result = {}
    for flow, module, path, email in (("guideline", "floor_guideline", GUIDELINE, STAFF),
                                      ("search", "floor_search", None, STAFF),
                                      ("case", "floor_case", f"/arenden/{case_ref}", STAFF),
                                      ("inbox", "floor_inbox", "/inkorg", MANAGER)):
        client = signed_in(importlib.import_module(module).app, email)
        result[flow] = _get(client, path) if path else _search(client)
    return result


def signed_in(app, email: str):
    client = app.test_client()
    html = client.get("/logga-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post("/logga-in", data={"csrf_token": token, "email": email, "password": PASSWORD})
    assert response.status_code in (302, 303), response.status_code
    return client


def _get(client, path):
    def one():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    return one


def _search(client):
    counter = iter(range(10**9))

    def one():
        response = client.get("/sok", query_string={"q": QUERIES[next(counter) % len(QUERIES)]})
        assert response.status_code == 200
    return one


def flows(app, case_ref: str) -> dict:
    """name -> a function doing one request (or one submission) and checking its answer."""
    from load_submit import FIELDS, SIGNED_NAME

    staff, manager = signed_in(app, STAFF), signed_in(app, MANAGER)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      staff.get("/avvikelser/ny").get_data(as_text=True)).group(1)

    def submit():
        response = staff.post("/avvikelser/ny", data={"csrf_token": token, **FIELDS})
        assert response.status_code in (302, 303), response.status_code
        response = staff.post(response.headers["Location"],
                              data={"csrf_token": token, "signed_name": SIGNED_NAME, "confirm": "y"})
        assert response.status_code in (302, 303), response.status_code
        # The browser's next page shows and drops the flashed "skickad" message; without it the
        # test client's cookie would carry every earlier message (as wrk's fixed cookie does not).
        with staff.session_transaction() as kept:
            kept.pop("_flashes", None)

    return {"guideline": _get(staff, GUIDELINE), "guideline public": _get(app.test_client(), GUIDELINE),
            "search": _search(staff), "case": _get(staff, f"/arenden/{case_ref}"), "inbox": _get(manager, "/inkorg"),
            "case list": _get(staff, "/arenden/"), "submission": submit}


def timed(fn, n: int) -> list[float]:
    """n samples of the CPU time of one call in this process (SQLite runs in it too): the time a
    host shared with other work takes away between the calls is not counted, as wall time would.
    Warmed first: templates compiled, caches filled."""
    return support.timed(fn, n, clock=time.process_time, warm=max(3, n // 10))


LIBRARIES = {"sqlalchemy": "SQLAlchemy (ORM and Core)", "jinja2": "Jinja", "markupsafe": "Jinja",
             "wtforms": "WTForms", "flask_wtf": "WTForms", "flask_login": "Flask-Login",
             "flask_limiter": "Flask-Limiter", "limits": "Flask-Limiter", "flask": "Flask and Werkzeug",
             "werkzeug": "Flask and Werkzeug", "itsdangerous": "Flask and Werkzeug"}


def _package(filename: str, function: str = "") -> str:
    """Which part of the stack a profiled function belongs to."""
    if "sqlite3." in function:
        return "SQLite itself"
    if filename.startswith("<") or filename == "~":
        return "Python built-ins"
    if "/site-packages/" in filename:
        top = filename.split("/site-packages/", 1)[1].split("/", 1)[0].split(".", 1)[0]
        return LIBRARIES.get(top, "other (Python's library)")
    if "/portal/" in filename:
        return "the portal's templates" if filename.endswith(".html") else "the portal's own code"
    return "other (Python's library)"


def by_package(name: str, fn, floor_fn, n: int) -> str:
    """Each flow's CPU time split by the library that spends it (cProfile's own time, scaled to the
    median measured without the profiler): what the hand-written floor leaves out, in figures."""
    import cProfile
    import pstats

    median = statistics.median(timed(fn, n))
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(n):
        fn()
    profile.disable()
    stats = pstats.Stats(profile).stats
    spent: dict[str, float] = {}
    for (filename, _, function), (_, _, own, _, _) in stats.items():
        if "bench/" in filename or "werkzeug/test.py" in filename or "flask/testing.py" in filename:
            continue    # the test client's side of the request
        package = _package(filename, function)
        spent[package] = spent.get(package, 0.0) + own
    total = sum(spent.values())
    lines = [f"{name}: {median * 1000:.2f} ms a request in process"
             + (f"; its floor {statistics.median(timed(floor_fn, n)) * 1000:.2f} ms" if floor_fn else "")]
    for package, own in sorted(spent.items(), key=lambda kv: -kv[1]):
        lines.append(f"    {package:28s} {own / total * 100:5.1f} %   ~{own / total * median * 1000:5.2f} ms")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--only", default="", help="comma-separated flows")
    parser.add_argument("--profile", default="", help="a flow to profile with pyinstrument")
    parser.add_argument("--by-package", action="store_true",
                        help="split each flow's time by the library it is spent in (cProfile's own time)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    app, case_ref = setup(folder)
    every = flows(app, case_ref)
    (folder / "guideline.html").write_bytes(app.test_client().get(GUIDELINE).get_data())
    floor = floors(folder, case_ref)
    wanted = [w for w in args.only.split(",") if w] or list(every)
    for name in wanted:
        samples = sorted(timed(every[name], args.requests))
        median = statistics.median(samples) * 1000
        line = (f"{name:18s} median {median:7.2f} ms   p95 {samples[int(len(samples) * 0.95) - 1] * 1000:7.2f} ms"
                f"   ({len(samples)} calls)")
        if name in floor:
            base = statistics.median(timed(floor[name], args.requests)) * 1000
            line += f"   floor {base:6.2f} ms: the portal {base / median:.2f} x the floor's rate"
        print(line, flush=True)
    if args.by_package:
        for name in wanted:
            print(by_package(name, every[name], floor.get(name), args.requests), flush=True)
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
