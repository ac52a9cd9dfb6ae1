"""`portal exports run [--once]`: the worker that prepares large registerutdrag (issue 32)."""
from __future__ import annotations

import signal
import threading

import click
from flask.cli import with_appcontext


@click.group()
def exports():
    """Registerutdrag som förbereds i förväg."""


@exports.command("run")
@click.option("--once", is_flag=True, help="Skapa de utdrag som väntar och ta bort gamla, och avsluta sedan.")
@click.option("--interval", type=float, default=2.0, show_default=True, help="Sekunder mellan varven.")
@with_appcontext
def run(once: bool, interval: float):
    """Skapa väntande registerutdrag (i en slinga tills processen stoppas, eller en gång med --once)."""
    from .exports import build_waiting, delete_expired, run_loop

    if once:
        ready = build_waiting()
        removed = delete_expired()
        click.echo(f"Klara utdrag: {ready}. Borttagna efter sista dag: {removed}.")
        return
    stop = threading.Event()

    def _stop(_signum, _frame):
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    click.echo("Utdragsarbetaren skapar registerutdrag. Avsluta med Ctrl+C.")
    try:
        run_loop(stop, interval)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("Utdragsarbetaren har stoppats.")
