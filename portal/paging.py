"""Lists shown 50 rows a page (?sida=N): the case list, the managers' inbox, the audit log.

A page past the end shows the last page, however large its number; a page that is not a
positive whole number (letters, 0, -1, "²") shows the first. The template side is
portal/templates/macros/pagination.html (``showing`` and ``pagination``)."""
from __future__ import annotations

from collections.abc import Callable

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from .extensions import db

PER_PAGE = 50
# More pages than any list has: a longer number is past the end (and never reaches int() or SQL).
_BEYOND_ANY_LIST = 10 ** 9


def requested_page() -> int:
    page = request.args.get("sida", "1").strip()
    if not (page.isascii() and page.isdigit()):
        return 1
    if len(page) > 9:
        return _BEYOND_ANY_LIST
    return int(page) or 1


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


class _ReadPage(Pagination):
    """A page whose rows the caller has read: paginate_from_either_end's."""

    def _query_items(self) -> list:
        return self._query_args["items"]

    def _query_count(self) -> int:
        return self._query_args["total"]


def paginate_from_either_end(ordered: Callable[[int, bool], Select], *, total: int, per_page: int = PER_PAGE):
    """One page of a list of ``total`` ids, read from whichever end of the list is nearer.

    ``ordered(n, newest)`` is the list's SELECT of ids in its own order (newest=True) or the
    opposite one (newest=False), exact for the first ``n``. A page in the back half is read from
    the far end and turned round: the last of a hundred pages costs what the first does, not
    the skipping of every row in front of it. The order must be total (ties broken), so the
    two directions are exact mirrors."""
    page = shown_page(total, per_page)
    offset = (page - 1) * per_page
    through = min(offset + per_page, total)   # rows from the front up to the end of this page
    behind = total - offset                   # rows from the back up to the start of this page
    if through <= behind:
        items = list(db.session.scalars(ordered(through, True).offset(offset).limit(per_page)))
    else:
        skip = total - through
        items = list(db.session.scalars(ordered(behind, False).offset(skip).limit(behind - skip)))[::-1]
    return _ReadPage(page=page, per_page=per_page, max_per_page=None, error_out=False, count=True, items=items,
                     total=total)
