"""Guidelines, roles and glossary (riktlinjer, roller, ordlista), published from content/:
pages, search, PDFs, a static export (`portal freeze DIR`), the content check
(`portal content check`) and the green card checklist on the case page."""
from flask import Flask

from ..templating import add_nav
from .content import ContentError  # noqa: F401
from .store import ContentStore


def init_app(app: Flask) -> None:
    # local: loaded when the app is built; importing the package stays light (portal.models imports its models)
    from ..audit.log import register_labels
    from ..cases.panels import register_case_panel
    from .cli import freeze_command, guidance_group
    from .routes import bp, checklist_panel

    # Content is configuration: a broken file stops start-up with the file and line.
    app.extensions["guidance"] = ContentStore(
        app.config["PORTAL_CONTENT_DIR"],
        reload=lambda: bool(app.config.get("PORTAL_DEV_RELOAD_CONTENT") or app.debug),
    )
    app.register_blueprint(bp)
    add_nav(app, "guidance.index", "Riktlinjer")
    register_case_panel(app, 30, "guidance/_checklist_panel.html", checklist_panel)
    register_labels(app, {"checklist.update": "Ändrade checklistan (gröna kortet)"})
    app.cli.add_command(freeze_command)
    app.cli.add_command(guidance_group)
