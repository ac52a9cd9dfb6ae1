"""Floor of the signed-in search (issue 32): the session row checked and the account loaded
(floor_frame), the query looked up in the portal's own search index (built once at start-up, as the
portal builds it once per content version; its answers are kept the same way), and the hits
listed with their snippets by a minimal template in the reader's frame."""
import sys
from pathlib import Path

from flask import request
from floor_frame import make_app, page, signed_in

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from portal.guidance.store import load_content  # noqa: E402  (the data: the index, not the portal's views)

app = make_app(__name__)
INDEX = load_content(ROOT / "content").search
RESULTS = app.jinja_env.from_string(
    '<h1>Sök</h1><form action="/sok"><label for="q">Sök i riktlinjerna</label>'
    '<input id="q" name="q" value="{{ query }}"><button>Sök</button></form>'
    '{% if result %}<p>{{ result.total }} träffar</p><ol>{% for hit in result.hits %}'
    '<li><a href="{{ hit.doc.url }}">{{ hit.heading }}</a><p>{{ hit.doc.title }}</p><p>{{ hit.snippet }}</p></li>'
    '{% endfor %}</ol>{% endif %}')


@app.get("/sok")
def search():
    user = signed_in()
    query = (request.args.get("q") or "").strip()[:200]
    result = INDEX.search(query) if query else None
    return page(app, "Sök", RESULTS.render(query=query, result=result), user)
