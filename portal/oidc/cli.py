"""`portal identity check`, `portal identity links EMAIL` and `portal identity unlink EMAIL PROVIDER`."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("identity")
def identity():
    """Inloggning via organisationens IdP och e-legitimation (content/identity.yaml)."""


@identity.command("check")
@with_appcontext
def check_cmd():
    """Visa leverantörerna som portalen har läst in (filen kontrolleras vid start)."""
    config = current_app.extensions["identity"]
    if not config.providers:
        click.echo("Inga leverantörer: lösenord för personal och engångskod till e-post för underskrift.")
    for p in config.providers.values():
        secret = "hemlighet satt" if p.client_secret else "ingen klienthemlighet"
        click.echo(f"{p.key}: {p.kind}, {p.label}, {p.discovery} ({secret})")
    click.echo(f"Lösenordsinloggning: {'på' if config.password_login else 'av'}")


def _user(email: str):
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from sqlalchemy import select

    from ..accounts.models import User
    from ..extensions import db

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        click.echo("Det finns inget konto med den e-postadressen.", err=True)
        sys.exit(2)
    return user


@identity.command("links")
@click.argument("email")
@with_appcontext
def links_cmd(email):
    """Visa vilka leverantörer ett konto är kopplat till."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from sqlalchemy import select

    from ..extensions import db
    from .models import AccountIdentity

    user = _user(email)
    rows = db.session.scalars(select(AccountIdentity).where(AccountIdentity.user_id == user.id)
                              .order_by(AccountIdentity.provider)).all()
    if not rows:
        click.echo("Kontot är inte kopplat till någon leverantör.")
    for row in rows:
        click.echo(f"{row.provider}: kopplat {row.created_at:%Y-%m-%d}")


@identity.command("unlink")
@click.argument("email")
@click.argument("provider")
@with_appcontext
def unlink_cmd(email, provider):
    """Ta bort kopplingen så att nästa inloggning matchar kontot på e-postadressen igen."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from sqlalchemy import select

    from ..audit import log_event
    from ..extensions import db
    from .models import AccountIdentity

    user = _user(email)
    row = db.session.scalar(select(AccountIdentity).where(AccountIdentity.user_id == user.id,
                                                          AccountIdentity.provider == provider))
    if row is None:
        click.echo("Kontot är inte kopplat till den leverantören.", err=True)
        sys.exit(2)
    db.session.delete(row)
    log_event("account.sso_unlinked", object_type="user", object_id=user.id, actor="cli",
           detail=f"leverantör: {provider}")
    db.session.commit()
    click.echo("Kopplingen är borttagen.")
