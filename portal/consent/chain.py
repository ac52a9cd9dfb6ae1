"""The tamper-evident event chain of a consent (pure functions).

Each entry holds the hash of the one before: entry_hash = SHA-256(canonical JSON of the entry
fields + prev_hash); the first entry's prev_hash is 64 zeros. Changing, removing or inserting an
entry breaks every hash after it. Canonical JSON: sorted keys, no spaces, UTF-8."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

GENESIS = "0" * 64
FIELDS = ("consent_id", "seq", "at", "event", "signer_id", "actor", "data")


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def _default(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def sha256_text(text: str) -> str:
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()


def entry_fields(consent_id: int, seq: int, at: dt.datetime, event: str, signer_id: int | None,
                 actor: str, data: dict) -> dict:
    return {"consent_id": consent_id, "seq": seq, "at": at.replace(microsecond=0).isoformat(), "event": event,
            "signer_id": signer_id, "actor": actor, "data": data or {}}


def entry_hash(fields: dict, prev_hash: str) -> str:
    return hashlib.sha256((canonical_json(fields) + prev_hash).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    number: int          # 1-based position in the chain
    event: str
    problem: str         # Swedish, for the CLI and the staff page

    def __str__(self) -> str:
        return f"Post {self.number} ({self.event}): {self.problem}"


def first_break(consent_id: int, entries) -> ChainBreak | None:
    """Checks a chain (objects with the FIELDS plus prev_hash and entry_hash, in stored order).
    Returns the first break or None."""
    prev = GENESIS
    for number, e in enumerate(entries, start=1):
        if e.seq != number:
            return ChainBreak(number, e.event, f"löpnumret är {e.seq}, väntade {number} (en post saknas eller har lagts till)")
        if e.prev_hash != prev:
            return ChainBreak(number, e.event, "hashen till föregående post stämmer inte (en post före har ändrats eller tagits bort)")
        fields = entry_fields(consent_id, e.seq, e.at, e.event, e.signer_id, e.actor, e.data)
        if entry_hash(fields, e.prev_hash) != e.entry_hash:
            return ChainBreak(number, e.event, "postens hash stämmer inte med innehållet (posten har ändrats)")
        prev = e.entry_hash
    return None
