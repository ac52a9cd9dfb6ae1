"""Answers kept for one transaction: a case page asks the same question of several panels (which
process the case follows, which consents it has), and each asking was a statement (issue 32).

``remembered(key, models, compute)`` gives ``compute()``'s answer, kept in the session under
``key`` until the next flush, commit or rollback. While the session holds unflushed changes to
any of ``models`` the answer is computed again (a query would have flushed them first), so a
caller never sees less than a query would have shown it."""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db

_INFO = "portal_memo"


def remembered(key: tuple, models: tuple[type, ...], compute: Callable[[], Any]) -> Any:
    session = db.session()
    kept = session.info.setdefault(_INFO, {})
    if key in kept and not _changed(session, models):
        return kept[key]
    value = compute()                      # may flush, which empties the session's memo
    session.info.setdefault(_INFO, {})[key] = value
    return value


def _changed(session: Session, models: tuple[type, ...]) -> bool:
    return any(isinstance(o, models) for o in (*session.new, *session.dirty, *session.deleted))


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session, *args) -> None:
    session.info.pop(_INFO, None)
