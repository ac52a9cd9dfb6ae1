"""Floor of the signed-in guideline page (issue 32): the session row checked and the account loaded
(floor_frame), the guideline's HTML kept from start-up (the portal's own public page, BENCH_HTML:
its <main>), placed in the reader's frame."""
import os
import re

from floor_frame import make_app, page, signed_in
from markupsafe import Markup

app = make_app(__name__)
_html = open(os.environ["BENCH_HTML"], encoding="utf-8").read()
_match = re.search(r"<main[^>]*>(.*)</main>", _html, re.S)
ARTICLE = Markup(_match.group(1) if _match else _html)
TITLE = (re.search(r"<h1[^>]*>(.*?)</h1>", _html, re.S) or re.search("(.*)", "Riktlinje")).group(1)


@app.get("/riktlinjer/<slug>")
def guideline(slug: str):
    return page(app, TITLE, ARTICLE, signed_in())
