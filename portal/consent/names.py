"""The typed signature name against the signer's name on the case (pure; issue 28).

Both names are compared as words: letters without accents (Å = A, é = e), case ignored,
hyphens, apostrophes, dots and commas read as spaces, and extra spaces ignored.

Middle names: the typed name matches when it is the registered name, or when its words are
some of the registered words in the same order, ending with the registered last word (the
surname) and with at least one given name before it. So for "Anna Maria Lind Svensson" the
signer may type "Anna Svensson", "Maria Svensson" (the name they use) or "Anna Maria Lind
Svensson", but not "Anna Lind" (the surname must come last), "Svensson" (no given name) or
"Anna Karin Svensson" (a name not on the case). A one-word name must be typed as it is."""
from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[-‐‑–—'’´`.,]")


def name_words(name: str) -> list[str]:
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return _SEPARATORS.sub(" ", text).split()


def _in_order(part: list[str], whole: list[str]) -> bool:
    rest = iter(whole)
    return all(word in rest for word in part)


def name_matches(typed: str, registered: str) -> bool:
    t, r = name_words(typed), name_words(registered)
    if not t or not r:
        return False
    if t == r:
        return True
    if len(r) == 1 or len(t) < 2 or t[-1] != r[-1]:
        return False
    return _in_order(t[:-1], r[:-1])
