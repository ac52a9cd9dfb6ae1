"""Limits MySQL/MariaDB enforces and SQLite does not, checked on the models themselves.

They run on the SQLite run too, so a feature's table that would only break on MariaDB (or when
an existing portal is moved there with `portal db to-mysql`) fails early, with a clear reason.
"""
from sqlalchemy import ForeignKeyConstraint, Index, PrimaryKeyConstraint, String, UniqueConstraint

from portal.extensions import db
from portal.models import import_all

MAX_NAME = 64  # identifiers
MAX_KEY_BYTES = 3072  # InnoDB index key, DYNAMIC row format; utf8mb4 takes up to 4 bytes a character


def _tables():
    import_all()
    return list(db.metadata.tables.values())


def _key_bytes(columns) -> int:
    total = 0
    for column in columns:
        length = getattr(column.type, "length", None)
        total += 4 * length if isinstance(column.type, String) and length else 8
    return total


def test_names_fit_mysql_and_do_not_collide():
    problems = []
    foreign_keys: dict[str, str] = {}
    for table in _tables():
        names = [table.name, *(c.name for c in table.columns)]
        keys = [i.name for i in table.indexes] + [c.name for c in table.constraints
                                                  if isinstance(c, (UniqueConstraint, Index))]
        names += keys + [c.name for c in table.constraints if c.name]
        problems += [f"{table.name}: '{n}' is longer than {MAX_NAME} characters" for n in names if n and len(n) > MAX_NAME]
        problems += [f"{table.name}: two indexes/unique constraints are named '{n}'" for n in set(keys) if keys.count(n) > 1]
        for fk in (c for c in table.constraints if isinstance(c, ForeignKeyConstraint)):
            if fk.name in foreign_keys:
                problems.append(f"foreign key name '{fk.name}' is used by {foreign_keys[fk.name]} and {table.name}")
            foreign_keys[fk.name] = table.name
    assert problems == []


def test_strings_have_a_length_and_keys_fit_an_innodb_index():
    problems = []
    for table in _tables():
        for column in table.columns:
            if type(column.type) is String and column.type.length is None:
                problems.append(f"{table.name}.{column.name}: String needs a length on MySQL (use Text for long text)")
        keyed = [list(i.columns) for i in table.indexes]
        keyed += [list(c.columns) for c in table.constraints if isinstance(c, (UniqueConstraint, PrimaryKeyConstraint))]
        for columns in keyed:
            size = _key_bytes(columns)
            if size > MAX_KEY_BYTES:
                names = ", ".join(c.name for c in columns)
                problems.append(f"{table.name}({names}): key of {size} bytes in utf8mb4, more than {MAX_KEY_BYTES}")
    assert problems == []
