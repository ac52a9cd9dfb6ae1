"""HTTP caching of public pages: the published guidance, which holds no personal data.

Two parts, with the same rule as the recommended nginx configuration (deploy/nginx/):

- `public_page(last_modified)` marks a view's response as public when the visitor has no
  session: `Cache-Control: public, max-age=…`, a strong `ETag` of the body and `Last-Modified`,
  and answers a conditional request with 304. A signed-in visitor's page (its menu, its
  logout form's CSRF token) stays `no-store`, as every other page does (security.py).
- `PublicPageCache` is WSGI middleware that keeps such responses in memory and serves a
  repeated request from a visitor without a session cookie before Flask is entered: a guideline
  page costs about what a static file does. It stores only a 200 to a GET without cookies whose
  headers say `public` and set no cookie, for at most its max-age, in a bounded LRU, keyed on
  the path and only the query parameters the page declares (`public_page(query=("q",))`).
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import parse_qsl

from flask import Flask, current_app, make_response, request, session
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.http import is_resource_modified, parse_date

PUBLIC_MAX_AGE = 300
MAX_ENTRIES = 256
MAX_BODY = 2 * 1024 * 1024


def visitor_is_anonymous() -> bool:
    """No signed-in user and nothing in the session (no flashed message waiting)."""
    return not current_user.is_authenticated and not session


def public_page(last_modified: Callable[[], dt.datetime | None] | None = None, max_age: int = PUBLIC_MAX_AGE,
                query: tuple[str, ...] = ()):
    """Decorator for views whose page is the same for every visitor without a session.

    `query` names the query parameters the page reads (the search reads `q`); the caches key the
    page on its path and those only, so `?n=1`, `?n=2`, … cannot make it render again (issue 27).
    nginx's proxy_cache_key (deploy/nginx/portal-locations.conf) must name the same ones."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200 or not visitor_is_anonymous():
                return response
            response.headers["Cache-Control"] = f"public, max-age={max_age}"
            response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
            when = last_modified() if last_modified else None
            if when is not None:
                response.last_modified = when
            return response.make_conditional(request)

        wrapper.public_query = tuple(query)
        return wrapper

    return decorate


class _Entry:
    __slots__ = ("status", "headers", "body", "etag", "last_modified", "stored", "expires", "version")

    def __init__(self, status, headers, body, etag, last_modified, max_age, version):
        self.status, self.headers, self.body, self.version = status, headers, body, version
        self.etag, self.last_modified = etag, last_modified
        self.stored = time.monotonic()
        self.expires = self.stored + max_age


def _max_age(cache_control: str) -> int | None:
    parts = [p.strip() for p in cache_control.lower().split(",")]
    if "public" not in parts or any(p in ("no-store", "private", "no-cache") for p in parts):
        return None
    for p in parts:
        if p.startswith("max-age="):
            try:
                return int(p[8:])
            except ValueError:
                return None
    return None


class PublicPageCache:
    """WSGI middleware: repeated public pages for visitors without a session, from memory."""

    def __init__(self, app, cookie_names: tuple[str, ...], version: Callable[[], object] = lambda: None,
                 bypass: Callable[[], bool] = lambda: False, max_entries: int = MAX_ENTRIES,
                 query_of: Callable[[str], tuple[str, ...] | None] = lambda path: ()):
        self.app = app
        self.query_of = query_of   # path -> the query parameters its public page reads; None: not a public page
        self.bypass = bypass
        self.cookie_markers = tuple(f"{name}=" for name in cookie_names)
        self.version = version
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple[str, ...], _Entry] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def _cacheable_request(self, environ) -> bool:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or environ.get("HTTP_AUTHORIZATION"):
            return False
        cookies = environ.get("HTTP_COOKIE", "")
        return not any(marker in cookies for marker in self.cookie_markers) and not self.bypass()

    def __call__(self, environ, start_response):
        if not self._cacheable_request(environ):
            return self.app(environ, start_response)
        path = environ.get("PATH_INFO", "")
        params = self.query_of(path)
        if params is None:
            return self.app(environ, start_response)
        # Only the parameters the page reads are part of the key: any other query string is the
        # same page. The scheme as the proxy saw it is too: a page over https carries HSTS.
        query = tuple((k, v) for k, v in parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
                      if k in params)
        key = (path, query, environ.get("HTTP_HOST", ""), environ.get("wsgi.url_scheme", ""),
               environ.get("HTTP_X_FORWARDED_PROTO", ""))
        version = self.version()
        now = time.monotonic()
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None and (entry.expires <= now or entry.version != version):
                del self.entries[key]
                entry = None
            if entry is not None:
                self.entries.move_to_end(key)
                self.hits += 1
        if entry is not None:
            return self._serve(entry, environ, start_response, now)
        self.misses += 1
        return self._fill(key, version, environ, start_response)

    def _serve(self, entry: _Entry, environ, start_response, now: float):
        headers = entry.headers + [("Age", str(int(now - entry.stored)))]
        conditional = environ.get("HTTP_IF_NONE_MATCH") or environ.get("HTTP_IF_MODIFIED_SINCE")
        if conditional and not is_resource_modified(environ, etag=entry.etag, last_modified=entry.last_modified):
            start_response("304 Not Modified", [(k, v) for k, v in headers
                                                if k.lower() not in ("content-length", "content-type")])
            return []
        start_response(entry.status, headers)
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [entry.body]

    def _fill(self, key, version, environ, start_response):
        captured: dict = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        headers = captured.get("headers") or []
        names = {k.lower(): v for k, v in headers}
        max_age = _max_age(names.get("cache-control", ""))
        if (environ.get("REQUEST_METHOD") != "GET" or not captured.get("status", "").startswith("200")
                or max_age is None or "set-cookie" in names or "etag" not in names):
            return result
        body = b"".join(result)
        if hasattr(result, "close"):
            result.close()
        if len(body) <= MAX_BODY:
            etag = names["etag"].strip('"')
            stored = [(k, v) for k, v in headers if k.lower() not in ("date", "age")]
            with self.lock:
                self.entries[key] = _Entry(captured["status"], stored, body, etag, parse_date(names.get("last-modified")),
                                           max_age, version)
                self.entries.move_to_end(key)
                while len(self.entries) > self.max_entries:
                    self.entries.popitem(last=False)
        return [body]


def init_app(app: Flask) -> None:
    """Wrap the WSGI app in the public page cache (after every other middleware)."""
    if not app.config.get("PORTAL_PUBLIC_CACHE", True):
        return
    store = app.extensions.get("guidance")
    urls = app.url_map.bind("")

    def query_of(path: str) -> tuple[str, ...] | None:
        try:
            endpoint, _ = urls.match(path, method="GET")
        except HTTPException:  # not found, a redirect, another method
            return None
        return getattr(app.view_functions.get(endpoint), "public_query", None)

    app.wsgi_app = PublicPageCache(
        app.wsgi_app,
        cookie_names=(app.config.get("SESSION_COOKIE_NAME", "session"),
                      app.config.get("REMEMBER_COOKIE_NAME", "remember_token")),
        # The static export renders the same paths differently (portal freeze).
        version=lambda: app.config.get("PORTAL_STATIC_EXPORT", False),
        # Content re-read on every change in development: pages are rendered each time.
        bypass=lambda: store is not None and store.reloading,
        query_of=query_of)
    app.extensions["public_page_cache"] = app.wsgi_app


def content_last_modified() -> dt.datetime | None:
    """The newest modification time of the published content files (the same in every worker)."""
    store = current_app.extensions.get("guidance")
    if store is None:
        return None
    stamps = [m for _, m, _ in store.get().fingerprint if m]
    if not stamps:
        return None
    return dt.datetime.fromtimestamp(max(stamps) / 1e9, tz=dt.timezone.utc).replace(microsecond=0)

