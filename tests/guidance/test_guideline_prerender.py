"""Guideline PDFs prepared ahead (issue 32): `portal guidance prerender` writes every guideline's
PDF for the current content version into the instance folder, and the route serves those files
without rendering; another content version renders (and never reads a stale file)."""
from __future__ import annotations

import shutil

from tests.helpers import ROOT

TEMPLATE = "guidance/guideline_pdf.html"


def test_prerender_writes_every_guideline_and_the_route_serves_them_without_rendering(app_factory, tmp_path):
    from portal.pdf import RENDERS

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    config = dict(PORTAL_CONTENT_DIR=str(content), PORTAL_PUBLIC_CACHE=False)
    app = app_factory(**config)
    result = app.test_cli_runner().invoke(args=["guidance", "prerender"])
    assert result.exit_code == 0, result.output
    slugs = list(app.extensions["guidance"].get().guidelines)
    assert slugs and f"{len(slugs)} PDF:er skapades" in result.output
    files = {path.stem: path for path in (tmp_path / "instance" / "guideline-pdfs").glob("*/*.pdf")}
    assert set(files) == set(slugs)
    assert all(path.read_bytes().startswith(b"%PDF") for path in files.values())

    # A new worker process (a new app: nothing kept in memory) serves the files without rendering.
    before = RENDERS[TEMPLATE]
    client = app_factory(**config).test_client()
    for slug in slugs:
        response = client.get(f"/riktlinjer/{slug}.pdf")
        assert response.status_code == 200 and response.data == files[slug].read_bytes()
    assert RENDERS[TEMPLATE] == before

    # After a content change the old files do not match: the route renders the new version.
    path = content / "guidelines" / f"{slugs[0]}.md"
    assert path.exists()
    path.write_text(path.read_text() + "\n\nEtt nytt stycke.\n")
    fresh = app_factory(**config).test_client()
    response = fresh.get(f"/riktlinjer/{slugs[0]}.pdf")
    assert response.status_code == 200 and response.data != files[slugs[0]].read_bytes()
    assert RENDERS[TEMPLATE] == before + 1
