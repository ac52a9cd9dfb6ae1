"""`portal plans remind`: reminds the samordnare of overdue and soon-due steps (outbox, idempotent)."""
from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext


@click.group()
def plans():
    """Planer och processer."""


@plans.command("remind")
@click.option("--date", "day", default=None, help="Räkna som om det vore detta datum (ÅÅÅÅ-MM-DD). Standard: i dag.")
@with_appcontext
def remind(day):
    """Skicka påminnelser om försenade steg och steg som snart ska vara gjorda.

    Samma steg ger högst en påminnelse per dag, hur många gånger kommandot än körs."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from .reminders import send_reminders

    try:
        today = dt.date.fromisoformat(day) if day else None
    except ValueError:
        raise click.BadParameter("Skriv datumet som ÅÅÅÅ-MM-DD", param_hint="--date") from None
    result = send_reminders(today)
    click.echo(f"Påminnelser: {result.queued} nya, {result.already} redan skickade i dag, "
               f"{result.without_recipient} steg utan mottagare.")
