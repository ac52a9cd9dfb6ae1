"""The `portal` command (Flask's CLI with the portal's own commands)."""
from __future__ import annotations

import sys

import click
from flask.cli import FlaskGroup

from . import create_app
from .directory.loader import DirectoryError
from .formdefs import FormDefinitionError
from .guidance.content import ContentError


def _create_app():
    try:
        return create_app()
    except DirectoryError as exc:
        click.echo(f"Organisationskatalogen kan inte läsas: {exc}", err=True)
        sys.exit(1)
    except ContentError as exc:
        click.echo(f"Innehållet kan inte publiceras: {exc}", err=True)
        click.echo("Kör 'portal content check' för att se alla fel.", err=True)
        sys.exit(1)
    except FormDefinitionError as exc:
        click.echo(f"Formulärdefinitionen kan inte läsas: {exc}", err=True)
        click.echo("Kör 'portal forms check' för att se alla fel.", err=True)
        sys.exit(1)


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True, load_dotenv=False)
def cli():
    """Samverkansportalen: administration från kommandoraden."""


@cli.group()
def directory():
    """Organisationskatalogen."""


@directory.command("check")
@click.option("--content-dir", type=click.Path(file_okay=False), default=None, help="Innehållsmappen (standard: PORTAL_CONTENT_DIR).")
def directory_check(content_dir):
    """Kontrollera organisationskatalogen utan att starta portalen."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    import os
    from pathlib import Path

    from .config import ROOT
    from .directory.checks import directory_warnings
    from .directory.loader import load_directory

    folder = Path(content_dir or os.environ.get("PORTAL_CONTENT_DIR") or ROOT / "content")
    try:
        d = load_directory(folder)
    except DirectoryError as exc:
        click.echo(f"FEL: {exc}", err=True)
        sys.exit(1)
    warnings = directory_warnings(d, folder)
    for w in warnings:
        click.echo(f"VARNING: {w}")
    click.echo(f"Organisationskatalogen är giltig: {len(d.authorities)} huvudmän, {len(d.services)} verksamheter, "
               f"{len(d.units)} enheter, {len(d.all_managers())} chefsuppdrag.")


@cli.group()
def forms():
    """Formulärdefinitionerna (forms/*.yaml)."""


@forms.command("check")
@click.option("--forms-dir", type=click.Path(file_okay=False), default=None,
              help="Formulärmappen (standard: PORTAL_FORMS_DIR).")
def forms_check(forms_dir):
    """Kontrollera formulärdefinitionerna och fälten som koden läser, utan att starta portalen."""
    # local: the forms check's imports, loaded only when the command runs
    import os
    from pathlib import Path

    from .config import ROOT
    from .formdefs.contract import import_readers
    from .formdefs.definition import check_all

    import_readers()
    folder = Path(forms_dir or os.environ.get("PORTAL_FORMS_DIR") or ROOT / "forms")
    errors = check_all(folder)
    for problem in errors:
        click.echo(f"FEL: {problem}", err=True)
    if errors:
        sys.exit(1)
    click.echo(f"Formulärdefinitionerna är giltiga ({len(list(folder.glob('*.yaml')))} filer).")


# Guidance content check: runs without the app, so it works when the content is broken.
from .guidance.cli import content_group  # noqa: E402

cli.add_command(content_group)


def main():
    cli(prog_name="portal")
