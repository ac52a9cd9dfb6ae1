"""A throwaway MariaDB server for the tests: temporary data directory, loopback only.

Used two ways:
- `python -m tests.support.mariadb_server -- COMMAND...` (scripts/test-mysql.sh): starts a server,
  creates the database `portal_test` and its user, runs COMMAND with PORTAL_TEST_DATABASE_URL
  set, then always stops the server and removes the directory. Exits with COMMAND's status.
- `with MariaDBServer() as server:` (the `mariadb` fixture in tests/database/test_mysql_migration.py).

Works as root (the server runs with --user=root) and as an ordinary user, with no stdin (CI).
The root account has no password and is reached only through the server's own socket.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

SEARCH_PATH = [*os.environ.get("PATH", "").split(os.pathsep), "/usr/sbin", "/usr/local/sbin", "/usr/libexec",
               "/usr/local/mysql/bin"]
CHARSET = "utf8mb4"
COLLATION = "utf8mb4_unicode_ci"


class MariaDBMissing(RuntimeError):
    """The MariaDB (or MySQL) server programs are not installed."""


class MariaDBFailed(RuntimeError):
    """The server did not start; the message carries the end of its error log."""


def _which(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name, path=os.pathsep.join(SEARCH_PATH))
        if found:
            return found
    return None


def find_binaries() -> tuple[str, str]:
    """(server, install-db) or MariaDBMissing with what to install."""
    server = _which("mariadbd", "mysqld")
    install_db = _which("mariadb-install-db", "mysql_install_db")
    if not server or not install_db:
        raise MariaDBMissing(
            "MariaDB-servern saknas (mariadbd och mariadb-install-db hittades inte). "
            "Installera den med `sudo apt-get install mariadb-server mariadb-client` "
            "eller kör `make test`, som installerar den via scripts/system-deps.sh test."
        )
    return server, install_db


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # If the test process is killed outright, the server is not left running. (Linux sends the
    # signal when the *thread* that started the server ends: start and stop from one thread.)
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class MariaDBServer:
    def __init__(self, startup_timeout: float = 60.0):
        self.startup_timeout = startup_timeout
        self.base: Path | None = None
        self.port: int | None = None
        self.process: subprocess.Popen | None = None

    # -- lifecycle -----------------------------------------------------------------------
    @property
    def socket_path(self) -> Path:
        assert self.base is not None
        return self.base / "mysqld.sock"

    @property
    def error_log(self) -> Path:
        assert self.base is not None
        return self.base / "error.log"

    def start(self) -> MariaDBServer:
        server, install_db = find_binaries()
        # A short path: a Unix socket path may not exceed 107 bytes.
        self.base = Path(tempfile.mkdtemp(prefix="portal-mariadb-", dir="/tmp" if os.path.isdir("/tmp") else None))
        try:
            self._install(install_db)
            for _attempt in range(3):
                self.port = _free_port()
                self._launch(server)
                if self._wait_until_ready():
                    return self
            raise MariaDBFailed(f"MariaDB startade inte:\n{self._log_tail()}")
        except BaseException:
            self.stop()
            raise

    def _as_root(self) -> list[str]:
        return ["--user=root"] if os.geteuid() == 0 else []

    def _install(self, install_db: str) -> None:
        datadir = self.base / "data"
        # A private tmpdir: bootstraps running at the same time in a shared /tmp remove each
        # other's temporary tables ("Unknown table 'mysql.tmp_user_sys'").
        tmpdir = self.base / "tmp"
        tmpdir.mkdir()
        cmd = [install_db, "--no-defaults", f"--datadir={datadir}", f"--tmpdir={tmpdir}", *self._as_root(),
               "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"]
        result = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, timeout=self.startup_timeout)
        if result.returncode != 0:
            errors = [line for line in result.stdout.splitlines() if "ERROR" in line.upper()][:10]
            raise MariaDBFailed(f"mariadb-install-db misslyckades ({result.returncode}):\n" + "\n".join(errors))

    def _launch(self, server: str) -> None:
        cmd = [
            server, "--no-defaults", f"--datadir={self.base / 'data'}", *self._as_root(),
            "--skip-networking=0", "--bind-address=127.0.0.1", f"--port={self.port}",
            f"--socket={self.socket_path}", f"--pid-file={self.base / 'mysqld.pid'}",
            f"--log-error={self.error_log}", f"--tmpdir={self.base / 'tmp'}",
            f"--character-set-server={CHARSET}", f"--collation-server={COLLATION}",
            "--skip-name-resolve", "--skip-log-bin", "--max-connections=200",
            # A throwaway server: speed over durability.
            "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--sync-binlog=0",
            "--innodb-buffer-pool-size=128M", "--innodb-log-file-size=48M",
        ]
        self.process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True,
                                        preexec_fn=_die_with_parent)

    def _wait_until_ready(self) -> bool:
        import pymysql

        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                # Port taken between choosing and binding: try another one.
                if "Address already in use" in self._log_tail() or "Do you already have another" in self._log_tail():
                    self.process = None
                    return False
                raise MariaDBFailed(f"MariaDB avslutades vid start ({self.process.returncode}):\n{self._log_tail()}")
            try:
                pymysql.connect(unix_socket=str(self.socket_path), user="root", connect_timeout=2).close()
                with socket.create_connection(("127.0.0.1", self.port), timeout=2):
                    return True
            except (pymysql.err.OperationalError, OSError):
                time.sleep(0.1)
        raise MariaDBFailed(f"MariaDB svarade inte inom {self.startup_timeout:.0f} s:\n{self._log_tail()}")

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.error_log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(ingen fellogg)"

    def stop(self) -> None:
        """Stops the server (SIGTERM, then SIGKILL) and removes the temporary directory."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None

    def __enter__(self) -> MariaDBServer:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    # -- databases -----------------------------------------------------------------------
    def admin(self, database: str | None = None):
        """A PyMySQL connection as root (autocommit)."""
        import pymysql

        return pymysql.connect(unix_socket=str(self.socket_path), user="root", database=database,
                               charset=CHARSET, autocommit=True)

    def url(self, user: str, password: str, database: str) -> str:
        # ssl_disabled: loopback only, and PyMySQL otherwise builds a TLS context (~70 ms) for
        # every new connection just to learn that this server offers none.
        return (f"mysql+pymysql://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:{self.port}/"
                f"{database}?charset={CHARSET}&ssl_disabled=true")

    def create_database(self, name: str, user: str | None = None, password: str = "portal-test-pw",
                        charset: str = CHARSET, collation: str = COLLATION, grant_prefix: bool = False) -> str:
        """Creates database `name` (and `user` with every right on it); returns its URL.

        grant_prefix=True also lets the user create and drop databases whose names begin with
        `name` (the migration tests make their own targets next to the test database)."""
        user = user or name
        with self.admin() as conn, conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET {charset} COLLATE {collation}")
            cur.execute("CREATE USER IF NOT EXISTS %s@'127.0.0.1' IDENTIFIED BY %s", (user, password))
            cur.execute("CREATE USER IF NOT EXISTS %s@'localhost' IDENTIFIED BY %s", (user, password))
            pattern = name.replace("_", "\\_") + ("%%" if grant_prefix else "")
            for host in ("127.0.0.1", "localhost"):
                cur.execute(f"GRANT ALL PRIVILEGES ON `{pattern}`.* TO %s@%s", (user, host))
        return self.url(user, password, name)

    def drop_database(self, name: str) -> None:
        with self.admin() as conn, conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")


def run(command: list[str]) -> int:
    """Starts a server, runs `command` with PORTAL_TEST_DATABASE_URL, always stops the server."""

    def terminate(signum, _frame):
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, terminate)
    try:
        server = MariaDBServer()
        print("Startar en tillfällig MariaDB-server ...", flush=True)
        server.start()
    except (MariaDBMissing, MariaDBFailed) as exc:
        print(f"FEL: {exc}", file=sys.stderr)
        return 1
    child = None
    try:
        with server.admin() as conn, conn.cursor() as cur:
            cur.execute("SELECT VERSION()")
            version = cur.fetchone()[0]
        url = server.create_database("portal_test", user="portal", grant_prefix=True)
        print(f"MariaDB {version} på 127.0.0.1:{server.port}, databas portal_test (utf8mb4)", flush=True)
        env = dict(os.environ, PORTAL_TEST_DATABASE_URL=url)
        child = subprocess.Popen(command, env=env)
        return child.wait()
    except KeyboardInterrupt:
        return 130
    finally:
        if child is not None and child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
        server.stop()
        print("MariaDB-servern är stoppad och dess tillfälliga mapp borttagen.", flush=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print("Användning: python -m tests.support.mariadb_server -- KOMMANDO [ARGUMENT ...]", file=sys.stderr)
        return 2
    return run(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
