"""`portal outbox ...` from the command line, as scripts/serve.sh and administrators use it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import create_engine, text

from tests.helpers import ROOT
from tests.support.notify import outbox_rows, queue_notes, with_test_templates


def test_outbox_run_delivers_what_is_waiting(app_factory, smtp_sink):
    app = with_test_templates(app_factory(**smtp_sink.config()))
    smtp_sink.start()
    queue_notes(app, count=2)
    result = app.test_cli_runner().invoke(args=["outbox", "run"])
    assert result.exit_code == 0, result.output
    assert "Skickade 2 via e-postservern. Försöks igen senare: 0. Misslyckades: 0." in result.output
    assert len(smtp_sink.messages) == 2

    status = app.test_cli_runner().invoke(args=["outbox", "status"])
    assert "Skickat: 2" in status.output and "Väntar: 0" in status.output


def test_outbox_run_refuses_to_start_without_a_way_to_deliver(app_factory):
    app = app_factory(PORTAL_DEV_MAILBOX=False, PORTAL_SMTP_HOST="")
    result = app.test_cli_runner().invoke(args=["outbox", "run"])
    assert result.exit_code != 0
    assert "Ingen e-postserver är inställd" in result.output


def test_send_test_queues_a_test_message_that_the_worker_delivers(app_factory, smtp_sink):
    app = app_factory(**smtp_sink.config())
    smtp_sink.start()
    runner = app.test_cli_runner()
    queued = runner.invoke(args=["outbox", "send-test", "--to", "it@kommun.example"])
    assert queued.exit_code == 0 and "ligger i kön" in queued.output
    assert runner.invoke(args=["outbox", "send-test", "--to", "inte en adress"]).exit_code != 0
    runner.invoke(args=["outbox", "run"])
    [mail] = smtp_sink.messages
    assert mail["Subject"] == "Provmeddelande från Samverkansportalen"
    assert mail["To"] == "it@kommun.example"


def _portal(*args, env, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "portal", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def _env(app, **extra):
    env = dict(os.environ, PORTAL_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], PORTAL_SECRET_KEY="test",
               PORTAL_BASE_URL="http://portal.test", PYTHONUNBUFFERED="1")
    env.pop("PORTAL_SMTP_HOST", None)
    env.update(extra)
    return env


def test_the_portal_command_lists_outbox_so_serve_sh_starts_the_worker(app):
    # scripts/serve.sh: `portal --help | grep -q '^  outbox'`
    proc = _portal("--help", env=_env(app))
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert any(line.startswith("  outbox") for line in out.splitlines())


def test_the_looping_worker_delivers_and_stops_cleanly_on_sigterm(app_factory):
    app = with_test_templates(app_factory(PORTAL_DEV_MAILBOX=True, PORTAL_SMTP_HOST=""))
    [message_id] = queue_notes(app)
    proc = _portal("outbox", "run", "--loop", "--interval", "0.1", env=_env(app, PORTAL_DEV_MAILBOX="1"))
    try:
        assert "Avsluta med Ctrl+C" in proc.stdout.readline()
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        deadline = time.monotonic() + 60  # a safety limit, not a timing assertion
        status = None
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                status = conn.execute(text("SELECT status FROM outbox_messages WHERE id = :id"), {"id": message_id}).scalar()
            if status == "sent":
                break
            time.sleep(0.1)
        engine.dispose()
        assert status == "sent"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Utskicksarbetaren har stoppats." in out
    assert "Traceback" not in err
    [row] = outbox_rows(app)
    assert (row.status, row.transport) == ("sent", "local")
