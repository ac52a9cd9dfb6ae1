"""Is a page valid HTML? An offline check with html5lib (the WHATWG parsing algorithm) plus the
document rules a parser does not report.

    from tests.support.markup import markup_problems
    assert not markup_problems(response.get_data(as_text=True))

What it reports, one line each:
  - every parse error (stray or misnested tags, a <form> inside a <form>, duplicate attributes,
    a missing doctype);
  - an id used twice (e.g. several forms' CSRF fields with id="csrf_token");
  - a required <select> (single choice, no size) whose first option is not an empty placeholder;
  - a <label for> with no labelable element of that id;
  - aria-describedby, aria-labelledby, aria-controls or a link's #fragment naming no element;
  - an error summary whose links are not in the order of the fields on the page."""
from __future__ import annotations

import html5lib

NS = "{http://www.w3.org/1999/xhtml}"
LABELABLE = {"input", "select", "textarea", "button", "meter", "output", "progress"}
ID_LISTS = ("aria-describedby", "aria-labelledby", "aria-controls")


def _tag(element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag[len(NS):] if tag.startswith(NS) else tag


def _describe(element) -> str:
    attrs = " ".join(f'{k}="{v}"' for k, v in element.attrib.items() if k in ("id", "name", "for", "href", "class"))
    return f"<{_tag(element)}{' ' + attrs if attrs else ''}>"


def markup_problems(html: str) -> list[str]:
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=True)
    root = parser.parse(html)
    problems = [f"parse error at line {line}, column {col}: {code} {data or ''}".rstrip()
                for (line, col), code, data in parser.errors]
    elements = [e for e in root.iter() if _tag(e)]
    by_id: dict[str, list] = {}
    for e in elements:
        if e.get("id") is not None:
            by_id.setdefault(e.get("id"), []).append(e)
    problems += [f"id {key!r} is used {len(found)} times ({', '.join(_describe(e) for e in found[:3])})"
                 for key, found in by_id.items() if len(found) > 1]
    problems += [f"empty id on {_describe(e)}" for e in by_id.get("", [])]
    for e in elements:
        tag = _tag(e)
        if tag == "select" and e.get("required") is not None and e.get("multiple") is None \
                and e.get("size") in (None, "1"):
            first = next((o for o in e.iter() if _tag(o) in ("option", "optgroup")), None)
            if first is None or _tag(first) != "option" or first.get("value", (first.text or "").strip()) != "":
                problems.append(f"required {_describe(e)} does not start with an empty option (“Välj …”)")
        if tag == "label" and e.get("for") is not None:
            target = by_id.get(e.get("for"), [])
            if not target or _tag(target[0]) not in LABELABLE:
                problems.append(f"{_describe(e)} labels no form control")
        for attribute in ID_LISTS:
            for key in (e.get(attribute) or "").split():
                if key not in by_id:
                    problems.append(f"{_describe(e)} {attribute} names no element: {key!r}")
        href = e.get("href") or ""
        if tag == "a" and href.startswith("#") and len(href) > 1 and href[1:] not in by_id \
                and href[1:] not in {x.get("name") for x in elements if _tag(x) == "a"}:
            problems.append(f"{_describe(e)} points to no element on the page")
    position = {id(e): i for i, e in enumerate(elements)}
    for summary in (e for e in elements if e.get("data-error-summary") is not None):
        targets = [a.get("href")[1:] for a in summary.iter() if _tag(a) == "a" and (a.get("href") or "").startswith("#")]
        found = [(t, position[id(by_id[t][0])]) for t in targets if t in by_id]
        if [p for _, p in found] != sorted(p for _, p in found):
            problems.append(f"the error summary is not in page order: {[t for t, _ in found]} "
                            f"(on the page: {[t for t, _ in sorted(found, key=lambda x: x[1])]})")
    return problems
