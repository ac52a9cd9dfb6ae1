"""The audit log: who read, printed, exported and changed each child's data."""
from flask import Flask

from ..templating import add_nav
from .log import log_event, log_event_and_commit  # noqa: F401


def init_app(app: Flask) -> None:
    # local: loaded when the app is built; importing the package stays light (portal.models imports its models)
    from .routes import bp

    app.register_blueprint(bp)
    # local: loaded when the app is built; importing the package stays light (portal.models imports its models)
    from ..extensions import db
    from .models import guard_engine

    with app.app_context():
        guard_engine(db.engine)  # append-only also for bulk statements and text SQL
    add_nav(app, "audit.index", "Granskningslogg", lambda u: u.is_authenticated and u.is_manager)
