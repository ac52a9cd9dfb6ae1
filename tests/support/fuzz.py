"""Hypothesis strategies and checks shared by the form fuzzing tests.

What every fuzzed request must show: never a 500; a refused form is a 400 with the error summary
and keeps what was typed; a saved one redirects; and nothing that looks like markup is ever
reflected raw (Jinja escapes it) — checked on the answer and on the page that shows the record."""
from __future__ import annotations

import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(max_examples=30, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

PAYLOADS = [
    "<script>alert('xss')</script>",
    "\"><img src=x onerror=alert(1)>",
    "</textarea><script>alert(2)</script>",
    "<svg/onload=alert(3)>",
    "javascript:alert(4)",
    "'; DROP TABLE cases; --",
    "1' OR '1'='1' --",
    "\" OR \"\"=\"",
    "Robert'); DELETE FROM audit_events;--",
    "{{ config.SECRET_KEY }}",
    "{% for x in range(10) %}x{% endfor %}",
    "${7*7} #{7*7} <%= 7*7 %>",
    "../../../../etc/passwd",
    "%00%0d%0aSet-Cookie: x=1",
    "\x00\x01\x02\x1b[31m\x7f",
    "\r\n\r\nHTTP/1.1 200 OK",
    "\u202eexe.fdp\u202c",
    "Åsa Öberg-Ärlig ÅÄÖ åäö é ü ß",
    "👨‍👩‍👧‍👦🧒🏽 \u200b\u200d\ufeff",
    "𝕿𝖊𝖘𝖙 ﷽ 𒐫",
    "   ",
    "",
]

PERSONAL_NUMBERS = [
    "20120415-2381", "201204152381", "120415-2381", "121212+1212", "20230230-1234", "20231301-0000",
    "19000229-1234", "20120475-2389", "20991231-0000", "00000000-0000", "99999999-9999", "2012-04-15-2381",
    "20120415-238", "abcdefgh-ijkl", "２０１２０４１５-２３８１", "20120415‐2381", "<script>1</script>",
]


def _long(text: str, times: int) -> str:
    return (text * times)[:20000]


texts = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(max_size=80),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"]), max_size=20),
    st.builds(_long, st.sampled_from(PAYLOADS[:6] + ["a", "å", "🧒"]), st.integers(200, 20000)),
    st.builds(lambda a, b: a + b, st.sampled_from(PAYLOADS), st.text(max_size=20)),
)
personal_numbers = st.one_of(
    st.sampled_from(PERSONAL_NUMBERS),
    st.from_regex(r"\A(19|20)?\d{6}[-+]?\d{4}\Z"),
    texts,
)
date_parts = st.one_of(st.integers(-5, 10**6).map(str), st.sampled_from(["", "0", "31", "29", "2.5", "1e3", "٣"]),
                       texts)

MARKUP = re.compile(r"<[a-zA-Z/!?]")
MARKUP_PAYLOADS = [p for p in PAYLOADS + PERSONAL_NUMBERS if MARKUP.search(p)]


def _flat(values):
    for value in values:
        if isinstance(value, (list, tuple)):
            yield from value
        else:
            yield value


def reflected_raw(values, html: str) -> list[str]:
    """The markup payloads inside submitted values that appear unescaped in the HTML. Only the
    payloads are looked for: they never occur in the portal's own markup, whereas random text
    can be something like `<input` that every form page holds anyway."""
    found = []
    for value in _flat(values):
        if not isinstance(value, str):
            continue
        found += [payload for payload in MARKUP_PAYLOADS if payload in value and payload in html]
    return found


def check_answer(response, values, *, allowed=(200, 302, 400)) -> str:
    """The common checks; returns the HTML."""
    assert response.status_code != 500, "500 on fuzzed input"
    assert response.status_code in allowed, response.status_code
    html = response.get_data(as_text=True)
    if response.status_code == 400:
        assert 'class="error-summary"' in html or "säkerhetskod" in html, "a refused form shows no error summary"
    leaks = reflected_raw(values, html)
    assert not leaks, f"reflected unescaped: {leaks}"
    return html


# --- Forms read from the page itself -----------------------------------------------------------

from dataclasses import dataclass, field  # noqa: E402
from html.parser import HTMLParser  # noqa: E402

ABSENT = object()


@dataclass
class FormField:
    name: str
    kind: str                     # text, textarea, select, radio, checkbox, hidden, button, date-part
    values: list[str] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict[str, FormField]] = []
        self.actions: list[str] = []      # each form's action attribute, in the same order
        self.current: dict[str, FormField] | None = None
        self.select: FormField | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.current = {}
            if not (a.get("action") or "").endswith("/logga-ut"):  # the header's sign-out button
                self.forms.append(self.current)
                self.actions.append(a.get("action") or "")
            return
        if self.current is None:
            return
        name = a.get("name")
        if tag == "input" and name and name != "csrf_token":
            kind = (a.get("type") or "text").lower()
            if name.endswith(("-day", "-month", "-year")):
                kind = "date-part"
            entry = self.current.setdefault(name, FormField(name, kind))
            if kind in ("radio", "checkbox", "hidden"):
                entry.values.append(a.get("value") or "y")
        elif tag == "textarea" and name:
            self.current.setdefault(name, FormField(name, "textarea"))
        elif tag == "select" and name:
            self.select = self.current.setdefault(name, FormField(name, "select"))
        elif tag == "option" and self.select is not None:
            self.select.values.append(a.get("value", ""))
        elif tag == "button" and name:
            self.current.setdefault(name, FormField(name, "button")).values.append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "form":
            self.current = None


def post_forms(html: str) -> list[dict[str, FormField]]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def post_forms_with_actions(html: str) -> list[tuple[str, dict[str, FormField]]]:
    """(action, fields) for every POST form on the page (an empty action posts to the page)."""
    parser = _FormParser()
    parser.feed(html)
    return list(zip(parser.actions, parser.forms))


def field_strategy(f: FormField):
    if f.kind == "date-part":
        return date_parts
    if f.kind in ("select", "radio") and f.values:
        return st.one_of(st.sampled_from(f.values), texts)
    if f.kind == "checkbox" and len(f.values) > 1:  # a group: any of the boxes, or something else
        return st.lists(st.one_of(st.sampled_from(f.values), texts), max_size=len(f.values) + 1)
    if f.kind == "checkbox":
        return st.one_of(st.sampled_from(f.values), st.just(ABSENT), texts)
    if f.kind == "button":
        return st.sampled_from(f.values)
    if f.kind == "hidden":
        return st.one_of(st.sampled_from(f.values or [""]), texts)
    return texts


def form_data(fields: dict[str, FormField]):
    """A strategy for a whole form posted with fuzzed values (absent checkboxes left out)."""
    return st.fixed_dictionaries({name: field_strategy(f) for name, f in fields.items()}).map(
        lambda d: {k: v for k, v in d.items() if v is not ABSENT})
