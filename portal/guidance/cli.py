"""Commands: `portal content check` (works without starting the portal, like `directory check`)
and `portal freeze DIR` (the static export)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext


@click.group("content")
def content_group():
    """Innehållet: riktlinjer, ordlista, roller och checklistor."""


@content_group.command("check")
@click.option("--content-dir", type=click.Path(file_okay=False), default=None,
              help="Innehållsmappen (standard: PORTAL_CONTENT_DIR).")
def content_check(content_dir):
    """Kontrollera innehållet: front matter, länkar, ankare, källor och dubbletter."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from ..config import ROOT
    from .checks import check_content

    folder = Path(content_dir or os.environ.get("PORTAL_CONTENT_DIR") or ROOT / "content")
    report = check_content(folder)
    for problem in report.errors:
        click.echo(f"FEL: {problem}", err=True)
    for problem in report.warnings:
        click.echo(f"VARNING: {problem}")
    if report.errors:
        click.echo(f"Innehållet har {len(report.errors)} fel och {len(report.warnings)} varningar.", err=True)
        sys.exit(1)
    click.echo(f"Innehållet är giltigt ({len(report.warnings)} varningar).")


@click.command("freeze")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--without-pdf", is_flag=True, help="Hoppa över PDF-filerna (snabbare).")
@with_appcontext
def freeze_command(directory, without_pdf):
    """Exportera riktlinjer, roller, ordlista och sökning som statiska filer till DIRECTORY."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from flask import current_app

    from .freeze import FreezeError, freeze

    try:
        written = freeze(current_app, Path(directory), pdf=not without_pdf)
    except FreezeError as exc:
        raise click.ClickException(f"Exporten avbröts: {exc}") from None
    click.echo(f"{len(written)} filer skrevs till {directory}. Öppna {Path(directory) / 'index.html'}.")


@click.group("guidance")
def guidance_group():
    """Riktlinjerna i portalen."""


@guidance_group.command("prerender")
@with_appcontext
def prerender_command():
    """Skapa alla riktlinjers PDF:er i förväg för den aktuella versionen av innehållet (kör efter
    varje ändring av innehållet, innan portalen startas om)."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from flask import current_app

    from .pdfcache import cache_file, prerender

    content = current_app.extensions["guidance"].get()
    written = prerender(content)
    folder = cache_file(content, "x").parent
    click.echo(f"{len(written)} PDF:er skapades i {folder}.")
