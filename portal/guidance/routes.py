from __future__ import annotations

import threading
from typing import Callable

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from ..caching import content_last_modified, public_page
from ..cases.access import load_case
from ..pdf import pdf_response
from ..web.guards import staff_required
from ..web.tx import saving
from . import checklist as checklist_rules
from . import pdfcache
from .content import GREEN_CARD, ROLE_GROUPS, Content
from .forms import build_form, submitted_keys
from .search import KIND_LABELS, MAX_QUERY_LENGTH

bp = Blueprint("guidance", __name__, template_folder="templates")
_pdf_lock = threading.Lock()

# The guidance's own navigation, shown on each of its pages.
SECTION_NAV = [
    ("guidance.index", "Riktlinjer"),
    ("guidance.roles", "Roller och ansvar"),
    ("guidance.glossary", "Ordlista"),
    ("guidance.search", "Sök"),
]


def current_content() -> Content:
    return current_app.extensions["guidance"].get()


def shared_page(content: Content, template: str, context: Callable[[], dict], *, title: str, key: str = "",
                crumb: str | None = None) -> str:
    """A guidance page whose body is the same for every reader (a guideline, the list, the roles,
    the glossary). The body, ``template`` rendered with ``context()``, is rendered once per content
    version and kept with it (a reload makes a new Content, and with it new bodies); the frame
    around it (menu, session, the guidance menu, the content's error notice) is rendered for every
    request, so a signed-in reader's page costs only that."""
    cache_key = (template, key, request.script_root)
    body = content.rendered.get(cache_key)
    if body is None:
        body = content.rendered[cache_key] = Markup(render_template(template, **context()))
    return render_template("guidance/page.html", title=title, crumb=crumb, body=body)


@bp.app_context_processor
def _guidance_helpers():
    return {"guidance_nav": SECTION_NAV}


@bp.context_processor
def _content_error():
    store = current_app.extensions["guidance"]
    return {"content_error": store.error if store.reloading else None,
            "static_export": current_app.config.get("PORTAL_STATIC_EXPORT", False)}


@bp.route("/riktlinjer/")
@public_page(content_last_modified)
def index():
    content = current_content()
    return shared_page(content, "guidance/_index_body.html",
                       lambda: {"guidelines": list(content.guidelines.values())}, title="Riktlinjer och rutiner")


@bp.route("/riktlinjer/<slug>")
@public_page(content_last_modified)
def guideline(slug: str):
    content = current_content()
    g = content.guidelines.get(slug)
    if g is None:
        abort(404)
    return shared_page(content, "guidance/_guideline_body.html", lambda: {
        "g": g, "terms": [content.term(s) for s in g.terms if content.term(s)],
        "related": _related_roles(content, slug)}, title=g.title, key=slug, crumb=g.title)


@bp.route("/riktlinjer/<slug>.pdf")
@public_page(content_last_modified)
def guideline_pdf(slug: str):
    content = current_content()
    if slug not in content.guidelines:
        abort(404)
    # Rendered once per content version and kept with it (1.5–5 s each), whoever asks and whatever
    # the query string: the same for every visitor, like the pages' bodies (shared_page). Prepared
    # ahead by `portal guidance prerender` into the instance folder, read from there first (issue 32).
    # The content may be shared by several apps in one process (tests): the PDF budget is part of the key.
    cache_key = ("pdf", slug, current_app.config["PORTAL_BASE_URL"], current_app.config.get("PORTAL_PDF_MAX_CHARS"),
                 current_app.config.get("PORTAL_PDF_SECONDS"))
    data = content.rendered.get(cache_key)
    if data is None:
        with _pdf_lock:  # one render per PDF, even when many ask at once (threaded servers)
            data = content.rendered.get(cache_key)
            if data is None:
                data = content.rendered[cache_key] = pdfcache.read(content, slug) or pdfcache.render(content, slug)
    response = pdf_response(data, f"{slug}.pdf")
    # Published guidance holds no personal data: it may be cached like any public document.
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _related_roles(content: Content, slug: str):
    return [r for group in content.roles.values() for r in group if r.source.guideline == slug]


@bp.route("/roller/")
@public_page(content_last_modified)
def roles():
    content = current_content()
    return shared_page(content, "guidance/_roles_body.html", lambda: {"content": content, "groups": ROLE_GROUPS},
                       title="Roller och ansvar")


@bp.route("/ordlista/")
@public_page(content_last_modified)
def glossary():
    content = current_content()
    return shared_page(content, "guidance/_glossary_body.html", lambda: {"content": content}, title="Ordlista")


@bp.route("/sok")
@public_page(content_last_modified, query=("q",))
def search():
    content = current_content()
    query = (request.args.get("q") or "").strip()[:MAX_QUERY_LENGTH]
    result = content.search.search(query) if query else None
    return render_template("guidance/search.html", query=query, content=content,
                           results_html=_results_html(query, result, asked=request.args.get("q") is not None))


RENDERED_SPELLINGS = 4   # ways of typing one query whose results' HTML is kept with the result


def _results_html(query: str, result, *, asked: bool) -> Markup:
    """The results part of the search page. It is the same for every reader, so it is kept with
    the (cached) search result and not rendered again for every signed-in request (issue 32)."""
    if result is None:
        return Markup(render_template("guidance/_search_results.html", result=None, asked=asked, query=query))
    key = (query, request.script_root)
    html = result.rendered.get(key)
    if html is None:
        html = Markup(render_template("guidance/_search_results.html", result=result, asked=asked, query=query,
                                      kinds=KIND_LABELS))
        if len(result.rendered) < RENDERED_SPELLINGS:
            result.rendered[key] = html
    return html


# --- The green card checklist on the case page ------------------------------------------

def checklist_panel(case, user):
    content = current_content()
    checklist = content.checklists.get(GREEN_CARD)
    if checklist is None or not user.works_with_cases:
        return None
    ticks = checklist_rules.history(case.id, checklist.key)
    item_states = checklist_rules.states(checklist, ticks)
    texts = {i.key: i.text for i in checklist.items()}
    return {
        "checklist": checklist,
        "source": content.guidelines.get(checklist.source),
        "states": item_states,
        "form": build_form(checklist, item_states),
        "history": [(t, texts.get(t.item_key, t.item_key)) for t in reversed(ticks)],
        "done": sum(1 for _, items in item_states for s in items if s.ticked),
        "total": sum(len(items) for _, items in item_states),
        "editable": case.is_open,
    }


@bp.route("/arenden/<ref>/checklista", methods=["GET", "POST"])
@staff_required
@load_case
def checklist_update(case):
    target = url_for("cases.view", ref=case.ref) + "#checklista"
    if request.method == "GET":
        return redirect(target)
    checklist = current_content().checklists.get(GREEN_CARD)
    if checklist is None or not case.is_open:
        abort(404)
    item_states = checklist_rules.states(checklist, checklist_rules.history(case.id, checklist.key))
    form = build_form(checklist, item_states, formdata=request.form)
    if not form.validate():
        flash("Checklistan kunde inte sparas. Ladda om sidan och försök igen.", "error")
        return redirect(target)
    current = {s.key: s.ticked for _, items in item_states for s in items}
    shown = set((form.shown.data or "").split())
    changes = checklist_rules.changes_to_apply(shown, submitted_keys(form, item_states), current, set(current))
    if not changes:
        flash("Inget ändrades i checklistan.", "info")
        return redirect(target)
    with saving(flash_other=True) as saved:
        checklist_rules.record_changes(case, checklist.key, changes, current_user)
    if saved:
        flash(f"Checklistan är sparad ({len(changes)} {'ändring' if len(changes) == 1 else 'ändringar'}).", "success")
    return redirect(target)
