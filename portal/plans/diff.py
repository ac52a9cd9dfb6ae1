"""What changed between two versions of a plan – field by field, with the form's labels.

Pure: give it the form definition, the two records and a function that turns a stored value
into the text a reader sees. Entries of repeating sections (interventions, the professionals'
views) are matched by their content (what / area + who), so an intervention that only changed
its frequency shows as "changed", not as removed and added."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..formdefs import FormDefinition

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
KIND_LABELS = {ADDED: "Tillagt", REMOVED: "Borttaget", CHANGED: "Ändrat"}

# How the entries of a repeating section are matched between versions.
MATCH_KEYS = {"interventions": ("what",), "views": ("area", "who")}


@dataclass(frozen=True)
class Change:
    kind: str            # added | removed | changed
    section: str         # section title
    item: str            # "Insats ”Läxhjälp”" for repeating entries, "" otherwise
    field: str           # field label ("" when a whole entry was added or removed)
    old: str = ""
    new: str = ""

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def _norm(value) -> str:
    return " ".join(str(value or "").split()).casefold()


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def diff_records(definition: FormDefinition, old: dict, new: dict,
                 display: Callable[[object, object], str]) -> list[Change]:
    """display(field_def, value) -> text. Returns the changes in the order of the form."""
    changes: list[Change] = []
    for section in definition.sections:
        if section.repeat:
            changes.extend(_diff_entries(section, old.get(section.key) or [], new.get(section.key) or [], display))
            continue
        before, after = old.get(section.key) or {}, new.get(section.key) or {}
        for fd in section.fields:
            a, b = display(fd, before.get(fd.key)), display(fd, after.get(fd.key))
            if a == b:
                continue
            kind = ADDED if not a else REMOVED if not b else CHANGED
            changes.append(Change(kind, section.title, "", fd.label, a, b))
    return changes


def _entry_title(section, entry, display) -> str:
    label = section.item_label or section.title
    keys = MATCH_KEYS.get(section.key) or (section.fields[0].key,)
    fields = {fd.key: fd for fd in section.fields}
    parts = [display(fields[k], entry.get(k)) for k in keys if k in fields and entry.get(k)]
    return f"{label} ”{_short(' – '.join(parts))}”" if parts else label


def _diff_entries(section, old_entries: list, new_entries: list, display) -> list[Change]:
    keys = MATCH_KEYS.get(section.key) or (section.fields[0].key,)

    def key(entry):
        return tuple(_norm(entry.get(k)) for k in keys)

    unmatched_new = list(enumerate(new_entries))
    pairs, removed = [], []
    for old_entry in old_entries:
        match = next((i for i, (_, e) in enumerate(unmatched_new) if key(e) == key(old_entry)), None)
        if match is None:
            removed.append(old_entry)
        else:
            pairs.append((old_entry, unmatched_new.pop(match)[1]))
    changes = []
    for old_entry, new_entry in pairs:
        for fd in section.fields:
            a, b = display(fd, old_entry.get(fd.key)), display(fd, new_entry.get(fd.key))
            if a != b:
                kind = ADDED if not a else REMOVED if not b else CHANGED
                changes.append(Change(kind, section.title, _entry_title(section, new_entry, display), fd.label, a, b))
    for entry in removed:
        changes.append(Change(REMOVED, section.title, _entry_title(section, entry, display), ""))
    for _, entry in unmatched_new:
        changes.append(Change(ADDED, section.title, _entry_title(section, entry, display), ""))
    return changes
