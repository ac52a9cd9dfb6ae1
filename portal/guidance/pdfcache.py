"""Guideline PDFs prepared ahead (issue 32): `portal guidance prerender` renders every guideline's
PDF for the current content version into the instance folder; guideline_pdf reads the file before
it renders, so that no worker process makes a reader wait for WeasyPrint (0.8–2.3 s the first time)
after a deploy or a content change. The file name carries a hash of the content's fingerprint, the
base URL and the PDF budget: another content version never reads a stale file."""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from flask import current_app

from ..pdf import render_pdf
from .content import Content

FOLDER = "guideline-pdfs"


def _version(content: Content) -> str:
    config = current_app.config
    key = repr((content.fingerprint, config["PORTAL_BASE_URL"], config.get("PORTAL_PDF_MAX_CHARS"),
                config.get("PORTAL_PDF_SECONDS")))
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def cache_file(content: Content, slug: str) -> Path:
    return Path(current_app.instance_path) / FOLDER / _version(content) / f"{slug}.pdf"


def render(content: Content, slug: str) -> bytes:
    g = content.guidelines[slug]
    base = current_app.config["PORTAL_BASE_URL"]
    # Links in a PDF must work outside the portal: make portal paths absolute.
    body = re.sub(r'href="/', f'href="{base}/', g.pdf_html)
    terms = [content.term(s) for s in g.terms if content.term(s)]
    return render_pdf("guidance/guideline_pdf.html", title=g.title, g=g, body=body, terms=terms, base_url=base)


def read(content: Content, slug: str) -> bytes | None:
    try:
        return cache_file(content, slug).read_bytes()
    except OSError:
        return None


def prerender(content: Content) -> list[str]:
    """Render every guideline's PDF into the file cache (atomically: a reader never sees half a
    file); returns the slugs written. Folders of other content versions are removed."""
    written = []
    for slug in content.guidelines:
        target = cache_file(content, slug)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = render(content, slug)
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
        written.append(slug)
    current = cache_file(content, "x").parent
    for folder in current.parent.iterdir():
        if folder != current and folder.is_dir():
            for old in folder.iterdir():
                old.unlink(missing_ok=True)
            folder.rmdir()
    return written
