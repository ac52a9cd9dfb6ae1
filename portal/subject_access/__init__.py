"""Registerutdrag (subject access report): what the portal holds about a child and who has read it,
as a PDF for a guardian (or the young person) through their personal consent link, or printed by
the case unit's manager. See docs/subject_access.md."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # local: loaded when the app is built; importing the package stays light (portal.models imports its models)
    from ..audit.log import register_labels
    from ..cases.panels import register_case_panel
    from ..templating import add_template_enums
    from .cli import exports
    from .models import ExportStatus
    from .routes import bp

    app.register_blueprint(bp)
    app.cli.add_command(exports)
    add_template_enums(app, ExportStatus)
    register_labels(app, {"subject_access.report": "Registerutdrag togs fram",
                          "subject_access.download": "Förberett registerutdrag hämtades"})
    register_case_panel(app, 90, "subject_access/_panel.html", _panel)


def _panel(case, user):
    """For the case unit's managers: a way to print the report for someone who asked."""
    if user.is_authenticated and user.is_manager and case.unit_key in user.unit_keys:
        return {}
    return None
