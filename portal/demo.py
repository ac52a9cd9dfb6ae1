"""Demo data modelled on Arjeplog (Norrbus), with staff in Norrbotten and Kronoberg. Every person is fictional."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from .accounts.models import User
from .accounts.service import create_user
from .cases.models import Case, Guardian
from .deviations.demo import seed_deviation_demo
from .directory import current_directory
from .extensions import db
from .hooks import hook_list
from .plans import working_days as wd
from .plans.service import processes
from .timeutil import to_utc, today_local

# The published demo password, for demo data only.
DEMO_PASSWORD = "Demo-Samverkan-2026"  # nosec B105
DEMO_STAFF = [
    ("admin@demo.example", "Ada Administratör", "admin", []),
    ("anna.larare@arjeplog.example", "Anna Lärarsson", "staff", ["solbackens-skola"]),
    ("kim.kurator@arjeplog.example", "Kim Kuratorsson", "staff", ["elevhalsan-arjeplog"]),
    ("samir.socialsekreterare@arjeplog.example", "Samir Socialsson", "staff", ["ifo-barn-och-familj"]),
    ("vera.sjukskoterska@norrbotten.example", "Vera Vårdsson", "staff", ["arjeplogs-vardcentral"]),
    ("gabriel.gymnasielarare@arjeplog.example", "Gabriel Gymnasiesson", "staff", ["silverfjallets-gymnasium"]),
    ("polly.polis@polisen.example", "Polly Polisson", "staff", ["polisen-arjeplog"]),
    # Kronoberg (Kronobarnsmodellen)
    ("klara.larare@vaxjo.example", "Klara Lärkström", "staff", ["ekbackens-skola"]),
    ("sam.socialsekreterare@vaxjo.example", "Sam Socialström", "staff", ["vaxjo-barn-och-familj"]),
    ("vide.sjukskoterska@kronoberg.example", "Vide Vårdström", "staff", ["ekbackens-vardcentral"]),
]
MARKER_EMAIL = DEMO_STAFF[0][0]


@dataclass(frozen=True)
class DemoStory:
    """The demo case's days, in the order they happened (local dates): opened on ``opened``,
    the consent signed in person on ``consent``, the network meeting on ``meeting``. Every feature's
    demo data is dated from these, so no step, consent or approval comes before the case."""
    opened: dt.date
    consent: dt.date
    meeting: dt.date

    @classmethod
    def ending(cls, today: dt.date) -> "DemoStory":
        consent = wd.add_working_days(today, -25)
        return cls(opened=wd.add_working_days(consent, -3), consent=consent,
                   meeting=wd.add_working_days(consent, 8))


def register_demo_seed(app, fn) -> None:
    """A feature's demo data: fn(case, users, story) with users {email: User} and the case's
    DemoStory, called before the commit."""
    hook_list(app, "demo_seeds").append(fn)


def demo_accounts() -> list[tuple[str, str, str, list[str]]]:
    """Demo staff plus one manager account per manager in the directory."""
    directory = current_directory()
    accounts = list(DEMO_STAFF)
    seen = {a[0] for a in accounts}
    managed: dict[str, tuple[str, set[str]]] = {}
    for m in directory.all_managers():
        units = {m.unit_key} if m.unit_key else {u.key for u in directory.services[m.service_key].units}
        name, have = managed.get(m.email, (m.name, set()))
        managed[m.email] = (name, have | units)
    for email, (name, units) in managed.items():
        if email not in seen:
            accounts.append((email, name, "manager", sorted(units)))
    return accounts


def seed_demo() -> bool:
    """Loads the demo data once. Returns False when it was already there."""
    if db.session.scalar(select(User).where(User.email == MARKER_EMAIL)):
        return False
    users = {}
    for email, name, role, units in demo_accounts():
        users[email] = create_user(email, name, DEMO_PASSWORD, role, units)
    db.session.flush()
    teacher = users["anna.larare@arjeplog.example"]
    story = DemoStory.ending(today_local())
    case = Case(child_name="Elsa Exempeldotter", personal_number="20120415-2381",
                address="Storgatan 1, 930 90 Arjeplog", unit_key="solbackens-skola", opened_by_id=teacher.id,
                opened_at=to_utc(story.opened, dt.time(9)))
    case.guardians = [
        Guardian(name="Maria Exempeldotter", email="maria.exempel@familj.example", phone="070-000 00 01", has_custody=True),
        Guardian(name="Jonas Exempelsson", email="jonas.exempel@familj.example", phone="070-000 00 02", has_custody=True),
    ]
    db.session.add(case)
    db.session.flush()
    for seed in hook_list(None, "demo_seeds"):
        seed(case, users, story)
    seed_deviation_demo(users)
    db.session.commit()
    return True


def login_lines() -> list[str]:
    """The demo accounts, grouped by huvudman with the routine its cases follow, so that each
    region's way of working can be tried (Arjeplog, Norrbus, Kronobarnsmodellen)."""
    directory = current_directory()
    known = processes()
    lines = [f"Lösenord för alla demokonton: {DEMO_PASSWORD}", ""]
    groups: dict[str, list[str]] = {}
    for email, name, role, units in demo_accounts():
        label = {"admin": "administratör", "manager": "chef", "staff": "personal"}[role]
        if units and units[0] in directory.units:
            authority = directory.authority_of(units[0])
            process = known.get(authority.process)
            title = f"{authority.name} (arbetssätt: {process.name})" if process else authority.name
        else:
            title = "Hela portalen"
        groups.setdefault(title, []).append(f"  {email:<44} {name} ({label})")
    for title, accounts in groups.items():
        lines.append(title)
        lines.extend(accounts)
        lines.append("")
    return lines[:-1]
