"""What WeasyPrint may read while it makes a PDF: the portal's own static files, nothing else.

A PDF's HTML holds text people typed (a report, a plan, a guideline). Without this an
<img src="file:///etc/passwd">, a stylesheet from http://… or ../../instance/secret_key in that
text would make the server read a local file or call any address and put the result in the PDF.
Every URL is refused (WeasyPrint then leaves the image or stylesheet out) unless it is a file://
URL, as WeasyPrint makes from a relative one against base_url, whose real path (links resolved)
lies inside the static folder."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher


class StaticFilesOnly(URLFetcher):
    def __init__(self, root: Path, **kwargs):
        super().__init__(allowed_protocols=("file",), allow_redirects=False, **kwargs)
        self.root = Path(root).resolve()

    def allowed_path(self, url: str) -> Path | None:
        """The file inside the root that ``url`` names, or None."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(url2pathname(unquote(parts.path))).resolve()
        return path if path.is_relative_to(self.root) and path.is_file() else None

    def fetch(self, url, headers=None):
        path = self.allowed_path(url)
        if path is None:
            raise ValueError("a PDF may use only the portal's static files")
        return super().fetch(path.as_uri(), headers)
