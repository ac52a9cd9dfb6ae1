"""The organisation directory (configuration in content/directory.yaml)."""
from flask import Flask, current_app

from ..templating import add_nav
from .loader import Directory, DirectoryError, load_directory  # noqa: F401


def current_directory() -> Directory:
    """The app's directory, loaded once at start-up (init_app)."""
    return current_app.extensions["directory"]


def init_app(app: Flask) -> None:
    # local: loaded when the app is built; importing the package stays light (portal.models imports its models)
    from .routes import bp

    # The organisation directory is configuration: a broken file stops start-up. Loaded here, once,
    # before the features after it in FEATURES that read it while they start (escalation, oidc).
    app.extensions["directory"] = load_directory(app.config["PORTAL_CONTENT_DIR"])
    app.register_blueprint(bp)
    add_nav(app, "directory.index", "Organisationer", lambda u: u.is_authenticated)
