"""`portal content check`: everything that can be wrong in content/, with file and line.

Errors: what load_content() rejects (YAML, front matter, missing keys, duplicate slugs and keys)
and broken cross references: links and #anchors between guidelines, links to the glossary and
roles, the sources of roles, glossary terms and checklists. Warnings: things that work but
deserve a look (a glossary term its source never uses, a checklist item not in its source)."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from ..content_errors import ContentFileError
from ..plans.areas import confirmation_warning, load_plan_areas
from .content import GUIDELINES_DIR, Content, Report, parse_all
from .text import normalise_space

_H1 = re.compile(r"^#\s+\S", re.M)


def check_content(root: Path) -> Report:
    root = Path(root)
    report = Report(root)
    content = parse_all(root, report)
    _check_guidelines(content, report)
    _check_glossary(content, report)
    _check_roles(content, report)
    _check_checklists(content, report)
    _check_plan_areas(root, report)
    return report


def _check_plan_areas(root: Path, report: Report) -> None:
    """content/plan_areas.yaml: the areas of Barnets plan, a warning until the region confirms them."""
    try:
        areas = load_plan_areas(root)
    except ContentFileError as exc:
        report.error(Path(exc.path), exc.line, exc.problem)
        return
    warning = confirmation_warning(areas)
    if warning:
        report.warn(areas.path, 1, warning)


def _link_line(g, href: str) -> int:
    for needle in (f"({href}", href, _as_markdown_file(href)):
        if needle and needle in g.markdown:
            return g.line_of(needle)
    return g.body_line


def _as_markdown_file(href: str) -> str | None:
    m = re.match(r"^/riktlinjer/([a-z0-9-]+)(#.*)?$", href)
    return f"{m.group(1)}.md{m.group(2) or ''}" if m else None


def _check_guidelines(content: Content, report: Report) -> None:
    orders: dict[int, str] = {}
    for g in content.guidelines.values():
        for m in _H1.finditer(g.markdown):
            report.error(g.path, g.line_of(m.group()), "rubriker i texten börjar med ## (# är sidans titel)")
        if g.order in orders:
            report.warn(g.path, 1, f"order {g.order} används också av '{orders[g.order]}'")
        orders.setdefault(g.order, g.slug)
        for href in g.links:
            problem = link_problem(content, g, href)
            if problem:
                report.error(g.path, _link_line(g, href), problem)


def link_problem(content: Content, g, href: str) -> str | None:
    """Why an internal link in guideline `g` is broken, or None."""
    if href.lower().startswith(("http://", "https://", "mailto:", "tel:")):
        return None
    parts = urlsplit(href)
    path, fragment = parts.path, parts.fragment
    if not path:
        if fragment and fragment not in g.heading_ids():
            return f"länken '{href}' pekar på ett avsnitt som inte finns i riktlinjen"
        return None
    if not path.startswith("/"):
        return f"länken '{href}' är relativ; skriv '/riktlinjer/<slug>#avsnitt' eller '<slug>.md#avsnitt'"
    if path.startswith("/riktlinjer/"):
        slug = path[len("/riktlinjer/"):].rstrip("/")
        if not slug:
            return None
        pdf = slug.endswith(".pdf")
        slug = slug[:-4] if pdf else slug
        target = content.guidelines.get(slug)
        if target is None:
            return f"länken '{href}' pekar på riktlinjen '{slug}', som inte finns i {GUIDELINES_DIR}/"
        if fragment and not pdf and fragment not in target.heading_ids():
            return f"länken '{href}' pekar på avsnittet '#{fragment}', som inte finns i '{slug}'"
        return None
    if path.rstrip("/") == "/ordlista":
        if fragment and content.term(fragment) is None:
            return f"länken '{href}' pekar på begreppet '{fragment}', som inte finns i ordlistan"
        return None
    if path.rstrip("/") == "/roller":
        if fragment and content.role(fragment) is None:
            return f"länken '{href}' pekar på rollen '{fragment}', som inte finns i roles.yaml"
        return None
    return None  # another part of the portal (a form); checked by that feature


def _check_glossary(content: Content, report: Report) -> None:
    path = content.root / "glossary.yaml"
    for t in content.glossary:
        g = content.guidelines.get(t.source)
        if g is None:
            report.error(path, t.source_line or t.line, f"begreppet '{t.term}': källan '{t.source}' är ingen riktlinje i {GUIDELINES_DIR}/")
        elif t.slug not in g.terms:
            report.warn(path, t.line, f"begreppet '{t.term}' (eller ett alias) förekommer inte i källan '{t.source}'")


def _check_roles(content: Content, report: Report) -> None:
    path = content.root / "roles.yaml"
    for entries in content.roles.values():
        for r in entries:
            src = r.source
            g = content.guidelines.get(src.guideline)
            if g is None:
                report.error(path, src.line or r.line, f"'{r.key}': källan '{src.guideline}' är ingen riktlinje i {GUIDELINES_DIR}/")
                continue
            matches = [h for h in g.headings if normalise_space(h[2]) == normalise_space(src.heading)]
            if not matches:
                report.error(path, src.line or r.line, f"'{r.key}': rubriken '{src.heading}' finns inte i '{src.guideline}'")
            elif len(matches) > 1:
                report.error(path, src.line or r.line, f"'{r.key}': rubriken '{src.heading}' finns {len(matches)} gånger i "
                                                       f"'{src.guideline}'; länken går till den första")


def _check_checklists(content: Content, report: Report) -> None:
    for checklist in content.checklists.values():
        g = content.guidelines.get(checklist.source)
        if g is None:
            report.error(checklist.path, checklist.line_of_source, f"checklistans källa '{checklist.source}' är ingen riktlinje")
            continue
        text = normalise_space(" ".join(s.text for s in g.sections))
        for item in checklist.items():
            if normalise_space(item.text) not in text:
                report.warn(checklist.path, item.line, f"punkten '{item.key}' står inte ordagrant i '{checklist.source}'")
