"""Parsing the published guidance: guidelines (Markdown with YAML front matter), glossary, roles
and the green card checklist, read from the content folder. Pure: no request, no database.
Building the search index and keeping the content per app is store.py's.

    report = Report(root); content = parse_all(root, report)     # problems collected in report
    content.guidelines["norrbus-riktlinjer"].html

A broken file (bad YAML, bad front matter, a missing or mistyped key, a duplicate key or slug)
raises ContentError, so the portal refuses to start, like the organisation directory.
Cross references (links, anchors, role and glossary sources) are checked by checks.py
(`portal content check`).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..yaml_lines import YamlSyntaxError, line_of, load_yaml
from .markdown_ext import GlossaryMatcher, Section, render
from .text import initial, normalise_space, sort_key


GUIDELINES_DIR = "guidelines"
GLOSSARY_FILE = "glossary.yaml"
ROLES_FILE = "roles.yaml"
CHECKLISTS_DIR = "checklists"
GREEN_CARD = "grona-kortet"
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")

# Front matter: key -> (type, Swedish description of the expected value)
FRONT_MATTER = {
    "title": (str, "en text"),
    "summary": (str, "en text"),
    "source": (str, "en text"),
    "issuer": (str, "en text"),
    "revision": (str, "en text (datum eller beskrivning, inom citattecken)"),
    "audience": (list, "en lista med texter, till exempel [personal, chefer]"),
    "order": (int, "ett heltal"),
}


class ContentError(Exception):
    """A content file that cannot be published. Carries every problem found in it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        first = problems[0]
        more = f" (och {len(problems) - 1} fel till)" if len(problems) > 1 else ""
        super().__init__(f"{first}{more}")

    @property
    def path(self) -> str:
        return self.problems[0].path

    @property
    def line(self) -> int | None:
        return self.problems[0].line


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.path}, rad {self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class Report:
    """Collects problems while parsing; the loader raises on errors, the checker lists them."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    def error(self, path: Path, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.rel(path), line, message))

    def warn(self, path: Path, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.rel(path), line, message, warning=True))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.warning]


# --- YAML with line numbers (portal.yaml_lines) ------------------------------------------

def _load_yaml(text: str, path: Path, report: Report, line_offset: int = 0) -> Any:
    try:
        data, duplicates = load_yaml(text, line_offset)
    except YamlSyntaxError as exc:
        report.error(path, exc.line, f"ogiltig YAML: {exc.problem}")
        return None
    for key, line in duplicates:
        report.error(path, line, f"nyckeln '{key}' finns två gånger")
    return data


def _text(report: Report, path: Path, entry: dict, key: str, what: str, required: bool = True) -> str | None:
    value = entry.get(key)
    if value is None:
        if required:
            report.error(path, line_of(entry), f"{what}: nyckeln '{key}' saknas")
        return None
    if not isinstance(value, str) or not value.strip():
        report.error(path, line_of(entry, key), f"{what}: '{key}' ska vara en text som inte är tom")
        return None
    return value.strip()


def _text_list(report: Report, path: Path, entry: dict, key: str, what: str) -> list[str]:
    value = entry.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        report.error(path, line_of(entry, key), f"{what}: '{key}' ska vara en lista med texter")
        return []
    return [v.strip() for v in value]


def _unknown_keys(report: Report, path: Path, entry: dict, allowed: set[str], what: str) -> None:
    for key in entry:
        if key not in allowed:
            report.error(path, line_of(entry, key), f"{what}: okänd nyckel '{key}' (tillåtna: {', '.join(sorted(allowed))})")


# --- Model ------------------------------------------------------------------------------

@dataclass
class Guideline:
    slug: str
    path: Path
    title: str
    summary: str
    source: str
    issuer: str
    revision: str
    audience: list[str]
    order: int
    markdown: str
    body_line: int                       # line of the first Markdown line in the file
    html: str = ""
    pdf_html: str = ""
    toc: list[dict] = field(default_factory=list)
    headings: list[tuple[int, str, str]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    terms: dict[str, str] = field(default_factory=dict)   # glossary slug -> anchor of first use

    @property
    def revision_date(self) -> dt.date | None:
        try:
            return dt.date.fromisoformat(self.revision)
        except ValueError:
            return None

    def heading_ids(self) -> set[str]:
        return {h[1] for h in self.headings}

    def anchor_for(self, heading_text: str) -> str | None:
        wanted = normalise_space(heading_text)
        for _, anchor, text in self.headings:
            if normalise_space(text) == wanted:
                return anchor
        return None

    def heading_text(self, anchor: str) -> str | None:
        for _, a, text in self.headings:
            if a == anchor:
                return text
        return None

    def line_of(self, needle: str) -> int:
        """The file line where a piece of Markdown (a link target) is written."""
        index = self.markdown.find(needle)
        if index < 0:
            return self.body_line
        return self.body_line + self.markdown.count("\n", 0, index)


@dataclass
class Term:
    term: str
    slug: str
    definition: str
    source: str
    abbreviation_of: str | None
    aliases: list[str]
    line: int
    source_line: int = 0
    # A sense used only on these guideline pages (a word that means another thing there, e.g.
    # Arjeplog's "genomförandeplan"); empty: every page where no page-specific sense exists.
    guidelines: tuple[str, ...] = ()
    # "defined": the definition is the source's own words; "explained": the portal's short
    # explanation of how the source uses the word (shown as such on the glossary page).
    basis: str = "explained"

    @property
    def letter(self) -> str:
        return initial(self.term)

    def used_on(self, guideline_slug: str) -> bool:
        return not self.guidelines or guideline_slug in self.guidelines

    def phrases(self) -> list[str]:
        return [self.term] + self.aliases


@dataclass
class SourceRef:
    guideline: str
    heading: str
    line: int | None
    anchor: str | None = None


@dataclass
class RoleEntry:
    group: str                # service_responsibilities, case_roles, collaboration_levels
    key: str
    name: str
    text: str
    source: SourceRef
    line: int
    scope: str = ""
    members: list[str] = field(default_factory=list)
    duties: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    meeting_frequency: str = ""


@dataclass
class ChecklistItem:
    key: str
    text: str
    line: int


@dataclass
class ChecklistSection:
    key: str
    title: str
    items: list[ChecklistItem]


@dataclass
class Checklist:
    key: str
    title: str
    source: str
    sections: list[ChecklistSection]
    path: Path
    line_of_source: int | None = None

    def items(self) -> list[ChecklistItem]:
        return [i for s in self.sections for i in s.items]

    def item(self, key: str) -> ChecklistItem | None:
        return next((i for i in self.items() if i.key == key), None)


ROLE_GROUPS = {
    "service_responsibilities": "Verksamheternas ansvar",
    "case_roles": "Roller i ett ärende",
    "collaboration_levels": "Samverkansnivåer",
}


@dataclass
class Content:
    root: Path
    guidelines: dict[str, Guideline]       # in `order`
    glossary: list[Term]                    # in Swedish alphabetical order
    roles: dict[str, list[RoleEntry]]       # ROLE_GROUPS keys, in file order
    checklists: dict[str, Checklist]
    fingerprint: tuple
    search: Any = None                      # search.SearchIndex, built after loading
    # HTML fragments rendered from this content, the same for every reader (guidance/routes.py):
    # kept with the content, so a reload drops them with it.
    rendered: dict = field(default_factory=dict, repr=False, compare=False)

    def term(self, slug: str) -> Term | None:
        return next((t for t in self.glossary if t.slug == slug), None)

    def role(self, key: str) -> RoleEntry | None:
        return next((r for group in self.roles.values() for r in group if r.key == key), None)

    def glossary_by_letter(self) -> list[tuple[str, list[Term]]]:
        letters: dict[str, list[Term]] = {}
        for t in self.glossary:
            letters.setdefault(t.letter, []).append(t)
        return list(letters.items())


# --- Parsing ----------------------------------------------------------------------------

def _split_front_matter(text: str, path: Path, report: Report) -> tuple[str, str, int] | None:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        report.error(path, 1, "front matter saknas: filen ska börja med en rad '---', sedan title, summary, source, "
                              "issuer, revision, audience och order, och en rad '---'")
        return None
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "".join(lines[1:i]), "".join(lines[i + 1:]), i + 2
    report.error(path, 1, "front matter avslutas inte: raden '---' efter front matter saknas")
    return None


def parse_guideline(path: Path, report: Report) -> Guideline | None:
    slug = path.stem
    if not SLUG_RE.match(slug):
        report.error(path, None, "filnamnet ska bestå av små bokstäver a–z, siffror och bindestreck (det blir adressen)")
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        report.error(path, None, f"filen är inte UTF-8 ({exc.reason})")
        return None
    split = _split_front_matter(text, path, report)
    if split is None:
        return None
    front, body, body_line = split
    before = len(report.errors)
    meta = _load_yaml(front, path, report, line_offset=1)
    if meta is None and len(report.errors) > before:
        return None
    if not isinstance(meta, dict):
        report.error(path, 2, "front matter ska vara nycklar med värden (title: …, summary: …)")
        return None
    for key, (kind, expected) in FRONT_MATTER.items():
        if key not in meta:
            report.error(path, line_of(meta) or 2, f"front matter: nyckeln '{key}' saknas ({expected})")
            continue
        value = meta[key]
        ok = isinstance(value, kind) and not isinstance(value, bool)
        if kind is str:
            ok = ok and bool(value.strip())
        if kind is list:
            ok = ok and bool(value) and all(isinstance(v, str) and v.strip() for v in value)
        if not ok:
            report.error(path, line_of(meta, key), f"front matter: '{key}' ska vara {expected}, inte {value!r}")
    _unknown_keys(report, path, meta, set(FRONT_MATTER), "front matter")
    if len(report.errors) > before:
        return None
    if not body.strip():
        report.error(path, body_line, "riktlinjen har ingen text efter front matter")
        return None
    return Guideline(
        slug=slug, path=path, title=meta["title"].strip(), summary=meta["summary"].strip(),
        source=meta["source"].strip(), issuer=meta["issuer"].strip(), revision=str(meta["revision"]).strip(),
        audience=[a.strip() for a in meta["audience"]], order=meta["order"], markdown=body, body_line=body_line,
    )


def parse_glossary(path: Path, report: Report) -> list[Term]:
    if not path.exists():
        report.error(path, None, "ordlistan saknas")
        return []
    data = _load_yaml(path.read_text(encoding="utf-8"), path, report)
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
        report.error(path, line_of(data) or 1, "ordlistan ska ha nyckeln 'terms' med en lista med begrepp")
        return []
    terms: list[Term] = []
    seen_slugs: dict[str, int] = {}
    for entry in data["terms"]:
        if not isinstance(entry, dict):
            report.error(path, None, "varje begrepp ska ha term, slug, definition och source")
            continue
        what = f"begreppet '{entry.get('term', '?')}'"
        before = len(report.errors)
        _unknown_keys(report, path, entry, {"term", "slug", "definition", "source", "abbreviation_of", "aliases",
                                            "guidelines", "basis"}, what)
        term = _text(report, path, entry, "term", what)
        slug = _text(report, path, entry, "slug", what)
        definition = _text(report, path, entry, "definition", what)
        source = _text(report, path, entry, "source", what)
        abbreviation = _text(report, path, entry, "abbreviation_of", what, required=False)
        aliases = _text_list(report, path, entry, "aliases", what)
        scope = tuple(_text_list(report, path, entry, "guidelines", what))
        basis = entry.get("basis", "explained")
        if basis not in ("defined", "explained"):
            report.error(path, line_of(entry, "basis"), f"{what}: basis ska vara defined eller explained, inte '{basis}'")
        if slug and not SLUG_RE.match(slug):
            report.error(path, line_of(entry, "slug"), f"{what}: slug '{slug}' får bara ha små bokstäver a–z, siffror och bindestreck")
        if slug and slug in seen_slugs:
            report.error(path, line_of(entry, "slug"), f"{what}: slug '{slug}' används redan på rad {seen_slugs[slug]}")
        if len(report.errors) > before:
            continue
        seen_slugs[slug] = line_of(entry, "slug")
        unique_aliases = []
        for a in aliases:
            if a.casefold() != term.casefold() and a not in unique_aliases:
                unique_aliases.append(a)
        terms.append(Term(term=term, slug=slug, definition=definition, source=source,
                          abbreviation_of=abbreviation, aliases=unique_aliases, line=line_of(entry) or 0,
                          source_line=line_of(entry, "source") or 0, guidelines=scope, basis=basis))
    # On any one page a word explains only one term: one sense for every page, and further senses
    # each for pages of their own.
    owner: dict[str, list[Term]] = {}
    for t in terms:
        for phrase in t.phrases():
            key = normalise_space(phrase).casefold()
            for other in owner.get(key, []):
                if other.slug == t.slug:
                    continue
                clash = (not t.guidelines and not other.guidelines) or set(t.guidelines) & set(other.guidelines)
                if clash:
                    report.error(path, t.line, f"begreppet '{t.term}': '{phrase}' används redan av '{other.term}' "
                                               f"(rad {other.line}) på samma sidor")
            owner.setdefault(key, []).append(t)
    return sorted(terms, key=lambda t: sort_key(t.term))


def _source_ref(report: Report, path: Path, entry: dict, what: str) -> SourceRef | None:
    source = entry.get("source")
    if not isinstance(source, dict):
        report.error(path, line_of(entry, "source") if "source" in entry else line_of(entry),
                     f"{what}: 'source' ska ha guideline och heading")
        return None
    guideline = _text(report, path, source, "guideline", what)
    heading = _text(report, path, source, "heading", what)
    if not guideline or not heading:
        return None
    return SourceRef(guideline=guideline, heading=heading, line=line_of(source))


def parse_roles(path: Path, report: Report) -> dict[str, list[RoleEntry]]:
    roles: dict[str, list[RoleEntry]] = {g: [] for g in ROLE_GROUPS}
    if not path.exists():
        report.error(path, None, "filen med roller och ansvar saknas")
        return roles
    data = _load_yaml(path.read_text(encoding="utf-8"), path, report)
    if data is None:
        return roles
    if not isinstance(data, dict):
        report.error(path, 1, f"filen ska ha nycklarna {', '.join(ROLE_GROUPS)}")
        return roles
    _unknown_keys(report, path, data, set(ROLE_GROUPS), "roller")
    seen: dict[str, int] = {}
    for group in ROLE_GROUPS:
        entries = data.get(group)
        if not isinstance(entries, list):
            report.error(path, line_of(data, group) if group in data else 1, f"'{group}' saknas eller är inte en lista")
            continue
        levels = group == "collaboration_levels"
        allowed = {"key", "name", "source"} | (
            {"scope", "description", "members", "duties", "areas", "meeting_frequency"} if levels else {"text"})
        for entry in entries:
            if not isinstance(entry, dict):
                report.error(path, None, f"'{group}': varje post ska ha key, name och source")
                continue
            what = f"'{entry.get('key', '?')}' i {group}"
            before = len(report.errors)
            _unknown_keys(report, path, entry, allowed, what)
            key = _text(report, path, entry, "key", what)
            name = _text(report, path, entry, "name", what)
            text = _text(report, path, entry, "description" if levels else "text", what)
            source = _source_ref(report, path, entry, what)
            if key and not SLUG_RE.match(key):
                report.error(path, line_of(entry, "key"), f"{what}: nyckeln får bara ha små bokstäver a–z, siffror och bindestreck")
            if key and key in seen:
                report.error(path, line_of(entry, "key"), f"{what}: nyckeln '{key}' används redan på rad {seen[key]}")
            role = RoleEntry(group=group, key=key or "", name=name or "", text=text or "", source=source,
                             line=line_of(entry) or 0)
            if levels:
                role.scope = _text(report, path, entry, "scope", what) or ""
                role.members = _text_list(report, path, entry, "members", what)
                role.duties = _text_list(report, path, entry, "duties", what)
                role.areas = _text_list(report, path, entry, "areas", what)
                role.meeting_frequency = _text(report, path, entry, "meeting_frequency", what, required=False) or ""
            if len(report.errors) > before:
                continue
            seen[key] = line_of(entry, "key")
            roles[group].append(role)
    return roles


def parse_checklist(path: Path, report: Report) -> Checklist | None:
    data = _load_yaml(path.read_text(encoding="utf-8"), path, report)
    if data is None:
        return None
    if not isinstance(data, dict):
        report.error(path, 1, "checklistan ska ha title, source och sections")
        return None
    before = len(report.errors)
    _unknown_keys(report, path, data, {"title", "source", "sections"}, "checklistan")
    title = _text(report, path, data, "title", "checklistan")
    source = _text(report, path, data, "source", "checklistan")
    if not isinstance(data.get("sections"), list) or not data["sections"]:
        report.error(path, line_of(data, "sections") if "sections" in data else 1, "checklistan: 'sections' ska vara en lista med avsnitt")
        return None
    sections: list[ChecklistSection] = []
    keys: dict[str, int] = {}
    for sec in data["sections"]:
        if not isinstance(sec, dict):
            report.error(path, None, "checklistan: varje avsnitt ska ha key, title och items")
            continue
        what = f"avsnittet '{sec.get('key', '?')}'"
        _unknown_keys(report, path, sec, {"key", "title", "items"}, what)
        skey = _text(report, path, sec, "key", what)
        stitle = _text(report, path, sec, "title", what)
        items: list[ChecklistItem] = []
        if not isinstance(sec.get("items"), list) or not sec["items"]:
            report.error(path, line_of(sec), f"{what}: 'items' ska vara en lista med punkter")
        else:
            for item in sec["items"]:
                if not isinstance(item, dict):
                    report.error(path, None, f"{what}: varje punkt ska ha key och text")
                    continue
                iwhat = f"punkten '{item.get('key', '?')}'"
                _unknown_keys(report, path, item, {"key", "text"}, iwhat)
                ikey = _text(report, path, item, "key", iwhat)
                itext = _text(report, path, item, "text", iwhat)
                if ikey and not SLUG_RE.match(ikey):
                    report.error(path, line_of(item, "key"), f"{iwhat}: nyckeln får bara ha små bokstäver a–z, siffror och bindestreck")
                if ikey and ikey in keys:
                    report.error(path, line_of(item, "key"), f"{iwhat}: nyckeln '{ikey}' används redan på rad {keys[ikey]}")
                if ikey and itext:
                    keys.setdefault(ikey, line_of(item, "key"))
                    items.append(ChecklistItem(key=ikey, text=itext, line=line_of(item) or 0))
        if skey and skey in keys:
            report.error(path, line_of(sec, "key"), f"{what}: nyckeln '{skey}' används redan på rad {keys[skey]}")
        if skey:
            keys.setdefault(skey, line_of(sec, "key"))
        sections.append(ChecklistSection(key=skey or "", title=stitle or "", items=items))
    if len(report.errors) > before:
        return None
    return Checklist(key=path.stem, title=title, source=source, sections=sections, path=path,
                     line_of_source=line_of(data, "source"))


def content_files(root: Path) -> list[Path]:
    files = sorted((root / GUIDELINES_DIR).glob("*.md")) + sorted((root / CHECKLISTS_DIR).glob("*.yaml"))
    return files + [root / GLOSSARY_FILE, root / ROLES_FILE]


def fingerprint(root: Path) -> tuple:
    result = []
    for path in content_files(root):
        try:
            st = path.stat()
            result.append((str(path), st.st_mtime_ns, st.st_size))
        except FileNotFoundError:
            result.append((str(path), None, None))
    return tuple(result)


def parse_all(root: Path, report: Report) -> Content:
    """Parse every file, collecting problems in `report`. Renders the Markdown."""
    root = Path(root)
    stamp = fingerprint(root)
    guidelines_dir = root / GUIDELINES_DIR
    if not guidelines_dir.is_dir():
        report.error(guidelines_dir, None, "mappen med riktlinjer saknas")
    guidelines = [g for g in (parse_guideline(p, report) for p in sorted(guidelines_dir.glob("*.md"))) if g]
    guidelines.sort(key=lambda g: (g.order, g.slug))
    glossary = parse_glossary(root / GLOSSARY_FILE, report)
    roles = parse_roles(root / ROLES_FILE, report)
    checklists = {}
    for path in sorted((root / CHECKLISTS_DIR).glob("*.yaml")):
        checklist = parse_checklist(path, report)
        if checklist:
            checklists[checklist.key] = checklist
    for g in guidelines:
        result = render(g.markdown, glossary=glossary_matcher(glossary, g.slug))
        g.html, g.toc, g.headings, g.sections, g.links, g.terms = (
            result.html, result.toc, result.headings, result.sections, result.links, result.terms)
        g.pdf_html = render(g.markdown, glossary=None, heading_links=False).html
    by_slug = {g.slug: g for g in guidelines}
    for group in roles.values():
        for role in group:
            target = by_slug.get(role.source.guideline)
            if target is not None:
                role.source.anchor = target.anchor_for(role.source.heading)
    return Content(root=root, guidelines=by_slug, glossary=glossary, roles=roles, checklists=checklists,
                   fingerprint=stamp)


def glossary_matcher(glossary: list[Term], guideline_slug: str) -> GlossaryMatcher:
    """The terms as a guideline page means them: its own senses first, then the general ones."""
    own = [(phrase, t.slug) for t in glossary if t.guidelines and guideline_slug in t.guidelines
           for phrase in t.phrases()]
    taken = {normalise_space(p).casefold() for p, _ in own}
    general = [(phrase, t.slug) for t in glossary if not t.guidelines for phrase in t.phrases()
               if normalise_space(phrase).casefold() not in taken]
    return GlossaryMatcher(own + general)
