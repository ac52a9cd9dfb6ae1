"""`portal db to-mysql`: move a SQLite portal to MySQL/MariaDB, and prove nothing was lost.

1. The SQLite file is opened read-only (`mode=ro`) and copied with SQLite's backup API into a
   temporary snapshot; everything after that reads the snapshot. The source is never written.
2. The target gets its schema from the portal's own Alembic migrations (the same keys, indexes,
   utf8mb4 tables and DATETIME(6)/MEDIUMTEXT types as a portal created on MySQL from scratch).
3. sqlite3-to-mysql copies the rows in its data-only mode (mysql_create_tables=False), in
   chunks, with plain INSERT (never INSERT IGNORE: a row MySQL refuses is an error, not a loss).
   Its own table creation is not used, because it cannot know the portal's types, key lengths
   and constraint names; its row copy is exactly what is needed.
4. Verification: the same table set, the same row counts and the same SHA-256 per table over
   every row in primary-key order, values normalised by the target column's type (datetimes as
   ISO with microseconds, booleans as 0/1, NULL, text as UTF-8, blobs as hex).
5. The portal is started on the target (create_app with its URL) and every model is read
   through the ORM on both sides and compared: users, cases and whatever tables features add.

Any failure: a Swedish message, exit status 1, no traceback; tables the command created on the
target are removed again; the SQLite file is as it was.
"""
from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import logging
import re
import shutil
import sqlite3
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import MetaData, create_engine, func, inspect, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy import types as sa_types
from sqlalchemy.engine import URL, Engine, make_url

from .config import MYSQL_BACKENDS
from .mysql_dialect import CHARSET, COLLATION

VERSION_TABLE = "alembic_version"


class MoveError(Exception):
    """What went wrong, in Swedish, for the operator (never personal data)."""


@dataclass
class TableCheck:
    name: str
    source_rows: int
    target_rows: int
    source_digest: str
    target_digest: str

    @property
    def equal(self) -> bool:
        return self.source_rows == self.target_rows and self.source_digest == self.target_digest


@dataclass
class ModelCheck:
    name: str
    table: str
    rows: int
    equal: bool


@dataclass
class MoveResult:
    tables: list[TableCheck]
    models: list[ModelCheck]
    users: int
    cases: int
    server_version: str


# -- the command ---------------------------------------------------------------------------

@click.command("to-mysql")
@click.option("--url", "target_url", required=True, metavar="URL", envvar="PORTAL_TO_MYSQL_URL",
              help="Måldatabasen, t.ex. mysql+pymysql://portal:HEMLIGT@127.0.0.1:3306/portal?charset=utf8mb4 "
                   "(eller miljövariabeln PORTAL_TO_MYSQL_URL, så att lösenordet inte syns i processlistan).")
@click.option("--force", is_flag=True, help="Ta bort tabeller som redan finns i måldatabasen och börja om.")
@click.option("--chunk-size", default=1000, show_default=True, type=click.IntRange(1, 100_000),
              help="Antal rader per omgång vid kopieringen.")
@with_appcontext
def to_mysql_cmd(target_url: str, force: bool, chunk_size: int):
    """Flytta portalens SQLite-databas till MySQL/MariaDB och kontrollera resultatet."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from .extensions import db

    try:
        source = _source_file(db.engine.url)
        result = move_to_mysql(source, target_url, force=force, chunk_size=chunk_size, echo=click.echo)
    except MoveError as exc:
        click.echo(f"FEL: {exc}", err=True)
        click.echo("SQLite-databasen är orörd.", err=True)
        sys.exit(1)
    shown = _hide_password(target_url)
    total = sum(t.target_rows for t in result.tables if t.name != VERSION_TABLE)
    click.echo(f"Klart: {len(result.tables)} tabeller och {_n(total)} rader är flyttade och kontrollerade.")
    click.echo("SQLite-databasen är orörd och kan sparas som säkerhetskopia.")
    click.echo(f"Byt till den nya databasen med PORTAL_DATABASE_URL={shown} (med lösenordet) och starta om portalen.")


def _source_file(url: URL) -> Path:
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise MoveError("Portalens databas är inte en SQLite-fil (PORTAL_DATABASE_URL); det finns inget att flytta.")
    path = Path(url.database)
    if not path.is_file():
        raise MoveError(f"SQLite-databasen {path} finns inte.")
    return path


# -- the move ------------------------------------------------------------------------------

def move_to_mysql(source: Path, target_url: str, *, force: bool = False, chunk_size: int = 1000,
                  echo=print) -> MoveResult:
    url = _target_url(target_url)
    workdir = Path(tempfile.mkdtemp(prefix="portal-to-mysql-"))
    engine = create_engine(url, pool_size=2)
    created = False
    try:
        echo(f"Källa: {source}")
        echo(f"Mål:   {url.render_as_string(hide_password=True)}")
        echo("1/5 Kopierar SQLite-databasen skrivskyddat till en ögonblicksbild ...")
        snapshot = _snapshot(source, workdir / "snapshot.sqlite3")
        _check_source_version(snapshot)

        server_version = _connect(engine, url)
        echo(f"    Ansluten till {server_version}.")
        _prepare_target(engine, url, force, echo)

        echo("2/5 Skapar tabellerna med portalens migrationer (Alembic) ...")
        created = True
        _migrate(url)
        source_tables, target_tables = _compare_schema(snapshot, engine)

        echo(f"3/5 Kopierar raderna med sqlite3-to-mysql ({_n(chunk_size)} rader per omgång) ...")
        _copy_rows(snapshot, url, chunk_size)

        echo("4/5 Jämför tabeller, antal rader och kontrollsummor ...")
        checks = [_check_table(snapshot, engine, target_tables[name]) for name in sorted(source_tables)]
        _print_table_checks(checks, echo)
        bad = [c.name for c in checks if not c.equal]
        if bad:
            raise MoveError(f"Innehållet skiljer sig efter flytten i: {', '.join(bad)}.")

        echo("5/5 Startar portalen mot den nya databasen och läser allt genom portalens modeller ...")
        models, users, cases = _check_app(snapshot, url)
        bad = [m.name for m in models if not m.equal]
        if bad:
            raise MoveError(f"Portalen läser inte samma data i: {', '.join(bad)}.")
        echo(f"    Portalen startar och läser samma {_count(users, 'konto', 'konton')}, "
             f"{_count(cases, 'ärende', 'ärenden')} och {_count(len(models), 'modell', 'modeller')} "
             f"({', '.join(m.table for m in models)}).")
        return MoveResult(checks, models, users, cases, server_version)
    except MoveError as exc:
        if not created:
            raise
        _drop_all(engine)
        raise MoveError(f"{exc} Tabellerna som skapades i måldatabasen är borttagna igen.") from None
    except Exception as exc:  # a failure we did not foresee: still a message, not a traceback
        note = ""
        if created:
            _drop_all(engine)
            note = " Tabellerna som skapades i måldatabasen är borttagna igen."
        raise MoveError(f"Flytten avbröts: {_describe(exc)}.{note}") from exc
    finally:
        engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)


def _target_url(raw: str) -> URL:
    try:
        url = make_url(raw)
    except sa_exc.ArgumentError:
        raise MoveError("Måladressen går inte att tolka. Exempel: "
                        "mysql+pymysql://portal:HEMLIGT@127.0.0.1:3306/portal?charset=utf8mb4") from None
    if url.get_backend_name() not in MYSQL_BACKENDS:
        raise MoveError("Måladressen måste gå till MySQL eller MariaDB (mysql+pymysql://...).")
    driver = url.drivername.partition("+")[2]
    if driver and driver != "pymysql":
        raise MoveError(f"Drivrutinen {driver} stöds inte; använd mysql+pymysql://.")
    url = url.set(drivername=f"{url.get_backend_name()}+pymysql")
    if not url.database:
        raise MoveError("Måladressen saknar databasens namn (…/portal?charset=utf8mb4).")
    if not url.username:
        raise MoveError("Måladressen saknar användare (mysql+pymysql://användare:HEMLIGT@värd/databas).")
    charset = url.query.get("charset")
    if charset and charset.lower() != CHARSET:
        raise MoveError(f"Teckenkodningen måste vara {CHARSET} (charset={charset} ger inte plats för alla tecken).")
    return url.update_query_dict({"charset": CHARSET})


def _snapshot(source: Path, target: Path) -> Path:
    try:
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
                problems = dst.execute("PRAGMA integrity_check").fetchall()
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise MoveError(f"SQLite-databasen {source} kan inte läsas: {exc}.") from None
    if problems != [("ok",)]:
        raise MoveError(f"SQLite-databasen {source} är skadad (PRAGMA integrity_check: {problems[0][0]}).")
    return target


def _check_source_version(snapshot: Path) -> None:
    # local: Alembic loads only when it is used (a slow import, not needed to serve most pages)
    from alembic.script import ScriptDirectory

    from .database import alembic_config

    with _sqlite(snapshot) as con:
        try:
            have = {r[0] for r in con.execute(f"SELECT version_num FROM {VERSION_TABLE}")}
        except sqlite3.Error:
            raise MoveError("SQLite-databasen saknar schemaversion (alembic_version); är det en portaldatabas?") from None
    want = set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
    if have != want:
        raise MoveError(
            f"SQLite-databasen har schemaversion {', '.join(sorted(have)) or '(ingen)'} men den här versionen av "
            f"portalen har {', '.join(sorted(want))}. Kör `portal db upgrade` mot SQLite-databasen först.")


def _connect(engine: Engine, url: URL) -> str:
    try:
        with engine.connect() as conn:
            version = conn.execute(text("SELECT VERSION()")).scalar_one()
    except sa_exc.DBAPIError as exc:
        where = f"{url.host or 'localhost'}:{url.port or 3306}"
        raise MoveError(f"Kan inte ansluta till MySQL/MariaDB på {where} som {url.username}: {_describe(exc)}") from None
    name = "MariaDB" if "mariadb" in version.lower() else "MySQL"
    return f"{name} {version.split('-')[0]}"


def _prepare_target(engine: Engine, url: URL, force: bool, echo) -> None:
    insp = inspect(engine)
    existing = sorted(insp.get_table_names() + insp.get_view_names())
    if not existing:
        return
    if not force:
        listed = ", ".join(existing[:8]) + (" …" if len(existing) > 8 else "")
        raise MoveError(
            f"Måldatabasen {url.database} är inte tom ({len(existing)} tabeller: {listed}). "
            "Inget är ändrat. Använd --force för att ta bort tabellerna och flytta på nytt.")
    echo(f"    --force: tar bort {len(existing)} befintliga tabeller i {url.database} ...")
    _drop_all(engine)


def _drop_all(engine: Engine) -> None:
    try:
        insp = inspect(engine)
        q = engine.dialect.identifier_preparer.quote
        with engine.begin() as conn:
            conn.execute(text("SET FOREIGN_KEY_CHECKS=0"))
            for view in insp.get_view_names():
                conn.execute(text(f"DROP VIEW IF EXISTS {q(view)}"))
            for table in insp.get_table_names():
                conn.execute(text(f"DROP TABLE IF EXISTS {q(table)}"))
            conn.execute(text("SET FOREIGN_KEY_CHECKS=1"))
    except sa_exc.SQLAlchemyError:
        pass  # best effort while already reporting another failure


@contextmanager
def _quiet_alembic():
    logger = logging.getLogger("alembic")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _migrate(url: URL) -> None:
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from .database import upgrade

    with _quiet_alembic():
        upgrade(url.render_as_string(hide_password=False))


def _sqlite_tables(con: sqlite3.Connection) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")]


def _compare_schema(snapshot: Path, engine: Engine):
    metadata = MetaData()
    metadata.reflect(engine)
    target_tables = dict(metadata.tables)
    with _sqlite(snapshot) as con:
        source_tables = {name: {r[1] for r in con.execute(f'PRAGMA table_info("{name}")')}
                         for name in _sqlite_tables(con)}
    only_source = sorted(set(source_tables) - set(target_tables))
    only_target = sorted(set(target_tables) - set(source_tables))
    if only_source or only_target:
        parts = []
        if only_source:
            parts.append(f"bara i SQLite: {', '.join(only_source)}")
        if only_target:
            parts.append(f"bara i migrationerna: {', '.join(only_target)}")
        raise MoveError(f"Tabellerna stämmer inte med portalens migrationer ({'; '.join(parts)}).")
    for name, columns in source_tables.items():
        target_columns = {c.name for c in target_tables[name].columns}
        if columns != target_columns:
            diff = sorted(columns ^ target_columns)
            raise MoveError(f"Kolumnerna i {name} stämmer inte med migrationerna ({', '.join(diff)}).")
    return source_tables, target_tables


def _copy_rows(snapshot: Path, url: URL, chunk_size: int) -> None:
    # local: the MySQL tools loads only when it is used (a slow import, not needed to serve most pages)
    import mysql.connector
    from sqlite3_to_mysql import SQLite3toMySQL

    # sqlite3-to-mysql logs through its own logger; keep its messages (they may quote row
    # values) out of the terminal and report the failure ourselves.
    logger = logging.getLogger(SQLite3toMySQL.__name__)
    logger.propagate = False
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    logging.getLogger("mysql.connector").setLevel(logging.WARNING)
    options = dict(
        sqlite_file=str(snapshot),
        exclude_sqlite_tables=[VERSION_TABLE],  # written by the migrations already
        mysql_user=url.username,
        mysql_password=url.password or None,
        mysql_database=url.database,
        mysql_create_tables=False,
        mysql_transfer_data=True,
        mysql_truncate_tables=False,
        mysql_insert_method="DEFAULT",
        mysql_charset=CHARSET,
        mysql_collation=COLLATION,
        chunk=chunk_size,
        quiet=True,
    )
    if str(url.query.get("ssl_disabled", "")).lower() in ("1", "true", "yes"):
        options["mysql_ssl_disabled"] = True
    for key in ("ssl_ca", "ssl_cert", "ssl_key"):  # TLS to a remote server: the same files as PyMySQL
        if url.query.get(key):
            options[f"mysql_{key}"] = url.query[key]
    if url.query.get("unix_socket"):
        options["mysql_socket"] = url.query["unix_socket"]
    else:
        options.update(mysql_host=url.host or "localhost", mysql_port=url.port or 3306)
    transporter = None
    try:
        transporter = SQLite3toMySQL(**options)
        transporter.transfer()
    except mysql.connector.Error as exc:
        raise MoveError(f"Kopieringen avbröts: {_describe(exc)}.") from None
    finally:
        if transporter is not None:
            for con in (getattr(transporter, "_sqlite", None), getattr(transporter, "_mysql", None)):
                try:
                    con.close()
                except Exception:  # noqa: BLE001 - closing after the fact
                    pass


# -- verification --------------------------------------------------------------------------

def _check_table(snapshot: Path, engine: Engine, table) -> TableCheck:
    columns = list(table.columns)
    names = [c.name for c in columns]
    normalisers = [_normaliser(c.type) for c in columns]
    key = [c for c in table.primary_key.columns] or columns

    def order(dialect: str) -> str:
        parts = []
        for c in key:
            quoted = f'"{c.name}"' if dialect == "sqlite" else f"`{c.name}`"
            if isinstance(c.type, sa_types.String):
                # Byte order on both sides (MySQL's collation is case- and accent-insensitive).
                parts.append(f"CAST({quoted} AS BLOB)" if dialect == "sqlite" else f"CAST({quoted} AS BINARY)")
            else:
                parts.append(quoted)
        return ", ".join(parts)

    with _sqlite(snapshot) as con:
        cols = ", ".join(f'"{n}"' for n in names)
        cur = con.execute(f'SELECT {cols} FROM "{table.name}" ORDER BY {order("sqlite")}')
        source_rows, source_digest = _digest(iter(lambda: cur.fetchmany(1000), []), normalisers)
    with engine.connect() as conn:
        cols = ", ".join(f"`{n}`" for n in names)
        result = conn.execution_options(stream_results=True).execute(
            text(f"SELECT {cols} FROM `{table.name}` ORDER BY {order('mysql')}"))
        target_rows, target_digest = _digest(result.partitions(1000), normalisers)
    return TableCheck(table.name, source_rows, target_rows, source_digest, target_digest)


def _digest(chunks, normalisers) -> tuple[int, str]:
    h = hashlib.sha256()
    count = 0
    for chunk in chunks:
        for row in chunk:
            values = [None if v is None else norm(v) for norm, v in zip(normalisers, row)]
            h.update(json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
            h.update(b"\n")
            count += 1
    return count, h.hexdigest()


def _normaliser(type_):
    """A function giving one canonical string per value, for a target column's type."""
    if isinstance(type_, sa_types.JSON):
        return lambda v: json.dumps(json.loads(v) if isinstance(v, (str, bytes)) else v, sort_keys=True,
                                    ensure_ascii=False)
    if isinstance(type_, sa_types.DateTime):
        return lambda v: _as(dt.datetime, v).isoformat(sep=" ", timespec="microseconds")
    if isinstance(type_, sa_types.Date):
        return lambda v: _as(dt.date, v).isoformat()
    if isinstance(type_, sa_types.Time):
        return lambda v: _as(dt.time, v).isoformat(timespec="microseconds")
    if isinstance(type_, sa_types.Float):
        return lambda v: repr(float(v))
    if isinstance(type_, sa_types.Numeric):
        return lambda v: str(decimal.Decimal(str(v)).normalize())
    if isinstance(type_, (sa_types.Integer, sa_types.Boolean)):
        return lambda v: str(int(v))
    return _plain


def _as(kind, value):
    if isinstance(value, dt.timedelta):  # MySQL TIME
        return (dt.datetime.min + value).time()
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8")
    if isinstance(value, str):
        return kind.fromisoformat(value.strip())
    if kind is dt.date and isinstance(value, dt.datetime):
        return value.date()
    return value


def _plain(value) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "x" + bytes(value).hex()
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def _check_app(snapshot: Path, url: URL) -> tuple[list[ModelCheck], int, int]:
    """Starts the portal on the snapshot and on the target; reads every model on both."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from . import create_app
    from .accounts.models import User
    from .cases.models import Case
    from .extensions import db
    from .models import import_all

    import_all()
    mappers = sorted((m for m in db.Model.registry.mappers if m.inherits is None and m.local_table is not None),
                     key=lambda m: m.class_.__name__)
    instance = current_app.instance_path
    digests = []
    counts = {}
    for database_url in (f"sqlite:///{snapshot}", url.render_as_string(hide_password=False)):
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": instance})
        try:
            with app.app_context():
                digests.append({m.class_.__name__: _model_digest(db.session, m) for m in mappers})
                counts = {"users": db.session.scalar(select(func.count()).select_from(User)),
                          "cases": db.session.scalar(select(func.count()).select_from(Case))}
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    source, target = digests
    checks = [ModelCheck(name, mapper.local_table.name, source[name][0], source[name] == target[name])
              for name, mapper in ((m.class_.__name__, m) for m in mappers)]
    return checks, counts["users"], counts["cases"]


def _model_digest(session, mapper) -> tuple[int, str]:
    attrs = [a.key for a in mapper.column_attrs]
    pk = [getattr(mapper.class_, mapper.get_property_by_column(c).key) for c in mapper.primary_key]
    h = hashlib.sha256()
    count = 0
    rows = session.execute(select(mapper.class_).order_by(*pk).execution_options(yield_per=500)).scalars()
    for obj in rows:
        h.update(json.dumps([_orm_value(getattr(obj, a)) for a in attrs], ensure_ascii=False).encode("utf-8"))
        count += 1
    session.expunge_all()
    return count, h.hexdigest()


def _orm_value(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return str(value.normalize())
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return _plain(value)


# -- helpers -------------------------------------------------------------------------------

@contextmanager
def _sqlite(path: Path):
    con = sqlite3.connect(path)
    try:
        yield con
    finally:
        con.close()


def _print_table_checks(checks: list[TableCheck], echo) -> None:
    width = max([len("Tabell")] + [len(c.name) for c in checks])
    echo(f"    {'Tabell':<{width}}  {'Rader i SQLite':>14}  {'Rader i MySQL':>13}  Kontrollsumma (SHA-256)")
    for c in checks:
        verdict = "lika" if c.equal else "SKILJER SIG"
        digest = c.target_digest[:16] if c.equal else f"{c.source_digest[:12]} ≠ {c.target_digest[:12]}"
        echo(f"    {c.name:<{width}}  {_n(c.source_rows):>14}  {_n(c.target_rows):>13}  {digest}  {verdict}")


def _n(number: int) -> str:
    return f"{number:,}".replace(",", "\u00a0")


def _count(number: int, one: str, many: str) -> str:
    return f"{_n(number)} {one if number == 1 else many}"


def _hide_password(raw: str) -> str:
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except sa_exc.ArgumentError:
        return "(ogiltig adress)"


# "Duplicate entry 'x' for key", "Incorrect string value: 'x' for column", "Incorrect datetime value: 'x' ..."
_QUOTED_VALUE = re.compile(r"(Duplicate entry |value: )'.*?'( for (?:key|column))", re.S)


def _describe(exc: BaseException) -> str:
    """The database's own explanation, without row values (they may be personal data)."""
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "errno", None)
    message = getattr(orig, "msg", None)
    if message is None and getattr(orig, "args", None):
        args = orig.args
        if len(args) >= 2 and isinstance(args[0], int):
            code, message = args[0], str(args[1])
        else:
            message = str(args[0])
    message = _QUOTED_VALUE.sub(r"\1(värdet utelämnat)\2", str(message or type(orig).__name__))
    message = message.strip().rstrip(".")
    hints = {
        1045: " (fel användare eller lösenord)",
        1044: " (användaren saknar rättigheter till databasen)",
        1049: " (databasen finns inte; skapa den först, se docs/mariadb.md)",
        2003: " (servern svarar inte på den adressen och porten)",
        1062: " (MySQL/MariaDB jämför text utan hänsyn till stora och små bokstäver och accenter)",
        1366: " (tabellen tar inte emot tecknet; den ska vara utf8mb4)",
        1406: " (texten är längre än kolumnen tillåter; SQLite kontrollerar inte längden)",
    }
    return f"{message}{hints.get(code, '')}" + (f" [fel {code}]" if code else "")
