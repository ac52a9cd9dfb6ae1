"""Avvikelserapporter (deviation reports): a staff member reports that a party did not follow
the collaboration routines; the report is routed to the right managers (content/
deviation_routing.yaml), co-signed, sent to the concerned organisation, analysed, followed up
with feedback to the reporter, and compiled yearly for the joint management meeting."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..directory import current_directory
from ..templating import add_nav

AUDIT_LABELS = {
    "deviation.create": "Skapade ett utkast till avvikelserapport",
    "deviation.update": "Ändrade ett utkast till avvikelserapport",
    "deviation.submit": "Skickade en avvikelserapport",
    "deviation.view": "Läste en avvikelserapport",
    "deviation.print": "Skrev ut en avvikelserapport (PDF)",
    "deviation.cosign": "Skrev under en avvikelserapport som närmaste chef",
    "deviation.send_to_concerned": "Skickade en avvikelserapport till den berörda verksamheten",
    "deviation.answer": "Lämnade den berörda verksamhetens svar på en avvikelserapport",
    "deviation.start_analysis": "Började analysen av en avvikelserapport",
    "deviation.decide_measures": "Registrerade beslutade åtgärder för en avvikelserapport",
    "deviation.give_feedback": "Gav återkoppling på en avvikelserapport",
    "deviation.close": "Avslutade en avvikelserapport",
    "deviation.reopen": "Öppnade en avvikelserapport igen",
    "deviation.comment": "Kommenterade en avvikelserapport",
    "deviation.assign": "Tilldelade en avvikelserapport en handläggare",
    "deviation.route_manually": "Valde mottagare för en avvikelserapport",
    "deviation.summary": "Läste årssammanställningen av avvikelserapporter",
    "deviation.summary_export": "Exporterade årssammanställningen av avvikelserapporter",
}


def init_app(app: Flask) -> None:
    # local: loaded when the app is built; importing the package stays light (portal.models imports its models)
    from ..audit.log import register_labels
    from ..cases.panels import register_case_panel
    from ..main.start_sections import register_start_section
    from . import inbox
    from .routes import TEMPLATE_GLOBALS, bp
    from .routing import load_rules

    inbox.install()

    # The routing rules are configuration: a broken file stops start-up with file and line.
    app.extensions["deviation_routing"] = load_rules(app.config["PORTAL_CONTENT_DIR"], app.extensions["directory"])

    app.register_blueprint(bp)
    app.jinja_env.globals.update(TEMPLATE_GLOBALS)
    register_labels(app, AUDIT_LABELS)
    add_nav(app, "deviations.mine", "Avvikelser", lambda u: u.is_authenticated and u.works_with_cases)
    add_nav(app, "deviations.inbox", "Inkorg", lambda u: u.is_authenticated and u.is_manager)
    add_nav(app, "deviations.unrouted", "Avvikelser utan mottagare", lambda u: u.is_authenticated and u.is_admin)
    register_start_section(app, 40, "deviations/_start_section.html", _start_section)
    register_case_panel(app, 60, "deviations/_case_panel.html", _case_panel)
    app.cli.add_command(routing_cli)


def _start_section(user):
    # local: the package imports none of its modules at the top (portal.models imports its models through it)
    from .inbox import waiting_count
    from .routes import unrouted_count

    if user.is_admin:
        count = unrouted_count()
        return {"kind": "admin", "count": count} if count else None
    if not user.works_with_cases:
        return None
    count = waiting_count(user)
    return {"kind": "manager", "count": count} if count else None


def _case_panel(case, user):
    """Reports linked to the case that this person may read (and their own drafts)."""
    # local: the package imports none of its modules at the top (portal.models imports its models through it)
    from flask import url_for
    from sqlalchemy import select

    from ..extensions import db
    from .access import roles_on
    from .models import DeviationReport

    linked = db.session.scalars(select(DeviationReport).where(DeviationReport.case_id == case.id)
                                .order_by(DeviationReport.id.desc())).all()
    return {"reports": [r for r in linked if roles_on(user, r)],
            "new_url": url_for("deviations.new", arende=case.ref)}


@click.group("routing")
def routing_cli():
    """Avvikelserapporter: vem tar emot vad (content/deviation_routing.yaml)."""


@routing_cli.command("explain")
@click.option("--reporter-unit", required=True, help="Rapportörens enhet (nyckel i organisationskatalogen).")
@click.option("--concerned-unit", default="", help="Den berörda enheten (nyckel i organisationskatalogen).")
@with_appcontext
def explain(reporter_unit: str, concerned_unit: str):
    """Visa vem som tar emot en avvikelserapport, vem som får kopior och vilken regel som gäller."""
    # local: the package imports none of its modules at the top (portal.models imports its models through it)
    from .routing import explain_lines, route

    directory = current_directory()
    rules = current_app.extensions["deviation_routing"]
    for key, what in ((reporter_unit, "Rapportörens enhet"), (concerned_unit, "Den berörda enheten")):
        if key and key not in directory.units:
            raise click.BadParameter(f"{what} '{key}' finns inte i organisationskatalogen. "
                                     f"Enheter: {', '.join(directory.units)}")
    click.echo(f"Rapportörens enhet: {directory.unit_label(reporter_unit)}")
    if concerned_unit:
        click.echo(f"Berörd enhet: {directory.unit_label(concerned_unit)}")
    result = route(directory, rules, reporter_unit, concerned_unit or None)
    for line in explain_lines(directory, rules, result):
        click.echo(line)
