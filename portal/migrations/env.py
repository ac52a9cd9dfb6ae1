"""Alembic environment: runs inside the Flask app when there is one, else from the URL given."""
from alembic import context
from sqlalchemy import create_engine, pool

config = context.config


def _metadata():
    # Import every feature's models so autogenerate sees the whole schema.
    import portal  # noqa: F401
    from portal.extensions import db
    from portal.models import import_all

    import_all()
    return db.metadata


def run_migrations_online():
    url = config.get_main_option("sqlalchemy.url")
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = create_engine(url, poolclass=pool.NullPool)
        with engine.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _run(connection):
    context.configure(
        connection=connection,
        target_metadata=_metadata(),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
