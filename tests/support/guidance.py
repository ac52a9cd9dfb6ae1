"""Helpers for the guidance tests: page text, seed sentences, folded comparison."""
from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

from tests.helpers import ROOT, SEEDS

SEED_OF = {
    "norrbus-riktlinjer": "norrbus-riktlinjer.txt",
    "grona-kortet-norrbus": "norrbus-bilaga1-grona-kortet.txt",
    "grona-kortet-ostra-norrbotten": "ostra-norrbotten-grona-kortet.txt",
    "arjeplog-rutiner": "arjeplog-rutiner-med-bilagor.txt",
    "kronoberg-samverkansmote-barnets-plan": "kronoberg-vagledning-samverkansmote-barnets-plan.txt",
}


class _Text(HTMLParser):
    """The text of an element (by id), leaving out elements with one of `skip_classes`."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr", "area", "col"}

    def __init__(self, root_id, skip_classes):
        super().__init__(convert_charrefs=True)
        self.root_id, self.skip_classes = root_id, set(skip_classes)
        self.depth = 0          # depth inside the root element (0 = outside)
        self.skip_depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        a = dict(attrs)
        if self.depth:
            self.depth += 1
            if self.skip_depth:
                self.skip_depth += 1
            elif self.skip_classes & set((a.get("class") or "").split()):
                self.skip_depth = 1
            self.parts.append(" ")
        elif a.get("id") == self.root_id:
            self.depth = 1

    def handle_endtag(self, tag):
        if tag in self.VOID or not self.depth:
            return
        self.depth -= 1
        if self.skip_depth:
            self.skip_depth -= 1
        self.parts.append(" ")

    def handle_data(self, data):
        if self.depth and not self.skip_depth:
            self.parts.append(data)


def element_text(html: str, element_id: str, skip_classes=("heading-anchor",)) -> str:
    parser = _Text(element_id, skip_classes)
    parser.feed(html)
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip()


def fold_letters(text: str) -> str:
    """Lower case, å/ä → a, ö → o (and é → e), letters and digits only: compares text whatever
    its punctuation, quotes, line breaks, hyphenation and list numbering ("1. ")."""
    from portal.guidance.text import fold

    text = re.sub(r"(?<![\w./-])\d+\.(?=\s|$)", " ", text)
    return re.sub(r"[^a-z0-9]", "", fold(text))


def fuzzy_contains(needle: str, haystack: str, threshold: float = 0.85) -> bool:
    """True when `needle` appears in `haystack` with at least `threshold` of its characters in
    order (for OCR text: "stdd" for "stöd", "méjligaste" for "möjligaste")."""
    import difflib

    if needle in haystack:
        return True
    n = len(needle)
    for i in range(0, max(1, n - 8), 4):
        chunk = needle[i:i + 8]
        start, tries = 0, 0
        while tries < 20:
            pos = haystack.find(chunk, start)
            if pos < 0:
                break
            begin = max(0, pos - i - 10)
            window = haystack[begin:begin + n + 20]
            matcher = difflib.SequenceMatcher(None, needle, window, autojunk=False)
            if sum(b.size for b in matcher.get_matching_blocks()) / n >= threshold:
                return True
            start, tries = pos + 1, tries + 1
    return False


def seed_fragments(name: str, min_words: int = 8) -> list[str]:
    """Sentence-sized pieces of a seed: split at sentence ends, and around short lines
    (headings, table cells, list labels), keeping pieces of at least `min_words` words."""
    raw = re.sub(r"\[bookmark:[^\]]*\]", "", (SEEDS / name).read_text(encoding="utf-8"))
    lines = [line.strip() for line in raw.splitlines()]
    lines = [line for line in lines if line]
    blocks: list[str] = []
    current: list[str] = []
    for line in lines:
        if len(line) < 60 and not line.endswith((",", "och")):
            if current:
                blocks.append(" ".join(current))
                current = []
            blocks.append(line)
        else:
            current.append(line)
            if line.endswith((".", "?", "!", ":")):
                blocks.append(" ".join(current))
                current = []
    if current:
        blocks.append(" ".join(current))
    pieces = []
    for block in blocks:
        for sentence in re.split(r"(?<=[.?!])\s+(?=[A-ZÅÄÖ\"”])", block):
            if len(sentence.split()) >= min_words:
                pieces.append(sentence)
    return pieces


def copy_content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(ROOT / "content", target)
    return target
