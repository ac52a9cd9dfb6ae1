"""`portal outbox ...`: the delivery worker."""
from __future__ import annotations

import click


@click.group()
def outbox():
    """Utskick: e-post som väntar på att skickas."""
