"""The guidance as the app serves it: parsed (content.py), indexed for search (search.py) and
kept per app.

    content = load_content(Path("content"))      # raises ContentError naming file and line

ContentStore keeps the parsed content in app.extensions["guidance"]; it is parsed once, and
re-read when a file changes on disk only with PORTAL_DEV_RELOAD_CONTENT or app.debug."""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable

from .content import Content, ContentError, Report, fingerprint, parse_all
from .search import build_index

log = logging.getLogger("portal.guidance")


def load_content(root: Path) -> Content:
    """Parse and index the content; raises ContentError on the first broken file."""
    report = Report(Path(root))
    content = parse_all(Path(root), report)
    if report.errors:
        raise ContentError(report.errors)
    content.search = build_index(content)
    return content


# Parsed content shared by every app in the process (tests build many apps on the same files).
_shared: dict[str, Content] = {}
_shared_lock = threading.Lock()


def load_cached(root: Path) -> Content:
    key = str(Path(root).resolve())
    with _shared_lock:
        cached = _shared.get(key)
        if cached is not None and cached.fingerprint == fingerprint(Path(root)):
            return cached
        content = load_content(Path(root))
        _shared.pop(key, None)
        _shared[key] = content
        while len(_shared) > 8:        # a handful of content folders per process (tests use copies)
            _shared.pop(next(iter(_shared)))
        return content


class ContentStore:
    """app.extensions["guidance"]: the current content; re-read on change only when `reload`."""

    def __init__(self, root: Path, reload: bool | Callable[[], bool] = False):
        self.root = Path(root)
        self._reload = reload
        self._lock = threading.Lock()
        self.error: ContentError | None = None
        self._failed: tuple | None = None
        self.content = load_cached(self.root)

    @property
    def reloading(self) -> bool:
        return bool(self._reload() if callable(self._reload) else self._reload)

    def get(self) -> Content:
        if not self.reloading:
            return self.content
        stamp = fingerprint(self.root)
        if stamp != self.content.fingerprint and stamp != self._failed:
            with self._lock:
                if fingerprint(self.root) != self.content.fingerprint:
                    try:
                        self.content = load_cached(self.root)
                        self.error = None
                        log.info("Content re-read from %s", self.root)
                    except ContentError as exc:
                        # Keep serving the last good content; the pages never fail on a bad edit.
                        if self.error is None or str(self.error) != str(exc):
                            log.warning("Content not re-read: %s", exc)
                        self.error = exc
                        self._failed = stamp
        return self.content
