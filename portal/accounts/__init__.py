"""Staff accounts: login, logout, password change, administration."""
from flask import Flask

from ..extensions import db, login_manager
from ..templating import add_nav


def init_app(app: Flask) -> None:
    from .models import User
    from .routes import bp

    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Logga in för att se sidan."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load(user_id: str):
        try:
            uid, version = (int(x) for x in user_id.split(":"))
        except ValueError:
            return None
        user = db.session.get(User, uid)
        if user is None or user.session_version != version or not user.active:
            return None
        return user

    app.register_blueprint(bp)
    add_nav("accounts.admin_users", "Konton", lambda u: u.is_authenticated and u.is_admin)
    add_nav("accounts.unit_members", "Enhetens konton", lambda u: u.is_authenticated and u.is_manager)
    from .visibility import init_labels

    init_labels()
