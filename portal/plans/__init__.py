"""Coordinated plans: the case's process (steps and working-day deadlines), meetings with
invitations, SIP and Barnets plan with versions, approval, history, PDF and JSON export."""
from __future__ import annotations

from flask import Flask

AUDIT_LABELS = {
    "process.choose": "Valde arbetssätt för ärendet",
    "process.step": "Registrerade ett steg i processen",
    "process.step_undo": "Tog bort registreringen av ett steg",
    "plan.create": "Skapade en plan",
    "plan.view": "Läste en plan",
    "plan.update": "Ändrade en plan",
    "plan.propose": "Skickade en plan för godkännande",
    "plan.approve": "Godkände en plan",
    "plan.approved": "Planen blev godkänd av alla",
    "plan.print": "Skrev ut en plan (PDF)",
    "plan.export": "Exporterade en plan (JSON)",
    "plan.followup": "Registrerade en uppföljning av en plan",
    "plan.contact_change": "Bytte kontaktperson i en plan",
    "plan.delete": "Tog bort ett utkast till plan",
    "plan.family_view": "Familjen läste sin plan",
    "plan.reminder": "Påminnelse om ett steg skickades",
    "meeting.create": "Skapade ett möte",
    "meeting.view": "Läste ett möte",
    "meeting.update": "Ändrade ett möte",
    "meeting.invite": "Skickade kallelse till ett möte",
    "meeting.cancel": "Ställde in ett möte",
    "meeting.participant_add": "Lade till en mötesdeltagare",
    "meeting.participant_remove": "Tog bort en mötesdeltagare",
    "meeting.roles": "Valde mötesledare och sekreterare",
    "meeting.absence": "Registrerade förhinder till ett möte",
    "meeting.notes": "Skrev minnesanteckningar",
    "meeting.notes_share": "Delade minnesanteckningar med deltagarna",
    "meeting.held": "Registrerade att ett möte hölls",
}


def init_app(app: Flask) -> None:
    # local: loaded when the app is built; importing the package stays light (portal.models imports its models)
    from ..audit.log import register_labels
    from ..cases.access import register_access_provider
    from ..cases.panels import register_case_panel
    from ..main.start_sections import register_start_section
    from ..demo import register_demo_seed
    from . import cli, consent_gate, demo, meetings, panels, service
    from ..templating import add_template_enums
    from .family import bp as family_bp
    from .models import MeetingStatus, VersionStatus
    from .process import StepStatus
    from .routes import bp

    import os

    app.config.setdefault("PORTAL_DEFAULT_PROCESS", os.environ.get("PORTAL_DEFAULT_PROCESS", "norrbus"))
    app.register_blueprint(bp)
    app.register_blueprint(family_bp)
    add_template_enums(app, MeetingStatus, VersionStatus, StepStatus)
    app.extensions["cases.age_rule"] = service.age_rule
    app.cli.add_command(cli.plans)
    register_labels(app, AUDIT_LABELS)
    register_demo_seed(app, demo.seed)
    register_case_panel(app, -10, "plans/_next_step.html", panels.next_step_panel)
    register_case_panel(app, 40, "plans/_case_panel.html", panels.case_panel)
    register_start_section(app, 20, "plans/_start_section.html", panels.start_section)
    register_access_provider(app, service.cases_for_units, service.units_for_case)
    consent_gate.register_withdrawal_listener(app, meetings.on_consent_withdrawn)
