"""`portal exports run [--once]`: the worker that prepares large registerutdrag (issue 32)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..worker_loop import until_signalled


@click.group()
def exports():
    """Registerutdrag som förbereds i förväg."""


@exports.command("run")
@click.option("--once", is_flag=True, help="Skapa de utdrag som väntar och ta bort gamla, och avsluta sedan.")
@click.option("--interval", type=float, default=2.0, show_default=True, help="Sekunder mellan varven.")
@with_appcontext
def run(once: bool, interval: float):
    """Skapa väntande registerutdrag (i en slinga tills processen stoppas, eller en gång med --once)."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from .exports import build_waiting, delete_expired, run_loop

    if once:
        ready = build_waiting()
        removed = delete_expired()
        click.echo(f"Klara utdrag: {ready}. Borttagna efter sista dag: {removed}.")
        return
    click.echo("Utdragsarbetaren skapar registerutdrag. Avsluta med Ctrl+C.")
    until_signalled(lambda stop: run_loop(stop, interval))
    click.echo("Utdragsarbetaren har stoppats.")
