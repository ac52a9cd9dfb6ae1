"""Cases (ärenden): one child or young person, their guardians, and who may see them."""
from flask import Flask

from ..templating import add_nav


def init_app(app: Flask) -> None:
    # local: loaded when the app is built; importing the package stays light (portal.models imports its models)
    from .routes import bp

    app.register_blueprint(bp)
    add_nav(app, "cases.index", "Mina ärenden", lambda u: u.is_authenticated and u.works_with_cases)
