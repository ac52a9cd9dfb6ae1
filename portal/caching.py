"""HTTP caching of public pages: the published guidance, which holds no personal data.

Two parts, with the same rule as the recommended nginx configuration (deploy/nginx/):

- `public_page(last_modified)` marks a view's response as public when the visitor has no
  session: `Cache-Control: public, max-age=…`, a strong `ETag` of the body and `Last-Modified`,
  and answers a conditional request with 304. A signed-in visitor's page (its menu, its
  logout form's CSRF token) stays `no-store`, as every other page does (security.py).
- `PublicPageCache` is WSGI middleware that keeps such responses in memory and serves a
  repeated request from a visitor without a session cookie before Flask is entered: a guideline
  page costs about what a static file does. It stores only a 200 to a GET without cookies whose
  headers say `public` and set no cookie, for at most its max-age, in a bounded LRU.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from flask import Flask, current_app, make_response, request, session
from flask_login import current_user
from werkzeug.http import is_resource_modified, parse_date

PUBLIC_MAX_AGE = 300
MAX_ENTRIES = 256
MAX_BODY = 2 * 1024 * 1024


def visitor_is_anonymous() -> bool:
    """No signed-in user and nothing in the session (no flashed message waiting)."""
    return not current_user.is_authenticated and not session


def public_page(last_modified: Callable[[], dt.datetime | None] | None = None, max_age: int = PUBLIC_MAX_AGE):
    """Decorator for views whose page is the same for every visitor without a session."""

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
                 bypass: Callable[[], bool] = lambda: False, max_entries: int = MAX_ENTRIES):
        self.app = app
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
        # The scheme as the proxy saw it is part of the key: a page over https carries HSTS.
        key = (environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), environ.get("HTTP_HOST", ""),
               environ.get("wsgi.url_scheme", ""), environ.get("HTTP_X_FORWARDED_PROTO", ""))
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

    app.wsgi_app = PublicPageCache(
        app.wsgi_app,
        cookie_names=(app.config.get("SESSION_COOKIE_NAME", "session"),
                      app.config.get("REMEMBER_COOKIE_NAME", "remember_token")),
        # The static export renders the same paths differently (portal freeze).
        version=lambda: app.config.get("PORTAL_STATIC_EXPORT", False),
        # Content re-read on every change in development: pages are rendered each time.
        bypass=lambda: store is not None and store.reloading)
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

