"""The parts of the load benchmarks: servers on loopback, wrk, worker memory, the results table.

Every server listens on 127.0.0.1 only and is stopped when the benchmark ends; every wrk run is
bounded in time (-d, and a process timeout) and in count (BENCH_MAX responses per thread)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LUA = HERE / "wrk" / "load.lua"
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 (loopback only)
                r.read()
                return
        except urllib.error.HTTPError:   # it answers: up
            return
        except Exception:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")
            time.sleep(0.2)


class Server:
    """A process serving HTTP on 127.0.0.1:port, stopped by stop() or at exit of the with-block."""

    def __init__(self, name: str, argv: list[str], port: int, env: dict | None = None, cwd: Path | None = None,
                 ready_path: str = "/", log: Path | None = None):
        self.name, self.argv, self.port, self.ready_path = name, argv, port, ready_path
        self.env = {**os.environ, **(env or {})}
        self.cwd = cwd or ROOT
        self.log = log
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Server":
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd, stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        wait_for(self.url + self.ready_path)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: the master's children."""
        assert self.proc
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()]


def gunicorn(name: str, app: str, *, workers: int, env: dict | None = None, cwd: Path | None = None,
             ready_path: str = "/", log: Path | None = None, max_requests: int = 0) -> Server:
    """gunicorn as the README's deployment runs it (sync workers), on a free loopback port."""
    port = free_port()
    argv = [GUNICORN, "--workers", str(workers), "--timeout", "120", "--bind", f"127.0.0.1:{port}",
            "--backlog", "2048", app]
    if max_requests:
        argv[1:1] = ["--max-requests", str(max_requests)]
    return Server(name, argv, port, env=env, cwd=cwd, ready_path=ready_path, log=log)


@dataclass
class Load:
    """What one wrk run measured."""
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    status: dict = field(default_factory=dict)   # "2xx".."5xx" -> count
    errors: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk(url: str, paths: list[str], *, connections: int = 32, seconds: float = 10, threads: int = 2,
        cookie: str = "", body: str = "", max_requests: int = 200_000) -> Load:
    """Load `paths` on `url` with wrk, bounded by `seconds` and by `max_requests` in all."""
    env = {**os.environ, "BENCH_PATHS": "|".join(paths), "BENCH_COOKIE": cookie, "BENCH_BODY": body,
           "BENCH_MAX": str(max(1, max_requests // threads))}
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
            "-s", str(LUA), url]
    out = run_wrk(argv, env, threads, timeout=seconds + 60)
    line = next((ln for ln in out if ln.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError("wrk printed no summary:\n" + "".join(out))
    d = json.loads(line[6:])
    return Load(requests=d["requests"], seconds=d["duration_us"] / 1e6, p50_ms=d["p50_us"] / 1000,
                p90_ms=d["p90_us"] / 1000, p99_ms=d["p99_us"] / 1000, max_ms=d["max_us"] / 1000,
                status={k: d[f"s{k}"] for k in ("2xx", "3xx", "4xx", "5xx")},
                errors=d["connect_errors"] + d["read_errors"] + d["write_errors"] + d["timeouts"])


def run_wrk(argv: list[str], env: dict, threads: int, timeout: float) -> list[str]:
    """wrk's output lines. A thread that reached its count prints STOPPED; once every thread has,
    wrk is interrupted (SIGINT: it prints its summary) instead of sleeping out its -d."""
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, text=True)
    lines, stopped = [], 0
    deadline = time.monotonic() + timeout
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("STOPPED"):
                stopped += 1
                if stopped == threads:
                    proc.send_signal(signal.SIGINT)
            if time.monotonic() > deadline:
                break
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode not in (0, -signal.SIGINT):
        raise RuntimeError(f"wrk exited with {proc.returncode}:\n" + "".join(lines))
    return lines


def memory_kib(pid: int) -> tuple[int, int]:
    """(resident now, peak resident) of a process, in KiB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields["VmRSS"], fields["VmHWM"]


# --- the results table ------------------------------------------------------------------

@dataclass
class Row:
    section: str
    what: str
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    memory_mb: float | None = None
    note: str = ""


@dataclass
class Target:
    section: str
    text: str          # the target in words
    measured: str      # the figure measured
    met: bool
    required: bool = True   # False: measured against the same bar, but not one of the targets


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *rows: Row) -> None:
        self.rows.extend(rows)
        for row in rows:
            print("  " + _row_cells(row, plain=True), flush=True)

    def target(self, section: str, text: str, measured: str, met: bool, required: bool = True) -> None:
        self.targets.append(Target(section, text, measured, met, required))
        print(f"  target {'MET   ' if met else 'MISSED'} {text}: {measured}", flush=True)

    @property
    def all_met(self) -> bool:
        return all(t.met for t in self.targets if t.required)

    def markdown(self, header: str) -> str:
        out = [header, "", "| Section | Measured | req/s | p50 ms | p99 ms | memory MB | Note |",
               "|---|---|---:|---:|---:|---:|---|"]
        out += ["| " + _row_cells(r) + " |" for r in self.rows]
        out += ["", "## Targets", "", "| Section | Target | Measured | |", "|---|---|---|---|"]
        out += [f"| {t.section} | {t.text} | {t.measured} | {_verdict(t)} |" for t in self.targets]
        if self.notes:
            out += ["", "## Notes", ""] + [f"- {n}" for n in self.notes]
        return "\n".join(out) + "\n"


def _verdict(t: Target) -> str:
    if t.met:
        return "met"
    return "**missed**" if t.required else "not met (informative)"


def _fmt(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:,.{digits}f}".replace(",", " ")


def _row_cells(r: Row, plain: bool = False) -> str:
    cells = [r.section, r.what, _fmt(r.rps, 0), _fmt(r.p50_ms, 2), _fmt(r.p99_ms, 2), _fmt(r.memory_mb, 1), r.note]
    return (" | " if not plain else "  ").join(cells)


def ratio(a: float, b: float) -> float:
    return a / b if b else float("inf")


NGINX_LOCATIONS = ROOT / "deploy" / "nginx" / "portal-locations.conf"


def nginx(folder: Path, *, static_root: Path | None = None, portal_port: int | None = None,
          log: Path | None = None) -> Server:
    """nginx on a free loopback port: a static file server (static_root), or the portal behind the
    recommended configuration (deploy/nginx/portal-locations.conf) with its cache in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    if static_root is not None:
        server = f"server {{ listen 127.0.0.1:{port}; root {static_root}; location / {{ try_files $uri $uri.html =404; }} }}"
    else:
        server = (f"upstream samverkansportalen {{ server 127.0.0.1:{portal_port}; keepalive 16; }}\n"
                  f"proxy_cache_path {folder}/cache levels=1:2 keys_zone=samverkansportalen:10m max_size=200m "
                  f"inactive=10m use_temp_path=off;\n"
                  f"server {{ listen 127.0.0.1:{port}; include {NGINX_LOCATIONS}; }}")
    user = "root root" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(f"""{'user ' + user + ';' if user else ''}
worker_processes {os.cpu_count() or 1};
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    sendfile on;
    keepalive_requests 100000;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    {server}
}}
""")
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    return Server("nginx", [binary, "-p", str(folder), "-c", str(conf), "-g", "daemon off;"], port, log=log)
