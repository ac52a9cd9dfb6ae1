"""Staff accounts: login, logout, password change, administration."""
from flask import Flask

from ..extensions import login_manager
from ..templating import add_nav


def init_app(app: Flask) -> None:
    from flask_login import user_logged_in

    from ..audit.log import register_labels
    from . import sessions
    from .cli import sessions_group
    from .routes import AUDIT_LABELS, bp

    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Logga in för att se sidan."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    # Sessions live in the database (accounts/sessions.py): every sign-in starts one, and the
    # loader refuses an ended, idle or too old one on every instance.
    login_manager.user_loader(sessions.load_user)
    user_logged_in.connect(sessions.start)
    register_labels(AUDIT_LABELS)
    app.cli.add_command(sessions_group)

    app.register_blueprint(bp)
    add_nav("accounts.admin_users", "Konton", lambda u: u.is_authenticated and u.is_admin)
