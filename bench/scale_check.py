"""Does the inbox and the case list cost the same with 100 times the data?

In-process (Flask test client, SQLite file): builds a small and a large database with
bench/datagen.py, times /inkorg and /arenden/ (median of REQUESTS requests each) and prints the
ratio large/small. The goal is a ratio of at most 1.5 on page 1, which shows the same rows at both
sizes; pages 1 and 2 in turn are printed beside it, as in bench/load_scale.py (with 1 000 reports
the rektor's page 2 holds 2 reports, so that ratio also counts the rows the large page shows more).

    .venv/bin/python bench/scale_check.py            # 1 000 vs 100 000 reports, 100 vs 10 000 cases
    SCALE_SMALL_REPORTS=500 .venv/bin/python bench/scale_check.py
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import bench_app, percentiles  # noqa: E402

SMALL_REPORTS = int(os.environ.get("SCALE_SMALL_REPORTS", "1000"))
SMALL_CASES = int(os.environ.get("SCALE_SMALL_CASES", "100"))
FACTOR = int(os.environ.get("SCALE_FACTOR", "100"))
REQUESTS = int(os.environ.get("SCALE_REQUESTS", "50"))
PASSWORD = "mätning-lösenord-123"
PAGES = ("/inkorg", "/arenden/")
VIEWS = {"page 1": ("",), "pages 1 and 2": ("", "?sida=2")}


def measure(reports: int, cases: int) -> dict[str, float]:
    import datagen

    app, _url, _folder = bench_app()
    with app.app_context():
        datagen.ensure_account(datagen.MANAGER_EMAIL, "manager", ["solbackens-skola", "elevhalsan-arjeplog"],
                               password=PASSWORD)
        staff = datagen.ensure_account(datagen.STAFF_EMAIL, "staff", ["solbackens-skola"], password=PASSWORD)
        t = time.perf_counter()
        made = datagen.make_reports(reports, datagen.MANAGER_EMAIL)
        made_cases = datagen.make_cases(cases, staff.id)
        took = time.perf_counter() - t
    print(f"  data: {made['reports']} reports ({made['visible_to_manager']} in the manager's inbox), "
          f"{made_cases['cases']} cases ({made_cases['visible']} visible); generated in {took:.1f} s")
    result = {}
    for path, email in zip(PAGES, (datagen.MANAGER_EMAIL, datagen.STAFF_EMAIL)):
        client = app.test_client()
        assert client.post("/logga-in", data={"email": email, "password": PASSWORD}).status_code in (302, 303)
        for _ in range(3):  # warm-up: templates, caches
            assert client.get(path).status_code == 200
        for view, paths in VIEWS.items():
            samples = []
            for i in range(REQUESTS):
                t = time.perf_counter()
                response = client.get(path + paths[i % len(paths)])
                samples.append(time.perf_counter() - t)
                assert response.status_code == 200
            median, p95 = percentiles(samples)
            result[path, view] = median
            print(f"  {path:10} {view:14} median {median:7.1f} ms, p95 {p95:7.1f} ms")
    return result


def main() -> None:
    print(f"small: {SMALL_REPORTS} reports, {SMALL_CASES} cases")
    small = measure(SMALL_REPORTS, SMALL_CASES)
    print(f"large: {SMALL_REPORTS * FACTOR} reports, {SMALL_CASES * FACTOR} cases")
    large = measure(SMALL_REPORTS * FACTOR, SMALL_CASES * FACTOR)
    for path in PAGES:
        for view in VIEWS:
            ratio = large[path, view] / small[path, view]
            if view != "page 1":
                verdict = "(informative)"
            else:
                verdict = ("ok" if ratio <= 1.5 else "TOO SLOW") + " (goal <= 1.5)"
            print(f"{path:10} {view:14} {small[path, view]:7.1f} ms -> {large[path, view]:7.1f} ms  ratio {ratio:5.2f}"
                  f"  {verdict}")


if __name__ == "__main__":
    main()
