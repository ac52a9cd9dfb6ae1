"""Security headers and error pages that leak nothing."""
from __future__ import annotations

import logging
import traceback
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger("portal.security")

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

ERROR_TITLES = {
    400: "Felaktig begäran",
    403: "Du har inte behörighet",
    404: "Sidan finns inte",
    405: "Metoden är inte tillåten",
    413: "Det du skickade är för stort",
    429: "För många försök",
    500: "Något gick fel",
}


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CROSS_SITE_MESSAGE = ("Formuläret skickades från en annan webbplats och togs inte emot. "
                      "Öppna sidan i portalen, ladda om den och försök igen.")


def _origin(url: str | None) -> str | None:
    """scheme://host[:port] of a URL, lower-cased, default ports dropped; None if it has none."""
    if not url or url == "null":
        return None
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return None
    port = parts.port
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, default) else f"{host}:{port}"
    return f"{parts.scheme.lower()}://{netloc}"


def own_origins() -> set[str]:
    """The origins a form of the portal is posted from: the configured base URL and the host the
    request names (after ProxyFix, so the scheme nginx terminated)."""
    origins = {_origin(current_app.config.get("PORTAL_BASE_URL")), _origin(request.host_url)}
    origins.discard(None)
    return origins


def same_origin_problem() -> str | None:
    """Why an unsafe request does not come from the portal's own pages, or None.

    Flask-WTF's token is the main defence; this is the second one that its strict HTTPS Referer
    check used to be, made to work without a Referer. Browsers send `Origin` on every POST and
    `Sec-Fetch-Site` on every request; `Referer` is checked only when neither is there. A request
    with none of the three (an old client, a privacy proxy) rests on the token alone.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site and fetch_site not in ("same-origin", "none"):
        return f"Sec-Fetch-Site {fetch_site}"
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return None if _origin(origin) in own_origins() else "Origin"
    if origin == "null" and not fetch_site:
        return "Origin null"
    referer = request.headers.get("Referer")
    if referer and not fetch_site:
        return None if _origin(referer) in own_origins() else "Referer"
    return None


def init_app(app: Flask) -> None:
    @app.before_request
    def _same_origin():
        if request.method not in UNSAFE_METHODS or not app.config.get("WTF_CSRF_ENABLED", True):
            return None
        problem = same_origin_problem()
        if problem:
            log.warning("Refused a cross-origin %s to %s (%s)", request.method, request.url_rule, problem)
            raise CSRFError(CROSS_SITE_MESSAGE)
        return None

    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        # same-origin: the browser sends the Referer to the portal itself (so a form post can be
        # checked) and to nobody else, so a personal link's token never reaches another site.
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure or app.config.get("SESSION_COOKIE_SECURE"):
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if not request.path.startswith("/static/"):
            # Pages about children must not linger in shared caches or the back-button cache.
            h.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(CSRFError)
    def _csrf(error):
        if error.description == CROSS_SITE_MESSAGE:
            return render_error(400, CROSS_SITE_MESSAGE), 400
        return render_error(400, "Formuläret hade gått ut eller saknade sin säkerhetskod. Gå tillbaka, ladda om sidan och försök igen."), 400

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        code = error.code or 500
        return render_error(code), code

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        # Log the type, route and code location only: never the message or request data,
        # which can carry personal data (database errors echo the values they were given).
        frames = traceback.extract_tb(error.__traceback__)[-6:]
        where = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in reversed(frames))
        log.error("Unhandled %s on %s %s at %s", type(error).__name__, request.method, request.url_rule, where)
        return render_error(500), 500


FALLBACK = ("<!doctype html><html lang=\"sv\"><head><meta charset=\"utf-8\"><title>Något gick fel</title></head>"
            "<body><main><h1>Något gick fel</h1><p>Ett oväntat fel inträffade. Försök igen om en stund.</p>"
            "<p><a href=\"/\">Till startsidan</a></p></main></body></html>")


def render_error(code: int, message: str | None = None):
    try:
        return render_template(
            "errors/error.html",
            code=code,
            title=ERROR_TITLES.get(code, "Något gick fel"),
            message=message,
        )
    except Exception as exc:  # the error page itself must never fail
        log.error("Error page failed with %s", type(exc).__name__)
        return FALLBACK
