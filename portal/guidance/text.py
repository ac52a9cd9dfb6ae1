"""Swedish text helpers shared by the content loader, the search and the static export.

Pure functions, no Flask:
  fold(s)          lower case, å/ä→a, ö→o, é→e …; exactly one character out per character in,
                   so offsets in the folded text are offsets in the original (for highlighting)
  slugify(s)       heading anchors and slugs: "Länsdelsnivå" → "lansdelsniva"
  sort_key(s)      Swedish alphabetical order: … x y z å ä ö
  tokens(s)        word tokens of folded text, with their offsets

static/js/guidance-search.js implements fold() the same way for the static export."""
from __future__ import annotations

import re
import unicodedata

# Letters whose decomposition does not give the base letter Swedish readers expect.
_SPECIAL = {"æ": "a", "ø": "o", "ß": "s", "đ": "d", "ł": "l", "œ": "o", "ı": "i"}


class _FoldTable(dict):
    """str.translate table computed lazily, one character to exactly one character."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        lower = char.lower()
        if len(lower) != 1:
            lower = char
        folded = _SPECIAL.get(lower)
        if folded is None:
            decomposed = unicodedata.normalize("NFKD", lower)
            folded = decomposed[0] if decomposed else lower
            if unicodedata.combining(folded):
                folded = lower
        self[code] = folded
        return folded


_FOLD = _FoldTable()
_TOKEN_RE = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case without diacritics: "Nätverksmöte" → "natverksmote". Same length as the input."""
    return text.translate(_FOLD)


def tokens(text: str) -> list[tuple[str, int, int]]:
    """(folded token, start, end) for each word of the text; offsets index the original text."""
    return [(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(fold(text))]


def words(text: str) -> list[str]:
    return _TOKEN_RE.findall(fold(text))


# Ids used by the page layout itself; a heading never gets one of these.
RESERVED_IDS = {"innehall", "riktlinje-titel", "checklista"}
RESERVED_PREFIXES = ("sida-", "begrepp-", "bokstav-", "tabell-")


def slugify(value: str, separator: str = "-") -> str:
    """A URL- and id-safe slug that keeps Swedish words readable: "Förmöten" → "formoten"."""
    slug = re.sub(r"[^a-z0-9]+", separator, fold(value)).strip(separator)
    if not slug:
        slug = "avsnitt"
    if slug in RESERVED_IDS or slug.startswith(RESERVED_PREFIXES):
        slug = f"{slug}{separator}avsnitt"
    return slug


def _sort_char(char: str) -> tuple[int, int]:
    if char in "åäö":
        return (ord("z") + 1 + "åäö".index(char), 0)
    if char in "æø":
        return (ord("z") + 2 + "æø".index(char), 1)
    base = fold(char)
    return (ord(base), 0 if base == char else 1)


def sort_key(value: str) -> tuple:
    """Swedish collation: case-insensitive, accents (é) after the plain letter, å ä ö last."""
    lowered = value.lower()
    return (tuple(_sort_char(c) for c in lowered), value)


def initial(value: str) -> str:
    """The letter a term is listed under in the glossary: "Åtgärdsprogram" → "Å", "É…" → "E"."""
    first = value.strip()[:1].upper()
    if first in "ÅÄÖ":
        return first
    return fold(first).upper() if first else "#"


def normalise_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
