"""Python-Markdown extension for the published guidelines.

Markdown in content/ is trusted configuration, but it is rendered without raw HTML: HTML in
the source comes out as visible, escaped text, and attributes (attr_list) are reduced to a
safe allow-list (no style, no event handlers, no javascript: links).

On top of the standard extensions it
  - turns links to other guidelines written as "norrbus-riktlinjer.md#samordnare" into
    "/riktlinjer/norrbus-riktlinjer#samordnare" and records every link (for the content check);
  - gives tables a caption (a paragraph "Tabell: …" right before the table), scope on header
    cells and a focusable, labelled scroll wrapper;
  - renders task lists ("- [ ] …") as a printed checklist instead of disabled checkboxes;
  - splits the text into sections (heading + text) for the search index;
  - adds a visible-on-focus link to each heading (optional);
  - links the first use of each glossary term to the glossary (optional), with
    aria-describedby pointing at the term's definition listed at the end of the page."""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field

import markdown
from markdown import Extension
from markdown.treeprocessors import Treeprocessor

from .text import normalise_space, slugify

HEADINGS = {"h2", "h3", "h4", "h5", "h6"}
SEARCH_HEADINGS = {"h2", "h3", "h4"}
SKIP_TERMS = {"h1", "h2", "h3", "h4", "h5", "h6", "a", "code", "pre", "abbr", "caption"}
BLOCKISH = {"p", "li", "td", "th", "tr", "dt", "dd", "caption", "br", "blockquote", "div", "ul", "ol", "table"}
GLOBAL_ATTRS = {"id", "class", "title", "lang"}
TAG_ATTRS = {
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
    "abbr": set(),
    "input": {"type", "checked", "disabled"},
}
SAFE_SCHEMES = ("http://", "https://", "mailto:", "tel:")
_GUIDELINE_FILE_LINK = re.compile(r"^(?:\./)?([a-z0-9][a-z0-9-]*)\.md(#.*)?$")
_PLACEHOLDER = re.compile("\x02wzxhzdk:(\\d+)\x03")
_ESCAPED = re.compile("\x02(\\d+)\x03")
_CAPTION = re.compile(r"^\s*Tabell:\s*(.+)$", re.S)


def normalise_href(href: str) -> str | None:
    """The href to publish, or None for a link that must not be followed (unknown scheme)."""
    href = href.strip()
    lowered = href.lower()
    if lowered.startswith(SAFE_SCHEMES):
        return href
    scheme = re.match(r"^([a-z][a-z0-9+.-]*):", lowered)
    if scheme:
        return None
    m = _GUIDELINE_FILE_LINK.match(href)
    if m:
        return f"/riktlinjer/{m.group(1)}{m.group(2) or ''}"
    return href


def is_abbreviation(phrase: str) -> bool:
    """Short words written with capitals ("SIP", "SoL", "SiS") are matched with their exact case,
    so that "SoL" never links the Swedish word "sol"."""
    return len(phrase) <= 5 and sum(c.isupper() for c in phrase) >= 2


class GlossaryMatcher:
    """Finds glossary terms and aliases in running text: whole words, case-insensitive (except
    abbreviations), longest phrase first, any whitespace between the words of a phrase."""

    def __init__(self, phrases: list[tuple[str, str]]):
        self.exact: dict[str, str] = {}
        self.loose: dict[str, str] = {}
        patterns: list[str] = []
        for phrase, slug in sorted(phrases, key=lambda p: (-len(p[0]), p[0])):
            key = normalise_space(phrase)
            if not key:
                continue
            pattern = r"\s+".join(re.escape(w) for w in key.split(" "))
            if is_abbreviation(key):
                if key not in self.exact:
                    self.exact[key] = slug
                    patterns.append(pattern)
            elif key.casefold() not in self.loose:
                self.loose[key.casefold()] = slug
                patterns.append(f"(?i:{pattern})")
        self.regex = re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)") if patterns else None

    def slug_for(self, matched: str) -> str | None:
        key = normalise_space(matched)
        return self.exact.get(key) or self.loose.get(key.casefold())

    def finditer(self, text: str):
        if self.regex is None:
            return
        for m in self.regex.finditer(text):
            slug = self.slug_for(m.group())
            if slug:
                yield m, slug


@dataclass
class Section:
    anchor: str            # heading id ("" for the text before the first heading)
    heading: str           # heading text ("" before the first heading)
    level: int
    path: list[str]        # enclosing headings, outermost first, ending with this heading
    text: str = ""


@dataclass
class RenderResult:
    html: str
    toc: list[dict]
    headings: list[tuple[int, str, str]]            # (level, id, text) in document order
    sections: list[Section]
    links: list[str]                                # every href written in the Markdown
    terms: dict[str, str] = field(default_factory=dict)  # glossary slug -> anchor of first use


class _SanitizeTreeprocessor(Treeprocessor):
    """Runs after attr_list: keeps only allow-listed attributes and safe link targets."""

    def run(self, root):
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            allowed = GLOBAL_ATTRS | TAG_ATTRS.get(el.tag, set())
            for name in list(el.attrib):
                value = el.attrib[name]
                if name == "style":
                    align = re.search(r"text-align:\s*(left|right|center)", value)
                    if align:
                        _add_class(el, f"align-{align.group(1)}")
                if name not in allowed:
                    del el.attrib[name]
            if el.tag == "a" and "href" in el.attrib:
                href = normalise_href(el.attrib["href"])
                if href is None:
                    del el.attrib["href"]
                    el.tag = "span"
                else:
                    el.attrib["href"] = href
            if el.tag == "img" and "src" in el.attrib and normalise_href(el.attrib["src"]) is None:
                del el.attrib["src"]


def _add_class(el, name: str) -> None:
    classes = el.get("class", "").split()
    if name not in classes:
        classes.append(name)
    el.set("class", " ".join(classes))


class _StructureTreeprocessor(Treeprocessor):
    def __init__(self, md, ext: PortalMarkdown):
        super().__init__(md)
        self.ext = ext

    # Text of the tree as a reader sees it: escapes and stashed entities resolved.
    def clean(self, text: str) -> str:
        stash = self.md.htmlStash.rawHtmlBlocks

        def placeholder(m):
            i = int(m.group(1))
            return html.unescape(str(stash[i])) if i < len(stash) else ""

        text = _PLACEHOLDER.sub(placeholder, text)
        return _ESCAPED.sub(lambda m: chr(int(m.group(1))), text)

    def block_text(self, el) -> str:
        parts: list[str] = []

        def walk(node):
            if not isinstance(node.tag, str):
                return
            spaced = node.tag in BLOCKISH
            if spaced:
                parts.append(" ")
            if node.text:
                parts.append(node.text)
            for child in node:
                walk(child)
                if child.tail:
                    parts.append(child.tail)
            if spaced:
                parts.append(" ")

        walk(el)
        return normalise_space(self.clean("".join(parts)))

    def run(self, root):
        md = self.md
        md.portal_links = [a.get("href") for a in root.iter("a") if a.get("href")]
        self._tables(root)
        self._task_lists(root)
        md.portal_sections = self._sections_and_terms(root)

    def _tables(self, root):
        counter = 0
        for parent in list(root.iter()):
            children = list(parent)
            for i, table in enumerate(children):
                if table.tag != "table":
                    continue
                counter += 1
                _add_class(table, "table")
                for th in table.iter("th"):
                    th.set("scope", "col")
                wrapper = etree.Element("div", {"class": "table-wrap", "role": "region", "tabindex": "0"})
                previous = children[i - 1] if i > 0 else None
                caption_text = None
                if previous is not None and previous.tag == "p" and len(previous) == 0 and previous.text:
                    m = _CAPTION.match(previous.text)
                    if m:
                        caption_text = normalise_space(m.group(1))
                        parent.remove(previous)
                if caption_text:
                    caption = etree.Element("caption", {"id": f"tabell-{counter}"})
                    caption.text = caption_text
                    table.insert(0, caption)
                    wrapper.set("aria-labelledby", f"tabell-{counter}")
                else:
                    wrapper.set("aria-label", f"Tabell {counter}")
                index = list(parent).index(table)
                parent.remove(table)
                wrapper.append(table)
                parent.insert(index, wrapper)

    def _task_lists(self, root):
        """pymdownx.tasklist stashes a disabled <input> at the start of each item; a published
        guideline shows a printed checklist instead (ticking happens on the case page)."""
        stash = self.md.htmlStash.rawHtmlBlocks
        for ul in root.iter("ul"):
            if "task-list" not in ul.get("class", "").split():
                continue
            ul.set("class", "checklist")
            for li in ul:
                if li.tag != "li":
                    continue
                li.attrib.pop("class", None)
                _add_class(li, "checklist__item")
                m = _PLACEHOLDER.match(li.text or "")
                if not m or int(m.group(1)) >= len(stash) or "<input" not in str(stash[int(m.group(1))]):
                    continue
                done = "checked" in str(stash[int(m.group(1))])
                li.text = li.text[m.end():].lstrip()
                if done:
                    _add_class(li, "checklist__item--done")
                    mark = etree.Element("span", {"class": "visually-hidden"})
                    mark.text = "Avbockad: "
                    mark.tail = li.text
                    li.text = ""
                    li.insert(0, mark)

    def _sections_and_terms(self, root) -> list[Section]:
        matcher = self.ext.glossary
        used: dict[str, str] = {}
        self.md.portal_terms = used
        self.md.portal_headings = []
        sections = [Section(anchor="", heading="", level=1, path=[])]
        stack: list[tuple[int, str]] = []
        texts: list[list[str]] = [[]]
        new_children = []
        for el in list(root):
            if isinstance(el.tag, str) and el.tag in HEADINGS and el.get("id"):
                level = int(el.tag[1])
                heading = self.block_text(el)
                self.md.portal_headings.append((level, el.get("id"), heading))
                if el.tag in SEARCH_HEADINGS:
                    while stack and stack[-1][0] >= level:
                        stack.pop()
                    stack.append((level, heading))
                    sections.append(Section(anchor=el.get("id"), heading=heading, level=level,
                                            path=[h for _, h in stack]))
                    texts.append([])
                else:
                    texts[-1].append(heading)
                if self.ext.heading_links:
                    new_children.append(self._with_anchor(el, heading))
                    continue
            else:
                texts[-1].append(self.block_text(el))
                if matcher is not None:
                    self._link_terms(el, used, sections[-1].anchor)
            new_children.append(el)
        if self.ext.heading_links:
            for el in list(root):
                root.remove(el)
            for el in new_children:
                root.append(el)
        for section, parts in zip(sections, texts):
            section.text = normalise_space(" ".join(p for p in parts if p))
        return [s for s in sections if s.heading or s.text]

    def _with_anchor(self, heading_el, heading: str):
        wrapper = etree.Element("div", {"class": "heading-with-anchor"})
        wrapper.tail = heading_el.tail
        heading_el.tail = None
        wrapper.append(heading_el)
        link = etree.SubElement(wrapper, "a", {"class": "heading-anchor", "href": f"#{heading_el.get('id')}"})
        sign = etree.SubElement(link, "span", {"aria-hidden": "true"})
        sign.text = "#"
        label = etree.SubElement(link, "span", {"class": "visually-hidden"})
        label.text = f"Länk till avsnittet ”{heading}”"
        return wrapper

    def _link_terms(self, el, used: dict[str, str], anchor: str) -> None:
        if not isinstance(el.tag, str) or el.tag in SKIP_TERMS:
            return
        if el.text:
            head, links = self._split(el.text, used, anchor)
            if links:
                el.text = head
                for i, a in enumerate(links):
                    el.insert(i, a)
        for child in list(el):
            self._link_terms(child, used, anchor)
            if child.tail:
                head, links = self._split(child.tail, used, anchor)
                if links:
                    child.tail = head
                    index = list(el).index(child)
                    for j, a in enumerate(links):
                        el.insert(index + 1 + j, a)

    def _split(self, text: str, used: dict[str, str], anchor: str):
        head: str | None = None
        links = []
        pos = 0
        for m, slug in self.ext.glossary.finditer(text):
            if slug in used:
                continue
            used[slug] = anchor
            a = etree.Element("a", {"class": "term", "href": f"/ordlista/#{slug}",
                                    "aria-describedby": f"begrepp-{slug}"})
            a.text = m.group()
            if links:
                links[-1].tail = text[pos:m.start()]
            else:
                head = text[pos:m.start()]
            links.append(a)
            pos = m.end()
        if not links:
            return text, []
        links[-1].tail = text[pos:]
        return head, links


class PortalMarkdown(Extension):
    def __init__(self, glossary: GlossaryMatcher | None = None, heading_links: bool = True, **kwargs):
        self.glossary = glossary
        self.heading_links = heading_links
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        # No raw HTML: block and inline HTML in the source is escaped like any other text.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SanitizeTreeprocessor(md), "portal_sanitize", 6)
        md.treeprocessors.register(_StructureTreeprocessor(md, self), "portal_structure", 4)


def render(source: str, *, glossary: GlossaryMatcher | None = None, heading_links: bool = True) -> RenderResult:
    md = markdown.Markdown(
        extensions=[
            "tables", "attr_list", "def_list", "abbr", "sane_lists",
            "toc", "pymdownx.tasklist",
            PortalMarkdown(glossary=glossary, heading_links=heading_links),
        ],
        extension_configs={
            "toc": {"slugify": slugify, "toc_depth": "2-3", "permalink": False},
            "pymdownx.tasklist": {"custom_checkbox": False, "clickable_checkbox": False},
        },
        output_format="html",
    )
    body = md.convert(source)

    def toc(tokens):
        return [{"level": t["level"], "id": t["id"], "name": html.unescape(t["name"]), "children": toc(t["children"])}
                for t in tokens]

    return RenderResult(html=body, toc=toc(md.toc_tokens), headings=md.portal_headings, sections=md.portal_sections,
                        links=md.portal_links, terms=dict(md.portal_terms))
