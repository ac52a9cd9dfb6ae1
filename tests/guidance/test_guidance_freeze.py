"""`portal freeze DIR`: a static copy of the guidance that works from any web server or file share."""
from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urljoin

import pytest

BASE = "http://portal.test"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in ("link", "script") and (a.get("href") or a.get("src")):
            self.links.append(a.get("href") or a.get("src"))
        if tag == "form" and a.get("action"):
            self.links.append(a["action"])


def _parse(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def served(tmp_path):
    """serve(directory) -> base URL of a plain file server on 127.0.0.1 (stopped after the test)."""
    servers = []

    def serve(directory: Path) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(directory)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def _get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        return exc.code, b"", ""


@pytest.mark.slow
def test_the_export_served_by_a_plain_file_server_has_no_broken_links(app, tmp_path, served):
    from portal.guidance.freeze import freeze

    out = tmp_path / "export"
    with app.app_context():
        written = freeze(app, out, pdf=True)
    assert (out / "index.html") in written
    root = served(out)

    seen: dict[str, set[str]] = {}       # page URL -> ids on it
    wanted: list[tuple[str, str, str]] = []   # (from page, target URL, fragment)
    external: set[str] = set()
    queue = [root + "index.html"]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        status, body, ctype = _get(url)
        assert status == 200, url
        seen[url] = set()
        if ctype != "text/html":
            continue
        page = _parse(body.decode("utf-8"))
        seen[url] = page.ids
        for href in page.links:
            assert not href.startswith("/"), f"{url}: root-relative link {href} does not work from a file share"
            if href.startswith(("http://", "https://")):
                external.add(href)
                continue
            target, fragment = urldefrag(urljoin(url, href.split("?")[0] if "?" in href else href))
            wanted.append((url, target, fragment))
            if target not in seen:
                queue.append(target)

    pages = {u for u in seen if u.endswith(".html")}
    assert len(pages) >= 9     # start, list, five guidelines, roles, glossary, search
    assert sum(1 for u in seen if u.endswith(".pdf")) == 5
    assert any(u.endswith("static/css/portal.css") for u in seen)
    for page_url, target, fragment in wanted:
        if fragment:
            assert fragment in seen[target], f"{page_url} links to missing #{fragment} in {target}"

    # Links to the rest of the portal (forms, start page, login) go to PORTAL_BASE_URL.
    assert all(link.startswith(BASE + "/") for link in external), sorted(external)
    assert {f"{BASE}/samtycke/", f"{BASE}/avvikelser/ny", f"{BASE}/arenden/", f"{BASE}/logga-in"} <= external


def test_the_export_has_a_static_search_index_and_script(app, tmp_path, served):
    from portal.guidance.freeze import freeze

    out = tmp_path / "export"
    with app.app_context():
        freeze(app, out, pdf=False)
    root = served(out)
    status, body, _ = _get(root + "sok/search-index.json")
    assert status == 200
    index = json.loads(body)
    docs = index["docs"]
    assert len(docs) > 100
    assert {"u": "../ordlista/index.html#natverksmote", "h": "Nätverksmöte", "k": "term"}.items() <= \
        next(d for d in docs if d["h"] == "Nätverksmöte").items()
    assert any(d["u"] == "../riktlinjer/norrbus-riktlinjer.html#lansdelsniva" for d in docs)
    assert "natverksmote" in index["postings"] and "vardnadshavare" in index["postings"]
    # The same index as a script, for file shares where browsers block fetch().
    status, script, _ = _get(root + "sok/search-index.js")
    assert status == 200 and script.startswith(b"// The search index")
    assert json.loads(script.decode("utf-8").split("= ", 1)[1].rstrip().rstrip(";")) == index
    # The search page loads the scripts from files, never inline.
    html = _get(root + "sok/index.html")[1].decode("utf-8")
    assert '<script src="search-index.js" defer></script>' in html
    assert '<script src="../static/js/guidance-search.js" defer></script>' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert 'data-search-results' in html and "Det här är en sparad kopia av riktlinjerna." in html
    assert _get(root + "static/js/guidance-search.js")[0] == 200


def test_the_freeze_command_writes_the_export(app, tmp_path):
    out = tmp_path / "cli-export"
    result = app.test_cli_runner().invoke(args=["freeze", str(out), "--without-pdf"])
    assert result.exit_code == 0, result.output
    assert "filer skrevs till" in result.output
    assert (out / "riktlinjer" / "norrbus-riktlinjer.html").is_file()
    assert not (out / "riktlinjer" / "norrbus-riktlinjer.pdf").exists()
    html = (out / "riktlinjer" / "norrbus-riktlinjer.html").read_text(encoding="utf-8")
    assert 'href="../static/css/portal.css"' in html and 'href="../ordlista/index.html#sol"' in html
    # Without PDFs in the export, the PDF link goes to the portal.
    assert 'href="norrbus-riktlinjer.pdf"' not in html
    assert 'href="http://portal.test/riktlinjer/norrbus-riktlinjer.pdf"' in html
