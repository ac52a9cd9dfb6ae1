"""`portal retention ...`: run the retention policy, or show what it would do."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..timeutil import local


@click.group()
def retention():
    """Gallring enligt content/retention.yaml."""


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="Visa vad som skulle gallras utan att ändra något.")
@with_appcontext
def run(dry_run: bool):
    """Radera, avidentifiera eller töm det som har passerat sin gallringstid."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from .policy import RetentionPolicyError
    from .run import run_retention

    try:
        result = run_retention(dry_run=dry_run)
    except RetentionPolicyError as exc:
        raise click.ClickException(f"Gallringsreglerna kan inte läsas: {exc}") from None
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from .policy import ACTION_DONE_LABELS

    click.echo("Gallring, provkörning (inget ändras):" if dry_run else "Gallring:")
    for t in result.types:
        before = local(t.cutoff).strftime("%Y-%m-%d")
        if t.error:
            click.echo(f"  {t.label}: FEL ({t.error}), inget ändrat")
            continue
        done = f"skulle {t.action_label}" if dry_run else ACTION_DONE_LABELS[t.action]
        line = f"  {t.label} (sparas {t.keep}, äldre än {before}): {t.count} {done}"
        if t.extra:
            line += " (" + ", ".join(f"{k}: {v}" for k, v in sorted(t.extra.items())) + ")"
        click.echo(line)
    if not result.ok:
        sys.exit(1)
