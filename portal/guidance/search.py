"""Search over the guidance: guideline sections (heading + text), roles and glossary terms.

Built once per content load, in memory. Ranking is BM25 over two fields, the heading (or the
term and its aliases) weighted HEADING_WEIGHT times the body.

Swedish: text and queries are folded (å, ä → a, ö → o, é → e), so "vardnadshavare" finds
"vårdnadshavare". A query word of three letters or more also matches inside longer words, found
through a sorted list of every word's suffixes: "möte" finds "nätverksmöte", "samverkansmötet"
and "mötet". Exact words score highest, then words that start with the query (inflections),
then words that contain it (compounds).

static/js/guidance-search.js runs the same query rules and scoring on to_json()'s output in the
static export."""
from __future__ import annotations

import bisect
import html
import math
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from markupsafe import Markup

from .content import ROLE_GROUPS
from .text import fold, normalise_space, tokens, words

HEADING_WEIGHT = 3.0
BODY_WEIGHT = 1.0
K1 = 1.2
B = 0.75
EXACT, PREFIX, INSIDE = 1.0, 0.8, 0.6
MIN_PARTIAL = 3          # shorter query words match whole words only
MAX_QUERY_WORDS = 10
MAX_QUERY_LENGTH = 200
SNIPPET_WORDS = 32
RESULT_CACHE = 256         # queries whose results are kept (per index, per process)

# Swedish function words dropped from queries (never from the text).
STOP_WORDS = frozenset(fold(w) for w in """
och i att det som en på är för av med till den har de om ett inte vid kan ska men eller så
sig från vara var när under efter där hur vad vem vilka man de dem ej samt utan
""".split())

KIND_LABELS = {"guideline": "Riktlinje", "role": "Roller och ansvar", "term": "Ordlista"}


@dataclass
class SearchDoc:
    kind: str                  # guideline | role | term
    url: str                   # portal path with #anchor
    title: str                 # the page: guideline title, "Roller och ansvar", "Ordlista"
    heading: str               # the heading the text sits under (term for the glossary)
    path: list[str]            # enclosing headings, for "Under rubriken …"
    text: str                  # body shown in snippets
    match_heading: str = ""    # heading plus aliases, used for matching
    lengths: tuple[int, int] = (0, 0)
    names: list[str] = field(default_factory=list)  # what it is called (a term, its abbreviation, aliases)
    name_keys: frozenset = frozenset()               # the names as query keys (name_key)


@dataclass
class Hit:
    doc: SearchDoc
    score: float
    heading: Markup
    snippet: Markup


@dataclass
class SearchResult:
    query: str
    words: list[str]             # query words actually searched for (folded)
    hits: list[Hit] = field(default_factory=list)
    all_words: bool = True       # False: no document had every word; hits have some of them
    total: int = 0               # matching documents, of which the best `limit` are in hits
    ignored: list[str] = field(default_factory=list)
    # The results' HTML as the search page shows them (guidance/routes.py), kept with the result:
    # the same for every reader. A few spellings of the query at most (the page shows it as typed).
    rendered: dict = field(default_factory=dict, repr=False, compare=False)


def query_words(query: str) -> tuple[list[str], list[str]]:
    """(words to search for, stop words left out), folded, unique, in order."""
    query = query[:MAX_QUERY_LENGTH]
    found = []
    for w in words(query):
        if w not in found:
            found.append(w)
    kept = [w for w in found if w not in STOP_WORDS]
    if not kept:
        return found[:MAX_QUERY_WORDS], []
    return kept[:MAX_QUERY_WORDS], [w for w in found if w in STOP_WORDS]


def name_key(text: str) -> str:
    """A name or query as its searched words: "BUP", "bup" and "Bup " are one key."""
    wanted, _ = query_words(text)
    return " ".join(wanted)


def match_weight(word: str, token: str) -> float:
    if token == word:
        return EXACT
    if len(word) < MIN_PARTIAL:
        return 0.0
    if token.startswith(word):
        return PREFIX
    if word in token:
        return INSIDE
    return 0.0


class SearchIndex:
    def __init__(self, docs: list[SearchDoc]):
        self.docs = docs
        self.postings: dict[str, list[tuple[int, int, int]]] = {}
        heading_total = body_total = 0
        for i, doc in enumerate(docs):
            h = Counter(words(doc.match_heading or doc.heading))
            b = Counter(words(doc.text))
            doc.lengths = (sum(h.values()), sum(b.values()))
            doc.name_keys = frozenset(name_key(n) for n in (doc.names or [doc.heading]))
            heading_total += doc.lengths[0]
            body_total += doc.lengths[1]
            for token in set(h) | set(b):
                self.postings.setdefault(token, []).append((i, h[token], b[token]))
            _tokens_cached(doc.text)
            _tokens_cached(doc.heading)
        n = max(len(docs), 1)
        self.avg = (max(heading_total / n, 1.0), max(body_total / n, 1.0))
        self.vocabulary = sorted(self.postings)
        # Every suffix of every word (at least MIN_PARTIAL letters), sorted: the words that
        # contain a query word are those with a suffix starting with it.
        pairs = sorted({(t[i:], t) for t in self.vocabulary for i in range(len(t) - MIN_PARTIAL + 1)})
        self._suffixes = [p[0] for p in pairs]
        self._suffix_words = [p[1] for p in pairs]
        self._results: OrderedDict[tuple[str, int], SearchResult] = OrderedDict()
        self._lock = threading.Lock()

    def matching_tokens(self, word: str) -> dict[str, float]:
        if len(word) < MIN_PARTIAL:
            return {word: EXACT} if word in self.postings else {}
        found: dict[str, float] = {}
        start = bisect.bisect_left(self._suffixes, word)
        for i in range(start, len(self._suffixes)):
            if not self._suffixes[i].startswith(word):
                break
            token = self._suffix_words[i]
            found[token] = max(found.get(token, 0.0), match_weight(word, token))
        return found

    def _scores(self, word: str) -> dict[int, float]:
        matches = self.matching_tokens(word)
        if not matches:
            return {}
        weighted: dict[int, list[float]] = {}
        for token in sorted(matches):   # a fixed order: the static search sums the same way
            weight = matches[token]
            for doc, tf_h, tf_b in self.postings[token]:
                acc = weighted.setdefault(doc, [0.0, 0.0])
                acc[0] += weight * tf_h
                acc[1] += weight * tf_b
        n = len(self.docs)
        df = len(weighted)
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        scores = {}
        for doc, (tf_h, tf_b) in weighted.items():
            lh, lb = self.docs[doc].lengths
            tf = (HEADING_WEIGHT * tf_h / (1 - B + B * lh / self.avg[0])
                  + BODY_WEIGHT * tf_b / (1 - B + B * lb / self.avg[1]))
            scores[doc] = idf * tf * (K1 + 1) / (tf + K1)
        return scores

    def search(self, query: str, limit: int = 50) -> SearchResult:
        """The best `limit` hits, with snippets. Answers are kept for the RESULT_CACHE latest
        queries: the content is fixed for the index's life, and a result is only read."""
        key = (normalise_space(query)[:MAX_QUERY_LENGTH], limit)
        with self._lock:
            cached = self._results.get(key)
            if cached is not None:
                self._results.move_to_end(key)
                return cached
        result = self._search(query, limit)
        with self._lock:
            self._results[key] = result
            while len(self._results) > RESULT_CACHE:
                self._results.popitem(last=False)
        return result

    def clear_cache(self) -> None:
        with self._lock:
            self._results.clear()

    def _search(self, query: str, limit: int) -> SearchResult:
        wanted, ignored = query_words(query)
        result = SearchResult(query=normalise_space(query)[:MAX_QUERY_LENGTH], words=wanted, ignored=ignored)
        if not wanted:
            return result
        per_word = [self._scores(w) for w in wanted]
        every = set.intersection(*(set(s) for s in per_word)) if per_word else set()
        candidates = every
        if not every:
            result.all_words = False
            candidates = set().union(*(set(s) for s in per_word))
        result.total = len(candidates)
        # What the query names exactly (a term, an abbreviation, a heading) comes first, then by score.
        asked = " ".join(wanted)
        ranked = sorted(candidates, key=lambda d: (asked not in self.docs[d].name_keys,
                                                   -sum(s.get(d, 0.0) for s in per_word), d))[:limit]
        cache: dict = {}
        for d in ranked:
            doc = self.docs[d]
            result.hits.append(Hit(doc=doc, score=round(sum(s.get(d, 0.0) for s in per_word), 6),
                                   heading=highlight(doc.heading, wanted, cache),
                                   snippet=snippet(doc.text, wanted, cache=cache)))
        return result

    def to_json(self, url_for_doc=None) -> dict:
        """The index for the static export: documents, field lengths and postings."""
        return {
            "version": 1,
            "weights": {"heading": HEADING_WEIGHT, "body": BODY_WEIGHT, "k1": K1, "b": B,
                        "exact": EXACT, "prefix": PREFIX, "inside": INSIDE, "minPartial": MIN_PARTIAL},
            "stopWords": sorted(STOP_WORDS),
            "kinds": KIND_LABELS,
            "avg": list(self.avg),
            "docs": [{"u": url_for_doc(d.url) if url_for_doc else d.url, "t": d.title, "h": d.heading,
                      "p": d.path, "k": d.kind, "x": d.text, "l": list(d.lengths), "n": sorted(d.name_keys)}
                     for d in self.docs],
            "postings": {t: [list(p) for p in self.postings[t]] for t in self.vocabulary},
        }


def _marked_spans(text: str, wanted: list[str], cache: dict | None = None):
    toks = _tokens_cached(text)
    cache = {} if cache is None else cache
    marks = []
    for token, _, _ in toks:
        hit = cache.get(token)
        if hit is None:
            hit = cache[token] = tuple(w for w in wanted if match_weight(w, token) > 0)
        marks.append(bool(hit))
    return toks, marks, cache


_TOKEN_CACHE: dict[str, list] = {}


def _tokens_cached(text: str):
    toks = _TOKEN_CACHE.get(text)
    if toks is None:
        toks = tokens(text)
        if len(_TOKEN_CACHE) < 5000:
            _TOKEN_CACHE[text] = toks
    return toks


def _render(text: str, toks, marks, start: int, end: int) -> Markup:
    # Plain text between the marked words is escaped; only <mark> is markup.
    out: list[str] = []
    pos = toks[start][1] if toks and start < len(toks) else 0
    for i in range(start, end):
        if not marks[i]:
            continue
        _, s, e = toks[i]
        out.append(html.escape(text[pos:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        pos = e
    stop = toks[end - 1][2] if toks and end > 0 else len(text)
    out.append(html.escape(text[pos:stop]))
    return Markup("".join(out))


def highlight(text: str, wanted: list[str], cache: dict | None = None) -> Markup:
    """The whole text, escaped, with matching words in <mark>."""
    toks, marks, _ = _marked_spans(text, wanted, cache)
    if not toks:
        return Markup(html.escape(text))
    body = _render(text, toks, marks, 0, len(toks))
    return Markup(html.escape(text[:toks[0][1]]) + str(body) + html.escape(text[toks[-1][2]:]))


def snippet(text: str, wanted: list[str], size: int = SNIPPET_WORDS, cache: dict | None = None) -> Markup:
    """About `size` words around the densest group of matches, escaped, matches in <mark>."""
    toks, marks, cache = _marked_spans(text, wanted, cache)
    if not toks:
        return Markup("")
    best, best_count = 0, -1
    for i, marked in enumerate(marks):
        if not marked:
            continue
        found = set()
        for j in range(i, min(i + size, len(toks))):
            if marks[j]:
                found.update(cache[toks[j][0]])
        if len(found) > best_count:
            best, best_count = i, len(found)
            if best_count == len(wanted):
                break
    start = max(0, best - 6) if best_count >= 0 else 0
    end = min(len(toks), start + size)
    start = max(0, min(start, end - size))
    body = _render(text, toks, marks, start, end)
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(toks) else html.escape(text[toks[-1][2]:])
    return Markup(prefix + str(body) + suffix)


def build_index(content) -> SearchIndex:
    docs: list[SearchDoc] = []
    for g in content.guidelines.values():
        for s in g.sections:
            url = f"/riktlinjer/{g.slug}" + (f"#{s.anchor}" if s.anchor else "")
            docs.append(SearchDoc(kind="guideline", url=url, title=g.title, heading=s.heading or g.title,
                                  path=s.path[:-1] if s.heading else [], text=s.text))
    for group, entries in content.roles.items():
        for r in entries:
            parts = [r.text]
            if r.meeting_frequency:
                parts.append(f"Möten: {r.meeting_frequency}.")
            if r.areas:
                parts.append("Områden: " + ", ".join(r.areas) + ".")
            if r.members:
                parts.append("Sammansättning: " + "; ".join(r.members) + ".")
            if r.duties:
                parts.append("Ansvar: " + "; ".join(r.duties) + ".")
            heading = f"{r.name} ({r.scope})" if r.scope else r.name
            docs.append(SearchDoc(kind="role", url=f"/roller/#{r.key}", title="Roller och ansvar", heading=heading,
                                  path=[ROLE_GROUPS[group]], text=" ".join(parts)))
    for t in content.glossary:
        heading = f"{t.term} ({t.abbreviation_of})" if t.abbreviation_of else t.term
        docs.append(SearchDoc(kind="term", url=f"/ordlista/#{t.slug}", title="Ordlista", heading=heading, path=[],
                              text=t.definition, match_heading=" ".join([heading] + t.aliases),
                              names=[t.term, heading] + ([t.abbreviation_of] if t.abbreviation_of else []) + t.aliases))
    return SearchIndex(docs)


