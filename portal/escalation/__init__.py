"""Oenighet om ansvaret: when the collaborating services cannot agree on who is responsible, the case's
question is referred to the routine's next level (Arjeplog: the styrgrupp; Norrbus: kommun, länsdel,
länsstyrgrupp), the level's managers are told without personal data, and the decision is recorded.
The levels are content (content/escalation.yaml); see docs/plans.md."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # local: loaded when the app is built; importing the package stays light (portal.models imports its models)
    from ..audit.log import register_labels
    from ..cases.panels import register_case_panel
    from .paths import load_paths
    from .routes import bp

    app.register_blueprint(bp)
    # A broken file stops start-up with its file and line, as the directory does.
    app.extensions["escalation.paths"] = load_paths(app.config["PORTAL_CONTENT_DIR"],
                                                    app.extensions["directory"])
    register_labels(app, {"escalation.refer": "Hänsköt en fråga om ansvaret till nästa nivå",
                     "escalation.decide": "Registrerade beslutet i en fråga om ansvaret",
                     "escalation.minutes_share": "Delade minnesanteckningarna med nivån frågan hänskjutits till",
                     "escalation.minutes_view": "Läste minnesanteckningar som delats med nivån"})
    register_case_panel(app, 45, "escalation/_panel.html", _panel)
    # local: as above, loaded when the app is built
    from ..plans.meetings import on_notes_shared
    from .service import minutes_audience, share_minutes

    on_notes_shared(app, share_minutes, minutes_audience)


def _panel(case, user):
    """The panel on the case page, for staff, when the case's routine has levels for disagreement."""
    # local: the package imports none of its modules at the top (portal.models imports its models through it)
    from ..plans.panels import source_url
    from . import service
    from .forms import DecisionForm, ReferForm

    if not user.is_authenticated or not user.works_with_cases:
        return None
    process = service.process_for(case)
    levels = service.levels_for(process.key if process else None)
    if not levels:
        return None
    referrals = service.referrals(case)
    return {"process": process, "levels": levels, "referrals": referrals,
            "level_names": {lv.key: lv.name for lv in levels},
            "open": any(r.is_open for r in referrals), "next_level": service.next_level_for(case, process.key, referrals),
            "refer_form": ReferForm(formdata=None), "source_url": source_url(levels[0].source),
            "decision_forms": {r.id: DecisionForm(prefix=f"r{r.id}", formdata=None) for r in referrals if r.is_open}}
