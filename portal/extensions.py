"""Flask extensions, created here and initialised in the application factory."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

from . import mysql_dialect  # noqa: F401  (utf8mb4 tables, DATETIME(6), MEDIUMTEXT on MySQL/MariaDB)
from .config import apply_mysql_engine_options

# Deterministic constraint names so Alembic migrations work the same on SQLite and MySQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class PortalSQLAlchemy(SQLAlchemy):
    """Flask-SQLAlchemy with the portal's MySQL/MariaDB engine defaults (see config.py)."""

    def _apply_driver_defaults(self, options, app):
        super()._apply_driver_defaults(options, app)
        apply_mysql_engine_options(options)


db = PortalSQLAlchemy(metadata=MetaData(naming_convention=NAMING))
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
