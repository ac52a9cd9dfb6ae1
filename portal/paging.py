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


def last_page(total: int, per_page: int = PER_PAGE) -> int:
    """The number of the last page of ``total`` rows (1 when there are none)."""
    return max(1, -(-total // per_page))


def shown_page(total: int, per_page: int = PER_PAGE) -> int:
    """The page that paginate(..., total=total) shows for this request."""
    return min(requested_page(), last_page(total, per_page))


def paginate(query, *, total: int, per_page: int = PER_PAGE):
    """One page of ``query`` (ordered), of ``total`` rows in all: every list counts its rows its
    own cheap way (the case list per unit, the inbox from its entries), so no COUNT is run here."""
    pages = db.paginate(query, page=shown_page(total, per_page), per_page=per_page, error_out=False, count=False)
    pages.total = total
    return pages
