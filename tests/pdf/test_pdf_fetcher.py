"""Issue 27: WeasyPrint read whatever a PDF's HTML pointed at. Text people typed ends up in PDFs,
so an <img src="file:///etc/passwd"> or an http:// URL in it made the server read a local file or
call any address. The portal's fetcher (portal/pdf/fetcher.py) reads only its own static files."""
from __future__ import annotations

import base64
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from jinja2 import ChoiceLoader, DictLoader
from PIL import Image
from pypdf import PdfReader


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def web_server():
    """A real HTTP server on loopback that serves an image and counts what is asked of it."""
    asked = []
    image = png()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png" if self.path.endswith(".png") else "text/css")
            body = image if self.path.endswith(".png") else b"body { color: red }"
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def images_in(data: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages)


def render(app, body: str) -> bytes:
    from portal.pdf import render_pdf

    with app.test_request_context():
        app.jinja_env.loader = ChoiceLoader([DictLoader({"probe.html": (
            '{% extends "pdf/base.html" %}{% block content %}<h1>Prov</h1>' + body + '{% endblock %}')}),
            app.jinja_env.loader])
        return render_pdf("probe.html", title="Prov")


def test_a_pdf_fetches_no_local_file_and_no_web_address(app, tmp_path, web_server):
    base, asked = web_server
    secret = tmp_path / "hemlig.png"
    secret.write_bytes(png())
    data = render(app, f'<p>Text</p><img src="{secret.as_uri()}" alt="lokal fil">'
                       '<img src="file:///etc/passwd" alt="passwd">'
                       f'<img src="{base}/bild.png" alt="webb">'
                       f'<link rel="stylesheet" href="{base}/stil.css">'
                       f'<div class="x" style="background: url({base}/bakgrund.png)">x</div>'
                       '<img src="../pyproject.toml" alt="utanför static">'
                       f'<img src="data:image/png;base64,{base64.b64encode(png()).decode()}" alt="data">')
    assert asked == []
    assert images_in(data) == 0
    assert "Prov" in PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_the_fetcher_reads_files_inside_its_folder_only(tmp_path, web_server):
    from weasyprint import HTML

    from portal.pdf.fetcher import StaticFilesOnly

    base, asked = web_server
    root = tmp_path / "static"
    (root / "img").mkdir(parents=True)
    (root / "img" / "logga.png").write_bytes(png())
    outside = tmp_path / "utanfor.png"
    outside.write_bytes(png())
    (root / "img" / "lank.png").symlink_to(outside)
    fetcher = StaticFilesOnly(root)

    def pdf(src: str) -> bytes:
        return HTML(string=f'<img src="{src}" alt="x">', base_url=str(root), url_fetcher=fetcher).write_pdf()

    assert images_in(pdf("img/logga.png")) == 1                      # the portal's own file
    assert images_in(pdf((root / "img" / "logga.png").as_uri())) == 1
    for src in ("img/lank.png", "../utanfor.png", "img/../../utanfor.png", outside.as_uri(),
                "file://localhost" + str(outside), "file://annan-dator" + str(root / "img" / "logga.png"),
                f"{base}/bild.png", "file:///etc/passwd"):
        assert images_in(pdf(src)) == 0, src
    assert asked == []


def test_the_portals_own_stylesheet_is_still_read():
    from portal.pdf import STATIC, static_fetcher

    response = static_fetcher().fetch((STATIC / "css" / "pdf.css").as_uri())
    try:
        assert b"@page" in response.read()
    finally:
        response.close()
    with pytest.raises(ValueError):
        static_fetcher().fetch((STATIC.parent / "pyproject.toml").as_uri())
