"""Real processes for the crash tests: the portal under gunicorn and `portal outbox run`, on a
file-based SQLite database in a temporary directory (or, on the MariaDB pass, the test server's
database), killed with SIGKILL on purpose."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from tests.helpers import ROOT, TEST_PASSWORD

SECRET = "crash-test-secret-key-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def portal_env(database_url: str, workdir: Path, port: int, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update({
        "PORTAL_DATABASE_URL": database_url,
        "CRASH_TEST_WORKDIR": str(workdir),
        "PORTAL_SECRET_KEY": SECRET,
        "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
        "PORTAL_DEV_MAILBOX": "1",
        "PYTHONPATH": str(ROOT),
    })
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_dir(env: dict) -> Path:
    """The processes run in the test's temporary directory (the code comes from PYTHONPATH)."""
    return Path(env["CRASH_TEST_WORKDIR"])


def run_python(code: str, env: dict, timeout: float = 120) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=run_dir(env), env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def prepare_database(env: dict, users: list[tuple[str, str, list[str]]]) -> None:
    """Migrate the database and create the accounts, with the portal's own functions."""
    done = subprocess.run([sys.executable, "-m", "portal", "db", "upgrade"], cwd=run_dir(env), env=env, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    run_python(
        "from portal import create_app\n"
        "from portal.accounts.service import create_user\n"
        "from portal.extensions import db\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        f"    for email, role, units in {users!r}:\n"
        f"        create_user(email, email.split('@')[0].title(), {TEST_PASSWORD!r}, role, units)\n"
        "    db.session.commit()\n", env)


class Gunicorn:
    """`python -m gunicorn 'portal:create_app()'` with sync workers on a loopback port."""

    def __init__(self, env: dict, port: int, workers: int = 3, log: Path | None = None):
        self.env, self.port, self.workers, self.log = env, port, workers, log
        self.proc: subprocess.Popen | None = None
        self.killed_pids: list[int] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> Gunicorn:
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--worker-class", "sync",
             "--bind", f"127.0.0.1:{self.port}", "--timeout", "60", "--graceful-timeout", "5",
             "portal:create_app()"], cwd=run_dir(self.env), env=self.env, stdout=out, stderr=out)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "gunicorn exited at start"
            try:
                if requests.get(self.url + "/", timeout=2).status_code == 200 and len(self.worker_pids()) == self.workers:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError("gunicorn did not start")

    def worker_pids(self) -> list[int]:
        return children_of(self.proc.pid) if self.proc else []

    def kill_workers(self, count: int | None = None) -> list[int]:
        pids = self.worker_pids()[:count]
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        self.killed_pids += pids
        return pids

    def wait_for_workers(self, timeout: float = 60) -> None:
        """The master notices dead workers and starts new ones."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            alive = [p for p in self.worker_pids() if p not in self.killed_pids]
            if len(alive) == self.workers:
                return
            time.sleep(0.1)
        raise AssertionError("gunicorn did not replace its workers")

    def kill_all(self) -> None:
        """SIGKILL the master and every worker: as if the machine's process supervisor lost them."""
        workers = self.worker_pids()
        os.kill(self.proc.pid, signal.SIGKILL)
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=10)
        for pid in workers:
            wait_gone(pid)
        self.killed_pids += workers + [self.proc.pid]

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        workers = self.worker_pids()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for pid in workers:
            wait_gone(pid)


def children_of(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[1]) == parent:
            pids.append(int(entry.name))
    return sorted(pids)


def wait_gone(pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return
        if state == "Z":
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} is still running")


def rows(url: str, sql: str) -> list[tuple]:
    """What the database holds now, read by a connection of its own (SQLite file or MariaDB)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def integrity_problems(url: str, tables: list[str]) -> list[str]:
    """SQLite: `PRAGMA integrity_check` on the whole file. MariaDB: `CHECK TABLE` on the tables
    the test wrote to. Returns what is wrong (empty when the database is sound)."""
    if url.startswith("sqlite"):
        answer = rows(url, "PRAGMA integrity_check")
        return [] if answer == [("ok",)] else [str(r) for r in answer]
    answer = rows(url, "CHECK TABLE " + ", ".join(f"`{t}`" for t in tables))
    return [str(r) for r in answer if r[2] in ("error", "warning") or (r[2] == "status" and r[3] != "OK")]


def login_session(base_url: str, email: str) -> requests.Session:
    import re

    session = requests.Session()
    page = session.get(base_url + "/logga-in", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = session.post(base_url + "/logga-in", data={"email": email, "password": TEST_PASSWORD,
                                                          "csrf_token": token}, allow_redirects=False, timeout=30)
    assert response.status_code == 302, f"login failed: {response.status_code}"
    return session
