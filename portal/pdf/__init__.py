"""PDFs from HTML templates with WeasyPrint: tagged (PDF/UA-1), with title and language.

    from portal.pdf import render_pdf, pdf_response
    data = render_pdf("consent/receipt_pdf.html", title="Kvitto på samtycke", consent=consent)
    return pdf_response(data, "samtycke-kvitto.pdf")

Templates extend "pdf/base.html" (print styles, page numbers, confidentiality footer).
The same HTML can be checked with axe in a browser: render_pdf_html() returns it.

Every PDF has a budget (issue 27, docs/pdf.md): HTML over PORTAL_PDF_MAX_CHARS characters is not
rendered, and a render that takes longer than PORTAL_PDF_SECONDS is stopped. Either way the route
answers 503 with a Swedish page (PdfBudgetExceeded) instead of pinning the worker until gunicorn
kills it."""
from __future__ import annotations

import logging
import signal
import threading
import time
from collections import Counter
from pathlib import Path

from flask import Flask, Response, current_app, render_template
from werkzeug.exceptions import HTTPException

log = logging.getLogger("portal.pdf")
STATIC = Path(__file__).resolve().parent.parent.parent / "static"


def init_app(app: Flask) -> None:
    # Register the pdf/ template folder (base layout for every PDF).
    from flask import Blueprint

    app.register_blueprint(Blueprint("pdf", __name__, template_folder="templates"))
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    app.register_error_handler(PdfBudgetExceeded, _budget_page)


class PdfBudgetExceeded(HTTPException):
    """A PDF over its budget: the route answers 503 with a Swedish page (no route needs to catch it)."""

    code = 503

    def __init__(self, description: str, *, retry: bool):
        super().__init__(description)
        self.retry = retry


TOO_LARGE = ("PDF:en blir för stor för att skapas. Skriv ut sidan från webbläsaren i stället, "
             "eller be portalens administratör om hjälp.")
TOO_SLOW = ("PDF:en tog för lång tid att skapa. Försök igen om en stund, eller skriv ut sidan från "
            "webbläsaren i stället. Ingenting du har sparat har gått förlorat.")


def _budget_page(error: PdfBudgetExceeded):
    html = render_template("errors/error.html", code=error.code, title="PDF:en kunde inte skapas",
                           message=error.description)
    response = Response(html, status=error.code, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    if error.retry:
        response.headers["Retry-After"] = "60"
    return response


class _OutOfTime(Exception):
    pass


class _TimeBudget:
    """`with _TimeBudget(seconds, template, size):` stops the block after `seconds` by SIGALRM and
    raises PdfBudgetExceeded instead.

    Only the main thread can take signals: gunicorn's sync workers run requests there. In another
    thread (the threaded development server) the block runs without a timer and only the size
    cap bounds it. The timer repeats every 50 ms until the block ends: an exception raised while
    Python runs a weakref callback or a C library's callback is printed and dropped, and the next
    one lands in ordinary code. It never raises inside __enter__ or __exit__ (they would leave the
    timer running). A timer already set (a test runner's, say) is put back afterwards with its
    remaining time."""

    REPEAT = 0.05

    def __init__(self, seconds: float, template: str, size: int):
        self.seconds, self.template, self.size = seconds, template, size
        self.active = False
        self.previous = None

    def _expire(self, signum, frame):
        if self.active and (frame is None or frame.f_code not in _BUDGET_FRAMES):
            raise _OutOfTime()

    def __enter__(self):
        self.started = time.monotonic()
        if self.seconds <= 0 or threading.current_thread() is not threading.main_thread():
            return self
        handler = signal.signal(signal.SIGALRM, self._expire)
        self.active = True
        self.previous = (handler, *signal.setitimer(signal.ITIMER_REAL, self.seconds, self.REPEAT))
        return self

    def __exit__(self, exc_type, exc, tb):
        self.active = False
        if self.previous is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            handler, delay, interval = self.previous
            signal.signal(signal.SIGALRM, handler)
            if delay:
                signal.setitimer(signal.ITIMER_REAL, max(delay - (time.monotonic() - self.started), 1e-3), interval)
        if exc_type is _OutOfTime:
            log.warning("PDF %s stopped after %.1f s (budget %s s, %d characters of HTML)", self.template,
                        time.monotonic() - self.started, self.seconds, self.size)
            raise PdfBudgetExceeded(TOO_SLOW, retry=True) from None
        return False


_BUDGET_FRAMES = {_TimeBudget.__enter__.__code__, _TimeBudget.__exit__.__code__}


def render_pdf_html(template: str, *, title: str, lang: str = "sv", **context) -> str:
    return render_template(template, pdf_title=title, pdf_lang=lang, **context)


def static_fetcher():
    """WeasyPrint reads the portal's static files and nothing else (portal/pdf/fetcher.py)."""
    # local: WeasyPrint (the fetcher uses it) loads with the first PDF, not with the app
    from .fetcher import StaticFilesOnly

    return StaticFilesOnly(STATIC)


_weasy: tuple | None = None
RENDERS: Counter[str] = Counter()  # PDFs rendered by this process, per template (what the caches save)
_render_lock = threading.Lock()


def _stylesheet_and_fonts():
    """pdf.css parsed once per process, with one FontConfiguration kept with it: a new one for
    every PDF made WeasyPrint find and load the fonts again (bench/load_pdf.py). pdf.css has no
    @font-face, so the configuration holds only the system fonts and does not grow."""
    global _weasy
    if _weasy is None:
        # local: WeasyPrint loads only when it is used (a slow import, not needed to serve most pages)
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        fonts = FontConfiguration()
        _weasy = (CSS(filename=str(STATIC / "css" / "pdf.css"), font_config=fonts, url_fetcher=static_fetcher()), fonts)
    return _weasy


def render_pdf(template: str, *, title: str, lang: str = "sv", seconds: float | None = None,
               max_chars: int | None = None, **context) -> bytes:
    """`seconds` and `max_chars` replace PORTAL_PDF_SECONDS and PORTAL_PDF_MAX_CHARS (a background
    worker, where nobody waits for the answer, has a larger budget)."""
    # local: WeasyPrint loads only when it is used (a slow import, not needed to serve most pages)
    from weasyprint import HTML

    html = render_pdf_html(template, title=title, lang=lang, **context)
    limit = max_chars or current_app.config["PORTAL_PDF_MAX_CHARS"]
    if len(html) > limit:
        log.warning("PDF %s not rendered: %d characters of HTML, the limit is %d", template, len(html), limit)
        raise PdfBudgetExceeded(TOO_LARGE, retry=False)
    RENDERS[template] += 1
    # One PDF at a time per process: the kept font configuration (Pango's font map) is not made
    # for use from two threads at once (the threaded development server, the browser tests).
    with _render_lock, _TimeBudget(seconds or current_app.config["PORTAL_PDF_SECONDS"], template, len(html)):
        stylesheet, fonts = _stylesheet_and_fonts()
        document = HTML(string=html, base_url=str(STATIC), url_fetcher=static_fetcher()).render(
            stylesheets=[stylesheet], font_config=fonts)
        return document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True, custom_metadata=True,
                                  uncompressed_pdf=False)


def pdf_response(data: bytes, filename: str, inline: bool = True) -> Response:
    disposition = "inline" if inline else "attachment"
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def base_url() -> str:
    return current_app.config["PORTAL_BASE_URL"]
