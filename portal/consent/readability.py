"""LIX (läsbarhetsindex, Björnsson 1968): words per sentence + percentage of long words.

    lix = words / sentences + 100 * long_words / words

A word is a run of letters (digits, e-mail addresses and web addresses are not prose and are
left out). A long word has more than six letters. A sentence ends at . ! ? or : – and at a line
break, so headings and list items count as sentences of their own. Roughly: below 30 very easy,
30–40 easy (everyday reading), 40–50 medium, above 50 hard."""
from __future__ import annotations

import re

_NOT_PROSE = re.compile(r"\S+@\S+|https?://\S+|www\.\S+")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?:]+|\n")


def lix(text: str) -> float:
    """The LIX of `text` (0.0 for text without words)."""
    prose = _NOT_PROSE.sub(" ", text or "")
    sentences = [s for s in _SENTENCE_END.split(prose) if _WORD.search(s)]
    words = _WORD.findall(prose)
    if not words:
        return 0.0
    long_words = [w for w in words if len(w) > 6]
    return len(words) / max(1, len(sentences)) + 100 * len(long_words) / len(words)
