"""Consistent online backups and restores.

SQLite: the backup API copies a consistent snapshot page by page while the portal runs (readers
and writers go on; WAL mode). MariaDB/MySQL: mysqldump --single-transaction gives a consistent
InnoDB snapshot without locking the tables; restore pipes the dump into the mysql client."""
from __future__ import annotations

import os
import shutil
import sqlite3
# Fixed argument lists, never a shell.
import subprocess  # nosec B404
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    pass


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("Databasen finns bara i minnet och kan inte säkerhetskopieras")
    return Path(database)


def backup(url: str, target: Path) -> dict:
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        source_path = _sqlite_path(url)
        if not source_path.exists():
            raise BackupError(f"Databasfilen {source_path} finns inte")
        partial = target.with_suffix(target.suffix + ".partial")
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
        dest = sqlite3.connect(partial)
        try:
            source.backup(dest, pages=256)
            check = dest.execute("PRAGMA integrity_check").fetchone()[0]
            dest.execute("PRAGMA journal_mode=DELETE")
        finally:
            dest.close()
            source.close()
        if check != "ok":
            partial.unlink(missing_ok=True)
            raise BackupError(f"Säkerhetskopian klarade inte integritetskontrollen: {check}")
        os.replace(partial, target)
        os.chmod(target, 0o600)
        return {"kind": "sqlite", "bytes": target.stat().st_size, "integrity": check}
    if parsed.get_backend_name() in ("mysql", "mariadb"):
        _mysql_tool(["mysqldump", "--single-transaction", "--routines", "--default-character-set=utf8mb4",
                     "--hex-blob", "--no-tablespaces"], parsed, stdout_path=target)
        os.chmod(target, 0o600)
        return {"kind": "mysql", "bytes": target.stat().st_size}
    raise BackupError(f"Databastypen {parsed.get_backend_name()} stöds inte")


def restore(url: str, source: Path) -> dict:
    source = Path(source)
    if not source.exists():
        raise BackupError(f"Filen {source} finns inte")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        check_conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            check = check_conn.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"Filen är ingen SQLite-databas: {type(exc).__name__}") from None
        finally:
            check_conn.close()
        if check != "ok":
            raise BackupError(f"Säkerhetskopian är skadad: {check}")
        target_path = _sqlite_path(url)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dest = sqlite3.connect(target_path, timeout=30)
        try:
            src.backup(dest)  # replaces the live database's pages under SQLite's own locking
        finally:
            dest.close()
            src.close()
        return {"kind": "sqlite", "integrity": check}
    if parsed.get_backend_name() in ("mysql", "mariadb"):
        _mysql_tool(["mysql", "--default-character-set=utf8mb4"], parsed, stdin_path=source)
        return {"kind": "mysql"}
    raise BackupError(f"Databastypen {parsed.get_backend_name()} stöds inte")


def _mysql_tool(command: list[str], url, stdout_path: Path | None = None, stdin_path: Path | None = None) -> None:
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(f"Programmet {command[0]} saknas (Debian-paketet mariadb-client)")
    # Credentials go in a private option file, never on the command line (visible in ps).
    with tempfile.NamedTemporaryFile("w", suffix=".cnf", delete=False) as cnf:
        os.chmod(cnf.name, 0o600)
        cnf.write("[client]\n")
        cnf.write(f"user={url.username or ''}\n")
        if url.password:
            cnf.write(f"password={url.password}\n")
        cnf.write(f"host={url.host or '127.0.0.1'}\n")
        if url.port:
            cnf.write(f"port={url.port}\n")
        cnf.write("protocol=tcp\n")
    args = [tool, f"--defaults-extra-file={cnf.name}", *command[1:], url.database]
    try:
        stdout = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL  # noqa: SIM115
        stdin = open(stdin_path, "rb") if stdin_path else None  # noqa: SIM115
        try:
            result = subprocess.run(args, stdout=stdout, stdin=stdin, stderr=subprocess.PIPE, timeout=3600, check=False)  # nosec B603
        finally:
            if stdout_path:
                stdout.close()
            if stdin:
                stdin.close()
    finally:
        os.unlink(cnf.name)
    if result.returncode != 0:
        first_line = (result.stderr.decode("utf-8", "replace").strip().splitlines() or ["okänt fel"])[0]
        raise BackupError(f"{command[0]} misslyckades: {first_line[:200]}")
