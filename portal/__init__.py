"""Samverkansportalen: the Flask application factory."""
from __future__ import annotations

import importlib
import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import caching, commands, database, security, templating
from . import config as config_module
from .extensions import csrf, db, limiter, login_manager
from .formdefs.contract import check_app

# Feature packages, each a blueprint with its own models, forms, routes and templates.
FEATURES = [
    "portal.main",
    "portal.accounts",
    "portal.directory",
    "portal.cases",
    "portal.audit",
    "portal.pdf",
    "portal.formdefs",
    "portal.notify",
    "portal.guidance",
    "portal.deviations",
    "portal.consent",
    "portal.plans",
    "portal.escalation",
    "portal.retention",
    "portal.subject_access",
    "portal.oidc",
]


def create_app(test_config: dict | None = None) -> Flask:
    root = config_module.ROOT
    instance_path = Path((test_config or {}).get("INSTANCE_PATH") or root / "instance")
    instance_path.mkdir(parents=True, exist_ok=True)
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        static_folder=str(root / "static"),
        static_url_path="/static",
    )
    app.config.update(config_module.from_environment(instance_path))
    if test_config:
        app.config.update(test_config)

    trusted = int(app.config.get("PORTAL_TRUSTED_PROXIES") or 0)
    if trusted > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted)

    _configure_logging(app)
    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)

    database.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    commands.init_app(app)

    for name in FEATURES:
        module = importlib.import_module(name)
        module.init_app(app)

    # The form fields the code reads (declared with formdefs.keys): a definition without one stops start-up.
    check_app(app)

    caching.init_app(app)  # outermost: public pages for visitors without a session, from memory
    return app


def _configure_logging(app: Flask) -> None:
    # The application's own logs never carry personal data: only ids, actions and status codes.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("alembic.runtime.plugins", "alembic.autogenerate"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Flask's default handler logs the full traceback, whose exception message may carry
    # personal data; security.py logs a sanitised line instead.
    app.logger.disabled = True
