"""A real SMTP server for tests (aiosmtpd), collecting what it receives.

    def test_x(smtp_sink, app_factory):  # smtp_sink: the fixture in tests/conftest.py
        app = app_factory(**smtp_sink.config())
        ...
        assert smtp_sink.messages[0]["Subject"] == "..."
"""
from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """Not started until start(): the port is reserved in the config so 'server down' can be tested."""

    def __init__(self):
        self.port = free_port()
        self.messages = []       # email.message.EmailMessage, in arrival order
        self.envelopes = []      # (mail_from, [rcpt_tos])
        self.reject: dict[str, str] = {}  # recipient -> SMTP reply, e.g. "550 5.1.1 Okänd mottagare"
        self.controller = None
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)

    def config(self, **extra) -> dict:
        values = {"PORTAL_DEV_MAILBOX": False, "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": self.port,
                  "PORTAL_SMTP_TIMEOUT": 10}
        values.update(extra)
        return values

    def start(self) -> SmtpSink:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return self.reject[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._arrived:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 20) -> bool:
        """Block until `count` messages have arrived (a safety timeout, not a timing assertion)."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.messages) >= count, timeout)
