"""The organisation directory (configuration in content/directory.yaml)."""
from flask import Flask, current_app

from ..templating import add_nav
from .loader import Directory, DirectoryError, load_directory  # noqa: F401


def current_directory() -> Directory:
    return current_app.extensions["directory"]


def init_app(app: Flask) -> None:
    from .routes import bp

    app.register_blueprint(bp)
    add_nav("directory.index", "Organisationer", lambda u: u.is_authenticated)
