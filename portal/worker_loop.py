"""The loop of a background worker (`portal outbox run --loop`, `portal exports run`): rounds until
stopped by SIGTERM or Ctrl+C; a failing round is logged (its class only: never personal data) and
the next one retries."""
from __future__ import annotations

import logging
import signal
import threading
from typing import Callable

from .extensions import db


def run_rounds(stop: threading.Event, interval: float, one_round: Callable[[], object], log: logging.Logger,
               name: str) -> None:
    """`one_round()` every `interval` seconds until `stop` is set."""
    while not stop.is_set():
        try:
            one_round()
        except Exception as exc:  # noqa: BLE001 - keep the worker alive; the next round retries
            log.error("%s round failed: %s", name, type(exc).__name__)
            db.session.rollback()
        finally:
            db.session.remove()
        stop.wait(interval)


def until_signalled(loop: Callable[[threading.Event], None]) -> None:
    """Runs `loop(stop)`; SIGTERM and SIGINT set `stop`. The previous handlers are put back."""
    stop = threading.Event()

    def _stop(_signum, _frame):
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        loop(stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
