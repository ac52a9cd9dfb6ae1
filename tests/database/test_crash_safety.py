"""Crash safety with real processes: nothing the portal confirmed is lost when its processes die.

The same tests run on both databases: on a file-based SQLite database in the SQLite pass, and on
the throwaway MariaDB server in the MariaDB pass of `make test`.

1. The portal runs under gunicorn (3 sync workers) on the database. Threads of
   signed-in users submit records concurrently over loopback, each with a CSRF token fetched from
   the form. Midway the workers are killed with SIGKILL (gunicorn starts new ones), later two of
   them, and later the master and every worker (a new gunicorn is started on the same database).
   Every submission that got its confirmation (the redirect to the saved record) must be in the
   database, nothing may be there twice, and the database must pass its integrity check
   (`PRAGMA integrity_check` on SQLite, `CHECK TABLE` on MariaDB).
2. The outbox: messages are queued, two `portal outbox run --loop` workers deliver them to a real
   SMTP server (aiosmtpd); one is killed with SIGKILL midway, the other finishes, a restarted worker
   takes over what the dead one held. Every queued message arrives, and a Message-ID arrives twice
   only for the message the killed worker was sending (never for one committed as sent)."""
from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
import requests

from tests.helpers import MYSQL_URL
from tests.support.database import fresh_database
from tests.support.crash import (Gunicorn, free_port, integrity_problems, login_session, portal_env, prepare_database,
                                 rows, run_dir, run_python)
from tests.support.smtp_server import SmtpSink

pytestmark = pytest.mark.slow


@pytest.fixture
def database_url(migrated_template, tmp_path) -> str:
    """An empty database for the processes: a new SQLite file, or the MariaDB test database emptied
    (the next test empties what these processes wrote, as after any other test)."""
    if MYSQL_URL:
        return fresh_database(migrated_template, tmp_path)
    return f"sqlite:///{tmp_path / 'portal.sqlite3'}"

THREADS = 6
PER_THREAD = 30
UNIT = "solbackens-skola"


@dataclass
class Tally:
    confirmed: dict[str, str] = field(default_factory=dict)   # marker -> what the portal confirmed
    attempted: list[str] = field(default_factory=list)
    failed: Counter = field(default_factory=Counter)          # error class -> count
    lock: threading.Lock = field(default_factory=threading.Lock)


# --- What is submitted ----------------------------------------------------------------------

def _token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def submit_deviation(session: requests.Session, base: str, marker: str) -> str | None:
    """File a deviation report: the form (to the check-answers page), then the signature. The
    confirmation is the redirect to the sent report's page."""
    token = _token(session.get(base + "/avvikelser/ny", timeout=30).text)
    response = session.post(base + "/avvikelser/ny", data={
        "csrf_token": token, "reporter_unit": UNIT, "case_ref": "",
        "event__event_date-day": "3", "event__event_date-month": "2", "event__event_date-year": "2026",
        "event__concerned_unit": "ifo-barn-och-familj", "event__kind": "kallelse",
        "client__initials_or_age": "", "description__reason": marker,
        "description__consequences_child": "Barnet fick vänta på stöd.", "description__consequences_services": "",
        "description__proposed_measures": "Påminnelse efter fem arbetsdagar.", "action": "continue"},
        allow_redirects=False, timeout=30)
    review = response.headers.get("Location", "")
    if response.status_code != 302 or not review.endswith("/granska"):
        return None
    review_url = review if review.startswith("http") else base + review
    token = _token(session.get(review_url, timeout=30).text)
    name = getattr(session, "signer_name", "")
    response = session.post(review_url, data={"csrf_token": token, "signed_name": name, "confirm": "y"},
                            allow_redirects=False, timeout=30)
    location = response.headers.get("Location", "")
    if response.status_code == 302 and re.search(r"/avvikelser/[A-Z0-9]{8}$", location):
        return location.rsplit("/", 1)[1]
    return None


def stored_deviations(url) -> dict[str, list[str]]:
    """Reports that were sent (signed and routed), by their marker."""
    import json

    found: dict[str, list[str]] = {}
    for record, ref in rows(url, "SELECT record, ref FROM deviation_reports WHERE status != 'draft' "
                                 "AND reporter_signed_at IS NOT NULL"):
        marker = (json.loads(record).get("description") or {}).get("reason", "")
        if marker.startswith("Kraschrapport "):
            found.setdefault(marker, []).append(ref)
    return found


SUBMIT, STORED, MARKER = submit_deviation, stored_deviations, "Kraschrapport {thread:02d}-{n:03d}"
TABLES = ["deviation_reports", "audit_events", "outbox_messages"]


# --- The run ----------------------------------------------------------------------------------

def _wait_until_up(base: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)


def _submitter(base: str, email: str, thread: int, tally: Tally, stop: threading.Event, limit: int = PER_THREAD):
    session = None
    for n in range(limit):
        if stop.is_set():
            return
        marker = MARKER.format(thread=thread, n=n)
        try:
            if session is None:
                session = login_session(base, email)
                session.signer_name = email.split("@")[0].title()  # the account name, to sign with
            with tally.lock:
                tally.attempted.append(marker)
            confirmation = SUBMIT(session, base, marker)
            if confirmation:
                with tally.lock:
                    tally.confirmed[marker] = confirmation
            else:
                with tally.lock:
                    tally.failed["not confirmed"] += 1
        except (requests.RequestException, AttributeError, AssertionError) as exc:
            with tally.lock:
                tally.failed[type(exc).__name__] += 1
            _wait_until_up(base)


def test_confirmed_submissions_survive_sigkill_of_workers_and_master(database_url, tmp_path, capsys):
    port = free_port()
    env = portal_env(database_url, tmp_path, port)
    emails = [f"krasch{i}@arjeplog.example" for i in range(THREADS)]
    prepare_database(env, [(e, "staff", [UNIT]) for e in emails])
    log = tmp_path / "gunicorn.log"
    server = Gunicorn(env, port, workers=3, log=log).start()
    tally, stop = Tally(), threading.Event()
    threads = [threading.Thread(target=_submitter, args=(server.url, e, i, tally, stop), daemon=True)
               for i, e in enumerate(emails)]
    total = THREADS * PER_THREAD
    kills = []
    try:
        for t in threads:
            t.start()

        def reach(share):
            deadline = time.monotonic() + 300
            while len(tally.confirmed) < total * share and time.monotonic() < deadline:
                if not any(t.is_alive() for t in threads):
                    return
                time.sleep(0.01)

        reach(0.2)
        kills.append(("every worker", server.kill_workers()))
        server.wait_for_workers()
        reach(0.45)
        kills.append(("two workers", server.kill_workers(2)))
        server.wait_for_workers()
        reach(0.7)
        server.kill_all()
        kills.append(("master and workers", server.killed_pids[-4:]))
        server = Gunicorn(env, port, workers=3, log=log).start()
        for t in threads:
            t.join(timeout=600)
    finally:
        stop.set()
        server.stop()

    assert integrity_problems(database_url, TABLES) == []
    found = STORED(database_url)
    lost = sorted(set(tally.confirmed) - set(found))
    twice = sorted(m for m, refs in found.items() if len(refs) > 1)
    phantom = sorted(set(found) - set(tally.attempted))
    with capsys.disabled():
        print(f"\ncrash test ({SUBMIT.__name__}, {database_url.split(':')[0]}): {len(tally.attempted)} submitted, {len(tally.confirmed)} confirmed, "
              f"{len(set(found) & set(tally.confirmed))} confirmed found, {len(found)} stored in all "
              f"(unconfirmed but stored: {len(set(found) - set(tally.confirmed))}); failures {dict(tally.failed)}; "
              f"SIGKILLs: {[(what, len(p)) for what, p in kills]}")
    assert not lost, f"confirmed but missing after the crashes: {lost}"
    assert not twice, f"stored twice: {twice}"
    assert not phantom
    assert len(tally.confirmed) >= total * 0.7, "too few confirmed submissions for the test to mean something"
    assert sum(tally.failed.values()) > 0, "no request was interrupted: the kills came too late to test anything"
    for marker, ref in tally.confirmed.items():
        assert ref in found[marker]


# --- A backup while reports come in ----------------------------------------------------------

def test_a_backup_taken_while_reports_come_in_restores_every_report_confirmed_before_it(database_url, tmp_path,
                                                                                        capsys):
    """`portal backup` runs while the portal (gunicorn) takes reports from several users; after the
    run `portal restore` puts the backup back. The restored database passes its integrity check and
    holds every report confirmed before the backup started, nothing twice, and nothing that was
    never submitted: a consistent snapshot, not a torn copy."""
    port = free_port()
    env = portal_env(database_url, tmp_path, port)
    emails = [f"kopia{i}@arjeplog.example" for i in range(3)]
    prepare_database(env, [(e, "staff", [UNIT]) for e in emails])
    server = Gunicorn(env, port, workers=3, log=tmp_path / "gunicorn.log").start()
    tally, stop = Tally(), threading.Event()
    # The users go on reporting until the backup is done and some more reports came after it, however
    # fast the portal takes them: the backup is always taken in the middle of the stream.
    threads = [threading.Thread(target=_submitter, args=(server.url, e, i, tally, stop, 400), daemon=True)
               for i, e in enumerate(emails)]
    backup_file = tmp_path / "kopior" / "portal.bak"
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 300
        while len(tally.confirmed) < 20 and time.monotonic() < deadline and any(t.is_alive() for t in threads):
            time.sleep(0.01)
        with tally.lock:
            confirmed_before = dict(tally.confirmed)
        done = subprocess.run([sys.executable, "-m", "portal", "backup", str(backup_file)], cwd=run_dir(env), env=env,
                              capture_output=True, text=True, timeout=300)
        with tally.lock:
            confirmed_during = len(tally.confirmed) - len(confirmed_before)
            after_backup = len(tally.confirmed) + 10
        deadline = time.monotonic() + 120
        while len(tally.confirmed) < after_backup and time.monotonic() < deadline and any(t.is_alive() for t in threads):
            time.sleep(0.01)
        stop.set()
        for t in threads:
            t.join(timeout=600)
    finally:
        stop.set()
        server.stop()
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Säkerhetskopian är skriven" in done.stdout
    assert oct(backup_file.stat().st_mode & 0o777) == "0o600"  # it holds children's data
    everything = STORED(database_url)
    assert set(tally.confirmed) <= set(everything)

    restored = subprocess.run([sys.executable, "-m", "portal", "restore", "--yes", str(backup_file)],
                              cwd=run_dir(env), env=env, capture_output=True, text=True, timeout=300)
    assert restored.returncode == 0, restored.stderr[-3000:]
    assert integrity_problems(database_url, TABLES) == []
    found = STORED(database_url)
    with capsys.disabled():
        print(f"\nbackup under load ({database_url.split(':')[0]}): {len(tally.confirmed)} confirmed in all, "
              f"{len(confirmed_before)} before the backup, {confirmed_during} while the backup command ran, "
              f"{len(found)} in the restored backup")
    assert set(confirmed_before) <= set(found), "a report confirmed before the backup is missing from it"
    assert all(len(refs) == 1 for refs in found.values())
    assert set(found) <= set(tally.attempted)
    assert len(found) < len(everything), "the backup was taken after every report: it proves nothing"
    for marker in found:
        assert found[marker] == everything[marker]  # the same report, not a half-written one


# --- The outbox -------------------------------------------------------------------------------

class SlowSink(SmtpSink):
    """A real SMTP server that takes a little time per message, so a kill lands mid-conversation."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.03)
        return await super().handle_DATA(server, session, envelope)


MESSAGES = 150


def _outbox_worker(env: dict, log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "portal", "outbox", "run", "--loop", "--interval", "0.2"],
                            cwd=run_dir(env), env=env, stdout=log, stderr=log)


def _rows(url):
    return rows(url, "SELECT id, message_id, status, claimed_by FROM outbox_messages")


def test_outbox_workers_killed_midway_lose_nothing_and_resend_only_what_was_in_flight(database_url, tmp_path,
                                                                                     capsys):
    sink = SlowSink().start()
    env = portal_env(database_url, tmp_path, free_port(), PORTAL_DEV_MAILBOX="0", PORTAL_SMTP_HOST="127.0.0.1",
                     PORTAL_SMTP_PORT=sink.port, PORTAL_SMTP_TIMEOUT=10)
    prepare_database(env, [])
    run_python(
        "from portal import create_app\n"
        "from portal.extensions import db\n"
        "from portal.notify import queue_email\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        f"    for i in range({MESSAGES}):\n"
        "        queue_email(to=f'mottagare{i}@familj.example', template='notify/email/test', context={},"
        " kind='crash.test')\n"
        "    db.session.commit()\n", env)
    queued = {row[1] for row in _rows(database_url)}
    assert len(queued) == MESSAGES
    log = open(tmp_path / "outbox.log", "ab")
    first, second = _outbox_worker(env, log), _outbox_worker(env, log)
    try:
        assert sink.wait_for(MESSAGES // 3, timeout=120)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        in_flight = {mid for _id, mid, status, claimed in _rows(database_url)
                     if status == "sending" and claimed and f":{first.pid}:" in claimed}
        acknowledged_at_kill = {mid for _id, mid, status, _c in _rows(database_url) if status == "sent"}
        # The survivor delivers everything it can; the dead worker's claim waits out its stale time.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            statuses = Counter(status for _i, _m, status, _c in _rows(database_url))
            if statuses["waiting"] == 0 and statuses["sending"] <= len(in_flight):
                break
            time.sleep(0.2)
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0
        # Restarted after the stale time (PORTAL_OUTBOX_STALE_MINUTES=0 stands in for waiting it out).
        restart = subprocess.run([sys.executable, "-m", "portal", "outbox", "run"], cwd=run_dir(env),
                                 env={**env, "PORTAL_OUTBOX_STALE_MINUTES": "0"}, capture_output=True, text=True,
                                 timeout=120)
        assert restart.returncode == 0, restart.stderr[-2000:]
    finally:
        for proc in (first, second):
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        log.close()
        sink.stop()

    final = _rows(database_url)
    assert Counter(status for _i, _m, status, _c in final) == {"sent": MESSAGES}
    arrived = Counter(m["Message-ID"] for m in sink.messages)
    assert integrity_problems(database_url, ["outbox_messages"]) == []
    twice = {mid for mid, n in arrived.items() if n > 1}
    with capsys.disabled():
        print(f"\noutbox crash test ({database_url.split(':')[0]}): {MESSAGES} queued, "
              f"{len(acknowledged_at_kill)} sent before the kill, "
              f"{len(in_flight)} in flight in the killed worker, {sum(arrived.values())} arrived, "
              f"{len(arrived)} distinct, {len(twice)} twice")
    assert set(arrived) == queued, "a queued message never arrived"
    assert max(arrived.values()) <= 2
    assert twice <= in_flight, "a message was sent twice that was not in the killed worker's hands"
    assert not twice & acknowledged_at_kill
