"""Bulk test data for the scale benchmarks: many deviation reports and many cases.

Plain functions, called inside an app context on a migrated database; they write with bulk
``insert()`` in chunks (100 000 reports with their recipients take a few seconds on SQLite).

The measured manager is Rut Rektorsson (``MANAGER_EMAIL``), rektor of Solbackens skola in
content/directory.yaml; her account must exist and belong to ``solbackens-skola``
(``ensure_account`` makes one). Reports routed to her name her as the line manager (most),
as a copy holder, or as the concerned organisation's manager; the rest go to the directory's
other managers.

    with app.app_context():
        rut = ensure_account(MANAGER_EMAIL, "manager", ["solbackens-skola", "elevhalsan-arjeplog"])
        make_reports(100_000, MANAGER_EMAIL)             # 5 % to Rut
        staff = ensure_account(STAFF_EMAIL, "staff", ["solbackens-skola"])
        make_cases(10_000, staff.id)                      # half of them in Solbacken
"""
from __future__ import annotations

import datetime as dt
import random

MANAGER_EMAIL = "rut.rektorsson@arjeplog.example"
MANAGER_UNIT = "solbackens-skola"
STAFF_EMAIL = "bench.personal@arjeplog.example"
REPORTER_EMAIL = "bench.rapportor@arjeplog.example"
CHUNK = 5000
_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def ensure_account(email: str, role: str = "staff", units=(), password: str | None = None):
    """The account with this e-mail, created when missing (without a usable password unless one is given)."""
    from sqlalchemy import select

    from portal.accounts.models import User, UserUnit
    from portal.accounts.passwords import hash_password
    from portal.extensions import db

    user = db.session.scalar(select(User).where(User.email == email.lower()))
    if user is None:
        user = User(email=email.lower(), name=email.split("@")[0].replace(".", " ").title(), password_hash=hash_password(password) if password else "!",
                    role=role)
        user.memberships = [UserUnit(unit_key=u) for u in sorted(set(units))]
        db.session.add(user)
        db.session.commit()
    return user


def _refs(rng: random.Random, n: int, taken: set[str]) -> list[str]:
    refs = []
    while len(refs) < n:
        ref = "".join(rng.choice(_REF_ALPHABET) for _ in range(8))
        if ref not in taken:
            taken.add(ref)
            refs.append(ref)
    return refs


def _next_id(model) -> int:
    from sqlalchemy import func, select

    from portal.extensions import db

    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _insert(table, rows: list[dict]) -> None:
    from sqlalchemy import insert

    from portal.extensions import db

    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[start:start + CHUNK])


def _recipient(report_id: int, capacity: str, m, now) -> dict:
    return dict(report_id=report_id, capacity=capacity, name=m.name, email=m.email.lower(), role=m.role,
                unit_key=m.unit_key or "", service_key=m.service_key, source="bench", added_at=now)


def make_reports(n: int, manager_email: str = MANAGER_EMAIL, share: float = 0.05, seed: int = 11) -> dict:
    """n submitted reports (statuses of the whole life cycle, submitted over the last two years);
    ``share`` of them routed to the manager with ``manager_email`` (80 % as line manager, 10 % as
    copy, 10 % as the concerned organisation), the rest to other managers of the directory.

    Returns {"reports", "routed_to_manager", "visible_to_manager", "by_status"}: visible_to_manager
    leaves out the reports where the manager is only the concerned party and the copy is not yet sent;
    by_status counts the visible ones per status."""
    from flask import current_app
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.deviations.lifecycle import SUBMITTED_STATUSES, DeviationStatus
    from portal.deviations.models import DeviationRecipient, DeviationReport
    from portal.extensions import db
    from portal.timeutil import utcnow

    manager_email = manager_email.lower()
    directory = current_app.extensions["directory"]
    account = db.session.scalar(select(User).where(User.email == manager_email))
    if account is None:
        raise ValueError(f"no account with the e-mail {manager_email}; create it first (ensure_account)")
    mine = [m for m in directory.all_managers() if m.email.lower() == manager_email and m.unit_key]
    if not mine or not {m.unit_key for m in mine} & account.unit_keys:
        raise ValueError(f"{manager_email} must manage a unit in the directory and the account must belong to it")
    me = next(m for m in mine if m.unit_key in account.unit_keys)
    others = [m for m in directory.all_managers() if m.email.lower() != manager_email]
    units = list(directory.units)
    reporter = ensure_account(REPORTER_EMAIL, "staff", [me.unit_key])

    rng = random.Random(seed)
    now = utcnow().replace(microsecond=0)
    taken = set(db.session.scalars(select(DeviationReport.ref)))
    refs = _refs(rng, n, taken)
    first_id = _next_id(DeviationReport)
    reports, recipients = [], []
    routed = visible = 0
    by_status = {s: 0 for s in SUBMITTED_STATUSES}
    before_concerned = {DeviationStatus.DRAFT, DeviationStatus.RECEIVED, DeviationStatus.COSIGNED}
    for i in range(n):
        report_id = first_id + i
        status = rng.choice(SUBMITTED_STATUSES)
        submitted = now - dt.timedelta(days=rng.uniform(0, 730))
        routed_here = rng.random() < share
        line, copy, concerned = rng.sample(others, 3)
        capacity = None
        if routed_here:
            roll = rng.random()
            capacity = "recipient" if roll < 0.8 else "copy" if roll < 0.9 else "concerned"
            line, copy, concerned = (me if capacity == "recipient" else line, me if capacity == "copy" else copy,
                                     me if capacity == "concerned" else concerned)
            routed += 1
            if capacity != "concerned" or status not in before_concerned:
                visible += 1
                by_status[status] += 1
        reporter_unit = me.unit_key if capacity == "recipient" else (line.unit_key or rng.choice(units))
        reports.append(dict(
            id=report_id, ref=refs[i], status=status, record={}, reporter_id=reporter.id,
            reporter_unit_key=reporter_unit, concerned_unit_key=concerned.unit_key or rng.choice(units),
            kind="kallelse", event_date=(submitted - dt.timedelta(days=3)).date(), case_id=None,
            reporter_name="Bench Rapportör", reporter_signed_at=submitted, line_manager_id=None,
            line_manager_name="", line_manager_statement="", line_manager_signed_at=None, handler_id=None,
            concerned_answer="", measures="", feedback="", feedback_at=None, routing_rule="bench",
            routing_problems=[], needs_routing=False, created_at=submitted, updated_at=submitted,
            submitted_at=submitted,
            closed_at=submitted + dt.timedelta(days=20) if status == DeviationStatus.CLOSED else None))
        recipients += [_recipient(report_id, "recipient", line, now), _recipient(report_id, "copy", copy, now),
                       _recipient(report_id, "concerned", concerned, now)]
    _insert(DeviationReport, reports)
    _insert(DeviationRecipient, recipients)
    db.session.commit()
    # Bulk inserts pass by the session hook that keeps the managers' inbox entries: build them all.
    from portal.deviations.inbox import rebuild

    rebuild()
    return {"reports": n, "routed_to_manager": routed, "visible_to_manager": visible, "by_status": by_status}


def make_cases(n: int, staff_user_id: int, visible_share: float = 0.5, seed: int = 12) -> dict:
    """n cases, about ``visible_share`` of them opened in the staff member's (first) unit, the rest
    in units the staff member does not belong to; a fifth of them closed, changed over two years.
    Returns {"cases", "visible", "visible_open"}."""
    from flask import current_app
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.cases.models import Case
    from portal.extensions import db
    from portal.timeutil import utcnow

    user = db.session.get(User, staff_user_id)
    if user is None or not user.unit_keys:
        raise ValueError("the staff member must exist and belong to a unit")
    own = sorted(user.unit_keys)[0]
    elsewhere = [k for k in current_app.extensions["directory"].units if k not in user.unit_keys]
    rng = random.Random(seed)
    now = utcnow().replace(microsecond=0)
    refs = _refs(rng, n, set(db.session.scalars(select(Case.ref))))
    rows = []
    visible = visible_open = 0
    for i in range(n):
        mine = rng.random() < visible_share
        status = "closed" if rng.random() < 0.2 else "open"
        changed = now - dt.timedelta(days=rng.uniform(0, 730))
        visible += mine
        visible_open += mine and status == "open"
        rows.append(dict(ref=refs[i], child_name=f"Barn {i}", personal_number="20120415-2381", address="", phone="",
                         email="", unit_key=own if mine else rng.choice(elsewhere), opened_by_id=staff_user_id,
                         opened_at=changed - dt.timedelta(days=30), updated_at=changed, status=status,
                         closed_at=changed if status == "closed" else None, notes=""))
    _insert(Case, rows)
    db.session.commit()
    return {"cases": n, "visible": visible, "visible_open": visible_open}
