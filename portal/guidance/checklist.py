"""The green card checklist in a case: current state and changes (pure rules, queries and the one write).

History is append-only: each change of an item is a ChecklistTick row. The current state of an
item is its latest row (by time, then id); an item without rows is not ticked."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..audit import log_event
from ..extensions import db
from ..timeutil import utcnow
from .models import ChecklistTick


@dataclass
class ItemState:
    key: str
    text: str
    ticked: bool
    tick: ChecklistTick | None      # the latest change, if any


def latest_per_item(ticks) -> dict[str, ChecklistTick]:
    """The latest change per item key; `ticks` in any order."""
    latest: dict[str, ChecklistTick] = {}
    for t in sorted(ticks, key=lambda t: (t.at, t.id or 0)):
        latest[t.item_key] = t
    return latest


def changes_to_apply(shown: set[str], submitted: set[str], current: dict[str, bool], valid: set[str]) -> dict[str, bool]:
    """Items the user changed on the form they saw, and that differ from the state now.

    Comparing with what the form showed (not with the database) keeps a tick someone else made
    in the meantime: an item the user did not touch is never written."""
    shown, submitted = shown & valid, submitted & valid
    touched = shown ^ submitted
    result = {}
    for key in sorted(touched):
        wanted = key in submitted
        if current.get(key, False) != wanted:
            result[key] = wanted
    return result


def history(case_id: int, checklist_key: str) -> list[ChecklistTick]:
    return list(db.session.scalars(
        select(ChecklistTick)
        .where(ChecklistTick.case_id == case_id, ChecklistTick.checklist_key == checklist_key)
        .order_by(ChecklistTick.at, ChecklistTick.id)))


def states(checklist, ticks) -> list[tuple[object, list[ItemState]]]:
    """[(section, [ItemState, …]), …] for the checklist."""
    latest = latest_per_item(ticks)
    result = []
    for section in checklist.sections:
        items = []
        for item in section.items:
            tick = latest.get(item.key)
            items.append(ItemState(key=item.key, text=item.text, ticked=bool(tick and tick.ticked), tick=tick))
        result.append((section, items))
    return result


def record_changes(case, checklist_key: str, changes: dict[str, bool], user) -> None:
    """Append one row per changed item and audit the change (in the caller's transaction)."""
    if not changes:
        return
    for key, ticked in changes.items():
        db.session.add(ChecklistTick(case_id=case.id, checklist_key=checklist_key, item_key=key, ticked=ticked,
                                     user_id=user.id))
    case.updated_at = utcnow()
    log_event("checklist.update", case=case, object_type="checklist", object_id=checklist_key,
              detail="punkter: " + ", ".join(f"{k}={'ja' if v else 'nej'}" for k, v in changes.items()))
