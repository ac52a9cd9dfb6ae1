"""Timings for the guidance: content parsing, search and page rendering.

    .venv/bin/python bench/guidance_bench.py [--rounds 50]

Measures with the real content in content/ on a throw-away SQLite database. Prints medians
and 95th percentiles in milliseconds. Not a test: nothing here fails on a slow machine."""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = ["möte", "vardnadshavare", "samordnad individuell plan", "avvikelserapport rektor", "sip", "och",
           "xylofonorkester", "barnens bästa-ansvarig", "länsdelsnivå", "kostnadsfördelning placering"]
PAGES = ["/riktlinjer/", "/riktlinjer/norrbus-riktlinjer", "/riktlinjer/kronoberg-samverkansmote-barnets-plan",
         "/roller/", "/ordlista/", "/sok?q=m%C3%B6te", "/sok?q=vardnadshavare"]


def timed(fn, rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args(argv or [])

    from portal.guidance.store import load_content

    load_content(ROOT / "content")  # imports and first use
    median, p95 = timed(lambda: load_content(ROOT / "content"), 5)
    content = load_content(ROOT / "content")
    index = content.search
    print(f"Content: {len(content.guidelines)} guidelines, {len(content.glossary)} terms, "
          f"{sum(len(v) for v in content.roles.values())} roles; index {len(index.docs)} documents, "
          f"{len(index.vocabulary)} words, {len(index._suffixes)} suffixes")
    print(f"{'parse + render + index all content':45} median {median:8.1f} ms   p95 {p95:8.1f} ms")

    print("\nSearch (in memory, with snippets):")
    for q in QUERIES:
        hits = len(index.search(q).hits)
        median, p95 = timed(lambda q=q: index.search(q), args.rounds)
        print(f"  {q!r:43} median {median:8.2f} ms   p95 {p95:8.2f} ms   {hits} hits")

    from portal import create_app
    from portal.database import upgrade

    folder = tempfile.mkdtemp()
    url = f"sqlite:///{folder}/bench.sqlite3"
    upgrade(url)
    app = create_app({"TESTING": True, "INSTANCE_PATH": folder, "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_ENABLED": False})
    client = app.test_client()
    print("\nPage render (Flask test client, whole response):")
    for path in PAGES:
        client.get(path)
        median, p95 = timed(lambda path=path: client.get(path), args.rounds)
        size = len(client.get(path).data)
        print(f"  {path:43} median {median:8.2f} ms   p95 {p95:8.2f} ms   {size // 1024} KiB")

    start = time.perf_counter()
    data = client.get("/riktlinjer/norrbus-riktlinjer.pdf").data
    print(f"\nPDF of norrbus-riktlinjer (WeasyPrint):       {(time.perf_counter() - start) * 1000:8.0f} ms   "
          f"{len(data) // 1024} KiB")

    from portal.guidance.freeze import freeze

    with app.app_context():
        start = time.perf_counter()
        written = freeze(app, Path(folder) / "export", pdf=False)
    print(f"Static export without PDFs ({len(written)} files):   {(time.perf_counter() - start) * 1000:8.0f} ms")


if __name__ == "__main__":
    main(sys.argv[1:])
