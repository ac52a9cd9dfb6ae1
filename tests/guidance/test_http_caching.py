"""HTTP caching: the published guidance is public (Cache-Control, ETag, Last-Modified, 304) to a
visitor without a session and kept in memory; nothing with personal data is ever cacheable.

The last test puts the recommended nginx configuration (deploy/nginx/) in front of a real
portal on loopback and checks what nginx stores and what it never does."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.helpers import ROOT
from tests.helpers import TEST_PASSWORD, login

GUIDELINE = "/riktlinjer/norrbus-riktlinjer"
PUBLIC_PATHS = ["/riktlinjer/", GUIDELINE, "/roller/", "/ordlista/", "/sok?q=m%C3%B6te", "/sok"]
PUBLIC_ENDPOINTS = {"guidance.index", "guidance.guideline", "guidance.guideline_pdf", "guidance.roles",
                    "guidance.glossary", "guidance.search"}


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_page_carries_validators_and_answers_304(client, path):
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert "Cookie" in first.headers.get("Vary", "")
    assert "Set-Cookie" not in first.headers
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]

    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    changed = client.get(path, headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200 and changed.data == first.data


def test_repeated_public_page_is_served_from_memory_unchanged(app, client):
    cache = app.extensions["public_page_cache"]
    first = client.get(GUIDELINE)
    hits = cache.hits
    second = client.get(GUIDELINE)
    assert cache.hits == hits + 1
    assert second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]
    assert int(second.headers["Age"]) >= 0
    head = client.head(GUIDELINE)
    assert head.status_code == 200 and head.data == b""


def test_signed_in_visitor_never_gets_or_leaves_a_shared_page(app, client, make_user):
    anonymous_page = client.get(GUIDELINE).data.decode()
    assert "Logga ut" not in anonymous_page

    make_user("anna@skola.example", name="Anna Läsare")
    staff = app.test_client()
    login(staff, "anna@skola.example")
    response = staff.get(GUIDELINE)
    page = response.data.decode()
    assert "Logga ut" in page and "Mitt konto" in page       # the signed-in menu, not the stored page
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers
    assert staff.get(GUIDELINE, headers={"If-None-Match": "*"}).status_code == 200

    # ...and what the signed-in visitor saw is never handed to the next anonymous visitor.
    assert "Logga ut" not in app.test_client().get(GUIDELINE).data.decode()


def test_a_flash_message_in_the_session_keeps_the_page_private(app, client):
    # A failed login leaves the visitor a session; the next page is theirs alone.
    client.post("/logga-in", data={"email": "ingen@skola.example", "password": "fel-lösenord-123"})
    if client.get_cookie("session") is None:
        pytest.fail("a failed login was expected to leave a session cookie")
    response = client.get(GUIDELINE)
    assert response.headers["Cache-Control"] != "public, max-age=300"


def test_pages_with_personal_data_are_no_store_for_every_role(app, make_user, make_case):
    staff = make_user("staff@skola.example", role="staff", units=("solbackens-skola",))
    make_user("chef@skola.example", role="manager", units=("solbackens-skola",))
    make_user("admin@skola.example", role="admin", units=())
    ref = make_case(staff, unit_key="solbackens-skola")
    plain_gets = [rule for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static"]
    assert len(plain_gets) > 20
    checked = 0
    for email in (None, "staff@skola.example", "chef@skola.example", "admin@skola.example"):
        client = app.test_client()
        if email:
            login(client, email)
        paths = [rule.rule for rule in plain_gets] + [f"/arenden/{ref}"]
        for path in paths:
            # A visitor sent to the login page gets a flash message in a session: a new one each time.
            response = (client if email else app.test_client()).get(path)
            control = response.headers.get("Cache-Control", "")
            endpoint = app.url_map.bind("localhost").match(path)[0]
            if email is None and endpoint in PUBLIC_ENDPOINTS and response.status_code == 200:
                assert control.startswith("public"), path
            else:
                assert control == "no-store", (email, path, control)
            checked += 1
    assert checked > 80


def test_cache_is_bounded_and_stores_only_successes(app, client):
    cache = app.extensions["public_page_cache"]
    cache.max_entries = 3
    for word in ("samordnare", "möte", "skola", "vårdnadshavare", "rektor"):
        assert client.get(f"/sok?q={word}").status_code == 200
    assert len(cache.entries) == 3
    assert client.get("/riktlinjer/finns-inte").status_code == 404
    assert not [key for key in cache.entries if key[0] == "/riktlinjer/finns-inte"]
    assert client.get("/riktlinjer/finns-inte").status_code == 404


def test_a_query_string_the_page_does_not_read_is_the_same_page(app, client):
    """Issue 27: ?n=1, ?n=2, … used to render the page again each time. The search reads only q."""
    cache = app.extensions["public_page_cache"]
    first = client.get(GUIDELINE + "?n=1")
    hits, misses = cache.hits, cache.misses
    for query in ("?n=2", "?n=3&utm_source=x", "", "?"):
        again = client.get(GUIDELINE + query)
        assert again.status_code == 200 and again.data == first.data
    assert (cache.hits, cache.misses) == (hits + 4, misses)
    assert client.get("/sok?q=skola&n=1").status_code == 200
    hits, misses = cache.hits, cache.misses
    assert client.get("/sok?q=skola&n=2").status_code == 200 and cache.hits == hits + 1
    other = client.get("/sok?q=rektor")
    assert cache.misses == misses + 1 and "rektor" in other.data.decode()
    empty = client.get("/sok?q=")   # "you wrote nothing" is another page than /sok
    assert "Du skrev inget att söka efter" in empty.data.decode()
    assert "Du skrev inget att söka efter" not in client.get("/sok?n=1").data.decode()


def test_the_guideline_pdf_is_rendered_once_per_content_version_whatever_the_query(app_factory, tmp_path, make_user):
    from portal.pdf import RENDERS

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    # Without the page cache in front: the PDF itself is kept with the content version.
    app = app_factory(PORTAL_CONTENT_DIR=str(content), PORTAL_PUBLIC_CACHE=False)
    client = app.test_client()
    before = RENDERS["guidance/guideline_pdf.html"]
    answers = [client.get(f"{GUIDELINE}.pdf?n={n}") for n in range(1, 4)]
    make_user("anna@skola.example", units=("solbackens-skola",))
    signed_in = app.test_client()
    login(signed_in, "anna@skola.example")
    answers.append(signed_in.get(f"{GUIDELINE}.pdf?n=4"))
    assert {a.status_code for a in answers} == {200} and len({a.data for a in answers}) == 1
    assert RENDERS["guidance/guideline_pdf.html"] == before + 1
    # A new content version is a new PDF.
    path = content / "guidelines" / "norrbus-riktlinjer.md"
    path.write_text(path.read_text() + "\n\nEtt nytt stycke.\n")
    fresh = app_factory(PORTAL_CONTENT_DIR=str(content), PORTAL_PUBLIC_CACHE=False).test_client()
    assert fresh.get(f"{GUIDELINE}.pdf?n=5").status_code == 200
    assert RENDERS["guidance/guideline_pdf.html"] == before + 2


def test_static_export_is_not_served_from_the_live_cache(app, client, tmp_path):
    from portal.guidance.freeze import freeze

    live = client.get("/sok").data.decode()
    assert "data-search-results" not in live
    with app.app_context():
        freeze(app, tmp_path / "site", pdf=False)
    exported = (tmp_path / "site" / "sok" / "index.html")
    exported = exported if exported.exists() else next((tmp_path / "site").rglob("sok*.html"))
    assert "data-search-results" in exported.read_text()
    assert "data-search-results" not in client.get("/sok").data.decode()


# --- the recommended nginx in front of a real portal ---------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _open(opener, url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=20) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.fixture
def portal_behind_nginx(app, tmp_path):
    from werkzeug.serving import make_server

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        pytest.fail("nginx is missing: `make test` installs it (sudo scripts/system-deps.sh test)")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = _free_port()
    folder = tmp_path / "nginx"
    folder.mkdir()
    user = "user root root;" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(f"""{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream samverkansportalen {{ server 127.0.0.1:{server.server_port}; }}
    proxy_cache_path {folder}/cache levels=1:2 keys_zone=samverkansportalen:1m max_size=20m use_temp_path=off;
    server {{ listen 127.0.0.1:{port}; include {ROOT}/deploy/nginx/portal-locations.conf; }}
}}
""")
    proc = subprocess.Popen([nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(url + "/riktlinjer/", timeout=2).read()
            break
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError((folder / "error.log").read_text() if (folder / "error.log").exists() else "nginx")
            time.sleep(0.1)
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)
    server.shutdown()


def test_recommended_nginx_caches_guidance_and_never_personal_pages(app, portal_behind_nginx, make_user, make_case):
    url = portal_behind_nginx
    anonymous = urllib.request.build_opener()
    statuses = [_open(anonymous, url + GUIDELINE)[1].get("X-Cache-Status") for _ in range(2)]
    assert statuses == ["MISS", "HIT"]
    # The key holds only the parameters the portal reads (q on /sok): ?n=… is the same page.
    statuses = [_open(anonymous, url + GUIDELINE + f"?n={n}")[1].get("X-Cache-Status") for n in range(1, 4)]
    assert statuses == ["MISS", "HIT", "HIT"]
    statuses = [_open(anonymous, url + path)[1].get("X-Cache-Status")
                for path in ("/sok?q=skola", "/sok?q=rektor", "/sok?q=skola&n=1")]
    assert statuses == ["MISS", "MISS", "HIT"]
    assert "rektor".encode() in _open(anonymous, url + "/sok?q=rektor")[2]
    status, headers, body = _open(anonymous, url + GUIDELINE)
    assert status == 200 and b"Logga in" in body
    assert _open(anonymous, url + GUIDELINE, {"If-None-Match": headers["ETag"]})[0] == 304

    staff = make_user("staff@skola.example", role="staff", units=("solbackens-skola",))
    ref = make_case(staff, unit_key="solbackens-skola")
    import http.cookiejar
    import re as _re

    jar = http.cookiejar.CookieJar()
    signed_in = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _, _, login_page = _open(signed_in, url + "/logga-in")
    token = _re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', login_page)
    data = {"email": "staff@skola.example", "password": TEST_PASSWORD}
    if token:
        data["csrf_token"] = token.group(1).decode()
    signed_in.open(url + "/logga-in", data=urllib.parse.urlencode(data).encode(), timeout=20).read()
    for path in (f"/arenden/{ref}", f"/arenden/{ref}", GUIDELINE, GUIDELINE, "/arenden/"):
        status, headers, body = _open(signed_in, url + path)
        assert status == 200, path
        assert headers.get("X-Cache-Status") == "BYPASS", (path, headers.get("X-Cache-Status"))
        assert headers["Cache-Control"] == "no-store"
    assert b"Logga ut" in _open(signed_in, url + GUIDELINE)[2]
    # The child's page was never stored: an anonymous visitor gets the login redirect, not the case.
    status, headers, body = _open(anonymous, url + f"/arenden/{ref}")
    assert "Testbarn".encode() not in body
    assert headers.get("X-Cache-Status") != "HIT"
    # Nor was the signed-in guideline page: anonymous visitors still get the shared one.
    assert b"Logga ut" not in _open(anonymous, url + GUIDELINE)[2]


def test_a_page_over_https_is_kept_apart_from_the_same_page_over_http(app_factory):
    app = app_factory(PORTAL_TRUSTED_PROXIES=1)
    client = app.test_client()
    plain = client.get(GUIDELINE, headers={"X-Forwarded-Proto": "http"})
    secure = client.get(GUIDELINE, headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in plain.headers
    assert "Strict-Transport-Security" in secure.headers
    again = client.get(GUIDELINE, headers={"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in again.headers
    assert len(app.extensions["public_page_cache"].entries) == 2

