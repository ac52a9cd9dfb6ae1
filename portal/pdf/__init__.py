"""PDFs from HTML templates with WeasyPrint: tagged (PDF/UA-1), with title and language.

    from portal.pdf import render_pdf, pdf_response
    data = render_pdf("consent/receipt_pdf.html", title="Kvitto på samtycke", consent=consent)
    return pdf_response(data, "samtycke-kvitto.pdf")

Templates extend "pdf/base.html" (print styles, page numbers, confidentiality footer).
The same HTML can be checked with axe in a browser: render_pdf_html() returns it."""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from flask import Flask, Response, current_app, render_template

log = logging.getLogger("portal.pdf")
STATIC = Path(__file__).resolve().parent.parent.parent / "static"


def init_app(app: Flask) -> None:
    # Register the pdf/ template folder (base layout for every PDF).
    from flask import Blueprint

    app.register_blueprint(Blueprint("pdf", __name__, template_folder="templates"))
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)


def render_pdf_html(template: str, *, title: str, lang: str = "sv", **context) -> str:
    return render_template(template, pdf_title=title, pdf_lang=lang, **context)


def static_fetcher():
    """WeasyPrint reads the portal's static files and nothing else (portal/pdf/fetcher.py)."""
    from .fetcher import StaticFilesOnly

    return StaticFilesOnly(STATIC)


_weasy: tuple | None = None
_render_lock = threading.Lock()


def _stylesheet_and_fonts():
    """pdf.css parsed once per process, with one FontConfiguration kept with it: a new one for
    every PDF made WeasyPrint find and load the fonts again (bench/load_pdf.py). pdf.css has no
    @font-face, so the configuration holds only the system fonts and does not grow."""
    global _weasy
    if _weasy is None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        fonts = FontConfiguration()
        _weasy = (CSS(filename=str(STATIC / "css" / "pdf.css"), font_config=fonts, url_fetcher=static_fetcher()), fonts)
    return _weasy


def render_pdf(template: str, *, title: str, lang: str = "sv", **context) -> bytes:
    from weasyprint import HTML

    html = render_pdf_html(template, title=title, lang=lang, **context)
    # One PDF at a time per process: the kept font configuration (Pango's font map) is not made
    # for use from two threads at once (the threaded development server, the browser tests).
    with _render_lock:
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
