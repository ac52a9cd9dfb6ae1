"""The portal's own CLI commands that need the application (registered on app.cli).

Features add theirs the same way in their init_app: app.cli.add_command(...)."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .dbtools import to_mysql_cmd


def init_app(app: Flask) -> None:
    for command in (db, seed_demo_cmd, demo_logins_cmd, user, backup_cmd, restore_cmd):
        app.cli.add_command(command)


@click.group()
def db():
    """Databasen: migrationer och flytt till MySQL/MariaDB."""


db.add_command(to_mysql_cmd)


@db.command("upgrade")
@with_appcontext
def db_upgrade():
    """Uppgradera databasen till senaste schemat (Alembic)."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from .database import upgrade

    upgrade()
    click.echo("Databasen är uppdaterad.")
    if "deviation_routing" in current_app.extensions:
        # Derived rows built from the role rules and the directory, which may have changed.
        from .deviations.inbox import rebuild

        click.echo(f"Chefernas inkorgar är byggda på nytt ({rebuild()} rader).")


@db.command("current")
@with_appcontext
def db_current():
    """Visa databasens schemaversion."""
    # local: Alembic loads only when it is used (a slow import, not needed to serve most pages)
    from alembic import command

    from .database import alembic_config

    command.current(alembic_config())


@click.command("seed-demo")
@with_appcontext
def seed_demo_cmd():
    """Läs in demodata (en gång)."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from .demo import seed_demo

    if seed_demo():
        click.echo("Demodata är inläst.")
    else:
        click.echo("Demodata finns redan (den lästes in tidigare och ändras inte). För att få dagens demodata: "
                   "börja med en tom databas, med SQLite genom att ta bort instance/portal.sqlite3.")


@click.command("demo-logins")
@with_appcontext
def demo_logins_cmd():
    """Skriv ut demokontona."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from .demo import login_lines

    click.echo("Demokonton (påhittade personer):")
    for line in login_lines():
        click.echo(line)


@click.group()
def user():
    """Konton."""


@user.command("create")
@click.option("--email", required=True, help="E-postadress (inloggning).")
@click.option("--name", required=True, help="Namn.")
@click.option("--role", type=click.Choice(["staff", "manager", "admin"]), default="staff", show_default=True)
@click.option("--unit", "units", multiple=True, help="Enhetens nyckel i organisationskatalogen (kan upprepas).")
@click.password_option(help="Lösenord (frågas efter om det inte anges).")
@with_appcontext
def user_create(email, name, role, units, password):
    """Skapa ett konto."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from .accounts.service import AccountError, create_user
    from .extensions import db as database

    try:
        u = create_user(email, name, password, role, list(units))
        # local: a command loads what it needs when it runs, so every `portal` command starts fast
        from .accounts.visibility import CREATE, announce

        announce(CREATE, u, u.unit_keys, actor="cli")
        database.session.commit()
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Kontot {u.email} ({u.role_label.lower()}) är skapat.")




@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def backup_cmd(file):
    """Gör en konsistent säkerhetskopia medan portalen körs."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from flask import current_app

    from .backup import BackupError, backup

    try:
        info = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Säkerhetskopian är skriven till {file} ({info['bytes']} byte).")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--yes", is_flag=True, help="Bekräfta att databasen ska ersättas.")
@with_appcontext
def restore_cmd(file, yes):
    """Återställ databasen från en säkerhetskopia (ersätter allt innehåll)."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from flask import current_app

    from .backup import BackupError, restore
    from .extensions import db as database

    if not yes:
        click.confirm("Databasens innehåll ersätts med säkerhetskopian. Fortsätta?", abort=True)
    database.engine.dispose()
    try:
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("Databasen är återställd från säkerhetskopian.")
