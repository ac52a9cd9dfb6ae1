"""The portal as a municipality deploys it (docs/deploy.md), started on loopback for the tests.

    MariaDB (tests/support/mariadb_server.py)   Redis (Debian redis-server, no persistence)
    SMTP (aiosmtpd, tests/support/smtp_server.py) <- the outbox worker (`python -m portal outbox run --loop`)
    the registerutdrag worker (`python -m portal exports run`); guideline PDFs by `portal guidance prerender`
    two gunicorn instances, two workers each, one PORTAL_SECRET_KEY, PORTAL_TRUSTED_PROXIES=1
    nginx terminating TLS (a certificate made here with openssl) with both instances as one upstream,
    reading the project's own deploy/nginx/portal-*.conf snippets unchanged.

Every port is chosen free on 127.0.0.1; every process runs in its own process group and is
stopped at the end (SIGTERM, then SIGKILL), also when start-up fails. Logs go to one folder;
`Stack.log_tails()` gives the end of each for a failure report."""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.mariadb_server import MariaDBServer, _die_with_parent
from tests.support.smtp_server import SmtpSink, free_port

ROOT = Path(__file__).resolve().parent.parent.parent
NGINX_SNIPPETS = ROOT / "deploy" / "nginx"
PYTHON = sys.executable
START_TIMEOUT = 60.0


class StackFailed(RuntimeError):
    """A part of the stack did not start; the message names it and carries its log."""


def _tool(name: str, package: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin")
    if not found:
        raise StackFailed(f"{name} saknas: kör `sudo scripts/system-deps.sh test` (installerar {package}).")
    return found


@dataclass
class Process:
    """One program of the stack, in its own process group, its output in `log`."""
    name: str
    command: list[str]
    log: Path
    env: dict | None = None
    port: int | None = None
    popen: subprocess.Popen | None = None

    def start(self) -> Process:
        with open(self.log, "ab") as out:
            self.popen = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
                                          stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                          preexec_fn=_die_with_parent)  # SIGTERM if the test process dies
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole process group (a gunicorn master and its workers), like a crash.

        Returns when the port refuses connections: until the last worker is gone the kernel still
        queues connections on the listening socket, and nginx's request on one of them fails."""
        if self.popen is None:
            return
        self._signal_group(signal.SIGKILL)
        self.popen.wait(timeout=10)
        deadline = time.monotonic() + 10
        while self.port and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            except OSError:
                return
            time.sleep(0.05)

    def _signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass

    def terminate(self) -> None:
        """SIGTERM to the process group: the program shuts down as it would under systemd."""
        if self.popen is not None and self.popen.poll() is None:
            self._signal_group(signal.SIGTERM)

    def stop(self, timeout: float = 15) -> None:
        if self.popen is None:
            return
        self.terminate()
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        # Whatever is left in the group (a worker that outlived its master) goes too.
        self._signal_group(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(ingen logg)"


def wait_for_port(process: Process, port: int, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise StackFailed(f"{process.name} avslutades vid start:\n{process.tail()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise StackFailed(f"{process.name} svarade inte på port {port} inom {timeout:.0f} s:\n{process.tail()}")


def wait_for_http(process: Process, url: str, timeout: float = START_TIMEOUT, context=None) -> None:
    """Until `url` answers (any HTTP status): the app has been imported and serves requests."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise StackFailed(f"{process.name} avslutades vid start:\n{process.tail()}")
        try:
            urllib.request.urlopen(url, timeout=5, context=context).read()
            return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise StackFailed(f"{process.name} svarade inte på {url} inom {timeout:.0f} s:\n{process.tail()}")


def _control_socket(path: Path) -> list[str]:
    """gunicorn 24+ opens a control socket, by default one per user (~/.gunicorn/gunicorn.ctl) that
    every instance on the machine would share: each instance gets its own."""
    from gunicorn.config import Config

    return ["--control-socket", str(path)] if "control_socket" in Config().settings else []


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (openssl CLI), valid two days."""
    cert, key = folder / "portal.pem", folder / "portal.key"
    subprocess.run([_tool("openssl", "openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    key.chmod(0o600)
    return cert, key


def nginx_conf(folder: Path, port: int, upstreams: list[int], cert: Path, key: Path) -> str:
    """The outer nginx.conf the test writes: only what names this machine (ports, paths, the two
    upstream servers); the rest is the project's deploy/nginx/ snippets, included unchanged."""
    user = "user root root;" if os.geteuid() == 0 else ""
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in upstreams)
    return f"""{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    include {NGINX_SNIPPETS}/portal-http.conf;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream samverkansportalen {{
{servers}
        keepalive 16;
    }}
    proxy_cache_path {folder}/cache levels=1:2 keys_zone=samverkansportalen:10m max_size=50m inactive=10m
                     use_temp_path=off;
    server {{
        listen 127.0.0.1:{port} ssl http2;
        server_name 127.0.0.1 localhost;
        ssl_certificate     {cert};
        ssl_certificate_key {key};
        include {NGINX_SNIPPETS}/portal-tls.conf;
        access_log {folder}/access.log samverkansportalen;
        include {NGINX_SNIPPETS}/portal-locations.conf;
    }}
}}
"""


@dataclass
class Stack:
    folder: Path
    mariadb: MariaDBServer = field(default_factory=MariaDBServer)
    smtp: SmtpSink = field(default_factory=SmtpSink)
    processes: dict[str, Process] = field(default_factory=dict)
    database_url: str = ""
    nginx_port: int = 0
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    database: str = "mariadb"   # or "sqlite": one file in the folder, shared by both instances (bench/load_deployed.py)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.nginx_port}"

    @property
    def logs(self) -> Path:
        return self.folder / "logs"

    def env(self) -> dict:
        """The environment of every portal process: what docs/deploy.md tells an operator to set."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
        env.update({
            "PORTAL_DATABASE_URL": self.database_url,
            "PORTAL_SECRET_KEY": self.secret_key,
            "PORTAL_BASE_URL": self.url,
            "PORTAL_TRUSTED_PROXIES": "1",
            "PORTAL_RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{self.processes['redis'].port}/0",
            "PORTAL_SMTP_HOST": "127.0.0.1",
            "PORTAL_SMTP_PORT": str(self.smtp.port),
            "PORTAL_SMTP_TIMEOUT": "10",
            "PORTAL_DEV_MAILBOX": "0",
            "PORTAL_OUTBOX_POLL_SECONDS": "0.5",
            "PYTHONUNBUFFERED": "1",
        })
        return env

    # -- start ----------------------------------------------------------------------------
    def start(self) -> Stack:
        self.logs.mkdir(parents=True, exist_ok=True)
        self._started = time.monotonic()
        try:
            self.nginx_port = free_port()
            self._start_mariadb()
            self._start_redis()
            self.smtp.start()
            self._mark("MariaDB, Redis, SMTP")
            self._portal("db", "upgrade")
            self._portal("guidance", "prerender")   # the guideline PDFs, before any instance serves
            self._mark("migrations, guideline PDFs")
            # The worker and both instances import the app while the demo data goes in.
            self._start_worker(wait=False)
            apps = [self.start_app(name, wait=False) for name in ("app1", "app2")]
            self._portal("seed-demo")
            self._mark("demo data")
            self._wait_for_worker()
            for app in apps:
                self.wait_for_app(app)
            self._mark("outbox worker, app1, app2")
            self._start_nginx()
            self._mark("nginx")
        except BaseException:
            self.stop()
            raise
        return self

    def _mark(self, what: str) -> None:
        with (self.logs / "timing.log").open("a") as log:
            log.write(f"{time.monotonic() - self._started:6.1f} s  {what}\n")

    def _start_mariadb(self) -> None:
        if self.database == "sqlite":
            self.database_url = f"sqlite:///{self.folder / 'portal.sqlite3'}"
            return
        self.mariadb.start()
        self.database_url = self.mariadb.create_database("portal", user="portal", password=secrets.token_hex(12))

    def _start_redis(self) -> None:
        redis = _tool("redis-server", "redis-server")
        folder = self.folder / "redis"
        folder.mkdir(exist_ok=True)
        port = free_port()
        process = Process("redis", [redis, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder),
                                    "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes"],
                          self.logs / "redis.log", port=port)
        self.processes["redis"] = process.start()
        wait_for_port(process, port)

    def _portal(self, *args: str) -> None:
        result = subprocess.run([PYTHON, "-m", "portal", *args], cwd=ROOT, env=self.env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
        (self.logs / "portal-cli.log").open("a").write(f"$ portal {' '.join(args)}\n{result.stdout}\n")
        if result.returncode != 0:
            raise StackFailed(f"`python -m portal {' '.join(args)}` misslyckades:\n{result.stdout[-3000:]}")

    def _start_worker(self, wait: bool = True) -> None:
        process = Process("outbox", [PYTHON, "-m", "portal", "outbox", "run", "--loop"], self.logs / "outbox.log",
                          env=self.env())
        self.processes["outbox"] = process.start()
        # The registerutdrag worker (issue 32) beside it; stopped with the rest.
        self.processes["exports"] = Process("exports", [PYTHON, "-m", "portal", "exports", "run"],
                                            self.logs / "exports.log", env=self.env()).start()
        if wait:
            self._wait_for_worker()

    def _wait_for_worker(self) -> None:
        process = self.processes["outbox"]
        deadline = time.monotonic() + START_TIMEOUT
        while "Utskicksarbetaren skickar" not in process.tail():
            if not process.alive() or time.monotonic() > deadline:
                raise StackFailed(f"utskicksarbetaren startade inte:\n{process.tail()}")
            time.sleep(0.1)

    def start_app(self, name: str, wait: bool = True) -> Process:
        """Starts (or starts again, on the same port) gunicorn instance `name`; waits until it serves."""
        old = self.processes.get(name)
        port = old.port if old else free_port()
        command = [PYTHON, "-m", "gunicorn", "--workers", "2", "--timeout", "120", "--bind", f"127.0.0.1:{port}",
                   "--access-logfile", "-", "--access-logformat", f"{name} %(m)s %(U)s %(s)s",
                   *_control_socket(self.folder / f"{name}.ctl"), "portal:create_app()"]
        process = Process(name, command, self.logs / f"{name}.log", env=self.env(), port=port)
        self.processes[name] = process.start()
        if wait:
            self.wait_for_app(process)
        return process

    @staticmethod
    def wait_for_app(process: Process) -> None:
        wait_for_http(process, f"http://127.0.0.1:{process.port}/logga-in")

    def _start_nginx(self) -> None:
        folder = self.folder / "nginx"
        folder.mkdir(exist_ok=True)
        cert, key = make_certificate(folder)
        conf = folder / "nginx.conf"
        conf.write_text(nginx_conf(folder, self.nginx_port, [self.processes[n].port for n in ("app1", "app2")], cert, key))
        process = Process("nginx", [_tool("nginx", "nginx"), "-p", str(folder), "-c", str(conf), "-g", "daemon off;"],
                          self.logs / "nginx.log", port=self.nginx_port)
        self.processes["nginx"] = process.start()
        wait_for_http(process, f"{self.url}/logga-in", context=ssl._create_unverified_context())

    # -- looking at it ---------------------------------------------------------------------
    def served_by(self, name: str) -> list[str]:
        """The access log lines of app instance `name` ("app1 POST /logga-in 302")."""
        return [line for line in self.processes[name].log.read_text(errors="replace").splitlines()
                if line.startswith(f"{name} ")]

    def wait_until_both_serve(self, timeout: float = 30) -> None:
        """Until nginx sends requests to both instances again: after a failed connection it leaves an
        instance out for fail_timeout (10 s), also when the instance is already back. An instance a
        failed test left stopped is started again first, so one failure does not fail the next test."""
        for name in ("app1", "app2"):
            if not self.processes[name].alive():
                self.start_app(name)
        seen = {name: len(self.served_by(name)) for name in ("app1", "app2")}
        deadline = time.monotonic() + timeout
        context = ssl._create_unverified_context()
        while any(len(self.served_by(name)) == n for name, n in seen.items()):
            if time.monotonic() > deadline:
                raise StackFailed(f"nginx sent nothing to one of the instances within {timeout:.0f} s")
            urllib.request.urlopen(f"{self.url}/logga-in", timeout=10, context=context).read()
            time.sleep(0.2)

    def log_tails(self, lines: int = 40) -> str:
        parts = [f"--- {name} ({p.log}) ---\n{p.tail(lines)}" for name, p in self.processes.items()]
        for extra in (self.folder / "nginx" / "error.log", self.logs / "portal-cli.log", self.logs / "timing.log"):
            if extra.exists():
                parts.append(f"--- {extra} ---\n" + "\n".join(extra.read_text(errors="replace").splitlines()[-lines:]))
        return "\n".join(parts)

    # -- stop -----------------------------------------------------------------------------
    def stop(self) -> None:
        processes = list(reversed(self.processes.values()))
        for process in processes:  # all at once: nginx, both instances, the worker and Redis stop in parallel
            process.terminate()
        for process in processes:
            process.stop()
        self.smtp.stop()
        self.mariadb.stop()


def start_stack(database: str = "mariadb") -> Stack:
    folder = Path(tempfile.mkdtemp(prefix="portal-stack-", dir="/tmp" if os.path.isdir("/tmp") else None))
    return Stack(folder, database=database).start()
