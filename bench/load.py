"""The portal measured side by side with its baselines, under wrk, in one run (issue #11).

    bench/run                 (installs wrk and nginx, then runs this)
    bench/run --quick         (short runs, for a look; the figures are not the ones to quote)
    bench/run --only guidance,search
    bench/run --runs 3         (three runs in a row: each target's figure in each run, met only if met in all)

Starts the portal under gunicorn on loopback with a fresh SQLite database filled with generated
data, and the baselines beside it; prints a table and writes it to bench/results.md."""
from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import importlib
import os
import platform
import re
import shutil
import ssl
import sys
import tempfile
import time
import traceback
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from harness import ROOT, Results, Server, gunicorn  # noqa: E402

PASSWORD = "mätning-lösenord-123"  # nosec B105 (a generated benchmark account on loopback)
STAFF = "anna.larare@arjeplog.example"          # staff at Solbackens skola
MANAGER = "rut.rektorsson@arjeplog.example"     # its rektor: the line manager reports are routed to
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))

# Sections in the order they run; each module has run(ctx, results).
SECTIONS = {
    "guidance": "load_guidance",
    "search": "load_search",
    "submit": "load_submit",
    "pdf": "load_pdf",
    "scale": "load_scale",
    "memory": "load_memory",
    "floors": "load_floors",
    "deployed": "load_deployed",
}


@dataclass
class Context:
    folder: Path
    seconds: float
    connections: int
    quick: bool
    portal: Server | None = None
    app: object = None
    log: Path | None = None

    def main_portal(self) -> Server:
        """The portal shared by the guidance, search and submission loads (started once)."""
        if self.portal is None:
            self.portal, self.app = self.new_portal("portal")
        return self.portal

    def portal_env(self, instance: Path, db_url: str) -> dict:
        return {"PORTAL_DATABASE_URL": db_url, "BENCH_INSTANCE": str(instance),
                "PORTAL_SECRET_KEY": "bench-" + "0" * 58, "PORTAL_BASE_URL": "http://127.0.0.1:8000",
                "PYTHONPATH": f"{ROOT}{os.pathsep}{HERE}"}

    def new_portal(self, name: str, *, workers: int = WORKERS, max_requests: int = 0, seed=None) -> tuple[Server, object]:
        """A migrated SQLite database with the benchmark accounts (and `seed(app)`), served by gunicorn."""
        instance = self.folder / name
        instance.mkdir(parents=True, exist_ok=True)
        db_url = f"sqlite:///{instance / 'portal.sqlite3'}"
        app = make_database(instance, db_url, seed)
        server = gunicorn(name, "portal_wsgi:app", workers=workers, env=self.portal_env(instance, db_url),
                          ready_path="/riktlinjer/", log=self.log, max_requests=max_requests)
        return server.start(), app


def make_database(instance: Path, db_url: str, seed=None):
    from portal import create_app
    from portal.accounts.service import create_user
    from portal.database import upgrade
    from portal.extensions import db

    upgrade(db_url)
    app = create_app({"INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": db_url})
    with app.app_context():
        create_user(STAFF, "Anna Lärare", PASSWORD, "staff", ["solbackens-skola"])
        create_user(MANAGER, "Rut Rektorsson", PASSWORD, "manager", ["solbackens-skola"])
        db.session.commit()
        if seed is not None:
            seed(app)
            db.session.commit()
    return app


class Browser:
    """A signed-in visitor for setting up loads: cookies, CSRF tokens from the pages."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  # the deployed stack's self-signed certificate (loopback)
                                                  urllib.request.HTTPSHandler(context=ssl._create_unverified_context()))

    def get(self, path: str) -> tuple[int, str]:
        with self.opener.open(self.base + path, timeout=60) as r:  # noqa: S310 (loopback)
            return r.status, r.read().decode()

    def post(self, path: str, data: dict) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(self.base + path, data=body, timeout=60) as r:  # noqa: S310 (loopback)
            return r.status, r.geturl(), r.read().decode()

    def csrf(self, path: str) -> str:
        _, html = self.get(path)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        if not match:
            raise RuntimeError(f"no CSRF token on {path}")
        return match.group(1)

    def login(self, email: str, password: str = PASSWORD) -> "Browser":
        token = self.csrf("/logga-in")
        status, url, _ = self.post("/logga-in", {"csrf_token": token, "email": email, "password": password})
        if "/logga-in" in urllib.parse.urlparse(url).path:
            raise RuntimeError(f"could not sign in as {email}")
        return self

    @property
    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()} {platform.release()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load benchmarks of the portal against its baselines.")
    parser.add_argument("--quick", action="store_true", help="short runs (3 s) and small data, for a look")
    parser.add_argument("--seconds", type=float, default=None, help="length of each wrk run (default 10)")
    parser.add_argument("--only", default="", help="comma-separated sections: " + ", ".join(SECTIONS))
    parser.add_argument("--output", default=str(HERE / "results.md"), help="where the table is written")
    parser.add_argument("--runs", type=int, default=1, help="run the sections this many times in a row (issue 32: 3); "
                        "the table shows every run's figure for each target and its worst verdict")
    args = parser.parse_args(argv)
    wanted = [s for s in (args.only.split(",") if args.only else SECTIONS) if s]
    unknown = [s for s in wanted if s not in SECTIONS]
    if unknown:
        parser.error("unknown section: " + ", ".join(unknown))
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not Path("/usr/sbin/" + tool).exists():
            print(f"{tool} is missing: run bench/run (it installs wrk and nginx from Debian's packages)")
            return 2
    seconds = args.seconds or (3 if args.quick else 10)
    started = time.monotonic()
    runs = []
    for number in range(1, args.runs + 1):
        if args.runs > 1:
            print(f"=== run {number} of {args.runs}", flush=True)
        results = run_once(wanted, seconds, args.quick)
        if results is None:
            return 2
        runs.append(results)
    header = (f"# Benchmark results\n\nMeasured {dt.datetime.now():%Y-%m-%d %H:%M} by `bench/run"
              f"{' --quick' if args.quick else ''}{' --only ' + args.only if args.only else ''}"
              f"{f' --runs {args.runs}' if args.runs > 1 else ''}` on {machine()}, "
              f"in {time.monotonic() - started:.0f} s. Each load is wrk on loopback, {seconds:g} s, "
              f"32 connections unless the row says otherwise; gunicorn runs {WORKERS} sync workers "
              "for the portal and for every Python baseline (one each for the sequential PDF fetches).")
    if len(runs) > 1:
        header += (f" The tables are those of the last of {len(runs)} runs in a row; "
                   "\"Every run\" below gives each target in each run, and whether it was met in all.")
    text = runs[-1].markdown(header) + every_run(runs)
    Path(args.output).write_text(text + _history(Path(args.output)))
    print("\n" + text)
    print(f"Written to {args.output}")
    return 0 if all(r.all_met for r in runs) else 1


def run_once(wanted: list[str], seconds: float, quick: bool) -> Results | None:
    """The wanted sections once, each on new servers and databases; None when a section broke."""
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    ctx = Context(folder=folder, seconds=seconds, connections=32, quick=quick, log=folder / "servers.log")
    results = Results()
    print(f"Benchmarks in {folder} on {machine()}; {seconds:g} s per load, {ctx.connections} connections")
    try:
        for name in wanted:
            print(f"== {name}", flush=True)
            importlib.import_module(SECTIONS[name]).run(ctx, results)
    except Exception:   # a section that broke is not a missed target: exit 2, with its traceback and the servers' log
        traceback.print_exc()
        print(f"A section failed; the servers' log is {ctx.log}", file=sys.stderr)
        return None
    finally:
        if ctx.portal:
            ctx.portal.stop()
    shutil.rmtree(folder, ignore_errors=True)
    return results


def every_run(runs: list[Results]) -> str:
    """Each target's figure in each run, and the verdict over all of them (issue 32: three runs in a row)."""
    if len(runs) < 2:
        return ""
    out = ["", "## Every run", "", "| Section | Target | " + " | ".join(f"run {i}" for i in range(1, len(runs) + 1))
           + " | in every run |", "|---|---|" + "---|" * len(runs) + "---|"]
    for i, target in enumerate(runs[0].targets):
        same = [r.targets[i] if i < len(r.targets) and r.targets[i].text == target.text else None for r in runs]
        cells = [f"{t.measured} ({'met' if t.met else 'missed'})" if t else "not measured" for t in same]
        met = all(t is not None and t.met for t in same)
        verdict = "met" if met else ("**missed**" if target.required else "not met (informative)")
        out.append(f"| {target.section} | {target.text} | " + " | ".join(cells) + f" | {verdict} |")
    return "\n".join(out) + "\n"


def _history(path: Path) -> str:
    """The hand-written part of results.md (profiling before/after) is kept below the table."""
    marker = "\n## Profiling and fixes"
    if path.exists() and marker in path.read_text():
        return marker + path.read_text().split(marker, 1)[1]
    return ""


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
