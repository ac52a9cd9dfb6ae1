"""The audit log: who read, printed, exported and changed each child's data."""
from flask import Flask

from ..templating import add_nav
from .log import record, record_and_commit  # noqa: F401


def init_app(app: Flask) -> None:
    from .routes import bp

    app.register_blueprint(bp)
    add_nav("audit.index", "Granskningslogg", lambda u: u.is_authenticated and u.is_manager)
