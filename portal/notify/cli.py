"""`portal outbox ...`: the delivery worker."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..worker_loop import until_signalled


@click.group()
def outbox():
    """Utskick: e-post som väntar på att skickas."""


def _check_transport() -> None:
    config = current_app.config
    if not config.get("PORTAL_DEV_MAILBOX") and not config.get("PORTAL_SMTP_HOST"):
        raise click.ClickException("Ingen e-postserver är inställd (PORTAL_SMTP_HOST) och utvecklingsbrevlådan är avstängd.")


@outbox.command("run")
@click.option("--loop", is_flag=True, help="Fortsätt och titta efter nya utskick tills processen stoppas (SIGTERM/Ctrl+C).")
@click.option("--interval", type=float, default=None, help="Sekunder mellan varven (standard: PORTAL_OUTBOX_POLL_SECONDS).")
@with_appcontext
def run(loop: bool, interval: float | None):
    """Skicka de utskick som väntar (en gång, eller i en slinga med --loop)."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from .worker import deliver_due, run_loop

    _check_transport()
    where = "till utvecklingsbrevlådan" if current_app.config.get("PORTAL_DEV_MAILBOX") else "via e-postservern"
    if not loop:
        result = deliver_due()
        click.echo(f"Skickade {result.sent} {where}. Försöks igen senare: {result.deferred}. "
                   f"Misslyckades: {result.failed}.")
        return

    click.echo(f"Utskicksarbetaren skickar e-post {where}. Avsluta med Ctrl+C.")
    until_signalled(lambda stop: run_loop(stop, interval))
    click.echo("Utskicksarbetaren har stoppats.")


@outbox.command("status")
@with_appcontext
def status():
    """Visa hur många utskick som väntar, har skickats och har misslyckats."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from sqlalchemy import func, select

    from ..extensions import db
    from .models import MessageStatus, OutboxMessage

    counts = dict(db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    for key, label in MessageStatus.labels().items():
        click.echo(f"{label}: {counts.get(key, 0)}")


@outbox.command("send-test")
@click.option("--to", "to_addr", required=True, help="Adressen som provmeddelandet ska skickas till.")
@with_appcontext
def send_test(to_addr: str):
    """Lägg ett provmeddelande i kön (kontrollera e-postinställningarna med `portal outbox run`)."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from ..extensions import db
    from . import queue_email

    try:
        message = queue_email(to=to_addr, template="notify/email/test", context={}, kind="notify.test")
    except ValueError:
        raise click.ClickException("Ange en giltig e-postadress.") from None
    db.session.commit()
    click.echo(f"Provmeddelandet ligger i kön som utskick nr {message.id}.")
