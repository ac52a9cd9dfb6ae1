"""What the benchmarks share: an app on a fresh, migrated SQLite file in a temporary folder."""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def bench_app():
    """(app, database URL, folder): CSRF and rate limits off, as a benchmark drives many requests."""
    from portal import create_app
    from portal.database import upgrade

    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    upgrade(url)
    app = create_app({"INSTANCE_PATH": str(folder), "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False})
    return app, url, folder


def percentiles(samples) -> tuple[float, float]:
    """(median, 95th percentile) in milliseconds."""
    samples = sorted(samples)
    return statistics.median(samples) * 1000, samples[max(int(len(samples) * 0.95) - 1, 0)] * 1000


def timed(fn, n: int, *, clock=time.perf_counter, warm: int = 0) -> list[float]:
    """n samples of one call of fn, in seconds by `clock`, after `warm` calls not counted."""
    for _ in range(warm):
        fn()
    samples = []
    for _ in range(n):
        start = clock()
        fn()
        samples.append(clock() - start)
    return samples
