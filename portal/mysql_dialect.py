"""How generic column types become MySQL/MariaDB column types.

The same models and the same Alembic migrations serve SQLite and MySQL/MariaDB, so the
differences are settled here, once, for every table (also the ones features add later):

- every table is created `DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`, whatever the
  database's or server's default is (emoji and every Swedish letter survive);
- `DateTime` is `DATETIME(6)` and `Time` is `TIME(6)`: SQLite keeps microseconds, and so must
  MySQL, or ordering by time and a moved portal's data would differ;
- `Text` without a length is `MEDIUMTEXT` (16 MB) and `LargeBinary` without a length `LONGBLOB`:
  MySQL's plain TEXT/BLOB stop at 65 535 bytes, which a long note in Swedish can pass.

Alembic's autogenerate compares types through the same compiler, so models and migrations
still agree on both databases (tests/database/test_migrations.py).
"""
from __future__ import annotations

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateTable
from sqlalchemy.types import DateTime, LargeBinary, Text, Time, UnicodeText

CHARSET = "utf8mb4"
COLLATION = "utf8mb4_unicode_ci"
DIALECTS = ("mysql", "mariadb")


def _datetime(type_, compiler, **kw):
    return "DATETIME(6)"


def _time(type_, compiler, **kw):
    return "TIME(6)"


def _text(type_, compiler, **kw):
    if type_.length is not None:
        return compiler.visit_TEXT(type_, **kw)
    return compiler.visit_MEDIUMTEXT(type_, **kw)


def _large_binary(type_, compiler, **kw):
    if type_.length is not None:
        return compiler.visit_BLOB(type_, **kw)
    return "LONGBLOB"


def _create_table(element, compiler, **kw):
    sql = compiler.visit_create_table(element, **kw)
    options = {key.split("_", 1)[1].replace("_", " ").lower() for key in element.element.kwargs if key.startswith(DIALECTS)}
    if not options & {"charset", "default charset", "character set", "default character set", "collate"}:
        sql = f"{sql.rstrip()} DEFAULT CHARSET={CHARSET} COLLATE={COLLATION}"
    return sql


for _dialect in DIALECTS:
    compiles(DateTime, _dialect)(_datetime)
    compiles(Time, _dialect)(_time)
    compiles(Text, _dialect)(_text)
    compiles(UnicodeText, _dialect)(_text)
    compiles(LargeBinary, _dialect)(_large_binary)
    compiles(CreateTable, _dialect)(_create_table)
