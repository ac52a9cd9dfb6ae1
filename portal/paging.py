"""Lists shown 50 rows a page (?sida=N): the case list, the managers' inbox.

A page past the end shows the last page; a page that is not a number shows the first. The
template side is portal/templates/macros/pagination.html (``showing`` and ``pagination``)."""
from __future__ import annotations

from flask import request

from .extensions import db

PER_PAGE = 50


def requested_page() -> int:
    page = request.args.get("sida", "1")
    return int(page) if page.isdigit() and 0 < len(page) < 6 and int(page) > 0 else 1


def paginate(query, per_page: int = PER_PAGE, total: int | None = None):
    """One page of ``query`` (ordered). Give ``total`` when it is already known (it saves the
    COUNT query); otherwise the pagination counts the rows itself."""
    page = requested_page()
    if total is not None:
        last = max(1, -(-total // per_page))
        pages = db.paginate(query, page=min(page, last), per_page=per_page, error_out=False, count=False)
        pages.total = total
        return pages
    pages = db.paginate(query, page=page, per_page=per_page, error_out=False)
    if page > 1 and pages.pages and page > pages.pages:  # past the end: the last page
        pages = db.paginate(query, page=pages.pages, per_page=per_page, error_out=False)
    return pages
