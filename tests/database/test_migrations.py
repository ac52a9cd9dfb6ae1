"""The schema changes only through Alembic: the migrated database must match the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db
from portal.models import import_all


def test_migrations_match_the_models(app):
    import_all()
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations disagree; add a migration: {diff}"


def test_there_is_one_migration_head_per_feature_and_upgrade_reaches_all(app):
    from alembic.script import ScriptDirectory

    from portal.database import alembic_config

    with app.app_context():
        script = ScriptDirectory.from_config(alembic_config())
        heads = set(script.get_heads())
        with db.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    assert current == heads
