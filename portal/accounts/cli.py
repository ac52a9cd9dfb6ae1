"""`portal sessions prune`: delete ended and expired sign-in sessions."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("sessions")
def sessions_group():
    """Inloggningssessioner."""


@sessions_group.command("prune")
@with_appcontext
def prune_cmd():
    """Ta bort avslutade och utgångna sessioner (de släpper ändå inte in någon)."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from ..extensions import db
    from .sessions import prune

    removed = prune()
    db.session.commit()
    click.echo(f"{removed} avslutade eller utgångna sessioner borttagna.")
