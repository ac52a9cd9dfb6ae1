"""`portal consent verify ID` and `portal consent expire`."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext


@click.group("consent")
def consent():
    """Samtycken: kontrollera kedjan och markera samtycken som har upphört."""


@consent.command("verify")
@click.argument("consent_id", type=int, required=False)
@click.option("--all", "check_all", is_flag=True, help="Kontrollera alla samtycken.")
@with_appcontext
def verify_cmd(consent_id, check_all):
    """Kontrollera ett samtyckes händelsekedja och sparade texter (avslutas med kod 1 vid brott)."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from sqlalchemy import select

    from ..extensions import db
    from .models import Consent
    from .service import verify_consent

    if consent_id is None and not check_all:
        raise click.UsageError("Ange samtyckets nummer eller --all.")
    if check_all:
        consents = db.session.scalars(select(Consent).order_by(Consent.id)).all()
    else:
        found = db.session.get(Consent, consent_id)
        if found is None:
            click.echo(f"Samtycke {consent_id} finns inte.", err=True)
            sys.exit(2)
        consents = [found]
    broken = 0
    for c in consents:
        report = verify_consent(c)
        if report.ok:
            click.echo(f"Samtycke {c.id}: kedjan är hel ({report.entries} poster). Texterna och villkoren stämmer.")
        else:
            broken += 1
            click.echo(f"Samtycke {c.id}: BROTT I KEDJAN. {report.problem}")
    sys.exit(1 if broken else 0)


@consent.command("expire")
@with_appcontext
def expire_cmd():
    """Markera samtycken vars slutdatum har passerat som upphörda."""
    # local: a command loads what it needs when it runs, so every `portal` command starts fast
    from ..extensions import db
    from .service import expire_due

    count = expire_due(actor="cli")
    db.session.commit()
    click.echo(f"{count} samtycken har markerats som upphörda." if count != 1 else "1 samtycke har markerats som upphört.")
