"""Retention (gallring): content/retention.yaml says how long each kind of record is kept;
`portal retention run [--dry-run]` deletes, de-identifies or blanks what is past it."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # local: loaded when the app is built; importing the package stays light (portal.models imports its models)
    from ..audit.log import register_labels
    from .cli import retention

    app.cli.add_command(retention)
    register_labels(app, {"retention.run": "Gallring enligt gallringsreglerna"})
