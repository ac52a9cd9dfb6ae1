"""Security headers and error pages that leak nothing."""
from __future__ import annotations

import logging
import traceback

from flask import Flask, render_template, request
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
    413: "Filen är för stor",
    429: "För många försök",
    500: "Något gick fel",
}


def init_app(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "no-referrer")
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
