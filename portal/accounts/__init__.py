"""Staff accounts: login, logout, password change, administration."""
from flask import Flask, request, session
from flask_login import current_user, user_logged_in

from ..extensions import login_manager
from ..templating import add_nav


def init_app(app: Flask) -> None:
    # local: loaded when the app is built; importing the package stays light (portal.models imports its models)
    from ..audit.log import register_labels
    from . import sessions
    from .cli import sessions_group
    from .routes import bp
    from .service import AUDIT_LABELS

    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Logga in för att se sidan."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    # Sessions live in the database (accounts/sessions.py): every sign-in starts one, and the
    # loader refuses an ended, idle or too old one on every instance.
    login_manager.user_loader(sessions.load_user)
    user_logged_in.connect(sessions.start)
    register_labels(app, AUDIT_LABELS)

    @app.before_request
    def _read_the_session_first():
        # Read (and, once a minute, touch) the sign-in session before any view writes: on SQLite
        # the touch's own short transaction would otherwise wait for the view's write lock.
        if request.endpoint != "static" and "_user_id" in session:
            current_user._get_current_object()

    app.cli.add_command(sessions_group)

    app.register_blueprint(bp)
    add_nav(app, "accounts.admin_users", "Konton", lambda u: u.is_authenticated and u.is_admin)
    add_nav(app, "accounts.unit_members", "Enhetens konton", lambda u: u.is_authenticated and u.is_manager)
    # local: loaded when the app is built; importing the package stays light (portal.models imports its models)
    from .visibility import init_labels

    init_labels(app)
