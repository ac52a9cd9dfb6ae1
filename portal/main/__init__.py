"""The start page and general pages."""
from flask import Flask


def init_app(app: Flask) -> None:
    # local: loaded when the app is built; importing the package stays light (portal.models imports its models)
    from .routes import bp

    app.register_blueprint(bp)

    # local: loaded when the app is built; importing the package stays light (portal.models imports its models)
    from .accessibility import load_statement

    # The accessibility statement's per-installation facts: a broken file stops start-up.
    app.extensions["accessibility_statement"] = load_statement(app.config["PORTAL_CONTENT_DIR"])
